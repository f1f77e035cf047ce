"""Admins edit picklists (built-in and custom): labels, order, colour, deactivation, new values, dependencies."""

import json
import re

import pytest

from clientela.api.tests.test_api import api_client, send
from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.customization import picklists
from clientela.customization.changes import config_change_rollback
from clientela.customization.models import ConfigChange, FieldDefinition, PicklistOverride
from clientela.customization.picklist_services import picklist_save
from conftest import login

EMPTY_INLINES = {f"{p}-{k}": v for p in ("emails", "phones", "addresses", "affiliations")
                 for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}
EDITOR = "/settings/picklists/contacts/lifecycle_status/"


def _options(name="lifecycle_status"):
    return picklists.picklist_options("contacts", name, Contact._meta.get_field(name))


def _editor_post(client, url, rows, controlled_by="", reason="", extra_rows=()):
    """Post the editor as a browser would: `rows` are the existing options (dicts), `extra_rows` new ones."""
    data = {"controlled_by": controlled_by, "reason": reason, "options-INITIAL_FORMS": str(len(rows)),
            "options-TOTAL_FORMS": str(len(rows) + len(extra_rows)), "options-MIN_NUM_FORMS": "0",
            "options-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate([*rows, *extra_rows]):
        prefix = f"options-{index}-"
        data[prefix + "value"] = row["value"]
        data[prefix + "label_en"] = row["label_en"]
        data[prefix + "label_es"] = row["label_es"]
        data[prefix + "color"] = row.get("color") or "#4a7bd0"
        data[prefix + "position"] = str(row.get("position", index + 1))
        if row.get("color"):
            data[prefix + "colored"] = "on"
        if row.get("active", True):
            data[prefix + "active"] = "on"
        if row.get("when"):
            data[prefix + "when"] = row["when"]
    return client.post(url, data)


def _select(page: str, name: str) -> list[str]:
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', block)


@pytest.fixture
def admin(in_acme):
    return login(in_acme.users["admin"])


def test_spanish_relabel_shows_for_a_spanish_user(in_acme, admin):
    rows = [dict(o) for o in _options()]
    lead = next(r for r in rows if r["value"] == "lead")
    lead.update(label_es="Oportunidad temprana", color="#d4a017")
    assert _editor_post(admin, EDITOR, rows, reason="Sales vocabulary").status_code == 302
    maria = in_acme.users["rep"]
    contact = factories.contact(in_acme.users["admin"], owner=maria)
    maria.language = "es"
    maria.save(update_fields=["language"])
    spanish = login(maria)

    detail = spanish.get(f"/contacts/{contact.pk}/").content.decode()
    listing = spanish.get("/contacts/").content.decode()

    assert "Oportunidad temprana" in detail and "Oportunidad temprana" in listing
    assert 'class="swatch" data-color="#d4a017"' in detail
    assert "Oportunidad temprana" in spanish.get("/contacts/new/").content.decode()
    english = admin.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Oportunidad temprana" not in english and "Lead" in english
    assert Contact.objects.get().lifecycle_status == "lead"  # the stored value never changes


def test_reorder_changes_the_select_order(in_acme, admin):
    rows = [dict(o) for o in _options()]
    for position, row in enumerate(reversed(rows), start=1):
        row["position"] = position
    assert _editor_post(admin, EDITOR, rows).status_code == 302

    page = admin.get("/contacts/new/").content.decode()

    assert _select(page, "lifecycle_status") == ["partner", "former", "customer", "prospect", "lead", "subscriber"]


def test_deactivated_value_not_offered_on_new_records_but_kept_on_old_ones(in_acme, admin):
    old = factories.contact(in_acme.users["admin"], lifecycle_status="prospect")
    rows = [{**o, "active": o["value"] != "prospect"} for o in _options()]
    assert _editor_post(admin, EDITOR, rows).status_code == 302

    new_form = admin.get("/contacts/new/").content.decode()
    edit_form = admin.get(f"/contacts/{old.pk}/edit/").content.decode()
    refused = admin.post("/contacts/new/", {"first_name": "Ana", "lifecycle_status": "prospect", **EMPTY_INLINES})
    listing = admin.get("/contacts/?f_lifecycle_status=prospect").content.decode()

    assert "prospect" not in _select(new_form, "lifecycle_status")
    assert "prospect" in _select(edit_form, "lifecycle_status")
    assert refused.status_code == 422 and Contact.objects.count() == 1
    assert "Prospect" in admin.get(f"/contacts/{old.pk}/").content.decode()
    assert str(old) in listing and '<option value="prospect" selected' in listing
    saved = admin.post(f"/contacts/{old.pk}/edit/", {"first_name": "Lucía", "lifecycle_status": "prospect",
                                                     "owner": in_acme.users["admin"].pk, **EMPTY_INLINES})
    assert saved.status_code == 302  # an old record keeps its deactivated value when edited


def test_added_value_is_saved_through_the_ui_and_the_api(in_acme, admin):
    rows = [dict(o) for o in _options()]
    new = {"value": "churn_risk", "label_en": "Churn risk", "label_es": "Riesgo de baja", "color": "#c0392b"}
    assert _editor_post(admin, EDITOR, rows, extra_rows=[new]).status_code == 302

    ui = admin.post("/contacts/new/", {"first_name": "Ana", "lifecycle_status": "churn_risk", **EMPTY_INLINES})
    api = send(api_client(in_acme.users["admin"], in_acme), "post", "/api/v1/contacts",
               {"first_name": "Luis", "lifecycle_status": "churn_risk"})

    assert ui.status_code == 302
    assert api.status_code == 201, api.content
    assert sorted(Contact.objects.values_list("lifecycle_status", flat=True)) == ["churn_risk", "churn_risk"]
    assert "Churn risk" in admin.get("/contacts/").content.decode()
    other = factories.contact(in_acme.users["admin"], first="Eva")
    admin.post("/contacts/bulk/", {"ids": [other.pk], "action": "lifecycle_status", "value": "churn_risk"})
    other.refresh_from_db()
    assert other.lifecycle_status == "churn_risk"
    export = b"".join(admin.get("/contacts/export.csv").streaming_content).decode()
    assert "Churn risk" in export


def test_dependent_picklist_refuses_a_non_matching_pair(in_acme, admin):
    FieldDefinition.objects.create(
        workspace=in_acme, entity="contacts", key="stage_reason", kind="picklist", label_en="Reason",
        label_es="Motivo", options=[{"value": "price", "label_en": "Price", "label_es": "Precio", "active": True},
                                    {"value": "fit", "label_en": "Good fit", "label_es": "Encaja", "active": True}])
    url = "/settings/picklists/contacts/cf_stage_reason/"
    rows = [dict(o) for o in picklists.custom_options(FieldDefinition.objects.get())]
    assert _editor_post(admin, url, rows, controlled_by="lifecycle_status").status_code == 302
    editor = admin.get(url).content.decode()
    assert "Offered when “Lifecycle status” is" in editor and 'name="options-0-when" value="former"' in editor
    rows[0]["when"] = ["former"]
    rows[1]["when"] = ["customer", "prospect"]
    assert _editor_post(admin, url, rows, controlled_by="lifecycle_status").status_code == 302

    refused = admin.post("/contacts/new/", {"first_name": "Ana", "lifecycle_status": "customer",
                                            "cf_stage_reason": "price", **EMPTY_INLINES})
    accepted = admin.post("/contacts/new/", {"first_name": "Eva", "lifecycle_status": "former",
                                             "cf_stage_reason": "price", **EMPTY_INLINES})
    form = admin.get("/contacts/new/").content.decode()

    assert refused.status_code == 422
    assert "“Reason”: “Price” is not offered when “Lifecycle status” is “Customer”." in refused.content.decode()
    assert accepted.status_code == 302 and Contact.objects.get().custom == {"stage_reason": "price"}
    options = json.loads(re.search(r'data-options="([^"]*)"', form).group(1).replace("&quot;", '"'))
    assert 'data-controlled-by="lifecycle_status"' in form
    assert {o["value"]: o["when"] for o in options} == {"price": ["former"], "fit": ["customer", "prospect"]}


def test_change_is_logged_and_rollback_restores_the_previous_options(in_acme, admin):
    rows = [dict(o) for o in _options()]
    rows[0]["label_en"] = "Newsletter reader"
    assert _editor_post(admin, EDITOR, rows, reason="Clearer").status_code == 302
    first = ConfigChange.objects.get()
    assert (first.kind, first.target, first.reason, first.before) == ("picklist", "contacts.lifecycle_status",
                                                                      "Clearer", None)
    assert first.after["options"][0]["label_en"] == "Newsletter reader"
    rows[0]["label_en"] = "Reader"
    assert _editor_post(admin, EDITOR, rows).status_code == 302
    second = ConfigChange.objects.order_by("-created_at").first()

    config_change_rollback(change=second, by=in_acme.users["admin"])
    assert _options()[0]["label_en"] == "Newsletter reader"
    config_change_rollback(change=first, by=in_acme.users["admin"])

    assert not PicklistOverride.objects.exists()
    assert _options()[0]["label_en"] == "Subscriber"
    assert ConfigChange.objects.filter(source="rollback").count() == 2


def test_custom_picklist_changes_are_logged_too(in_acme):
    definition = FieldDefinition.objects.create(
        workspace=in_acme, entity="contacts", key="tier", kind="picklist", label_en="Tier", label_es="Nivel",
        options=[{"value": "gold", "label_en": "Gold", "label_es": "Oro", "active": True}])
    change = picklist_save(entity_key="contacts", name="cf_tier", by=in_acme.users["admin"], controlled_by="",
                           options=[{"value": "gold", "label_en": "Gold", "label_es": "Oro", "color": "#d4a017"}])
    definition.refresh_from_db()
    assert definition.options[0]["color"] == "#d4a017"
    config_change_rollback(change=change, by=in_acme.users["admin"])
    definition.refresh_from_db()
    assert "color" not in definition.options[0]


def test_editor_refuses_bad_input(in_acme, admin):
    rows = [dict(o) for o in _options()]
    duplicate = {"value": "lead", "label_en": "Lead again", "label_es": "Otra vez"}
    too_long = {"value": "x" * 13, "label_en": "Long", "label_es": "Largo"}

    response = _editor_post(admin, EDITOR, rows, extra_rows=[duplicate, too_long])

    assert response.status_code == 422
    page = response.content.decode()
    assert "each value may appear only once" in page and "at most 12 characters" in page
    assert not PicklistOverride.objects.exists()


@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_non_admins_get_403_on_the_editor(in_acme, role):
    client = login(in_acme.users[role])
    assert client.get(EDITOR).status_code == 403
    assert client.get("/settings/picklists/contacts/").status_code == 403
    assert _editor_post(client, EDITOR, [dict(o) for o in _options()]).status_code == 403


def test_admin_pages_list_and_edit_built_in_and_custom_lists(in_acme, admin):
    FieldDefinition.objects.create(workspace=in_acme, entity="contacts", key="tier", kind="picklist",
                                   label_en="Tier", label_es="Nivel", options=[{"value": "gold", "label_en": "Gold"}])
    listing = admin.get("/settings/picklists/contacts/").content.decode()
    editor = admin.get(EDITOR).content.decode()

    assert "lifecycle_status" in listing and "cf_tier" in listing and "preferred_language" not in listing
    assert 'type="color"' in editor and "+ Add option" in editor
    assert admin.get("/settings/picklists/contacts/first_name/").status_code == 404


def test_optional_selects_offer_no_value_as_a_dash_like_custom_picklists(in_acme):
    page = login(in_acme.users["admin"]).get("/contacts/new/").content.decode()

    for name in ("source", "owner", "preferred_language", "addresses-0-country"):  # picklist, record, choices, country
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        assert re.findall(r"<option[^>]*>([^<]*)</option>", select)[0] == "—", name
    assert "---------" not in page
