"""API tokens in the web UI: the secret is shown once, people manage their own, administrators all of them."""

import json
import re

import pytest
from django.test import Client

from clientela.security.models import ApiToken, AuditEntry
from clientela.security.tokens import token_authenticate, token_create
from conftest import login

URL = "/account/tokens/"


def create_in_ui(user, name="Accounting sync", scope="write"):
    """Given a signed-in user, when they create a token, then the page holds its secret: (response, secret)."""
    response = login(user).post(URL, {"name": name, "scope": scope})
    found = re.search(r'value="(clt_[^"]+)"', response.content.decode())
    return response, found.group(1) if found else None


def test_a_new_token_is_shown_once_then_only_its_prefix(acme):
    response, secret = create_in_ui(acme.users["rep"], name="Zapier")

    assert response.status_code == 201 and secret
    assert "will not be shown again" in response.content.decode()
    assert "no-store" in response["Cache-Control"]

    page = login(acme.users["rep"]).get(URL).content.decode()
    assert "Zapier" in page and f"{secret[:8]}…" in page and "Read and write" in page and "Never" in page
    assert secret not in page

    token = token_authenticate(secret)
    assert token.user == acme.users["rep"] and token.workspace == acme and not token.read_only
    assert "Never" not in login(acme.users["rep"]).get(URL).content.decode()


def test_read_only_is_a_choice_and_the_default(acme):
    _response, secret = create_in_ui(acme.users["rep"], scope="read")
    assert token_authenticate(secret).read_only

    form = login(acme.users["rep"]).get(URL).content.decode()
    assert re.search(r'<input[^>]+value="read"[^>]+checked', form)


@pytest.mark.parametrize("data,message", [
    ({"name": "  ", "scope": "write"}, "“Name” is required."),
    ({"name": "x" * 81, "scope": "write"}, "“Name” can have at most 80 characters"),
    ({"name": "x", "scope": "admin"}, "“Access”: choose one of the listed options."),
])
def test_a_bad_form_names_the_field_and_creates_nothing(acme, data, message):
    response = login(acme.users["rep"]).post(URL, data)

    assert response.status_code == 422 and message in response.content.decode()
    assert not ApiToken.unscoped.exists()


def test_people_see_and_revoke_only_their_own_tokens(acme):
    mine, _secret = token_create(user=acme.users["rep"], workspace=acme, name="Mine")
    theirs, their_secret = token_create(user=acme.users["rep2"], workspace=acme, name="Theirs")
    client = login(acme.users["rep"])

    page = client.get(URL).content.decode()
    assert "Mine" in page and "Theirs" not in page and "Other people" not in page
    assert client.get(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert token_authenticate(their_secret) == theirs


def test_revoking_asks_first_and_the_post_revokes(acme):
    token, secret = token_create(user=acme.users["rep"], workspace=acme, name="Old laptop")
    client = login(acme.users["rep"])

    confirm = client.get(f"{URL}{token.pk}/revoke/")
    assert confirm.status_code == 200 and "Revoke the token “Old laptop”" in confirm.content.decode()
    assert token_authenticate(secret) == token

    response = client.post(f"{URL}{token.pk}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "revoked" in response.content.decode()
    assert token_authenticate(secret) is None
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/contacts").status_code == 401


def test_an_administrator_sees_every_token_of_the_workspace_and_revokes_any(acme, globex):
    theirs, secret = token_create(user=acme.users["rep2"], workspace=acme, name="Rep2 script")
    elsewhere, _ = token_create(user=globex.users["rep"], workspace=globex, name="Globex script")
    client = login(acme.users["admin"])

    page = client.get(URL).content.decode()
    assert "Other people’s tokens" in page and "Rep2 script" in page and "Rep2 Acme" in page
    assert "Globex script" not in page
    assert client.post(f"{URL}{elsewhere.pk}/revoke/").status_code == 404

    assert client.post(f"{URL}{theirs.pk}/revoke/").status_code == 302
    assert token_authenticate(secret) is None
    entry = AuditEntry.unscoped.get(action="token.revoked")
    assert entry.actor == acme.users["admin"] and entry.workspace == acme
    assert entry.details == {"name": "Rep2 script", "read_only": False, "user": "rep2@acme.example"}


def test_creating_and_revoking_are_audited_without_the_secret(acme):
    response, secret = create_in_ui(acme.users["rep"], name="CI", scope="read")
    token = ApiToken.unscoped.get(name="CI")
    client = login(acme.users["rep"])
    client.post(f"{URL}{token.pk}/revoke/")
    client.post(f"{URL}{token.pk}/revoke/")  # a second revocation changes nothing

    entries = list(AuditEntry.unscoped.filter(workspace=acme).order_by("created_at"))
    assert [e.action for e in entries] == ["token.created", "token.revoked"]
    for entry in entries:
        assert entry.actor == acme.users["rep"] and entry.target_id == str(token.pk)
        assert entry.details == {"name": "CI", "read_only": True, "user": "rep@acme.example"}
        assert entry.ip_address == "127.0.0.1"
    stored = json.dumps(list(AuditEntry.unscoped.values()), default=str)
    assert secret not in stored and secret[8:] not in stored


def test_a_read_write_token_never_grants_more_than_its_users_role(acme):
    _response, secret = create_in_ui(acme.users["readonly"], scope="write")
    assert not token_authenticate(secret).read_only
    api = Client(headers={"Authorization": f"Bearer {secret}"})

    assert api.get("/api/v1/contacts").status_code == 200
    response = api.post("/api/v1/contacts", data=json.dumps({"first_name": "Ana", "last_name": "Ruiz"}),
                        content_type="application/json")
    assert response.status_code == 403


def test_the_page_needs_a_signed_in_member(acme):
    assert Client().get(URL).status_code == 302
    assert Client().post(URL, {"name": "x", "scope": "write"}).status_code == 302
    assert not ApiToken.unscoped.exists()
