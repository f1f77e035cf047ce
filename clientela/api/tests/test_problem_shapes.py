"""Every refusal under /api/v1 is one problem shape (application/problem+json with a code and errors), never
HTML or a 500: oversized, malformed or non-JSON bodies, CSRF failures, unknown paths and methods."""

import json
from io import BytesIO

import pytest
from django.test import Client

from clientela.customers.tests import factories
from clientela.workspaces.scoping import use_workspace

from .test_api import PROBLEM, api_client, send


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["type"].startswith("urn:clientela:problem:")
    assert body["title"] and body["errors"] and all(set(e) == {"field", "message", "code"} for e in body["errors"])
    return body


def _record(n: int) -> dict:
    """A contact as an integration would send it: a few fields, a paragraph of notes, emails, a phone, an
    address (about 2.6 KB)."""
    notes = ("Conocida en la feria de Sevilla; interesada en el catálogo de otoño y en condiciones para pedidos "
             "grandes. Prefiere que la llamen por la mañana. ") * 14
    return {"first_name": f"Persona {n}", "last_name": "García-Fernández", "job_title": "Responsable de compras",
            "lifecycle_status": "prospect", "description": notes,
            "emails": [{"email": f"persona{n}@empresa-ejemplo.es", "label": "work"},
                       {"email": f"p{n}@correo-personal.example", "label": "work"}],
            "phones": [{"number": "+34 612 345 678", "label": "mobile"}],
            "addresses": [{"street": f"Calle de Alcalá {n}, 3º izquierda", "city": "Madrid", "postal_code": "28014",
                           "country": "ES", "label": "work"}],
            "custom": {}}


# --- oversized bodies ----------------------------------------------------------------------------------------


def test_an_oversized_body_is_a_413_problem_before_parsing(admin_api, debug):
    padding = "x" * (3 * 1024 * 1024)
    one = admin_api.post("/api/v1/companies", data=json.dumps({"name": padding}), content_type="application/json")
    bulk = admin_api.post("/api/v1/companies/bulk", content_type="application/json",
                          data=json.dumps({"operation": "create", "records": [{"name": padding * 4}]}))

    body = _problem(one, 413, "body_too_large")
    assert "2.5 MB" in body["detail"] and body["errors"][0]["field"] is None
    assert "10 MB" in _problem(bulk, 413, "body_too_large")["detail"]


def test_the_length_is_checked_before_the_body_is_read(admin_api):
    response = admin_api.generic("POST", "/api/v1/companies", b"{}", content_type="application/json",
                                 CONTENT_LENGTH=str(50 * 1024 * 1024))
    _problem(response, 413, "body_too_large")


def test_a_body_without_a_length_is_read_only_up_to_the_limit(admin_api, settings):
    """A chunked upload has no Content-Length; a server that de-chunks says so with wsgi.input_terminated."""
    settings.CLIENTELA = {**settings.CLIENTELA, "API_MAX_BODY_BYTES": 100}

    def chunked(name):
        body = json.dumps({"name": name}).encode()
        return admin_api.generic("POST", "/api/v1/companies", body, content_type="application/json",
                                 CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked",
                                 **{"wsgi.input": BytesIO(body), "wsgi.input_terminated": True})

    _problem(chunked("x" * 200), 413, "body_too_large")
    assert chunked("Bodegas").status_code == 201


def test_a_bulk_of_a_thousand_typical_records_gets_past_the_size_check(admin_api):
    """Over Django's 2.5 MB for web forms, under the API's 10 MB for /bulk: the body is read and parsed (the
    bad operation is then refused; writing 1,000 records is test_bulk's business and takes minutes here)."""
    data = json.dumps({"operation": "merge", "records": [_record(n) for n in range(1000)]})
    assert 2.5 * 1024 * 1024 < len(data.encode()) < 10 * 1024 * 1024

    response = admin_api.post("/api/v1/contacts/bulk", data=data, content_type="application/json")

    assert _problem(response, 422, "validation")["errors"][0]["field"] == "operation"


# --- bodies that are not JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("data, code", [
    (b"{oops", "malformed_json"),
    (b'{"name": "Bodegas"', "malformed_json"),
    (b'{"name": "Bodegas \xff\xfe"}', "invalid_encoding"),
    (b"[" * 100_000 + b"]" * 100_000, "json_too_deep"),
    (b'{"custom": ' + b"[" * 40 + b"]" * 40 + b"}", "json_too_deep"),
])
def test_a_body_that_is_not_json_has_its_own_code(admin_api, debug, data, code):
    body = _problem(admin_api.post("/api/v1/companies", data=data, content_type="application/json"), 400, code)
    assert body["errors"] == [{"field": None, "message": body["detail"], "code": code}]
    assert "Traceback" not in body["detail"]


@pytest.mark.parametrize("data, media_type", [
    ("<company><name>Bodegas</name></company>", "application/xml"),
    ("name=Bodegas", "application/x-www-form-urlencoded"),
    ("name: Bodegas", "text/plain"),
])
def test_a_body_in_another_media_type_is_a_415_problem(admin_api, data, media_type):
    body = _problem(admin_api.post("/api/v1/companies", data=data, content_type=media_type), 415,
                    "unsupported_media_type")
    assert media_type in body["detail"]


def test_a_multipart_form_is_a_415_problem(admin_api):
    _problem(admin_api.post("/api/v1/companies", {"name": "Bodegas"}), 415, "unsupported_media_type")


def test_json_with_a_suffix_or_a_charset_is_json(admin_api):
    merge = admin_api.post("/api/v1/companies", data='{"name": "Bodegas"}', content_type="application/merge+json")
    utf8 = admin_api.post("/api/v1/companies", data='{"name": "Peña"}', content_type="application/json; charset=utf-8")
    assert (merge.status_code, utf8.status_code) == (201, 201)


def test_a_session_write_without_the_csrf_token_is_a_csrf_problem(acme):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.users["admin"])

    body = _problem(send(strict, "post", "/api/v1/companies", {"name": "X"}), 403, "csrf_failed")
    assert "X-CSRFToken" in body["detail"]


# --- addresses and methods that match nothing ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/widgets", "/api/v1/companies/", "/api/v1/", "/api/v1/companies/x/y/z"])
def test_an_unknown_path_is_a_404_problem(admin_api, url):
    for method in ("get", "post", "delete"):
        _problem(getattr(admin_api, method)(url), 404, "not_found")


def test_an_unknown_path_is_a_404_problem_for_a_browser_session_too(acme):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.users["admin"])
    _problem(send(strict, "post", "/api/v1/widgets", {}), 404, "not_found")


def test_a_method_an_endpoint_does_not_take_is_a_405_problem_with_allow(admin_api, acme):
    with use_workspace(acme):
        company = factories.company(acme.users["admin"], name="Bodegas Peña S.L.")

    put = send(admin_api, "put", f"/api/v1/companies/{company.pk}", {"name": "X"})
    on_list = admin_api.delete("/api/v1/companies")

    _problem(put, 405, "method_not_allowed")
    assert put["Allow"] == "DELETE, GET, PATCH" and "PATCH" in put.json()["detail"]
    assert _problem(on_list, 405, "method_not_allowed") and set(on_list["Allow"].split(", ")) == {"GET", "POST"}


# --- every problem has the shape ------------------------------------------------------------------------------


def test_the_other_problems_have_the_shape_too(acme, admin_api):
    readonly = api_client(acme.users["admin"], acme, read_only=True)

    _problem(Client().get("/api/v1/companies"), 401, "unauthorized")
    _problem(send(readonly, "post", "/api/v1/companies", {"name": "X"}), 403, "read_only_token")
    _problem(admin_api.get("/api/v1/companies/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    body = _problem(send(admin_api, "post", "/api/v1/companies", {"name": ""}), 422, "validation")
    assert body["errors"][0]["field"] == "name"


# --- pydantic's messages in the caller's language -------------------------------------------------------------


def test_type_errors_keep_pydantics_code_and_are_translated(admin_api):
    payload = {"name": "Bodegas", "nope": 1, "annual_revenue": "lots", "tags": 5}
    english = send(admin_api, "post", "/api/v1/companies", payload)
    admin_api.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    spanish = send(admin_api, "post", "/api/v1/companies", payload)

    errors = {e["field"]: e for e in _problem(english, 422, "validation")["errors"]}
    assert errors["nope"] == {"field": "nope", "code": "extra_forbidden", "message": "This field is not known here."}
    assert errors["annual_revenue"] == {"field": "annual_revenue", "code": "decimal_parsing",
                                        "message": "Enter a number."}
    assert errors["tags"]["code"] == "list_type"
    spanish_errors = {e["field"]: e for e in _problem(spanish, 422, "validation")["errors"]}
    assert spanish_errors["annual_revenue"] == {**errors["annual_revenue"], "message": "Introduce un número."}
    assert spanish.json()["title"] == "Los datos no son válidos"


@pytest.mark.parametrize("error, english", [
    ({"type": "missing"}, "This field is required."),
    ({"type": "int_parsing"}, "Enter a whole number."),
    ({"type": "string_too_long", "ctx": {"max_length": 1}}, "Enter at most 1 character."),
    ({"type": "string_too_long", "ctx": {"max_length": 120}}, "Enter at most 120 characters."),
    ({"type": "literal_error", "ctx": {"expected": "'lead', 'customer' or 'lost'"}},
     "Choose one of: 'lead', 'customer', 'lost'."),
    ({"type": "some_new_type", "msg": "pydantic's own"}, "pydantic's own"),
])
def test_pydantic_messages_by_type(error, english):
    from clientela.api.problems import pydantic_message

    assert pydantic_message(error) == english
