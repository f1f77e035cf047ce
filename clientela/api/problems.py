"""Errors as RFC 9457 problem details: `application/problem+json` with a stable `type` per kind.

Validation problems list every bad field as {"field", "message", "code"}; nested rows are named
like `emails[0].email`. Messages are the ones the web forms show.
"""

import math
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError

from .throttle import RateLimited, rate_per_minute

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:clientela:problem:"

TITLES = {
    "unauthorized": _("Authentication required"),
    "forbidden": _("Not allowed"),
    "read-only-token": _("Read-only token"),
    "not-found": _("Not found"),
    "validation": _("The data is not valid"),
    "conflict": _("Conflict with existing data"),
    "rate-limited": _("Too many requests"),
    "stale": _("The record changed meanwhile"),
    "bad-request": _("Bad request"),
    "too-large": _("Too much in one request"),
}


class FieldError(Schema):
    field: str | None
    message: str
    code: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
    code: str | None = None


class ValidationProblem(Problem):
    errors: list[FieldError]


class ApiValidationError(Exception):
    """Raised with [{"field", "message", "code"}, …] when input fails the entity's form."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


class ReadOnlyToken(PermissionDenied):
    pass


class Conflict(Exception):
    pass


class Stale(Exception):
    """A write based on an old version of the record (If-Match or `version` no longer matches)."""


class BadRequest(Exception):
    """A query parameter that cannot be used, e.g. an invalid cursor or an unknown field in `fields=`."""

    status = 400

    def __init__(self, field: str, code: str, message):
        super().__init__(message)
        self.field, self.code, self.message = field, code, str(message)


class TooLarge(BadRequest):
    """More in one request than the endpoint takes (e.g. over 1,000 records in a bulk write)."""

    status = 413


def problem(status: int, kind: str | None = None, detail=None, **extra) -> JsonResponse:
    """A problem response; without `kind` the type is about:blank and the title the HTTP phrase."""
    body = {
        "type": f"{TYPE_PREFIX}{kind}" if kind else "about:blank",
        "title": str(TITLES[kind]) if kind else HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    body.update(extra)
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})


def _field_path(loc) -> str | None:
    """ninja's error location, minus the source and the parameter name: ("body", "payload", "x") → "x"."""
    parts = list(loc[2:] if loc and loc[0] == "body" else loc[1:])
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


def _unauthorized(request, exc):
    response = problem(401, "unauthorized",
                       _("Send a valid API token in the header “Authorization: Bearer <token>”."))
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(request, exc: HttpError):
    return problem(exc.status_code, detail=str(exc))


def _request_invalid(request, exc: RequestValidationError):
    errors = [{"field": _field_path(e.get("loc", ())), "message": e.get("msg", ""), "code": e.get("type", "invalid")}
              for e in exc.errors]
    return problem(422, "validation", errors=errors)


def _form_invalid(request, exc: ApiValidationError):
    return problem(422, "validation", errors=exc.errors)


def _forbidden(request, exc: PermissionDenied):
    if isinstance(exc, ReadOnlyToken):
        return problem(403, "read-only-token", _("This API token may read but not change data."))
    return problem(403, "forbidden", str(exc) or _("Your role does not allow this."))


def _not_found(request, exc):
    return problem(404, "not-found", _("There is no such record, or you may not see it."))


def _conflict(request, exc):
    return problem(409, "conflict", str(exc) or None)


def _stale(request, exc):
    return problem(412, "stale", str(exc) or None, code="stale")


def _bad_request(request, exc: BadRequest):
    return problem(exc.status, "too-large" if exc.status == 413 else "bad-request", exc.message, code=exc.code,
                   errors=[{"field": exc.field, "message": exc.message, "code": exc.code}])


def _rate_limited(request, exc: RateLimited | Throttled):
    seconds = exc.retry_after if isinstance(exc, RateLimited) else math.ceil(exc.wait or 1)
    detail = _("At most %(limit)d calls a minute are allowed; try again in %(seconds)d seconds.") % {
        "limit": rate_per_minute(), "seconds": seconds}
    response = problem(429, "rate-limited", detail, retry_after=seconds)
    response["Retry-After"] = str(seconds)
    return response


def install(api) -> None:
    api.add_exception_handler(AuthenticationError, _unauthorized)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(RequestValidationError, _request_invalid)
    api.add_exception_handler(ApiValidationError, _form_invalid)
    api.add_exception_handler(PermissionDenied, _forbidden)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(Conflict, _conflict)
    api.add_exception_handler(Stale, _stale)
    api.add_exception_handler(BadRequest, _bad_request)
    api.add_exception_handler(RateLimited, _rate_limited)
    api.add_exception_handler(Throttled, _rate_limited)


ERROR_RESPONSES = {401: Problem, 403: Problem, 404: Problem, 429: Problem}
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: Problem, 412: Problem, 422: ValidationProblem}
LIST_RESPONSES = {**ERROR_RESPONSES, 400: ValidationProblem, 422: ValidationProblem}
