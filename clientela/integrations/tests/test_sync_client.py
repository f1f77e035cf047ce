"""The reference client against a live server: mirror, offline edit, push with a conflict report."""

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.security.tokens import token_create
from clientela.workspaces.scoping import use_workspace

pytestmark = pytest.mark.django_db(transaction=True)


def sync(live_server, secret, path, *extra) -> str:
    out = io.StringIO()
    call_command("sync_client", "--url", live_server.url, "--token", secret, "--out", str(path), *extra, stdout=out)
    return out.getvalue()


def test_mirror_edit_offline_and_push_back(acme, live_server, tmp_path):
    rep = acme.users["rep"]
    with use_workspace(acme):
        nora = factories.contact(rep, first="Nora", job_title="Ventas")
        olga = factories.contact(rep, first="Olga")
        hidden = factories.contact(acme.users["rep2"], first="Bea")
    _token, secret = token_create(user=rep, workspace=acme, name="laptop")
    path = tmp_path / "mirror.sqlite"
    sync(live_server, secret, path)
    db = sqlite3.connect(path)
    ids = {row[0] for row in db.execute("SELECT id FROM contacts")}
    assert {str(nora.pk), str(olga.pk)} <= ids and str(hidden.pk) not in ids

    def edit(record, edited_at, **values):
        data = json.loads(db.execute("SELECT data FROM contacts WHERE id = ?", (str(record.pk),)).fetchone()[0])
        db.execute("UPDATE contacts SET data = ?, dirty = 1, updated_at = ? WHERE id = ?",
                   (json.dumps({**data, **values}), edited_at.isoformat(), str(record.pk)))
        db.commit()

    edit(nora, datetime.now(UTC) + timedelta(minutes=1), job_title="Directora", last_name="Vidal")
    edit(olga, datetime.now(UTC) - timedelta(days=1), job_title="Compras")
    with use_workspace(acme):  # meanwhile, on the server, the same fields change
        for record in (nora, olga):
            Contact.objects.filter(pk=record.pk).update(job_title="Servidor", updated_at=datetime.now(UTC))
    output = sync(live_server, secret, path, "--push")
    assert "conflict contacts" in output and "kept local" in output and "kept server" in output
    with use_workspace(acme):
        nora.refresh_from_db()
        olga.refresh_from_db()
    assert (nora.job_title, nora.last_name) == ("Directora", "Vidal")  # the later writer wins per field
    assert olga.job_title == "Servidor"
    mirrored = json.loads(db.execute("SELECT data FROM contacts WHERE id = ?", (str(olga.pk),)).fetchone()[0])
    assert mirrored["job_title"] == "Servidor"
    assert db.execute("SELECT count(*) FROM contacts WHERE dirty = 1").fetchone()[0] == 0
