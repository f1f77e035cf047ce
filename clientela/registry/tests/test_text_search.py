"""The list free-text filter and global search give the same rows, count and order whether or not the
index-only shortcut (`registry.text_search`) serves them, and the shortcut never outlives the query it was
built for."""

import datetime

from django.http import QueryDict
from django.utils import timezone

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.registry import entities
from clientela.registry.selectors import ListQuery, capped_count, record_list, search_top
from clientela.registry.visibility import entity_for


def _people(admin):
    rows = [("Garcilaso", "Vega", ""), ("Ana", "García", ""), ("Luis", "Pérez", "Garcés consultant"),
            ("Marta", "Gómez", ""), ("Pedro", "garcía", "")] + [(f"Ana{n}", "García", "") for n in range(30)]
    now = timezone.now()
    for n, (first, last, title) in enumerate(rows):
        contact = factories.contact(admin, first=first, last=last, job_title=title)
        Contact.objects.filter(pk=contact.pk).update(updated_at=now - datetime.timedelta(minutes=n))


def test_free_text_pages_are_the_same_rows_in_the_same_order(in_acme):
    admin = in_acme.users["admin"]
    _people(admin)
    entity = entity_for(admin, entities.get("contacts"))
    for params in ("q=garc", "q=garc&page=2", "q=Garc&sort=updated_at", "q=garc&sort=name", "q=ana garc", "q=zz"):
        query = ListQuery.from_params(entity, QueryDict(params))
        listed = record_list(entity, admin, query)
        plain = listed.filter(pk__isnull=False)  # any later filter: the plain OR query
        offset = (query.page - 1) * query.per_page
        assert [c.pk for c in listed[offset: offset + 26]] == [c.pk for c in plain[offset: offset + 26]], params
        assert capped_count(listed) == capped_count(plain), params
    garc = record_list(entity, admin, ListQuery.from_params(entity, QueryDict("q=garc")))
    assert capped_count(garc) == (34, True)
    assert "Marta" not in {c.first_name for c in garc[:50]}


def test_a_later_filter_is_honoured(in_acme):
    admin = in_acme.users["admin"]
    _people(admin)
    entity = entity_for(admin, entities.get("contacts"))
    listed = record_list(entity, admin, ListQuery.from_params(entity, QueryDict("q=garc")))
    narrowed = listed.filter(first_name="Pedro")
    assert [c.first_name for c in narrowed[:26]] == ["Pedro"]
    assert capped_count(narrowed) == (1, True)
    with_tags = listed.prefetch_related("tags")[:3]  # a later prefetch is kept too
    assert all("tags" in c._prefetched_objects_cache for c in with_tags)


def test_global_search_by_name_is_the_same_ten_in_name_order(in_acme):
    admin = in_acme.users["admin"]
    _people(admin)
    entity = entity_for(admin, entities.get("contacts"))
    queryset = entity.base_queryset()
    order = (*entity.order_fields("name"), "pk")
    for text in ("garc", "GARC", "ana", "ana garc", "Garcilaso", "zz"):
        plain = list(entity.search(queryset, text).order_by(*order)[:10])
        assert [c.pk for c in search_top(entity, queryset, text)] == [c.pk for c in plain], text
    found = search_top(entity, queryset, "garc")
    assert len(found) == 10 and {c.last_name.lower() for c in found} == {"garcía"}
    assert [c.last_name for c in search_top(entity, queryset, "ana garc")][:1] == ["García"]


def test_the_covering_indexes_exist(db):
    """They are created by raw SQL (migrations customers/0006 and 0007), unknown to Django's migration state:
    a later migration that rebuilds the table on SQLite would drop them without a word."""
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "customers_contact")
    names = {"contact_first_cover_idx", "contact_last_cover_idx", "contact_title_cover_idx"}
    assert names <= {name for name, info in indexes.items() if info["index"]}
