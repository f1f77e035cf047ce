"""Input found by fuzzing that reached the database or the response writer unchecked (a 500 before): each is
now a 400 or 422 problem naming the field and the rule, on SQLite and PostgreSQL."""

import base64
import json

import pytest

from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.workspaces.scoping import use_workspace

from .test_api import PROBLEM, send


@pytest.fixture
def custom_fields(acme):
    with use_workspace(acme):
        for key, kind, extra in (("erp_id", "text", {"unique": True}), ("born", "date", {}),
                                 ("seen", "datetime", {}), ("seats", "integer", {}), ("ok", "checkbox", {})):
            FieldDefinition.objects.create(workspace=acme, entity="contacts", key=key, kind=kind,
                                           label_en=key.title(), label_es=key.title(), **extra)


@pytest.fixture
def lucia(acme):
    with use_workspace(acme):
        return factories.contact(acme.users["admin"], first="Lucía", last="Peña",
                                 emails=[{"email": "lucia@example.es", "label": "work"}])


def _errors(response, status: int, code: str | None = None) -> list[dict]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    if code is not None:
        assert body["code"] == code
    return body["errors"]


# --- lone surrogates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    '{"first_name": "\\ud800"}',  # would be written: UnicodeEncodeError in the database driver
    '{"custom": {"\\udfff": 1}}',  # named in the 422 problem: UnicodeEncodeError writing the response
    '{"\\uD800x": 1}',
    '{"emails": [{"email": "x\\ud800@example.es"}]}',
])
def test_a_lone_surrogate_in_a_json_body_is_a_400_problem(admin_api, lucia, data):
    for method, url in (("post", "/api/v1/contacts"), ("patch", f"/api/v1/contacts/{lucia.pk}")):
        errors = _errors(getattr(admin_api, method)(url, data=data, content_type="application/json"), 400,
                         "invalid_unicode")
        assert errors[0]["field"] is None and "\\ud" in errors[0]["message"].lower()
    bulk = admin_api.post("/api/v1/contacts/bulk", content_type="application/json",
                          data=f'{{"operation": "upsert", "match": "email", "records": [{data}]}}')
    _errors(bulk, 400, "invalid_unicode")


def test_a_surrogate_pair_is_one_character_and_welcome(admin_api):
    response = admin_api.post("/api/v1/contacts", data='{"first_name": "Luc\\ud83d\\ude00a"}',
                              content_type="application/json")
    assert response.status_code == 201 and response.json()["first_name"] == "Luc\U0001f600a"


# --- date-times UTC cannot hold ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "f_created_at__lte=9999-12-31T23:59:59-23:59",  # SQLite: OverflowError; PostgreSQL: offset out of range
    "f_created_at=9999-12-31T23:59:59-14:00",
    "f_updated_at__gt=0001-01-01T00:00:00%2B14:00",
    "f_cf_seen=9999-12-31T23:59:59-14:00",
    "f_cf_seen__lt=0001-01-01T00:00:00%2B14:00",
])
def test_a_filter_moment_beyond_utc_is_a_400_problem(admin_api, custom_fields, query):
    errors = _errors(admin_api.get(f"/api/v1/contacts?{query}"), 400, "invalid_value")
    assert errors[0]["field"] == query.split("=")[0]


def test_a_filter_moment_with_an_offset_postgresql_does_not_take_is_compared_in_utc(admin_api, lucia, custom_fields):
    found = admin_api.get("/api/v1/contacts", {"f_created_at__gt": "2000-01-01T00:00:00+20:00",
                                               "f_cf_seen__isempty": "true"})
    assert found.status_code == 200 and found.json()["count"] == 1, found.content[:300]


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_custom_date_time_beyond_utc_is_a_422_problem(admin_api, lucia, custom_fields, value):
    created = send(admin_api, "post", "/api/v1/contacts", {"first_name": "Ana", "custom": {"seen": value}})
    changed = send(admin_api, "patch", f"/api/v1/contacts/{lucia.pk}", {"custom": {"seen": value}})
    for response in (created, changed):
        assert _errors(response, 422, "validation") == [
            {"field": "custom.seen", "code": "out_of_range",
             "message": "Enter a date and time between the years 1 and 9999 in UTC."}]
    bulk = send(admin_api, "post", "/api/v1/contacts/bulk", {"operation": "create", "atomic": False,
                                                              "records": [{"first_name": "Eva", "custom": {"seen": value}}]})
    assert bulk.status_code == 200
    assert [(e["field"], e["code"]) for e in bulk.json()["results"][0]["errors"]] == [
        ("records[0].custom.seen", "out_of_range")]


# --- custom values of the wrong JSON type ----------------------------------------------------------------------


@pytest.mark.parametrize("custom, code", [
    ({"born": 5}, "string_type"),  # the date field called .strip() on an int: AttributeError
    ({"seen": True}, "string_type"),
    ({"erp_id": {"a": 1}}, "string_type"),  # stored as "{'a': 1}" before
    ({"seats": [1]}, "float_type"),
    ({"seats": True}, "float_type"),
    ({"ok": {"yes": 1}}, "bool_type"),
])
def test_a_custom_value_of_the_wrong_json_type_is_a_422_problem(admin_api, lucia, custom_fields, custom, code):
    key = next(iter(custom))
    for response in (send(admin_api, "post", "/api/v1/contacts", {"first_name": "Ana", "custom": custom}),
                     send(admin_api, "patch", f"/api/v1/contacts/{lucia.pk}", {"custom": custom})):
        assert [(e["field"], e["code"]) for e in _errors(response, 422, "validation")] == [(f"custom.{key}", code)]
    bulk = send(admin_api, "post", "/api/v1/contacts/bulk", {"operation": "create", "atomic": False,
                                                              "records": [{"custom": custom}]})
    assert bulk.status_code == 200
    assert [(e["field"], e["code"]) for e in bulk.json()["results"][0]["errors"]] == [(f"records[0].custom.{key}", code)]


def test_custom_numbers_and_checkboxes_still_take_text(admin_api, custom_fields):
    response = send(admin_api, "post", "/api/v1/contacts", {"first_name": "Ana", "custom": {
        "seats": "7", "ok": "true", "born": "2001-02-03", "erp_id": "E-1"}})
    assert response.status_code == 201, response.content[:300]
    assert response.json()["custom"] | {"seen": None} == {"seats": 7, "ok": True, "born": "2001-02-03",
                                                          "erp_id": "E-1", "seen": None}


# --- bulk match values --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("match, record", [
    ("email", {"emails": [{"email": "a\u0000@example.es"}]}),  # PostgreSQL: DataError in the lookup
    ("custom.erp_id", {"custom": {"erp_id": "E\u00001"}}),  # PostgreSQL: unsupported Unicode escape in jsonb
])
def test_a_bulk_match_value_with_a_null_character_fails_that_record(admin_api, lucia, custom_fields, match, record):
    mixed = send(admin_api, "post", "/api/v1/contacts/bulk", {
        "operation": "upsert", "match": match, "atomic": False,
        "records": [record, {"first_name": "Eva", "emails": [{"email": "eva@example.es"}],
                             "custom": {"erp_id": "E-2"}}]})
    assert mixed.status_code == 200, mixed.content[:300]
    first, second = mixed.json()["results"]
    assert first["status"] == "failed" and first["errors"][0]["code"] == "null_characters"
    assert first["errors"][0]["field"] == f"records[0].{match}"
    assert second["status"] == "created"
    atomic = send(admin_api, "post", "/api/v1/contacts/bulk", {"operation": "upsert", "match": match,
                                                                "records": [record]})
    assert [e["code"] for e in _errors(atomic, 422, "validation")] == ["null_characters"]


# --- cursors -------------------------------------------------------------------------------------------------------


def _cursor(sort: str, keys: list) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": sort, "k": keys}).encode()).decode().rstrip("=")


@pytest.mark.parametrize("sort, value", [
    ("cf_seats", {"a": 1}),  # SQLite: "Error binding parameter: type 'dict' is not supported"
    ("cf_seats", [1]),
    ("-cf_erp_id", 10**30),  # SQLite: "Python int too large to convert to SQLite INTEGER"
    ("cf_seen", float("nan")),
    ("cf_erp_id", "E\u00001"),  # PostgreSQL: "unsupported Unicode escape sequence"
    ("-name", "Pe\u0000a"),  # PostgreSQL: "text fields cannot contain NUL (0x00) bytes"
])
def test_a_forged_cursor_value_is_a_400_problem(admin_api, lucia, custom_fields, sort, value):
    keys = [value, "a", str(lucia.pk)] if sort.lstrip("-") == "name" else [value, str(lucia.pk)]
    errors = _errors(admin_api.get("/api/v1/contacts", {"sort": sort, "cursor": _cursor(sort, keys)}), 400,
                     "invalid_cursor")
    assert errors[0]["field"] == "cursor"


# --- bulk upserts on a unique number -------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [5, "5", 5.0, " 5 "])
def test_an_upsert_matching_a_unique_number_finds_its_record(admin_api, acme, sent):
    with use_workspace(acme):
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="seats", kind="integer", unique=True,
                                       label_en="Seats", label_es="Plazas")
    made = send(admin_api, "post", "/api/v1/contacts", {"first_name": "Ana", "custom": {"seats": 5}}).json()

    response = send(admin_api, "post", "/api/v1/contacts/bulk", {
        "operation": "upsert", "match": "custom.seats", "records": [{"custom": {"seats": sent}, "job_title": "Buyer"}]})

    assert response.status_code == 200, response.content[:400]  # was 422: "first_name is required", "must be unique"
    assert response.json()["results"] == [{"index": 0, "status": "updated", "id": made["id"], "errors": []}]


def _walk(api, sort: str, limit: int) -> list[str]:
    """First names, page after page by cursor (at most ten, so a walk that starts over still ends)."""
    walked, cursor = [], ""
    while len(walked) < 10:
        page = api.get("/api/v1/contacts", {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})})
        walked += [row["first_name"] for row in page.json()["results"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    return walked


@pytest.mark.parametrize("sort", ["cf_seats", "-cf_seats"])
def test_cursors_walk_a_custom_number_sort_through_records_without_a_value(admin_api, custom_fields, sort):
    for n, custom in enumerate([{"seats": 5}, {"seats": 5}, {"seats": -3}, {}, {"seats": 7}]):
        assert send(admin_api, "post", "/api/v1/contacts", {"first_name": f"P{n}", "custom": custom}).status_code == 201
    whole = [row["first_name"] for row in admin_api.get("/api/v1/contacts", {"sort": sort}).json()["results"]]
    # the record without a value was skipped (or, on PostgreSQL descending, every record after the first) before:
    # the key inside `custom` was taken for the column itself, which is never null
    assert _walk(admin_api, sort, 1) == whole and sorted(whole) == ["P0", "P1", "P2", "P3", "P4"]
    assert whole.index("P3") == (0 if sort == "cf_seats" else 4)  # no value: first ascending, last descending


@pytest.mark.parametrize("sort", ["cf_ok", "-cf_ok"])
def test_cursors_walk_a_checkbox_sort_once_through_every_record(admin_api, custom_fields, sort):
    for n, ok in enumerate([True, False, True, False, True]):
        assert send(admin_api, "post", "/api/v1/contacts", {"first_name": f"P{n}", "custom": {"ok": ok}}).status_code == 201
    rows = admin_api.get("/api/v1/contacts", {"sort": sort}).json()["results"]
    walked = _walk(admin_api, sort, 2)
    # on SQLite the page after a checked record started again at the first one (ordered as text, compared as 0 / 1)
    assert walked == [row["first_name"] for row in rows] and sorted(walked) == ["P0", "P1", "P2", "P3", "P4"]
    assert [row["custom"]["ok"] for row in rows] == ([False] * 2 + [True] * 3 if sort == "cf_ok" else [True] * 3 + [False] * 2)
