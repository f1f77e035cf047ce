"""Custom fields stay fast on big tables: an index per field, used by list filters, sorting and search."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.customization import services
from clientela.customization.models import FieldDefinition
from clientela.registry import entities
from clientela.registry.custom_fields import custom_search
from clientela.registry.selectors import ListQuery, record_list
from clientela.registry.visibility import entity_for
from clientela.security.models import Role
from clientela.security.roles import DEFAULT_ROLES
from conftest import login

TIERS = [{"value": v, "label_en": v.title(), "label_es": v.title(), "active": True} for v in ("gold", "silver")]


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, Contact._meta.db_table)
    return {n for n in names if n.startswith("cf_")}


def _define(admin, key, kind, **options):
    definition = FieldDefinition(entity="contacts", key=key, kind=kind, label_en=key.title(), label_es=key.title(),
                                 **options)
    return services.field_save(definition=definition, by=admin)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE customers_contact")
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether the index *can* serve it
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.fixture
def admin(in_acme):
    user = in_acme.users["admin"]
    user.test_workspace = in_acme
    return user


def test_defining_a_field_builds_its_indexes_and_trashing_it_drops_them(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tier = _define(admin, "tier", "picklist", options=TIERS)
        _define(admin, "amount", "decimal")
        _define(admin, "vat", "text")
        _define(admin, "notes_long", "long_text")  # too long to index
    assert _indexes() == {"cf_contacts_tier_o", "cf_contacts_tier_f", "cf_contacts_amount_o", "cf_contacts_vat_o",
                          "cf_contacts_vat_s"}
    with django_capture_on_commit_callbacks(execute=True):
        services.field_trash(definition=tier, by=admin)
    assert _indexes() == {"cf_contacts_amount_o", "cf_contacts_vat_o", "cf_contacts_vat_s"}
    with django_capture_on_commit_callbacks(execute=True):
        services.field_restore(definition=tier, by=admin)
    assert {"cf_contacts_tier_o", "cf_contacts_tier_f"} <= _indexes()


def test_another_workspace_with_the_same_key_keeps_the_shared_index(admin, globex, django_capture_on_commit_callbacks):
    from clientela.workspaces.scoping import use_workspace

    with django_capture_on_commit_callbacks(execute=True):
        mine = _define(admin, "amount", "decimal")
    with use_workspace(globex), django_capture_on_commit_callbacks(execute=True):
        _define(globex.users["admin"], "amount", "decimal")
    with django_capture_on_commit_callbacks(execute=True):
        services.field_trash(definition=mine, by=admin)
    assert "cf_contacts_amount_o" in _indexes()


def test_list_filter_sort_and_text_search_use_the_fields_indexes(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _define(admin, "tier", "picklist", options=TIERS)
        _define(admin, "amount", "decimal")
        _define(admin, "vat", "text")
    for name, tier, amount, vat in (("Ana", "gold", 9.5, "ESB1"), ("Bea", "silver", 100, "ESC2"),
                                    ("Carla", "gold", 20.25, "ESB3"), ("Dora", None, None, None)):
        contact = factories.contact(admin, first=name)
        Contact.objects.filter(pk=contact.pk).update(custom={k: v for k, v in
                                                             (("tier", tier), ("amount", amount), ("vat", vat)) if v})
    entity = entity_for(admin, entities.get("contacts"))

    def listed(params):
        queryset = record_list(entity, admin, ListQuery.from_params(entity, QueryDict(params)))
        return queryset, [c.first_name for c in queryset if c.first_name != "Dora"]  # no value: first or last by DB

    by_tier, names = listed("f_cf_tier=gold")
    assert names == ["Carla", "Ana"] and "cf_contacts_tier_f" in _plan(by_tier)
    by_amount, names = listed("sort=cf_amount")
    assert names == ["Ana", "Carla", "Bea"] and "cf_contacts_amount_o" in _plan(by_amount)  # numbers, not text
    assert listed("sort=-cf_amount")[1] == ["Bea", "Carla", "Ana"]
    assert sorted(listed("q=esb")[1]) == ["Ana", "Carla"]
    vat = Contact.objects.filter(custom_search(entity.custom("cf_vat"), "esb")).order_by()  # the free text's custom-field part
    assert "cf_contacts_vat_s" in _plan(vat)


def test_global_search_finds_text_custom_fields_by_prefix_and_phones_in_any_format(admin):
    FieldDefinition.objects.create(workspace=admin.test_workspace, entity="contacts", key="vat", kind="text", label_en="VAT", label_es="NIF")
    FieldDefinition.objects.create(workspace=admin.test_workspace, entity="contacts", key="fax", kind="phone", label_en="Fax", label_es="Fax")
    ana = factories.contact(admin, first="Ana")
    bea = factories.contact(admin, first="Bea")
    Contact.objects.filter(pk=ana.pk).update(custom={"vat": "ESB12345678"})
    Contact.objects.filter(pk=bea.pk).update(custom={"fax": "+34942000111"})
    client = login(admin)
    found = client.get("/search/", {"q": "esb1234"}).content.decode()
    assert f"/contacts/{ana.pk}/" in found and f"/contacts/{bea.pk}/" not in found
    found = client.get("/search/", {"q": "942 00 01 11"}).content.decode()
    assert f"/contacts/{bea.pk}/" in found and f"/contacts/{ana.pk}/" not in found


def test_a_hidden_custom_field_is_not_searchable(in_acme, admin):
    FieldDefinition.objects.create(workspace=admin.test_workspace, entity="contacts", key="vat", kind="text", label_en="VAT", label_es="NIF")
    rules = DEFAULT_ROLES["readonly"].rules_json()
    rules["contacts"] = {**rules["*"], "fields": {"cf_vat": "hidden"}}
    Role.objects.create(workspace=in_acme, key="readonly", name="Read-only", rules=rules)
    ana = factories.contact(admin, first="Ana")
    Contact.objects.filter(pk=ana.pk).update(custom={"vat": "ESB12345678"})
    reader = login(in_acme.users["readonly"])
    assert f"/contacts/{ana.pk}/" not in reader.get("/search/", {"q": "ESB1234"}).content.decode()
    assert "Ana" not in reader.get("/contacts/", {"q": "ESB1234"}).content.decode()
    assert f"/contacts/{ana.pk}/" in login(admin).get("/search/", {"q": "ESB1234"}).content.decode()


def test_lookup_fields_on_a_detail_page_cost_one_query_per_linked_record_type(admin):
    companies = [factories.company(admin, name=f"Empresa {n}") for n in range(4)]
    contact = factories.contact(admin, first="Ana")

    def page_queries(fields: int) -> tuple[int, str]:
        for n in range(fields):
            FieldDefinition.objects.get_or_create(workspace=admin.test_workspace, entity="contacts", key=f"link{n}", defaults={
                "kind": "lookup", "lookup_entity": "companies", "label_en": f"Link {n}", "label_es": f"Enlace {n}"})
        Contact.objects.filter(pk=contact.pk).update(custom={f"link{n}": str(companies[n].pk) for n in range(fields)})
        client = login(admin)
        client.get(f"/contacts/{contact.pk}/")  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/contacts/{contact.pk}/").content.decode()
        return len(queries.captured_queries), page

    one, _page = page_queries(1)
    four, page = page_queries(4)
    assert all(f"Empresa {n}" in page for n in range(4))
    assert four == one
