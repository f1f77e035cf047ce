import pytest

from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition, PicklistOverride
from clientela.workspaces.scoping import use_workspace

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_dependent_select_and_swatch(page, workspace):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if "security" in msg.text.lower() else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    with use_workspace(workspace):
        FieldDefinition.objects.create(
            workspace=workspace, entity="contacts", key="reason", kind="picklist", label_en="Reason",
            label_es="Motivo", controlled_by="lifecycle_status",
            options=[{"value": "price", "label_en": "Price", "active": True, "when": ["former"]},
                     {"value": "fit", "label_en": "Good fit", "active": True, "when": ["customer"]},
                     {"value": "any", "label_en": "Any", "active": True}])
        PicklistOverride.objects.create(workspace=workspace, entity="contacts", field="lifecycle_status",
                                        options=[{"value": "lead", "label_en": "Lead", "color": "#d4a017"}])
        c = factories.contact(workspace.users["admin"])
    log_in(page, workspace.users["admin"])
    page.goto("/contacts/new/")
    page.select_option("#id_lifecycle_status", "former")
    values = page.eval_on_selector_all("#id_cf_reason option", "els => els.map(e => e.value)")
    assert values == ["", "price", "any"], values
    page.select_option("#id_cf_reason", "price")
    page.select_option("#id_lifecycle_status", "customer")
    values = page.eval_on_selector_all("#id_cf_reason option", "els => els.map(e => e.value)")
    assert values == ["", "fit", "any"], values
    assert page.eval_on_selector("#id_cf_reason", "e => e.value") == ""
    page.goto(f"/contacts/{c.pk}/")
    color = page.eval_on_selector(".swatch", "e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(212, 160, 23)", color
    page.goto("/contacts/")
    assert page.eval_on_selector(".swatch", "e => getComputedStyle(e).backgroundColor") == "rgb(212, 160, 23)"
    page.goto("/settings/picklists/contacts/cf_reason/")
    page.get_by_role("button", name="+ Add option").click()
    assert page.locator("input[name=options-3-label_en]").count() == 1
    assert not problems, problems
