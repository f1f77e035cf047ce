"""What each default role may do through the web UI, for every registered entity.

The expectations are written out by hand (not computed by the access module they test).
A record owned by `rep` (team North) and one owned by `rep2` (team South); both teams sit under
the manager's team Sales.
"""

import pytest

from clientela.customers.tests import factories
from clientela.registry import entities
from clientela.workspaces.scoping import use_workspace
from conftest import login

ROLES = ("admin", "manager", "rep", "support", "marketing", "readonly")
# role -> entity -> set of verbs the role has at all
VERBS = {
    "admin": {"*": {"view", "create", "edit", "delete", "export"}},
    "manager": {"*": {"view", "create", "edit", "delete", "export"}},
    "rep": {"*": {"view", "create", "edit", "delete", "export"}},
    "support": {"*": {"view"}, "contacts": {"view", "create", "edit"}},
    "marketing": {"*": {"view", "export"}, "contacts": {"view", "create", "edit", "delete", "export"}},
    "readonly": {"*": {"view"}},
}
# role -> (sees rep2's record?, may change rep's record (own for rep)?, may change rep2's record?)
REACH = {
    "admin": (True, True, True),
    "manager": (True, True, True),
    "rep": (False, True, False),
    "support": (True, True, True),
    "marketing": (True, True, True),
    "readonly": (True, False, False),
}
MAKERS = {"companies": lambda user, name: factories.company(user, name=name),
          "contacts": lambda user, name: factories.contact(user, first=name, last="Test")}


def verbs(role, key):
    return VERBS[role].get(key, VERBS[role]["*"])


@pytest.fixture
def records(acme):
    made = {}
    with use_workspace(acme):
        for entity in entities.all_entities():
            make = MAKERS[entity.key]
            made[entity.key] = {"rep": make(acme.users["rep"], "Delrep"), "rep2": make(acme.users["rep2"], "Delrepdos")}
    return made


@pytest.mark.parametrize("key", [e.key for e in entities.all_entities()])
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_through_the_ui(acme, records, role, key):
    client = login(acme.users[role])
    allowed = verbs(role, key)
    sees_other, edits_own_team, edits_other = REACH[role]
    mine, other = records[key]["rep"], records[key]["rep2"]

    listing = client.get(f"/{key}/")
    assert listing.status_code == (200 if "view" in allowed else 403)
    page = listing.content.decode()
    assert (str(other.pk) in page) == sees_other
    assert str(mine.pk) in page

    assert client.get(f"/{key}/{other.pk}/").status_code == (200 if sees_other else 404)
    assert client.get(f"/{key}/new/").status_code == (200 if "create" in allowed else 403)

    can_edit_mine = "edit" in allowed and edits_own_team
    assert client.get(f"/{key}/{mine.pk}/edit/").status_code == (200 if can_edit_mine else 403)
    expected_other = (200 if ("edit" in allowed and edits_other) else 403) if sees_other else 404
    assert client.get(f"/{key}/{other.pk}/edit/").status_code == expected_other

    export = client.get(f"/{key}/export.csv")
    assert export.status_code == (200 if "export" in allowed else 403)
    if export.status_code == 200:
        body = b"".join(export.streaming_content).decode()
        assert (str(other.pk) in body) == sees_other

    search = client.get("/search/", {"q": "Delrepdos"}).content.decode()
    assert (f"/{key}/{other.pk}/" in search) == sees_other

    can_delete_other = "delete" in allowed and edits_other and sees_other
    response = client.post(f"/{key}/{other.pk}/delete/")
    assert response.status_code == (302 if can_delete_other else 404 if not sees_other else 403)
