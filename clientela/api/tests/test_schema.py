"""The published OpenAPI schema is valid, and the API keeps to it under generated requests.

Schemathesis builds requests from /api/v1/openapi.json (a fixed number per operation, a fixed time
budget, a printed seed to replay a failure with CLIENTELA_SCHEMA_SEED) and fails on any 5xx or on
a response that does not match the schema.
"""

import json
import os
import random
import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from clientela.customers.tests import factories
from clientela.security.tokens import token_create
from clientela.workspaces.scoping import use_workspace

EXAMPLES_PER_OPERATION = 15
TIME_BUDGET_SECONDS = 60


CI_SEED = 3014393652  # the seed that found the offset overflow; passes since the fix


def test_the_openapi_schema_is_valid(client):
    validate(json.loads(client.get("/api/v1/openapi.json").content))


@pytest.fixture
def wsgi_app():
    """The WSGI application, keeping the test's database connection open between requests (as Django's
    test client does), so every request sees the test's data on PostgreSQL too."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in signals:
        signal.connect(close_old_connections)


def test_generated_requests_never_get_a_5xx_or_an_answer_outside_the_schema(acme, capsys, settings, wsgi_app):
    settings.CLIENTELA = {**settings.CLIENTELA, "API_RATE_PER_MINUTE": 100_000}
    with use_workspace(acme):
        company = factories.company(acme.users["admin"], name="Bodegas Peña S.L.")
        contact = factories.contact(acme.users["admin"], first="Lucía", last="Peña",
                                    emails=[{"email": "lucia@example.es", "label": "work"}],
                                    affiliations=[{"company_name": company.name, "role": "Buyer"}])
    record_ids = {"/api/v1/contacts/": str(contact.pk), "/api/v1/companies/": str(company.pk)}
    _token, secret = token_create(user=acme.users["admin"], workspace=acme, name="schema")
    headers = {"Authorization": f"Bearer {secret}"}
    # Locally every run explores new inputs; CI replays a known seed so a landing is judged on the code,
    # not on the luck of the draw (set CLIENTELA_SCHEMA_SEED to explore there too).
    default = CI_SEED if os.environ.get("CI") else random.randrange(2**32)
    run_seed = int(os.environ.get("CLIENTELA_SCHEMA_SEED") or default)
    with capsys.disabled():
        print(f"\nschemathesis seed: {run_seed} (replay with CLIENTELA_SCHEMA_SEED={run_seed})")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    tested, statuses = 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() > deadline:
            break
        record_id = next((pk for prefix, pk in record_ids.items() if operation.path.startswith(prefix)), None)
        path_parameters = {"record_id": record_id} if "{record_id}" in operation.path else None

        @seed(run_seed)
        @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(path_parameters=path_parameters))
        def check(case):
            if time.monotonic() <= deadline:
                statuses[case.call_and_validate(headers=headers, checks=checks).status_code] += 1

        check()
        tested += 1
    with capsys.disabled():
        print(f"schemathesis: {tested} operations, answers by status: {dict(sorted(statuses.items()))}")
    assert tested >= 12 and statuses[200]


def _definition(workspace, key, kind, **extra):
    from clientela.customization.models import FieldDefinition

    with use_workspace(workspace):
        return FieldDefinition.objects.create(workspace=workspace, entity="contacts", key=key, kind=kind,
                                              label_en=key.title(), label_es=key.title(), **extra)


def _schema_for(user, workspace) -> dict:
    from django.test import Client

    _token, secret = token_create(user=user, workspace=workspace, name="schema")
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_describes_the_callers_custom_fields_and_stays_valid(acme, globex):
    tier = _definition(acme, "tier", "picklist", options=[
        {"value": "gold", "label_en": "Gold", "label_es": "Oro", "active": True},
        {"value": "silver", "label_en": "Silver", "label_es": "Plata", "active": True}])
    _definition(acme, "erp_id", "text", unique=True)
    _definition(acme, "seats", "integer")

    mine = _schema_for(acme.users["admin"], acme)
    theirs = _schema_for(globex.users["admin"], globex)

    validate(mine)
    validate(theirs)
    custom = mine["components"]["schemas"]["Contact"]["properties"]["custom"]["anyOf"][0]["properties"]
    assert custom["tier"]["anyOf"][0] == {"type": "string", "enum": ["gold", "silver"]}
    assert custom["seats"]["anyOf"][0] == {"type": "integer"} and custom["erp_id"]["anyOf"][0]["type"] == "string"
    assert "tier" in mine["components"]["schemas"]["ContactInput"]["properties"]["custom"]["anyOf"][0]["properties"]
    assert "custom.erp_id" in mine["components"]["schemas"]["ContactBulkRequest"]["properties"]["match"]["enum"]
    filters = {p["name"]: p for p in mine["paths"]["/api/v1/contacts"]["get"]["parameters"]}
    assert filters["f_cf_tier"]["schema"]["enum"] == ["", "gold", "silver"]
    assert {"f_cf_tier__in", "f_cf_tier__isempty", "f_cf_seats__gte", "f_cf_seats__lt", "f_cf_erp_id__contains"} <= set(
        filters) and "f_cf_erp_id__gte" not in filters  # every operator each custom field takes, and no other
    assert "Seats" in filters["f_cf_seats__gte"]["description"]
    assert theirs["components"]["schemas"]["Contact"]["properties"]["custom"]["anyOf"][0]["properties"] == {}

    with use_workspace(acme):  # a new option shows at once: the cached schema is keyed by the definitions
        tier.options = [*tier.options, {"value": "bronze", "label_en": "Bronze", "label_es": "Bronce", "active": True}]
        tier.save()
    again = _schema_for(acme.users["admin"], acme)
    assert again["components"]["schemas"]["Contact"]["properties"]["custom"]["anyOf"][0]["properties"]["tier"][
        "anyOf"][0]["enum"] == ["gold", "silver", "bronze"]
