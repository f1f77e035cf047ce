"""Configuration kept between requests: read once, yet every change is seen from the next request on."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clientela.customers.tests.factories import contact
from clientela.customization.models import FieldDefinition, FieldKind
from clientela.registry import entities
from clientela.registry.visibility import entity_for
from clientela.security import role_services
from clientela.security.models import Role
from clientela.security.roles import DEFAULT_ROLES
from clientela.workspaces import config_cache
from clientela.workspaces.models import Team, User, Workspace
from clientela.workspaces.scoping import use_workspace
from conftest import login

pytestmark = pytest.mark.django_db(transaction=True)  # the cache keeps committed configuration only

CONFIG_TABLES = ("security_role", "security_sharingrule", "customization_fielddefinition", "customization_layout",
                 "customization_picklistoverride", "workspaces_team_members")


@pytest.fixture
def south_contact(acme):
    """A contact of the South team (rep2's), which the rep of the North team does not see."""
    with use_workspace(acme):
        return contact(acme.users["rep2"], first="Rocío", last="Sur")


def _rep_sees(client, record) -> bool:
    response = client.get("/contacts/")
    assert response.status_code == 200
    return record.last_name in response.content.decode()


def _join_south(acme):
    with use_workspace(acme):
        Team.objects.get(name="South").members.add(acme.users["rep"])


def test_pages_read_the_configuration_once(acme, south_contact):
    client = login(acme.users["rep"])
    client.get("/contacts/")
    with CaptureQueriesContext(connection) as queries:
        assert not _rep_sees(client, south_contact)
    read = [q["sql"] for q in queries if any(f'"{table}"' in q["sql"] for table in CONFIG_TABLES)]
    assert read == []


def test_a_rep_added_to_a_team_sees_its_records_on_the_next_page(acme, south_contact):
    client = login(acme.users["rep"])
    assert not _rep_sees(client, south_contact)
    _join_south(acme)
    assert _rep_sees(client, south_contact)
    with use_workspace(acme):
        Team.objects.get(name="South").members.remove(acme.users["rep"])
    assert not _rep_sees(client, south_contact)


def test_a_change_made_by_another_process_is_seen_through_the_workspace_stamp(acme, south_contact):
    client = login(acme.users["rep"])
    assert not _rep_sees(client, south_contact)
    kept_elsewhere = {pk: (stamp, dict(values)) for pk, (stamp, values) in config_cache._kept.items()}
    _join_south(acme)
    config_cache._kept.update(kept_elsewhere)  # this process, like any other, still holds the old configuration
    assert _rep_sees(client, south_contact)


def test_a_change_rolled_back_leaves_nothing_behind(acme, south_contact):
    client = login(acme.users["rep"])
    assert not _rep_sees(client, south_contact)
    with pytest.raises(RuntimeError), transaction.atomic():
        _join_south(acme)
        assert _rep_sees(client, south_contact)  # the transaction sees its own change
        raise RuntimeError
    assert not _rep_sees(client, south_contact)


def test_a_role_changed_by_an_administrator_applies_to_its_members_at_once(acme, south_contact):
    client = login(acme.users["rep"])
    assert not _rep_sees(client, south_contact)
    rules = DEFAULT_ROLES["rep"].rules_json()
    rules["*"]["view_scope"] = "all"
    with use_workspace(acme):
        Role.objects.create(workspace=acme, key="rep", name="Sales rep", rules=rules)
    assert _rep_sees(client, south_contact)


def test_a_new_custom_field_shows_in_everyones_list(acme, south_contact):
    client = login(acme.users["rep"])
    assert "Shoe size" not in client.get("/contacts/").content.decode()
    with use_workspace(acme):
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="shoe_size", label_en="Shoe size",
                                       label_es="Talla de calzado", kind=FieldKind.INTEGER, show_in_list=True)
    assert "Shoe size" in client.get("/contacts/").content.decode()


def test_a_role_changed_earlier_in_the_same_task_is_what_the_cache_keeps(acme):
    """A service that changes a role and then works on (a command, a task) must not leave the old role's
    field rules in the cache for everyone with that role."""
    contacts = entities.get("contacts")
    admin, rep = acme.users["admin"], User.objects.get(pk=acme.users["rep"].pk)
    with use_workspace(Workspace.objects.get(pk=acme.pk)):
        assert "email" not in entity_for(rep, contacts).hidden
        rules = DEFAULT_ROLES["rep"].rules_json()
        rules["contacts"] = {**rules["*"], "fields": {"email": "hidden"}}
        role_services.role_save(key="rep", name="Sales rep", rules=rules, is_admin=False,
                                requires_two_factor=False, by=admin)
        assert "email" in entity_for(rep, contacts).hidden
    with use_workspace(Workspace.objects.get(pk=acme.pk)):  # the next request, another rep
        assert "email" in entity_for(User.objects.get(pk=acme.users["rep2"].pk), contacts).hidden


def test_each_language_gets_its_own_section_titles(acme, south_contact):
    with use_workspace(acme):
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="shoe_size", label_en="Shoe size",
                                       label_es="Talla de calzado", kind=FieldKind.INTEGER)
        south_contact.custom = {"shoe_size": 38}
        south_contact.save()
    page = f"/contacts/{south_contact.pk}/"
    assert "More fields" in login(acme.users["rep2"]).get(page).content.decode()
    User.objects.filter(pk=acme.users["rep2"].pk).update(language="es")
    spanish = login(User.objects.get(pk=acme.users["rep2"].pk)).get(page).content.decode()
    assert "Más campos" in spanish and "More fields" not in spanish


def test_deleting_a_team_member_changes_the_configuration(acme):
    before = Workspace.objects.get(pk=acme.pk).config_stamp
    acme.users["rep2"].delete()
    assert Workspace.objects.get(pk=acme.pk).config_stamp != before


def test_saving_the_workspace_keeps_the_stamp_another_process_wrote(acme):
    stale = Workspace.objects.get(pk=acme.pk)
    _join_south(acme)  # a configuration change: a new stamp in the database
    current = Workspace.objects.get(pk=acme.pk).config_stamp
    stale.default_country = "PT"
    stale.save()
    saved = Workspace.objects.get(pk=acme.pk)
    assert (saved.default_country, saved.config_stamp) == ("PT", current)


def test_a_process_keeps_at_most_its_share_of_workspaces(acme, globex, south_contact, monkeypatch):
    """A server hosting many companies keeps the configuration of the most recent ones only, and evicting one
    changes nothing anyone sees."""
    monkeypatch.setattr(config_cache, "MAX_WORKSPACES", 1)
    acme_rep, globex_rep = login(acme.users["rep"]), login(globex.users["rep"])
    for _round in range(2):
        assert not _rep_sees(acme_rep, south_contact)
        assert not _rep_sees(globex_rep, south_contact)  # another company's contact, never shown
        assert len(config_cache._kept) == 1
    _join_south(acme)
    assert _rep_sees(acme_rep, south_contact)
