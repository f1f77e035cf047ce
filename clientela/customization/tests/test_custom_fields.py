"""A custom field behaves like a built-in one: forms, validation, lists, filters, sorting, search, history, export."""

import re

import pytest

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.history.models import FieldChange
from conftest import login

EMPTY_INLINES = {f"{p}-{k}": v for p in ("emails", "phones", "addresses", "affiliations")
                 for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}


def define(workspace, key, kind, **options):
    return FieldDefinition.objects.create(workspace=workspace, entity="contacts", key=key, kind=kind,
                                          label_en=options.pop("label_en", key.title()),
                                          label_es=options.pop("label_es", key.title()), **options)


@pytest.fixture
def fields(in_acme):
    return {
        "tier": define(in_acme, "tier", "picklist", label_en="Tier", label_es="Nivel", show_in_list=True,
                       options=[{"value": "gold", "label_en": "Gold", "label_es": "Oro", "active": True},
                                {"value": "silver", "label_en": "Silver", "label_es": "Plata", "active": True}]),
        "score": define(in_acme, "score", "integer", label_en="Score", min_value=0, max_value=100,
                        show_in_list=True),
        "vat": define(in_acme, "vat", "text", label_en="VAT number", regex=r"^ES[0-9A-Z]{9}$", unique=True),
        "newsletter": define(in_acme, "newsletter", "checkbox", label_en="Newsletter"),
    }


def _post(client, url, **custom):
    data = {"first_name": custom.pop("first_name", "Ana"), "lifecycle_status": "lead", **EMPTY_INLINES}
    data.update({f"cf_{k}": v for k, v in custom.items()})
    return client.post(url, data)


def test_values_are_validated_with_messages_naming_the_field_and_rule(fields, in_acme):
    client = login(in_acme.users["admin"])
    response = _post(client, "/contacts/new/", score="150", vat="XX1", tier="platinum")
    page = response.content.decode()
    assert response.status_code == 422
    assert "“Score” must be at most 100." in page
    assert "“VAT number” does not have the expected format." in page
    assert "“Tier”: choose one of the listed options." in page
    assert Contact.objects.count() == 0


def test_values_are_saved_shown_and_recorded_in_history(fields, in_acme):
    client = login(in_acme.users["admin"])
    assert _post(client, "/contacts/new/", tier="gold", score="42", vat="ESB12345678", newsletter="on").status_code == 302
    contact = Contact.objects.get()
    assert contact.custom == {"tier": "gold", "score": 42, "vat": "ESB12345678", "newsletter": True}
    assert _post(client, f"/contacts/{contact.pk}/edit/", tier="silver", score="42",
                 vat="ESB12345678").status_code == 302
    change = FieldChange.objects.get(record_id=contact.pk, field="cf_tier", action="updated")
    assert (change.field_label, change.old_value, change.new_value) == ("Tier", "Gold", "Silver")
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Silver" in page and "VAT number" in page


def test_unique_custom_values_are_refused(fields, in_acme):
    client = login(in_acme.users["admin"])
    _post(client, "/contacts/new/", vat="ESB12345678")
    response = _post(client, "/contacts/new/", first_name="Bea", vat="ESB12345678")
    assert response.status_code == 422 and "must be unique" in response.content.decode()


def test_lists_show_filter_sort_and_search_custom_fields(fields, in_acme):
    admin = in_acme.users["admin"]
    client = login(admin)
    for name, tier, score in (("Ana", "gold", "10"), ("Bea", "silver", "90"), ("Carla", "gold", "55")):
        assert _post(client, "/contacts/new/", first_name=name, tier=tier, score=score,
                     vat=f"ESB0000000{name[0]}").status_code == 302
    listing = client.get("/contacts/", {"sort": "-cf_score"}).content.decode()
    assert "Tier" in listing and "Score" in listing
    names = re.findall(r'class="primary"><a href="/contacts/[^"]+/">([^<]+)</a>', listing)
    assert names == ["Bea", "Carla", "Ana"]
    gold = client.get("/contacts/", {"f_cf_tier": "gold"}).content.decode()
    assert "Ana" in gold and "Carla" in gold and "Bea" not in gold
    assert "Bea" in client.get("/contacts/", {"q": "ESB0000000B"}).content.decode()
    export = b"".join(client.get("/contacts/export.csv").streaming_content).decode()
    assert "Tier" in export and "Gold" in export and "ESB0000000C" in export


def test_labels_follow_the_users_language(fields, in_acme):
    admin = in_acme.users["admin"]
    admin.language = "es"
    admin.save()
    factories.contact(admin, first="Ana")
    page = login(admin).get("/contacts/new/").content.decode()
    assert "Nivel" in page and "Oro" in page


def test_a_role_can_hide_a_custom_field(fields, in_acme):
    from clientela.security.models import Role
    from clientela.security.roles import DEFAULT_ROLES

    rules = DEFAULT_ROLES["readonly"].rules_json()
    rules["contacts"] = {**rules["*"], "fields": {"cf_score": "hidden"}}
    Role.objects.create(workspace=in_acme, key="readonly", name="Read-only", rules=rules)
    client = login(in_acme.users["admin"])
    _post(client, "/contacts/new/", score="77", vat="ESB99999999")
    contact = Contact.objects.get()
    reader = login(in_acme.users["readonly"])
    for page in (reader.get("/contacts/"), reader.get(f"/contacts/{contact.pk}/")):
        assert "Score" not in page.content.decode() and ">77<" not in page.content.decode()


def test_the_api_reads_and_writes_custom_fields_with_the_same_rules(fields, in_acme):
    from clientela.security.tokens import token_create

    token = token_create(user=in_acme.users["admin"], workspace=in_acme, name="t")[1]
    client = login(in_acme.users["admin"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    created = client.post("/api/v1/contacts", {"first_name": "Api", "lifecycle_status": "lead",
                                                "custom": {"tier": "gold", "score": 7}}, **auth)
    assert created.status_code == 201, created.content
    assert created.json()["custom"]["tier"] == "gold" and created.json()["custom"]["score"] == 7
    bad = client.patch(f"/api/v1/contacts/{created.json()['id']}", {"custom": {"score": 101, "nope": 1}}, **auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "custom.nope"
    bad = client.patch(f"/api/v1/contacts/{created.json()['id']}", {"custom": {"score": 101}}, **auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "custom.score"
    assert "at most 100" in bad.json()["errors"][0]["message"]


def test_an_admin_defines_a_picklist_field_and_it_appears_on_the_form(in_acme):
    client = login(in_acme.users["admin"])
    response = client.post("/settings/fields/contacts/new/", {
        "label_en": "Tier", "label_es": "Nivel", "key": "tier", "kind": "picklist", "show_in_list": "on",
        "options_text": "gold | Gold | Oro | #d4a017\nsilver | Silver | Plata"})
    assert response.status_code == 302
    definition = FieldDefinition.objects.get(key="tier")
    assert definition.options[0] == {"value": "gold", "label_en": "Gold", "label_es": "Oro", "active": True,
                                     "color": "#d4a017"}
    assert "Silver" in client.get("/contacts/new/").content.decode()


@pytest.mark.parametrize("data,message", [
    ({"key": "first_name", "kind": "text"}, "a built-in field already has this name"),
    ({"key": "Bad Key", "kind": "text"}, "use lowercase letters"),
    ({"key": "code", "kind": "text", "regex": "([a-z"}, "not a valid regular expression"),
    ({"key": "partner", "kind": "lookup", "lookup_entity": "spaceships"}, "choose one of the listed options"),
    ({"key": "tier", "kind": "picklist", "options_text": ""}, "a list needs at least one option"),
])
def test_invalid_definitions_are_refused_with_a_specific_message(in_acme, data, message):
    client = login(in_acme.users["admin"])
    response = client.post("/settings/fields/contacts/new/", {"label_en": "X", "label_es": "X", **data})
    assert response.status_code == 422 and message in response.content.decode()
    assert not FieldDefinition.objects.exists()


def test_a_deleted_field_goes_to_the_trash_and_comes_back_with_its_values(fields, in_acme):
    client = login(in_acme.users["admin"])
    _post(client, "/contacts/new/", score="33", vat="ESB11111111")
    contact = Contact.objects.get()
    client.post(f"/settings/fields/contacts/{fields['score'].pk}/delete/")
    assert "<dt>Score</dt>" not in client.get(f"/contacts/{contact.pk}/").content.decode()
    client.post(f"/settings/fields/contacts/{fields['score'].pk}/restore/")
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "<dt>Score</dt>" in page and "33" in page


def test_a_duplicate_key_is_refused_even_when_the_other_field_is_in_the_trash(fields, in_acme):
    client = login(in_acme.users["admin"])
    client.post(f"/settings/fields/contacts/{fields['score'].pk}/delete/")
    response = client.post("/settings/fields/contacts/new/", {"label_en": "S", "label_es": "S", "key": "score",
                                                              "kind": "integer"})
    assert response.status_code == 422 and "uses it" in response.content.decode()


def test_changing_a_type_reports_first_converts_what_converts_and_archives_the_rest(in_acme):
    admin = in_acme.users["admin"]
    code = define(in_acme, "code", "text", label_en="Code")
    client = login(admin)
    for name, value in (("Ana", "12"), ("Bea", "7"), ("Carla", "n/a")):
        assert _post(client, "/contacts/new/", first_name=name, code=value).status_code == 302
    form = {"label_en": "Code", "label_es": "Código", "key": "code", "kind": "integer"}
    preview = client.post(f"/settings/fields/contacts/{code.pk}/", form).content.decode()
    assert "2 values will be converted; 1 cannot be converted" in preview and "n/a" in preview
    assert FieldDefinition.objects.get(pk=code.pk).kind == "text"  # nothing changed yet
    assert client.post(f"/settings/fields/contacts/{code.pk}/", {**form, "confirm_conversion": "1"}).status_code == 302
    values = {c.first_name: c.custom.get("code") for c in Contact.objects.all()}
    assert values == {"Ana": 12, "Bea": 7, "Carla": None}
    archive = client.get(f"/settings/fields/contacts/{code.pk}/archive.csv").content.decode()
    assert "n/a" in archive


def test_a_link_to_another_record_is_typed_by_name_and_shown_by_name(in_acme):
    admin = in_acme.users["admin"]
    FieldDefinition.objects.create(workspace=in_acme, entity="contacts", key="referrer", kind="lookup",
                                   label_en="Referred by", label_es="Recomendado por", lookup_entity="companies")
    company = factories.company(admin, name="Olivares del Sur S.L.")
    client = login(admin)
    bad = _post(client, "/contacts/new/", referrer="Nadie S.A.")
    assert bad.status_code == 422 and "no record named “Nadie S.A.”" in bad.content.decode()
    assert _post(client, "/contacts/new/", referrer="olivares del sur s.l.").status_code == 302
    contact = Contact.objects.get()
    assert contact.custom["referrer"] == str(company.pk)
    assert "Olivares del Sur S.L." in client.get(f"/contacts/{contact.pk}/").content.decode()


def test_the_api_filters_lists_on_custom_picklists(fields, in_acme):
    from clientela.security.tokens import token_create

    client = login(in_acme.users["admin"])
    for name, tier in (("Ana", "gold"), ("Bea", "silver")):
        _post(client, "/contacts/new/", first_name=name, tier=tier, vat=f"ESB0000000{name[0]}")
    token = token_create(user=in_acme.users["admin"], workspace=in_acme, name="t")[1]
    rows = client.get("/api/v1/contacts", {"f_cf_tier": "silver"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [r["first_name"] for r in rows["results"]] == ["Bea"]
