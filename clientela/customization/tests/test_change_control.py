"""Configuration moves between instances as a bundle, and every change is logged and can be rolled back."""

import json

import pytest
from django.core.management import call_command

from clientela.customization.models import ConfigChange, FieldDefinition
from clientela.security.models import Role, SharingRule
from clientela.workspaces.models import Team
from clientela.workspaces.scoping import use_workspace
from conftest import login

FIELD = {"label_en": "Tier", "label_es": "Nivel", "key": "tier", "kind": "picklist",
         "options_text": "gold | Gold | Oro\nsilver | Silver | Plata"}


def _configure(workspace):
    """An administrator shapes the workspace through the settings pages."""
    client = login(workspace.users["admin"])
    assert client.post("/settings/fields/contacts/new/", {**FIELD, "reason": "Segmentación 2027"}).status_code == 302
    north = Team.objects.get(name="North")
    assert client.post("/settings/sharing-rules/new/", {"name": "Spain", "target": "companies:addresses__country",
                                                        "value": "ES", "team": north.pk,
                                                        "is_active": "on"}).status_code == 302
    role = {"name": "Becario", "contacts__verb__view": "on", "contacts__view_scope": "own",
            "contacts__edit_scope": "own", "companies__view_scope": "all", "companies__edit_scope": "own"}
    assert client.post("/settings/roles/new/", role).status_code == 302
    return client


def test_every_change_is_logged_with_who_what_and_why_and_one_can_be_rolled_back(in_acme):
    client = _configure(in_acme)
    created = ConfigChange.objects.get(kind="custom_field", target="contacts.tier")
    assert created.before is None and created.after["label_es"] == "Nivel"
    assert created.reason == "Segmentación 2027" and created.actor == in_acme.users["admin"]
    definition = FieldDefinition.objects.get(key="tier")
    client.post(f"/settings/fields/contacts/{definition.pk}/", {**FIELD, "label_en": "Level"})
    renamed = ConfigChange.objects.filter(target="contacts.tier").order_by("-created_at").first()
    assert (renamed.before["label_en"], renamed.after["label_en"]) == ("Tier", "Level")
    assert client.post(f"/settings/changes/{renamed.pk}/rollback/", {"reason": "mal nombre"}).status_code == 302
    definition.refresh_from_db()
    assert definition.label_en == "Tier"
    rollback = ConfigChange.objects.filter(source="rollback").get()
    assert rollback.rolls_back == renamed and rollback.reason == "mal nombre"
    assert "Configuration changes" in client.get("/settings/changes/").content.decode()


def test_rolling_back_a_creation_removes_it(in_acme):
    client = _configure(in_acme)
    rule_change = ConfigChange.objects.get(kind="sharing_rule")
    client.post(f"/settings/changes/{rule_change.pk}/rollback/")
    assert not SharingRule.objects.exists()


def test_a_bundle_moves_configuration_to_another_workspace_with_a_diff_first(acme, globex, tmp_path):
    with use_workspace(acme):
        _configure(acme)
    path = tmp_path / "config.json"
    call_command("config_export", str(path), workspace="acme")
    bundle = json.loads(path.read_text())
    assert bundle["format"] == "clientela-config" and "contacts.tier" in bundle["items"]["custom_field"]

    with use_workspace(globex):
        client = login(globex.users["admin"])
        with path.open("rb") as handle:
            preview = client.post("/settings/config/import/", {"bundle": handle}).content.decode()
        assert "contacts.tier" in preview and "becario" in preview and not FieldDefinition.objects.exists()
        applied = client.post("/settings/config/import/", {"bundle_json": path.read_text(), "apply": "1"})
        assert applied.status_code == 302
        assert FieldDefinition.objects.get(key="tier").label_es == "Nivel"
        assert Role.objects.get(key="becario").rules["contacts"]["verbs"] == ["view"]
        assert SharingRule.objects.get(name="Spain").team.name == "North"
        changes = ConfigChange.objects.filter(source="bundle").count()
        call_command("config_import", str(path), workspace="globex", user="admin@globex.example")
        assert ConfigChange.objects.filter(source="bundle").count() == changes  # idempotent


def test_a_bundle_that_cannot_apply_changes_nothing(acme, globex, tmp_path):
    with use_workspace(acme):
        _configure(acme)
    path = tmp_path / "config.json"
    call_command("config_export", str(path), workspace="acme")
    with use_workspace(globex):
        Team.objects.filter(name="North").update(name="Norte")  # the rule's team is missing here
        page = login(globex.users["admin"]).post("/settings/config/import/",
                                                 {"bundle_json": path.read_text(), "apply": "1"})
        assert page.status_code == 422 and "no team called “North”" in page.content.decode()
        assert not FieldDefinition.objects.exists() and not Role.objects.exists()


@pytest.mark.parametrize("content,message", [
    ("not json", "not valid JSON"),
    ('{"format": "something-else", "items": {}}', "not a Clientela configuration bundle"),
    ('{"format": "clientela-config", "version": 99, "items": {}}', "newer version of Clientela"),
])
def test_wrong_files_are_refused_with_a_clear_message(in_acme, content, message):
    page = login(in_acme.users["admin"]).post("/settings/config/import/", {"bundle_json": content})
    assert page.status_code == 422 and message in page.content.decode()


def test_only_administrators_see_the_change_log_and_bundles(in_acme):
    client = login(in_acme.users["manager"])
    for url in ("/settings/changes/", "/settings/config/export/", "/settings/config/import/"):
        assert client.get(url).status_code == 403
