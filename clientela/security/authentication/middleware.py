"""Per-request checks on logged-in users: idle timeout, session tracking, and two-factor when the role requires it."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import ngettext

from .. import access
from . import sessions, two_factor


def _redirect(request, url: str) -> HttpResponse:
    """A redirect that also works for htmx requests (which would otherwise swap the target page in)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SessionActivityMiddleware:
    """Logs out a session left idle longer than CLIENTELA["SESSION_IDLE_MINUTES"]; otherwise notes activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if sessions.session_is_idle(request):
                logout(request)
                minutes = sessions.idle_minutes()
                messages.info(request, ngettext(
                    "You were logged out after %(minutes)d minute without activity. Please log in again.",
                    "You were logged out after %(minutes)d minutes without activity. Please log in again.",
                    minutes) % {"minutes": minutes})
                query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                return _redirect(request, reverse("login") + (f"?{query}" if query else ""))
            sessions.session_touch(request)
        return self.get_response(request)


def _exempt(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    names = ("login", "logout", "login_two_factor", "two_factor_enrol", "workspace_switch")
    return path.startswith((static, "/i18n/")) or path in {reverse(name) for name in names}


class TwoFactorRequiredMiddleware:
    """Sends a user whose role in the current workspace requires two-factor login to enrol first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not request.session.get(two_factor.ENROLLED_FLAG)
                and getattr(request, "workspace", None) is not None and not _exempt(request.path)):
            role = access.role_for(user, request.workspace)
            if role is not None and role.requires_two_factor:
                if not two_factor.is_enrolled(user):
                    return _redirect(request, reverse("two_factor_enrol"))
                request.session[two_factor.ENROLLED_FLAG] = True
        return self.get_response(request)
