"""Who is calling: a Bearer API token (acting in the token's workspace), or the web UI's own session."""

from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from clientela.security.tokens import token_authenticate
from clientela.workspaces.middleware import activate_user_timezone
from clientela.workspaces.scoping import activate_for_request


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        request.workspace = api_token.workspace
        activate_for_request(api_token.workspace)
        activate_user_timezone(api_token.user)  # the middleware ran before the token was known
        return api_token


class BrowserSessionAuth(SessionAuth):
    """The logged-in user in the workspace the middleware chose; unsafe methods need the CSRF token.

    A request that sends an Authorization header is judged by that header alone, so a bad token
    gets 401 rather than falling back to a session cookie.
    """

    def __call__(self, request):
        if "Authorization" in request.headers or getattr(request, "workspace", None) is None:
            return None
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


def is_read_only(request) -> bool:
    token = getattr(request, "api_token", None)
    return bool(token and token.read_only)
