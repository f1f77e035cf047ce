"""Errors as RFC 9457 problem details: `application/problem+json` with a stable `type` per kind.

Every problem has one shape: type, title, status, detail (when there is one), a stable `code`, and
`errors`, a list of {"field", "message", "code"}; nested rows are named like `emails[0].email`, and a
problem about the request as a whole has one error with field null. Messages are the ones the web
forms show; pydantic's are replaced by translatable ones, keeping pydantic's error type as the code.
"""

import json
import math
import re
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser

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
    "unsupported-media-type": _("Unsupported media type"),
    "method-not-allowed": _("Method not allowed"),
}
# ninja's own CSRF refusal (`APIKeyCookie`): an HttpError with this text and nothing else to tell it by.
_NINJA_CSRF_MESSAGE = "CSRF check Failed"
MAX_JSON_DEPTH = 32  # a bulk request is about 5 levels deep; deeper input only costs recursion


class FieldError(Schema):
    field: str | None
    message: str
    code: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    errors: list[FieldError]


class ValidationProblem(Problem):
    """The same shape; kept as a name for the responses that list field errors."""


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

    def __init__(self, field: str | None, code: str, message):
        super().__init__(message)
        self.field, self.code, self.message = field, code, str(message)


class TooLarge(BadRequest):
    """More in one request than the endpoint takes (e.g. over 1,000 records in a bulk write)."""

    status = 413


class UnsupportedMediaType(BadRequest):
    """A body that is not JSON (a form, XML…) sent to an endpoint that reads JSON."""

    status = 415


_KINDS_BY_STATUS = {400: "bad-request", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
                    413: "too-large", 415: "unsupported-media-type", 422: "validation", 429: "rate-limited"}


def problem(status: int, kind: str | None = None, detail=None, *, code: str | None = None,
            errors: list[dict] | None = None, **extra) -> JsonResponse:
    """A problem response in the one shape: `code` defaults to the kind ("not-found" → "not_found"), and
    without `errors` the detail (or title) is the one error, about no field in particular. Without `kind`
    the type is about:blank and the title the HTTP phrase."""
    title = str(TITLES[kind]) if kind else HTTPStatus(status).phrase
    code = code or (kind.replace("-", "_") if kind else f"http_{status}")
    body = {"type": f"{TYPE_PREFIX}{kind}" if kind else "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = str(detail)
    body["code"] = code
    body["errors"] = errors if errors is not None else [{"field": None, "message": body.get("detail", title),
                                                         "code": code}]
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
    """ninja's own refusals: a body the parser refused (the cause is ours), the CSRF check, anything else."""
    if isinstance(exc.__cause__, BadRequest):
        return _bad_request(request, exc.__cause__)
    if exc.status_code == 403 and str(exc) == _NINJA_CSRF_MESSAGE:
        return problem(403, "forbidden", _("The CSRF token is missing or wrong. A browser session must send "
                                           "it in the “X-CSRFToken” header; other clients should use an API "
                                           "token."), code="csrf_failed")
    return problem(exc.status_code, _KINDS_BY_STATUS.get(exc.status_code), str(exc) or None)


def _expected_choices(ctx: dict) -> str:
    """pydantic's "'a', 'b' or 'c'" without its English "or"."""
    return ", ".join(re.split(r", | or ", str(ctx.get("expected", ""))))


_NUMBER = _("Enter a number.")
_DATE = _("Enter a valid date (YYYY-MM-DD).")
_DATETIME = _("Enter a valid date and time (ISO 8601, e.g. 2025-03-12T09:30:00Z).")
_OBJECT = _("Enter an object (a JSON object).")
_PYDANTIC_MESSAGES = {
    "extra_forbidden": lambda ctx: _("This field is not known here."),
    "missing": lambda ctx: _("This field is required."),
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "decimal_parsing": lambda ctx: _NUMBER,
    "decimal_type": lambda ctx: _NUMBER,
    "float_parsing": lambda ctx: _NUMBER,
    "float_type": lambda ctx: _NUMBER,
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "bool_type": lambda ctx: _("Enter true or false."),
    "string_type": lambda ctx: _("Enter text (a JSON string)."),
    "string_too_long": lambda ctx: ngettext("Enter at most %(max)d character.", "Enter at most %(max)d characters.",
                                            ctx.get("max_length", 0)) % {"max": ctx.get("max_length", 0)},
    "date_parsing": lambda ctx: _DATE,
    "date_from_datetime_parsing": lambda ctx: _DATE,
    "date_from_datetime_inexact": lambda ctx: _DATE,
    "date_type": lambda ctx: _DATE,
    "datetime_parsing": lambda ctx: _DATETIME,
    "datetime_from_date_parsing": lambda ctx: _DATETIME,
    "datetime_type": lambda ctx: _DATETIME,
    "list_type": lambda ctx: _("Enter a list (a JSON array)."),
    "dict_type": lambda ctx: _OBJECT,
    "model_type": lambda ctx: _OBJECT,
    "model_attributes_type": lambda ctx: _OBJECT,
    "json_invalid": lambda ctx: _("This is not valid JSON."),
    "enum": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": _expected_choices(ctx)},
    "literal_error": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": _expected_choices(ctx)},
    "uuid_parsing": lambda ctx: _("Enter a valid UUID."),
    "uuid_type": lambda ctx: _("Enter a valid UUID."),
}


def pydantic_message(error: dict) -> str:
    """pydantic's message for an error, in the caller's language for the common types (its own otherwise)."""
    message = _PYDANTIC_MESSAGES.get(error.get("type", ""))
    return str(message(error.get("ctx") or {})) if message else error.get("msg", "")


def pydantic_field_errors(errors) -> list[dict]:
    """ninja's or pydantic's errors as problem errors; the code stays pydantic's (stable) error type."""
    return [{"field": _field_path(e.get("loc", ())), "message": pydantic_message(e), "code": e.get("type", "invalid")}
            for e in errors]


def _request_invalid(request, exc: RequestValidationError):
    """A body that does not validate is 422; a query or path parameter that cannot be used is 400, as the
    parameters the handlers check themselves (`BadRequest`: `fields`, `include`, `cursor`, `sort`, filters)."""
    errors = pydantic_field_errors(exc.errors)
    if all(e.get("loc", ("body",))[0] in ("query", "path") for e in exc.errors):
        return problem(400, "bad-request", errors=errors)
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
    return problem(exc.status, _KINDS_BY_STATUS.get(exc.status, "bad-request"), exc.message, code=exc.code,
                   errors=[{"field": exc.field, "message": exc.message, "code": exc.code}])


def body_too_large(limit: int) -> JsonResponse:
    megabytes = f"{limit / 1024 / 1024:.3g}"
    return _bad_request(None, TooLarge(None, "body_too_large", _(
        "The request body is larger than the %(size)s MB this endpoint accepts. Send fewer records at a time.")
        % {"size": megabytes}))


def unmatched(request, allowed: list[str] | None = None) -> JsonResponse:
    """No endpoint at this address (404) or not with this method (405, listing the allowed ones)."""
    if allowed is not None:
        response = problem(405, "method-not-allowed", _("This endpoint accepts only %(methods)s.")
                           % {"methods": ", ".join(allowed)}, code="method_not_allowed")
        response["Allow"] = ", ".join(allowed)
        return response
    return problem(404, "not-found", _("There is no API endpoint at this address; the endpoints are listed at "
                                       "/api/v1/docs (paths have no trailing slash)."))


class JsonParser(Parser):
    """Reads request bodies as UTF-8 JSON, refusing other media types, bad encodings, malformed and too deeply
    nested JSON with their own codes. ninja turns any parser error into a bare 400 HttpError; the
    BadRequest raised here stays its cause, and `_http_error` answers with it."""

    def parse_body(self, request):
        media_type = request.content_type or ""
        if media_type and media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType(None, "unsupported_media_type", _(
                "The body must be JSON, sent with “Content-Type: application/json” (not %(media_type)s).")
                % {"media_type": media_type})
        try:
            text = request.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadRequest(None, "invalid_encoding", _("The body is not valid UTF-8 (at byte %(position)d).")
                             % {"position": exc.start}) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadRequest(None, "malformed_json", _("The body is not valid JSON (line %(line)d, column "
                                                       "%(column)d).") % {"line": exc.lineno, "column": exc.colno}) from exc
        except RecursionError as exc:
            raise _too_deep() from exc
        if _depth_over(data, MAX_JSON_DEPTH):
            raise _too_deep()
        if _SURROGATE_ESCAPE.search(text) and (surrogate := _lone_surrogate(data)) is not None:
            raise BadRequest(None, "invalid_unicode", _(
                "The body contains “\\u%(code)04x”, half of a UTF-16 surrogate pair without its other half, "
                "which is not a character.") % {"code": ord(surrogate)})
        return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a UTF-8 text has surrogates only from such escapes
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(data) -> str | None:
    """The first surrogate in the strings (keys too) of parsed JSON, else None: `json.loads` joins the halves of
    a pair (\\ud83d\\ude00 is one character) and keeps a lone half, which no UTF-8 text, database or response
    can hold."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and (found := _SURROGATE.search(value)):
            return found.group()
    return None


def _too_deep() -> BadRequest:
    return BadRequest(None, "json_too_deep", _("The JSON is nested too deeply (at most %(depth)d levels).")
                      % {"depth": MAX_JSON_DEPTH})


def _depth_over(data, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` deep; without recursion, so any depth is safe."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


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
WRITE_RESPONSES = {**ERROR_RESPONSES, 400: Problem, 409: Problem, 412: Problem, 413: Problem, 415: Problem,
                   422: ValidationProblem}
LIST_RESPONSES = {**ERROR_RESPONSES, 400: ValidationProblem, 422: ValidationProblem}
