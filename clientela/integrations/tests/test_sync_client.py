"""The reference client against a live server: mirror, offline edit, push with a conflict report."""

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from clientela.api import throttle
from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.integrations.sync_client import Report, SyncClient
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


def _mirror_with_edits(acme, live_server, tmp_path, count: int, **values):
    rep = acme.users["rep"]
    with use_workspace(acme):
        records = [factories.contact(rep, first=f"R{i}") for i in range(count)]
    _token, secret = token_create(user=rep, workspace=acme, name="laptop")
    path = tmp_path / "mirror.sqlite"
    sync(live_server, secret, path)
    db = sqlite3.connect(path)
    for record in records:
        data = json.loads(db.execute("SELECT data FROM contacts WHERE id = ?", (str(record.pk),)).fetchone()[0])
        db.execute("UPDATE contacts SET data = ?, dirty = 1, updated_at = ? WHERE id = ?",
                   (json.dumps({**data, **values}), datetime.now(UTC).isoformat(), str(record.pk)))
    db.commit()
    return records, secret, path, db


def test_the_client_waits_out_the_rate_limit_and_pushes_everything(acme, live_server, tmp_path, settings,
                                                                   monkeypatch):
    records, secret, path, db = _mirror_with_edits(acme, live_server, tmp_path, 6, job_title="Sin conexión")
    settings.CLIENTELA = {**settings.CLIENTELA, "API_RATE_PER_MINUTE": 4}
    clock = [1_000_020.0]
    monkeypatch.setattr(throttle, "_now", lambda: clock[0])
    waits = []

    def sleep(seconds):  # the next window instead of a real minute
        waits.append(seconds)
        clock[0] += seconds

    report = Report()
    SyncClient(live_server.url, secret, str(path), sleep=sleep).push(report)

    assert (report.pushed, report.problems) == (6, []) and waits and all(1 <= w <= 60 for w in waits)
    with use_workspace(acme):
        assert set(Contact.objects.filter(pk__in=[r.pk for r in records]).values_list("job_title", flat=True)) == {
            "Sin conexión"}


def test_a_change_on_the_server_between_reading_and_writing_is_not_overwritten(acme, live_server, tmp_path,
                                                                              monkeypatch):
    [record], secret, path, _db = _mirror_with_edits(acme, live_server, tmp_path, 1, job_title="Local")
    client = SyncClient(live_server.url, secret, str(path))
    call = client._call

    def meanwhile(method, url, *args):  # someone saves the same field just before the client's PATCH
        if method == "PATCH" and not meanwhile.done:
            meanwhile.done = True
            with use_workspace(acme):
                Contact.objects.filter(pk=record.pk).update(job_title="Servidor",
                                                            updated_at=datetime.now(UTC) + timedelta(minutes=5))
        return call(method, url, *args)

    meanwhile.done = False
    monkeypatch.setattr(client, "_call", meanwhile)
    report = Report()
    client.push(report)

    with use_workspace(acme):
        record.refresh_from_db()
    assert record.job_title == "Servidor" and report.problems == []
    assert [(c["field"], c["kept"]) for c in report.conflicts] == [("job_title", "server")]
