"""The audit log: administrators read, filter and export it; nobody can change it; big exports land in it."""

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from clientela.customers.tests import factories
from clientela.security.audit import audit_log
from clientela.security.models import AuditEntry
from clientela.security.tokens import token_create, token_revoke
from clientela.workspaces.scoping import use_workspace
from conftest import login

URL = "/settings/audit/"
EXPORT = "/settings/audit/export.csv"


def entry(workspace, action, actor=None, label="", when=None, **details):
    with use_workspace(workspace):
        made = audit_log(action=action, actor=actor, target_type="thing", target_label=label, details=details)
    if when is not None:
        AuditEntry.unscoped.filter(pk=made.pk).update(created_at=when)
    return made


def rows_of(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def history(acme, globex):
    """Entries over three days in Acme, by two people and the system, and one in Globex."""
    day = datetime(2025, 3, 10, 12, tzinfo=ZoneInfo("UTC"))
    admin, manager = acme.users["admin"], acme.users["manager"]
    entry(acme, "role.updated", admin, "Role Sales rep", day, before="x", after="y")
    entry(acme, "token.created", manager, "Manager laptop", day + timedelta(days=1))
    entry(acme, "records.exported", None, "Big list", day + timedelta(days=2), rows=5000)
    entry(globex, "role.updated", globex.users["admin"], "Globex secret role", day + timedelta(days=1))
    return day


def test_an_administrator_reads_the_log_newest_first(acme, history):
    page = login(acme.users["admin"]).get(URL).content.decode()

    assert page.index("Big list") < page.index("Manager laptop") < page.index("Role Sales rep")
    assert "Globex secret role" not in page
    assert "Manager Acme" in page and "System" in page and "rows" in page


@pytest.mark.parametrize("query,shown", [
    ({"action": "role.updated"}, ["Role Sales rep"]),
    ({"actor": "manager"}, ["Manager laptop"]),
    ({"actor": "system"}, ["Big list"]),
    ({"date_from": "2025-03-11"}, ["Manager laptop", "Big list"]),
    ({"date_to": "2025-03-11"}, ["Role Sales rep", "Manager laptop"]),
    ({"date_from": "2025-03-11", "date_to": "2025-03-11"}, ["Manager laptop"]),
    ({"q": "LAPTOP"}, ["Manager laptop"]),
    ({"action": "token.created", "q": "role"}, []),
])
def test_the_log_filters_by_action_person_dates_and_target(acme, history, query, shown):
    if query.get("actor") == "manager":
        query = {**query, "actor": str(acme.users["manager"].pk)}
    page = login(acme.users["admin"]).get(URL, query).content.decode()

    for label in ["Role Sales rep", "Manager laptop", "Big list"]:
        assert (label in page) == (label in shown), label


def test_a_reversed_date_range_is_named(acme, history):
    response = login(acme.users["admin"]).get(URL, {"date_from": "2025-03-12", "date_to": "2025-03-10"})
    assert response.status_code == 422 and "“To” must be on or after “From”." in response.content.decode()


def test_the_log_is_paged(acme):
    for number in range(55):
        entry(acme, "role.updated", label=f"Entry {number:02d}")
    client = login(acme.users["admin"])

    first = client.get(URL, {"action": "role.updated"}).content.decode()
    assert len(re.findall(r"Entry \d\d", first)) == 50 and 'rel="next"' in first
    assert "page=2" in first and "action=role.updated" in first

    second = client.get(URL, {"action": "role.updated", "page": 2}).content.decode()
    assert len(re.findall(r"Entry \d\d", second)) == 5 and 'rel="next"' not in second and 'rel="prev"' in second
    for odd in ("0", "-3", "x", "9" * 40):
        assert client.get(URL, {"page": odd}).status_code == 200


def test_the_export_is_the_filtered_log_with_formulas_neutralised(acme, history):
    entry(acme, "role.updated", acme.users["admin"], "=HYPERLINK(\"http://evil.example\")", note="+1")

    response = login(acme.users["admin"]).get(EXPORT, {"action": "role.updated"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    header, *rows = rows_of(response)
    assert header == ["When (UTC)", "Who", "Action", "What", "Id", "Target", "Details", "IP address"]
    assert [r[5] for r in rows] == ["'=HYPERLINK(\"http://evil.example\")", "Role Sales rep"]
    assert rows[1][0] == "2025-03-10T12:00:00+00:00" and rows[1][1] == "admin@acme.example"
    assert {r[2] for r in rows} == {"role.updated"}


@pytest.mark.parametrize("role", ["manager", "rep", "support", "marketing", "readonly"])
def test_only_administrators_may_read_or_export_the_log(acme, history, role):
    client = login(acme.users[role])
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert Client().get(URL).status_code == 302


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _concrete_urls(route, pk):
    """The route with its parameters filled with an audit entry's id and audit-like names."""
    urls = [route]
    for match in re.finditer(r"<(?:(\w+):)?\w+>", route):
        values = [str(pk)] if match.group(1) in ("uuid", "int") else [str(pk), "audit", "auditentry", "contacts"]
        if match.group(1) == "int":
            values = ["1"]
        urls = [url.replace(match.group(0), value, 1) for url in urls for value in values]
    return ["/" + url for url in dict.fromkeys(urls)]


def test_no_url_lets_anyone_change_or_delete_entries(acme):
    with use_workspace(acme):
        token, _secret = token_create(user=acme.users["rep"], workspace=acme, name="x")
        token_revoke(token=token, by=acme.users["admin"])
    target = entry(acme, "role.updated", acme.users["admin"], "Role Sales rep", before="x")
    before = {row["id"]: row for row in AuditEntry.unscoped.values()}
    admin = acme.users["admin"]
    _token, secret = token_create(user=admin, workspace=acme, name="probe")
    bearer = Client(headers={"Authorization": f"Bearer {secret}"})
    tried = 0

    for route in _routes(get_resolver().url_patterns):
        for url in _concrete_urls(route, target.pk):
            for method in ("post", "put", "patch", "delete"):
                session = login(admin)  # again each time: one of the URLs logs out
                data = {"ids": [str(target.pk)], "action": "delete", "id": str(target.pk)}
                send = getattr(session, method)
                send(url, data) if method == "post" else send(url, "", content_type="application/json")
                if url.startswith("/api/"):
                    getattr(bearer, method)(url, "{}", content_type="application/json")
                tried += 1

    assert tried > 150
    after = {row["id"]: row for row in AuditEntry.unscoped.values()}
    assert {pk: after.get(pk) for pk in before} == before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_pages_refuse_every_writing_method(acme, history, method):
    client = login(acme.users["admin"])
    for url in (URL, EXPORT):
        assert getattr(client, method)(url).status_code == 405


# --- big exports ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_leads(acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "AUDIT_EXPORT_THRESHOLD": 2}
    with use_workspace(acme):
        for first in ("Ana", "Berta", "Carla"):
            factories.contact(acme.users["admin"], first=first, last="Ruiz")


def test_an_export_above_the_threshold_is_audited_with_its_filters(acme, three_leads):
    response = login(acme.users["admin"]).get("/contacts/export.csv", {"q": "Ruiz", "f_lifecycle_status": "lead"})

    assert len(rows_of(response)) == 4
    found = AuditEntry.unscoped.get(action="records.exported")
    assert found.workspace == acme and found.actor == acme.users["admin"] and found.target_type == "contacts"
    assert found.details["entity"] == "contacts" and found.details["rows"] == 3
    assert found.details["filters"] == {"lifecycle_status": "lead"} and found.details["q"] == "Ruiz"
    assert found.details["format"] == "csv"


def test_an_export_up_to_the_threshold_is_not_audited(acme, three_leads):
    response = login(acme.users["admin"]).get("/contacts/export.csv", {"q": "Ana"})

    assert len(rows_of(response)) == 2
    assert not AuditEntry.unscoped.filter(action="records.exported").exists()


def test_the_threshold_defaults_to_a_thousand_rows():
    from django.conf import settings

    assert settings.CLIENTELA["AUDIT_EXPORT_THRESHOLD"] == 1000
