"""The /api/v1 assembly: one set of endpoints per registered entity, token or session auth, problem errors."""

from functools import wraps
from io import BytesIO

from django.conf import settings
from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from clientela.registry.entities import all_entities

from . import openapi, problems, throttle
from .auth import BrowserSessionAuth, TokenAuth
from .renderers import OrjsonRenderer
from .resources import entity_router

DESCRIPTION = """The records of one workspace. Send `Authorization: Bearer <token>`; create a token on the page
*API tokens* of your account (`/account/tokens/`), or with `python manage.py api_token EMAIL`. A token acts as
its user in its workspace, with that user's role.
Errors are RFC 9457 problem details (`application/problem+json`). Each token may make a limited number of
calls a minute (so may each IP without a valid token); past it the answer is 429 with `Retry-After` (seconds).
Bodies are JSON (`Content-Type: application/json`) of at most {single} MB ({bulk} MB for `/bulk`); a larger
one gets 413 with the code `body_too_large`."""


class ClientelaApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Errors are documented with the media type they are sent with: application/problem+json."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content[problems.CONTENT_TYPE] = content.pop("application/json")
        return openapi.complete(schema)


def build_api() -> NinjaAPI:
    api = ClientelaApi(title="Clientela API", version="1", urls_namespace="api",
                       description=DESCRIPTION.format(single=_megabytes(body_limit(bulk=False)),
                                                      bulk=_megabytes(body_limit(bulk=True))),
                       docs_decorator=openapi.for_caller, renderer=OrjsonRenderer(), parser=problems.JsonParser(),
                       auth=[throttle.refuse_limited_ip, TokenAuth(), BrowserSessionAuth(),
                             throttle.count_unauthenticated],
                       throttle=[throttle.TokenRateThrottle()])
    problems.install(api)
    with translation.override(settings.LANGUAGE_CODE):  # the schema reads the same whoever loads it first
        api.add_router("/sync", "clientela.integrations.api.router")
        for entity in all_entities():
            api.add_router(f"/{entity.key}", entity_router(entity))
    return api


def body_limit(*, bulk: bool) -> int:
    return settings.CLIENTELA["API_BULK_MAX_BODY_BYTES" if bulk else "API_MAX_BODY_BYTES"]


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.3g}"


def _read_body(request, limit: int) -> bool:
    """Reads the body, at most `limit` bytes: False when it is larger. Reading it here, bounded, rather than
    through `request.body` keeps Django's DATA_UPLOAD_MAX_MEMORY_SIZE (meant for the web forms) from refusing
    a bulk body with an HTML 400. A Content-Length over the limit is refused without reading; a body without
    one (chunked) is read to one byte past the limit."""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return False
    except ValueError:
        pass  # Django reads an unreadable length as 0, as below
    read = request.read
    if (not request.META.get("CONTENT_LENGTH") and request.META.get("wsgi.input_terminated")
            and "wsgi.input" in request.META):
        read = request.META["wsgi.input"].read  # a server that de-chunks; Django's stream would read nothing
    body = read(limit + 1)
    if len(body) > limit:
        return False
    request._body, request._stream = body, BytesIO(body)  # what `request.body` leaves after reading
    return True


def _guarded(view, *, bulk: bool):
    """A view of the API whose oversized bodies, unknown methods and 404s are answered as problems."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        limit = body_limit(bulk=bulk)
        if not _read_body(request, limit):
            return problems.body_too_large(limit)
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view, outside its exception handlers
            return problems.unmatched(request)
        if isinstance(response, HttpResponseNotAllowed):
            return problems.unmatched(request, allowed=sorted(m.strip() for m in response["Allow"].split(",")))
        return response

    return guarded


@csrf_exempt
def no_endpoint(request, *args, **kwargs):
    """Anything under /api/v1/ that matches no endpoint: a 404 problem, not the web's HTML page."""
    return problems.unmatched(request)


def urlpatterns_for(ninja_api: NinjaAPI) -> list:
    patterns, app_name, namespace = ninja_api.urls
    guarded = [URLPattern(p.pattern, _guarded(p.callback, bulk=str(p.pattern).endswith("/bulk")), p.default_args,
                          p.name) if isinstance(p, URLPattern) else p for p in patterns]
    return [path("", (guarded, app_name, namespace)), re_path(r"", no_endpoint)]


api = build_api()
