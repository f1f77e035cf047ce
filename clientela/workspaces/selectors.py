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
    user.__dict__.setdefault("membership_roles", {})[chosen.workspace_id] = chosen.role  # read by the access decision
    return chosen.workspace


def workspace_members():
    """Active users of the current workspace (e.g. the choices for a record's owner)."""
    return (User.objects.filter(memberships__workspace_id=current_workspace().pk, memberships__is_active=True)
            .order_by("full_name", "email"))
