"""Login history: every attempt recorded with IP and browser; users see theirs, administrators their workspace's."""

import csv
import io
import zoneinfo
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from clientela.security.models import AuditEntry, LoginEvent
from conftest import login

PASSWORD = "demo-pass-123"


def attempt(email, password, ip="198.51.100.7", agent="Firefox/128.0 (X11; Linux)"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    client.post("/login/", {"username": email, "password": password})
    return client


def test_every_attempt_is_recorded_with_ip_and_browser(acme):
    attempt("rep@acme.example", "wrong", ip="203.0.113.5", agent="Mozilla/5.0 Wrong-Password-Browser")
    attempt("ghost@acme.example", "wrong")
    client = attempt("rep@acme.example", PASSWORD, ip="198.51.100.44", agent="Mozilla/5.0 Good-Browser")

    failed, unknown, ok = LoginEvent.objects.order_by("created_at")
    assert (failed.user, failed.email, failed.success, failed.reason) == (
        acme.users["rep"], "rep@acme.example", False, "bad_password")
    assert (failed.ip, failed.user_agent, failed.workspace) == ("203.0.113.5", "Mozilla/5.0 Wrong-Password-Browser", acme)
    assert (unknown.user, unknown.email, unknown.workspace, unknown.success) == (None, "ghost@acme.example", None, False)
    assert (ok.user, ok.success, ok.reason, ok.ip) == (acme.users["rep"], True, "ok", "198.51.100.44")

    page = client.get("/account/security/").content.decode()
    assert "Wrong email or password" in page and "203.0.113.5" in page and "Wrong-Password-Browser" in page
    assert "Logged in" in page and "198.51.100.44" in page


def test_locked_attempts_are_recorded_as_locked(acme):
    for _ in range(6):
        attempt("rep@acme.example", "wrong")
    reasons = list(LoginEvent.objects.order_by("created_at").values_list("reason", flat=True))
    assert reasons == ["bad_password"] * 5 + ["locked"]


def test_a_long_user_agent_is_cut(acme):
    attempt("rep@acme.example", PASSWORD, agent="X" * 1000)
    assert len(LoginEvent.objects.get().user_agent) == 255


def test_users_see_only_their_own_logins(acme):
    attempt("manager@acme.example", PASSWORD, ip="192.0.2.99")
    page = login(acme.users["rep"]).get("/account/security/").content.decode()
    assert "192.0.2.99" not in page and "No logins recorded yet." in page


def test_administrators_filter_the_workspaces_logins(acme, globex):
    attempt("rep@acme.example", "wrong", ip="203.0.113.1")
    attempt("rep@acme.example", PASSWORD, ip="203.0.113.2")
    attempt("manager@acme.example", PASSWORD, ip="203.0.113.3")
    attempt("rep@globex.example", PASSWORD, ip="203.0.113.4")
    attempt("support@acme.example", PASSWORD, ip="203.0.113.5")
    LoginEvent.objects.filter(ip="203.0.113.5").update(created_at=timezone.now() - timedelta(days=10))
    admin = login(acme.users["admin"])

    everything = admin.get("/settings/security/logins/").content.decode()
    assert all(f"203.0.113.{n}" in everything for n in (1, 2, 3, 5))
    assert "203.0.113.4" not in everything  # another workspace's logins are not shown

    rep = acme.users["rep"].pk
    failed = admin.get(f"/settings/security/logins/?user={rep}&success=no").content.decode()
    assert "203.0.113.1" in failed and "203.0.113.2" not in failed and "203.0.113.3" not in failed

    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(acme.users["admin"].timezone)).isoformat()
    recent = admin.get(f"/settings/security/logins/?date_from={today}&date_to={today}").content.decode()
    assert "203.0.113.3" in recent and "203.0.113.5" not in recent


def test_only_administrators_see_the_workspaces_logins(acme):
    assert login(acme.users["manager"]).get("/settings/security/logins/").status_code == 403
    assert Client().get("/settings/security/logins/").status_code == 302


def test_the_csv_export_neutralises_formulas_and_is_audited(acme):
    attempt("rep@acme.example", "wrong", agent="=HYPERLINK(\"http://evil.example\")")
    attempt("manager@acme.example", PASSWORD)
    response = login(acme.users["admin"]).get(
        f"/settings/security/logins/?user={acme.users['rep'].pk}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["When", "User", "Email tried", "Success", "Result", "IP address", "Browser"]
    assert len(rows) == 2
    assert rows[1][1:6] == ["rep@acme.example", "rep@acme.example", "no", "Wrong email or password", "198.51.100.7"]
    assert rows[1][6] == "'=HYPERLINK(\"http://evil.example\")"
    assert AuditEntry.unscoped.filter(workspace=acme, action="login_history.exported").exists()
