import pytest

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.workspaces.scoping import WorkspaceNotSelected, use_workspace


def test_a_query_without_an_active_workspace_is_refused(acme):
    """Given no active workspace, when code queries a CRM model, then it fails loudly instead of reading all tenants."""
    with pytest.raises(WorkspaceNotSelected):
        list(Contact.objects.all())


def test_each_workspace_only_sees_its_own_records(acme, globex):
    with use_workspace(acme):
        factories.contact(acme.users["admin"], first="Ana", last="Acme")
    with use_workspace(globex):
        factories.contact(globex.users["admin"], first="Gina", last="Globex")
        assert [str(c) for c in Contact.objects.all()] == ["Gina Globex"]
    with use_workspace(acme):
        assert [str(c) for c in Contact.objects.all()] == ["Ana Acme"]


def test_the_workspace_is_cleared_after_the_block(acme):
    with use_workspace(acme):
        pass
    with pytest.raises(WorkspaceNotSelected):
        Contact.objects.count()


def test_a_queryset_built_earlier_is_scoped_to_the_workspace_active_when_it_runs(acme, globex):
    """Form choices are built at import time; they must follow the request that uses them."""
    built_outside_any_workspace = Contact.objects.all()
    with use_workspace(acme):
        factories.contact(acme.users["admin"], first="Ana", last="Acme")
    with use_workspace(globex):
        assert list(built_outside_any_workspace.all()) == []
    with use_workspace(acme):
        assert [str(c) for c in built_outside_any_workspace.all()] == ["Ana Acme"]
    with pytest.raises(WorkspaceNotSelected):
        list(built_outside_any_workspace.all())
