from .models import Membership, Workspace

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
    return chosen.workspace
