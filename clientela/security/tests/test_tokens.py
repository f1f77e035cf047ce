"""API tokens: the secret is shown once and never stored; the command prints one that works."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client

from clientela.security.models import ApiToken
from clientela.security.tokens import token_authenticate, token_create, token_revoke
from clientela.workspaces.models import User


def test_only_a_hash_of_the_secret_is_stored(acme):
    token, secret = token_create(user=acme.users["admin"], workspace=acme, name="CRM sync")

    row = ApiToken.unscoped.values().get(pk=token.pk)
    assert secret.startswith("clt_") and len(secret) > 40
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["prefix"] == secret[:8]
    assert not any(secret in str(value) for value in row.values())


def test_a_secret_authenticates_its_token_until_revoked(acme):
    token, secret = token_create(user=acme.users["rep"], workspace=acme, name="x", read_only=True)

    found = token_authenticate(secret)
    assert found == token and found.user == acme.users["rep"] and found.workspace == acme and found.read_only
    assert token_authenticate(secret + "x") is None
    assert token_authenticate("") is None and token_authenticate("Bearer " + secret) is None

    token_revoke(token=token)
    assert token_authenticate(secret) is None


def test_last_use_is_recorded_at_most_once_a_minute(acme):
    token, secret = token_create(user=acme.users["admin"], workspace=acme, name="x")

    first = token_authenticate(secret).last_used_at
    assert token_authenticate(secret).last_used_at == first
    ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert token_authenticate(secret).last_used_at > first - timedelta(minutes=2)


def test_a_token_is_only_for_a_member_of_the_workspace(acme, globex):
    with pytest.raises(PermissionDenied):
        token_create(user=acme.users["admin"], workspace=globex, name="x")


def test_the_command_prints_a_token_that_works(acme):
    out, err = StringIO(), StringIO()

    call_command("api_token", "Admin@Acme.example", "--name", "Zapier", stdout=out, stderr=err)

    secret = out.getvalue().strip()
    assert "\n" not in secret and secret.startswith("clt_")
    assert "Zapier" in err.getvalue()
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/contacts")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_the_command_makes_read_only_tokens_for_a_chosen_workspace(acme, globex):
    from clientela.workspaces.services import member_add

    member_add(workspace=globex, user=acme.users["admin"], role="admin")
    out = StringIO()

    call_command("api_token", "admin@acme.example", "--workspace", "globex", "--read-only", stdout=out,
                 stderr=StringIO())

    token = token_authenticate(out.getvalue().strip())
    assert token.workspace == globex and token.read_only


@pytest.mark.parametrize("args,message", [
    (["nobody@acme.example"], "No user"),
    (["admin@acme.example", "--workspace", "nowhere"], "No workspace"),
    (["admin@acme.example", "--workspace", "globex"], "not a member"),
    (["loner@example.com"], "not a member of any workspace"),
])
def test_the_command_explains_what_is_missing(acme, globex, args, message):
    User.objects.create_user("loner@example.com", "demo-pass-123")

    with pytest.raises(CommandError, match=message):
        call_command("api_token", *args, stdout=StringIO(), stderr=StringIO())
