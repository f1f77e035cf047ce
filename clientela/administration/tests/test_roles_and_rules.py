import pytest

from clientela.customers.tests import factories
from clientela.security.models import AuditEntry, Role, SharingRule
from clientela.workspaces.models import Membership, Team
from conftest import login


def _role_post(**overrides):
    """A role form: contacts view+edit on own records, companies view all with annual revenue hidden."""
    data = {"name": "Becario", "description": "", "contacts__verb__view": "on", "contacts__verb__edit": "on",
            "contacts__view_scope": "own", "contacts__edit_scope": "own",
            "companies__verb__view": "on", "companies__view_scope": "all", "companies__edit_scope": "own",
            "companies__field__annual_revenue": "hidden"}
    data.update(overrides)
    return data


def test_an_admin_creates_a_role_assigns_it_and_it_takes_effect(in_acme):
    admin, rep2 = in_acme.users["admin"], in_acme.users["rep2"]
    client = login(admin)
    assert client.post("/settings/roles/new/", _role_post()).status_code == 302
    role = Role.objects.get(key="becario")
    assert role.rules["companies"]["fields"] == {"annual_revenue": "hidden"}
    membership = Membership.objects.get(user=rep2, workspace=in_acme)
    client.post(f"/settings/members/{membership.pk}/role/", {"role": "becario"})
    membership.refresh_from_db()
    assert membership.role == "becario"
    company = factories.company(admin, name="Lejana S.L.", annual_revenue="5000000")
    intern = login(rep2)
    assert intern.get("/contacts/new/").status_code == 403  # no "create" ticked
    page = intern.get(f"/companies/{company.pk}/").content.decode()
    assert "Lejana" in page and "5000000" not in page
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"role.created", "member.role_changed"} <= actions


def test_editing_a_default_role_overrides_it_for_this_workspace_only(in_acme, globex):
    client = login(in_acme.users["admin"])
    data = _role_post(name="Read-only")
    assert client.post("/settings/roles/readonly/", data).status_code == 302
    assert sorted(Role.objects.get(key="readonly").rules["contacts"]["verbs"]) == ["edit", "view"]
    assert not Role.unscoped.filter(workspace=globex).exists()


def test_a_duplicate_role_name_is_refused_by_name(in_acme):
    response = login(in_acme.users["admin"]).post("/settings/roles/new/", _role_post(name="Sales rep"))
    assert response.status_code == 422 and "already exists" in response.content.decode()


def test_admins_cannot_demote_themselves(in_acme):
    admin = in_acme.users["admin"]
    membership = Membership.objects.get(user=admin, workspace=in_acme)
    login(admin).post(f"/settings/members/{membership.pk}/role/", {"role": "readonly"})
    membership.refresh_from_db()
    assert membership.role == "admin"


@pytest.mark.parametrize("path", ["/settings/roles/", "/settings/roles/new/", "/settings/sharing-rules/",
                                  "/settings/sharing-rules/new/"])
def test_only_administrators_reach_the_settings(in_acme, path):
    assert login(in_acme.users["manager"]).get(path).status_code == 403
    assert login(in_acme.users["admin"]).get(path).status_code == 200


def test_a_sharing_rule_is_validated_and_saved_with_an_audit_entry(in_acme):
    client = login(in_acme.users["admin"])
    north = Team.objects.get(name="North")
    bad = client.post("/settings/sharing-rules/new/", {"name": "Spain", "target": "companies:addresses__country",
                                                        "value": "Narnia", "team": north.pk})
    assert bad.status_code == 422 and "not one of the values" in bad.content.decode()
    ok = client.post("/settings/sharing-rules/new/", {"name": "Spain", "target": "companies:addresses__country",
                                                       "value": "spain", "team": north.pk, "is_active": "on"})
    assert ok.status_code == 302
    rule = SharingRule.objects.get()
    assert (rule.entity, rule.field, rule.value) == ("companies", "addresses__country", "ES")
    assert AuditEntry.objects.filter(action="sharing_rule.created").exists()
