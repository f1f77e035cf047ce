from clientela.workspaces.models import Team
from conftest import login


def test_an_admin_creates_a_nested_team_with_members(in_acme):
    client = login(in_acme.users["admin"])
    sales = Team.objects.get(name="Sales")
    response = client.post("/settings/teams/new/", {"name": "Export", "parent": sales.pk,
                                                     "members": [in_acme.users["rep"].pk]})
    assert response.status_code == 302
    team = Team.objects.get(name="Export")
    assert team.parent == sales and list(team.members.all()) == [in_acme.users["rep"]]
    assert "Export" in client.get("/settings/teams/").content.decode()
    from clientela.security.models import AuditEntry

    assert AuditEntry.objects.get(action="team.created").details["members"] == [str(in_acme.users["rep"])]


def test_a_team_cannot_be_placed_under_its_own_sub_team(in_acme):
    client = login(in_acme.users["admin"])
    sales, north = Team.objects.get(name="Sales"), Team.objects.get(name="North")
    response = client.post(f"/settings/teams/{sales.pk}/", {"name": "Sales", "parent": north.pk})
    assert response.status_code == 422 and "cannot sit under itself" in response.content.decode()


def test_duplicate_team_names_are_refused_by_name(in_acme):
    response = login(in_acme.users["admin"]).post("/settings/teams/new/", {"name": "sales"})
    assert response.status_code == 422 and "already exists" in response.content.decode()


def test_only_administrators_change_teams(in_acme):
    client = login(in_acme.users["manager"])
    assert client.get("/settings/teams/").status_code == 200
    assert client.post("/settings/teams/new/", {"name": "Rogue"}).status_code == 403
    assert not Team.objects.filter(name="Rogue").exists()


def test_members_from_another_workspace_cannot_be_added(in_acme, globex):
    response = login(in_acme.users["admin"]).post("/settings/teams/new/", {
        "name": "Mixed", "members": [globex.users["rep"].pk]})
    assert response.status_code == 422
    assert not Team.objects.filter(name="Mixed").exists()
