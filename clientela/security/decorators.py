from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import access


def admin_required(view):
    """Workspace settings pages: logged in, in a workspace, with an administrator role (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.workspace is None or not access.is_admin(request.user):
            raise PermissionDenied(_("Only administrators can change workspace settings."))
        return view(request, *args, **kwargs)

    return wrapper
