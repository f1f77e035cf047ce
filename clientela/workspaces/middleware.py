import zoneinfo

from django.utils import timezone, translation

from .scoping import _current
from .selectors import workspace_for_request


def activate_user_timezone(user) -> None:
    """Dates and times in the user's own zone ("today" for a user in Madrid starts at 23:00 UTC)."""
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


class UserPreferencesMiddleware:
    """Language from the profile (else the browser, via LocaleMiddleware); times in the user's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            activate_user_timezone(user)
        response = self.get_response(request)
        if user.is_authenticated and user.language:
            response.headers.setdefault("Content-Language", user.language)
        timezone.deactivate()
        return response


class CurrentWorkspaceMiddleware:
    """Activates the user's current workspace for the whole request, and always clears it after."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = workspace_for_request(request)
        token = _current.set(request.workspace)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
