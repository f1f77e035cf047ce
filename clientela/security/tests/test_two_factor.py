"""Two-factor login with an authenticator app (TOTP) and one-time recovery codes."""

import re

import pyotp
from django.test import Client

from clientela.security.models import AuditEntry, LoginEvent, RecoveryCode, Role, TwoFactorDevice
from clientela.security.roles import DEFAULT_ROLES
from conftest import login

PASSWORD = "demo-pass-123"
ENROL = "/account/security/two-factor/"


def enrol(client) -> tuple[str, list[str]]:
    """Enrol through the pages as a person would; returns the secret and the recovery codes shown."""
    page = client.get(ENROL).content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    response = client.post(ENROL, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.content.decode())
    return secret, codes


def password_step(client, email="rep@acme.example"):
    return client.post("/login/", {"username": email, "password": PASSWORD, "next": "/companies/"})


def with_device(user) -> pyotp.TOTP:
    return pyotp.TOTP(TwoFactorDevice.objects.create(user=user, secret=pyotp.random_base32()).secret)


def test_enrolment_shows_a_qr_code_and_confirms_with_a_real_code_then_shows_ten_codes_once(acme):
    user = acme.users["rep"]
    client = login(user)
    page = client.get(ENROL).content.decode()
    assert "<svg" in page and "QR code for your authenticator app" in page
    assert not re.findall(r"<script(?![^>]*\bsrc=)", page), "no inline script"
    assert "//cdn" not in page

    wrong = client.post(ENROL, {"code": "000000"})
    assert wrong.status_code == 422 and "that code is not valid" in wrong.content.decode()
    assert not TwoFactorDevice.objects.filter(user=user).exists()

    secret, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TwoFactorDevice.objects.get(user=user).secret == secret
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes) and not any(c.replace("-", "") in stored for c in codes)
    assert AuditEntry.unscoped.filter(workspace=acme, action="two_factor.enabled", actor=user).exists()

    again = client.get(ENROL, follow=True).content.decode()  # the codes are not shown a second time
    assert not any(code in again for code in codes)
    assert "10 recovery codes left." in again


def test_with_two_factor_the_password_alone_does_not_log_in(acme):
    user = acme.users["rep"]
    totp = with_device(user)
    client = Client()
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    assert client.get("/contacts/").status_code == 302

    wrong = client.post("/login/verify/", {"code": "123456"})
    assert wrong.status_code == 422 and "that code is not valid" in wrong.content.decode()
    assert client.get("/contacts/").status_code == 302
    assert LoginEvent.objects.filter(user=user, reason="two_factor_failed", success=False).exists()

    response = client.post("/login/verify/", {"code": totp.now()})
    assert response.status_code == 302 and response["Location"] == "/companies/"
    assert client.get("/contacts/").status_code == 200
    assert LoginEvent.objects.filter(user=user, reason="ok", success=True).count() == 1


def test_a_code_already_used_cannot_be_used_again(acme):
    totp = with_device(acme.users["rep"])
    code = totp.now()
    first = Client()
    password_step(first)
    assert first.post("/login/verify/", {"code": code}).status_code == 302
    second = Client()
    password_step(second)
    assert second.post("/login/verify/", {"code": code}).status_code == 422


def test_a_recovery_code_logs_in_once(acme):
    client = login(acme.users["rep"])
    _secret, codes = enrol(client)
    client.post("/logout/")

    password_step(client)
    response = client.post("/login/verify/", {"code": codes[3].upper()}, follow=True)
    assert "You used a recovery code; 9 are left." in response.content.decode()
    assert client.get("/contacts/").status_code == 200
    assert LoginEvent.objects.filter(user=acme.users["rep"], reason="recovery_code").exists()
    client.post("/logout/")

    password_step(client)
    assert client.post("/login/verify/", {"code": codes[3]}).status_code == 422
    assert client.get("/contacts/").status_code == 302


def test_wrong_codes_count_towards_the_account_lock(acme):
    with_device(acme.users["rep"])
    client = Client()
    password_step(client)
    for _ in range(4):
        assert client.post("/login/verify/", {"code": "000000"}).status_code == 422
    response = client.post("/login/verify/", {"code": "000000"}, follow=True)
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    assert response.redirect_chain[-1][0] == "/login/"
    assert client.get("/login/verify/").status_code == 302  # the password step must be done again


def test_the_password_step_expires_after_a_few_minutes(acme):
    totp = with_device(acme.users["rep"])
    client = Client()
    password_step(client)
    session = client.session
    session["security_pending_login"]["at"] -= 6 * 60
    session.save()
    assert client.post("/login/verify/", {"code": totp.now()}).status_code == 302
    assert client.get("/contacts/").status_code == 302


def test_turning_two_factor_off_needs_the_current_password(acme):
    user = acme.users["rep"]
    client = login(user)
    enrol(client)
    wrong = client.post("/account/security/two-factor/disable/", {"password": "not-it"})
    assert wrong.status_code == 422 and "that is not your password" in wrong.content.decode()
    assert TwoFactorDevice.objects.filter(user=user).exists()

    assert client.post("/account/security/two-factor/disable/", {"password": PASSWORD}).status_code == 302
    assert not TwoFactorDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert AuditEntry.unscoped.filter(workspace=acme, action="two_factor.disabled", actor=user).exists()
    assert password_step(Client())["Location"] == "/companies/"  # the password alone logs in again


def test_new_recovery_codes_replace_the_old_ones(acme):
    user = acme.users["rep"]
    client = login(user)
    _secret, old = enrol(client)
    response = client.post("/account/security/two-factor/recovery-codes/")
    new = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEntry.unscoped.filter(workspace=acme, action="two_factor.recovery_codes_regenerated").exists()
    client.post("/logout/")
    password_step(client)
    assert client.post("/login/verify/", {"code": old[0]}).status_code == 422
    assert client.post("/login/verify/", {"code": new[0]}).status_code == 302


def test_a_role_that_requires_two_factor_sends_its_users_to_enrol_first(acme):
    Role.unscoped.create(workspace=acme, key="rep", name="Rep", rules=DEFAULT_ROLES["rep"].rules_json(),
                         requires_two_factor=True)
    client = Client()
    assert password_step(client).status_code == 302
    for path in ("/contacts/", "/companies/", "/account/security/", "/profile/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == ENROL, path
    htmx = client.get("/contacts/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == ENROL
    page = client.get(ENROL).content.decode()
    assert "Your role in Acme requires two-factor login. Set it up to continue." in page

    # Roles without the requirement (and default roles) are not affected.
    assert login(acme.users["manager"]).get("/contacts/").status_code == 200

    enrol(client)
    assert client.get("/contacts/").status_code == 200
    assert client.post("/logout/").status_code == 302


def test_logging_out_is_always_possible_before_enrolling(acme):
    Role.unscoped.create(workspace=acme, key="rep", name="Rep", rules=DEFAULT_ROLES["rep"].rules_json(),
                         requires_two_factor=True)
    client = login(acme.users["rep"])
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] != ENROL
    assert client.get("/contacts/")["Location"].startswith("/login/")


def test_an_old_pending_device_does_not_count_as_enrolled(acme):
    """Only a confirmed code creates a device: leaving the page half-way changes nothing."""
    client = login(acme.users["rep"])
    client.get(ENROL)
    assert not TwoFactorDevice.objects.exists()
    assert password_step(Client())["Location"] == "/companies/"
