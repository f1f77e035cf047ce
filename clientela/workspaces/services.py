from django.db import transaction

from .models import Membership, Team, User, Workspace
from .scoping import use_workspace


@transaction.atomic
def workspace_create(*, name: str, slug: str, **fields) -> Workspace:
    return Workspace.objects.create(name=name, slug=slug, **fields)


def member_add(*, workspace: Workspace, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, workspace=workspace,
                                                        defaults={"role": role, "is_active": True})
    return membership


def team_create(*, workspace: Workspace, name: str, parent: Team | None = None, members=()) -> Team:
    with use_workspace(workspace):
        team, _ = Team.objects.get_or_create(workspace=workspace, name=name, defaults={"parent": parent})
        if members:
            team.members.add(*members)
    return team


def workspace_switch(*, request, workspace: Workspace) -> None:
    from .selectors import SESSION_KEY

    request.session[SESSION_KEY] = workspace.pk
    User.objects.filter(pk=request.user.pk).update(last_workspace=workspace)
