"""The value-based reading of many records (lists, the sync feed) gives exactly what one record's reading gives."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientela.api.fields import output_queryset, record_fields, row_fields
from clientela.api.representation import record_out, records_out
from clientela.customers.tests import factories
from clientela.registry.entities import all_entities, get
from clientela.registry.visibility import entity_for
from clientela.security import access
from clientela.workspaces.scoping import use_workspace

from .records import varied_records


def test_records_out_equals_record_out_for_every_entity_and_role(acme):
    varied_records(acme)
    with use_workspace(acme):
        for key in ("contacts", "companies"):
            for role in ("admin", "support", "rep"):
                view = entity_for(acme.users[role], get(key))
                queryset = output_queryset(view).order_by("pk")
                assert records_out(view, queryset) == [record_out(view, row) for row in queryset], (key, role)


def test_related_rows_read_by_key_range_equal_those_read_by_keys(acme):
    with use_workspace(acme):
        admin = acme.users["admin"]
        company = factories.company(admin, name="Bodegas Peña S.L.", tags="wine",
                                    phones=[{"number": "+34 954 123 456", "label": "work"}])
        for n in range(5):
            factories.contact(acme.users["rep" if n % 2 else "admin"], first=f"P{n}", tags="vip",
                              emails=[{"email": f"p{n}@example.com", "label": "work"}],
                              affiliations=[{"company_name": company.name, "role": "Buyer"}])
        for key in ("contacts", "companies"):
            for role in ("admin", "rep"):
                view = entity_for(acme.users[role], get(key))
                queryset = access.visible(acme.users[role], view.model.objects.all(), key)
                for start, stop in ((0, 2), (1, 4), (0, 100)):
                    page = queryset.order_by("pk")[start:stop]
                    assert records_out(view, page, cut_from=queryset) == records_out(view, page), (key, role)


def test_names_read_from_a_name_column_are_what_str_gives():
    """`records_out` reads a linked record's or a tag's name from the model's `name` column, where `record_out`
    calls `str()`: for every model the registry names that way, the two must agree."""
    named = set()
    for entity in all_entities():
        for inline in entity.inlines:
            named |= {f.link.related_model for f in row_fields(inline) if f.link is not None}
        named |= {f.model_field.related_model for f in record_fields(entity)
                  if f.model_field is not None and f.model_field.many_to_many and not f.by_pk}
    with_column = [model for model in named if any(f.attname == "name" for f in model._meta.concrete_fields)]
    assert with_column  # companies (an affiliation's company), tags
    for model in with_column:
        assert str(model(name="Bodegas Peña S.L.")) == "Bodegas Peña S.L.", model


def test_related_rows_of_a_page_are_read_within_its_key_range(acme):
    """A page in key order reads its emails, phones… by the foreign key's index between its first and last key;
    joining the page's subquery made PostgreSQL scan each whole table (20 ms a page at 100,000 contacts) or, at a
    million, check every row against every record. A record in that range but not on the page (trashed) adds
    nothing to the page."""
    with use_workspace(acme):
        admin = acme.users["admin"]
        made = [factories.contact(admin, first=f"R{n}", tags="vip", emails=[{"email": f"r{n}@example.com",
                                                                             "label": "work"}]) for n in range(4)]
        view = entity_for(admin, get("contacts"))
        queryset = access.visible(admin, view.model.objects.all(), "contacts")
        ordered = sorted(made, key=lambda c: c.pk)
        type(ordered[1]).objects.filter(pk=ordered[1].pk).update(deleted_at=timezone.now())  # inside the span
        with CaptureQueriesContext(connection) as queries:
            rows = records_out(view, queryset.order_by("pk")[:2], cut_from=queryset)
        assert [r["id"] for r in rows] == [ordered[0].pk, ordered[2].pk]
        assert [[e["email"] for e in r["emails"]] for r in rows] == [[f"r{made.index(c)}@example.com"]
                                                                        for c in (ordered[0], ordered[2])]
        first, last = rows[0]["id"], rows[-1]["id"]
        related = [q["sql"] for q in queries.captured_queries if ">=" in q["sql"] and "<=" in q["sql"]]
        assert len(related) == 1 + len(view.inlines)  # tags, then each inline
        for sql in related:
            assert "IN (SELECT" not in sql and (first.hex in sql or str(first) in sql), sql
            assert last.hex in sql or str(last) in sql, sql


def test_a_page_reads_its_rows_and_tags_in_its_own_query(acme):
    """A list page's emails, phones, addresses, affiliations with their companies' names, and tags come in the
    page's query (one JSON array per record and relation), then one query names the tags, however many records
    it has.
    An affiliation to a company in the trash shows no company name, in a list as in one record."""
    with use_workspace(acme):
        admin = acme.users["admin"]
        kept = factories.company(admin, name="Bodegas Peña S.L.")
        trashed = factories.company(admin, name="Old Company")
        for n in range(6):
            factories.contact(admin, first=f"Q{n}", tags="vip, wine",
                              emails=[{"email": f"q{n}@example.com", "label": "work"},
                                      {"email": f"q{n}@home.es", "label": "personal", "is_primary": True}],
                              phones=[{"number": "+34 612 34 56 78", "label": "mobile"}],
                              addresses=[{"city": "Sevilla", "country": "ES", "label": "office"}],
                              affiliations=[{"company_name": kept.name, "role": "Buyer"},
                                            {"company_name": trashed.name, "role": "Former"}])
        type(trashed).objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
        view = entity_for(admin, get("contacts"))
        queryset = output_queryset(view).order_by("pk")
        with CaptureQueriesContext(connection) as queries:
            rows = records_out(view, queryset)
        assert len(queries.captured_queries) == 2
        expected = [record_out(view, row) for row in queryset]
        for got, want in zip(rows, expected, strict=True):
            assert got == want
        first = rows[0]
        number = first["first_name"][1:]  # the primary first
        assert [e["email"] for e in first["emails"]] == [f"q{number}@home.es", f"q{number}@example.com"]
        assert sorted(a["company_name"] for a in first["affiliations"]) == ["", "Bodegas Peña S.L."]
        assert sorted(first["tags"]) == ["vip", "wine"] and first["addresses"][0]["country"] == "ES"
