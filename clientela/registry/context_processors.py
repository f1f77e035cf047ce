from clientela.security.access import can, role_for
from clientela.workspaces.selectors import workspaces_of

from .entities import all_entities


def shell(request):
    """What every page's frame needs: the workspace, the user's workspaces, role and navigation."""
    ws = getattr(request, "workspace", None)
    if ws is None:
        return {}
    return {
        "current_workspace": ws,
        "my_workspaces": lambda: list(workspaces_of(request.user)),
        "my_role": role_for(request.user, ws),
        "nav_entities": lambda: [e for e in all_entities() if can(request.user, "view", e.key)],
    }
