"""Shared fixtures: two workspaces with one user per default role, and logged-in clients."""

import pytest
from django.test import Client
from django.utils import translation

from clientela.workspaces import services as ws_services
from clientela.workspaces.models import User
from clientela.workspaces.scoping import use_workspace

ROLES = ("admin", "manager", "rep", "rep2", "support", "marketing", "readonly")


def make_workspace(slug: str, name: str):
    """A workspace shaped like the demo: rep and rep2 in different teams under the manager's team."""
    workspace = ws_services.workspace_create(name=name, slug=slug)
    users = {}
    for role in ROLES:
        user = User.objects.create_user(f"{role}@{slug}.example", "demo-pass-123", full_name=f"{role.title()} {name}")
        ws_services.member_add(workspace=workspace, user=user, role="rep" if role == "rep2" else role)
        users[role] = user
    sales = ws_services.team_create(workspace=workspace, name="Sales", members=[users["manager"]])
    ws_services.team_create(workspace=workspace, name="North", parent=sales, members=[users["rep"]])
    ws_services.team_create(workspace=workspace, name="South", parent=sales, members=[users["rep2"]])
    return workspace, users


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in English, whatever language an earlier request activated on this thread."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def acme(db):
    workspace, users = make_workspace("acme", "Acme")
    workspace.users = users
    return workspace


@pytest.fixture
def globex(db):
    workspace, users = make_workspace("globex", "Globex")
    workspace.users = users
    return workspace


@pytest.fixture
def in_acme(acme):
    with use_workspace(acme):
        yield acme


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_acme(acme):
    return login(acme.users["admin"])
