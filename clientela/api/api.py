"""The /api/v1 assembly: one set of endpoints per registered entity, token or session auth, problem errors."""

from django.conf import settings
from django.utils import translation
from ninja import NinjaAPI

from clientela.registry.entities import all_entities

from . import openapi, problems, throttle
from .auth import BrowserSessionAuth, TokenAuth
from .renderers import OrjsonRenderer
from .resources import entity_router

DESCRIPTION = """The records of one workspace. Send `Authorization: Bearer <token>`; create a token with
`python manage.py api_token EMAIL`. A token acts as its user in its workspace, with that user's role.
Errors are RFC 9457 problem details (`application/problem+json`). Each token may make a limited number of
calls a minute (so may each IP without a valid token); past it the answer is 429 with `Retry-After` (seconds)."""


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
    api = ClientelaApi(title="Clientela API", version="1", description=DESCRIPTION, urls_namespace="api",
                   docs_decorator=openapi.for_caller, renderer=OrjsonRenderer(),
                   auth=[throttle.refuse_limited_ip, TokenAuth(), BrowserSessionAuth(), throttle.count_unauthenticated],
                   throttle=[throttle.TokenRateThrottle()])
    problems.install(api)
    with translation.override(settings.LANGUAGE_CODE):  # the schema reads the same whoever loads it first
        api.add_router("/sync", "clientela.integrations.api.router")
        for entity in all_entities():
            api.add_router(f"/{entity.key}", entity_router(entity))
    return api


api = build_api()
