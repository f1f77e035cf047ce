from .models import Membership, User, Workspace
from .scoping import current_workspace

SESSION_KEY = "workspace_id"


def workspaces_of(user):
    return Workspace.objects.filter(memberships__user=user, memberships__is_active=True).order_by("name")


def workspace_for_request(request) -> Workspace | None:
    """The session's workspace if the user is still a member, else their last or first one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    wanted = request.session.get(SESSION_KEY) or user.last_workspace_id
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("workspace")
    chosen = memberships.filter(workspace_id=wanted).first() if wanted else None
    chosen = chosen or memberships.order_by("workspace__name").first()
    if chosen is None:
        return None
    if request.session.get(SESSION_KEY) != chosen.workspace_id:
        request.session[SESSION_KEY] = chosen.workspace_id
    membership_role_note(user, chosen.workspace_id, chosen.role)
    return chosen.workspace


def membership_role_note(user, workspace_id: int, role: str) -> None:
    """Keep, on this request's user object, the role of the active membership just read, so the access
    decision does not read it again (`membership_role_noted`)."""
    user.__dict__.setdefault("_membership_roles", {})[workspace_id] = role


def membership_role_noted(user, workspace_id: int) -> str | None:
    return user.__dict__.get("_membership_roles", {}).get(workspace_id)


def workspace_members():
    """Active users of the current workspace (e.g. the choices for a record's owner)."""
    return (User.objects.filter(memberships__workspace_id=current_workspace().pk, memberships__is_active=True)
            .order_by("full_name", "email"))
