"""A workspace backup restores losslessly into a new workspace, all or nothing, and refuses what it cannot read."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from clientela.backup import load
from clientela.backup.catalogue import EXCLUDED, BackupError, backed_up_models, is_user, scoped_models
from clientela.backup.dump import workspace_backup
from clientela.backup.load import workspace_restore
from clientela.customization.models import ConfigChange
from clientela.registry.tests import rich_data
from clientela.security.audit import audit_log
from clientela.security.models import AuditEntry
from clientela.workspaces.models import Membership, User, Workspace
from clientela.workspaces.scoping import use_workspace
from conftest import login


def _the_rest(workspace, data) -> None:
    """Rows of the scoped models the record builder does not touch, with ids inside JSON and text."""
    admin, lucia = workspace.users["admin"], data["lucia"]
    first = ConfigChange.objects.create(workspace=workspace, kind="field", target="contacts.tier", before=None,
                                        after={"key": "tier", "record": str(lucia.pk)}, actor=admin)
    ConfigChange.objects.create(workspace=workspace, kind="field", target="contacts.tier", before=first.after,
                                after=None, actor=admin, rolls_back=first)
    audit_log(action="records.exported", actor=admin, target=lucia, target_type="contacts",
              details={"ids": [str(lucia.pk)]}, workspace=workspace)
    fillers = {
        "transfer.ImportMapping": {"entity": "contacts", "name": "Old CRM", "mapping": {"First Name": "first_name"},
                                   "created_by": admin},
        "merging.DuplicateSettings": {"name_threshold": 90},
        "merging.Merge": {"entity": "contacts", "survivor_id": lucia.pk, "survivor_label": "Lucía Peña",
                          "loser_ids": [str(data["trashed"].pk)], "loser_labels": ["Borrado Ruiz"], "by": admin},
    }
    for label, values in fillers.items():
        if apps.is_installed(f"clientela.{label.split('.')[0]}"):
            apps.get_model(label).objects.create(workspace=workspace, **values)


@pytest.fixture
def rich(acme):
    with use_workspace(acme):
        data = rich_data.build(acme)
        _the_rest(acme, data)
    return acme, data


def _backup(workspace) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        workspace_backup(workspace, archive)
    return buffer.getvalue()


def _restore(content: bytes, slug: str):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return workspace_restore(archive, slug=slug)


def _rows(model, workspace) -> dict:
    return {str(r.pk): r for r in model._base_manager.filter(workspace=workspace)}


def _comparable(model, record, ids: dict):
    """Every field of a row as the original would read: ids translated back, people as emails, file bytes."""
    back = {new: old for old, new in ids.items()}

    def original(value):
        if isinstance(value, str):
            return back.get(value, value)
        if isinstance(value, list):
            return [original(v) for v in value]
        if isinstance(value, dict):
            return {original(k): original(v) for k, v in value.items()}
        return value

    row = {}
    for field in model._meta.concrete_fields:
        if field.name == "workspace":
            continue
        value = field.value_from_object(record)
        if field.is_relation and is_user(field.related_model):
            value = User.objects.get(pk=value).email if value else None
        elif isinstance(field, models.FileField):
            with value.open("rb") as stream:
                value = stream.read()
        elif value is not None and not isinstance(value, bool | int | float):
            value = original(value if isinstance(field, models.JSONField) else str(value))
        row[field.attname] = value
    for field in model._meta.many_to_many:
        if field.remote_field.through._meta.auto_created:
            row[field.name] = sorted(o.email if is_user(field.related_model) else original(str(o.pk))
                                     for o in getattr(record, field.name).all())
    return row


def _assert_same(source, target, ids: dict) -> int:
    compared = 0
    for model in backed_up_models():
        with use_workspace(source):
            before = {pk: _comparable(model, r, {}) for pk, r in _rows(model, source).items()}
        with use_workspace(target):
            after = {pk: _comparable(model, r, ids) for pk, r in _rows(model, target).items()}
        back = {new: old for old, new in ids.items()}
        after = {back.get(pk, pk): row for pk, row in after.items()}
        for row in after.values():
            row["id"] = back.get(row["id"], row["id"])
        assert after == before, model._meta.label
        compared += len(before)
    return compared


def test_every_workspace_model_is_either_backed_up_or_excluded_with_a_reason_and_the_test_fills_it(rich):
    workspace, _data = rich
    covered = {m._meta.label for m in backed_up_models()}
    assert covered | set(EXCLUDED) == {m._meta.label for m in scoped_models()}
    empty = [label for label in sorted(covered)
             if not apps.get_model(label)._base_manager.filter(workspace=workspace).exists()]
    assert not empty, f"add rows of {empty} to the round-trip data (clientela/backup/tests), or exclude them"


def test_a_backup_restores_next_to_the_original_field_by_field(rich, settings):
    source, data = rich
    content = _backup(source)

    target, report = _restore(content, "acme-copy")

    assert not report["ids_kept"]  # the originals are still here: every record got a new id
    for model in backed_up_models():
        assert report["counts"][model._meta.label] == model._base_manager.filter(workspace=source).count()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format_version"] == 1 and manifest["models"]["customers.Contact"]["count"] == 3
    ids = _id_map(source, target)
    assert _assert_same(source, target, ids) > 30
    with use_workspace(target):
        lucia = apps.get_model("customers.Contact")._base_manager.get(pk=ids[str(data["lucia"].pk)])
        assert lucia.custom["employer"] == ids[str(data["bodega"].pk)]  # a lookup follows its record
        assert lucia.custom["regions"] == ["north", "south"] and lucia.custom["vip"] is True
        assert lucia.created_at == data["lucia"].created_at  # times kept to the microsecond
    assert set(Membership.objects.filter(workspace=target).values_list("user__email", "role")) == \
        set(Membership.objects.filter(workspace=source).values_list("user__email", "role"))


def _id_map(source, target) -> dict:
    """Old id -> new id, found without trusting the restore: rows matched on their creation time (kept to
    the microsecond), and on their other plain fields when several share it."""
    ids = {}
    for model in backed_up_models():
        old = sorted(model._base_manager.filter(workspace=source), key=lambda r: (r.created_at, str(r.pk)))
        new = sorted(model._base_manager.filter(workspace=target), key=lambda r: (r.created_at, str(r.pk)))
        assert len(old) == len(new), model._meta.label
        groups: dict = {}
        for record in new:
            groups.setdefault(record.created_at, []).append(record)
        for record in old:
            candidates = groups[record.created_at]
            match = candidates.pop(0) if len(candidates) == 1 else _same_fields(model, record, candidates)
            ids[str(record.pk)] = str(match.pk)
    return ids


def _same_fields(model, record, candidates):
    plain = [f for f in model._meta.concrete_fields if not f.is_relation and f.name not in ("id",)
             and not isinstance(f, models.JSONField | models.FileField | models.UUIDField)]
    for candidate in candidates:
        if all(f.value_from_object(candidate) == f.value_from_object(record) for f in plain):
            candidates.remove(candidate)
            return candidate
    raise AssertionError(f"{model._meta.label} {record.pk}: no restored row matches")


def test_into_a_fresh_database_the_ids_are_kept(rich):
    source, data = rich
    content = _backup(source)
    lucia_id = data["lucia"].pk
    with use_workspace(source):
        before = _comparable(apps.get_model("customers.Contact"), data["lucia"], {})
    Workspace.objects.filter(pk=source.pk).delete()  # as if restoring on another instance

    target, report = _restore(content, "acme")

    assert report["ids_kept"]
    with use_workspace(target):
        lucia = apps.get_model("customers.Contact").objects.get(pk=lucia_id)
        assert _comparable(type(lucia), lucia, {}) == before
        assert apps.get_model("notes.Note").objects.get(record_id=lucia_id).attachments.get().file.read() \
            == b"%PDF-1.4 prices"


def test_people_unknown_here_are_created_inactive_without_a_password(rich):
    source, _data = rich
    content = _backup(source)
    User.objects.filter(email="rep2@acme.example").delete()

    target, _report = _restore(content, "acme-copy")

    rep2 = User.objects.get(email="rep2@acme.example")
    assert not rep2.is_active and not rep2.has_usable_password()
    assert Membership.objects.get(workspace=target, user=rep2).role == "rep"


def _rewritten(content: bytes, change) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            out.writestr(item, change(item.filename, source.read(item.filename)))
    return target.getvalue()


def test_an_incompatible_or_damaged_backup_is_refused_and_nothing_is_written(rich):
    source, _data = rich
    content = _backup(source)

    def newer(name, body):
        return json.dumps({**json.loads(body), "format_version": 99}).encode() if name == "manifest.json" else body

    def damaged(name, body):
        return body.replace(b"Luc\xc3\xada", b"Lucas") if name == "data/customers.contact.jsonl" else body

    with pytest.raises(BackupError, match="format version 99"):
        _restore(_rewritten(content, newer), "acme-copy")
    with pytest.raises(BackupError, match="customers.contact.jsonl does not match its checksum"):
        _restore(_rewritten(content, damaged), "acme-copy")
    with pytest.raises(BackupError, match="“acme”: a workspace with this short name exists"):
        _restore(content, "acme")
    assert not Workspace.objects.filter(slug="acme-copy").exists()


def test_a_failure_midway_leaves_no_half_restored_workspace_and_no_files(rich, monkeypatch, settings):
    source, _data = rich
    content = _backup(source)
    attachments = apps.get_model("notes.Attachment")
    storage = attachments._meta.get_field("file").storage
    files_before = _all_files(storage)

    def broken(workspace):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_after_restore", broken)
    with pytest.raises(RuntimeError):
        _restore(content, "acme-copy")

    assert not Workspace.objects.filter(slug="acme-copy").exists()
    assert apps.get_model("customers.Contact")._base_manager.count() == 3
    assert _all_files(storage) == files_before


def _all_files(storage, path=""):
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return set()
    found = {f"{path}/{f}" for f in files}
    for folder in folders:
        found |= _all_files(storage, f"{path}/{folder}".lstrip("/"))
    return found


def test_the_commands_round_trip_and_explain_refusals(rich, tmp_path, capsys):
    source, _data = rich
    archive = tmp_path / "acme.zip"

    call_command("workspace_backup", "acme", str(archive))
    call_command("workspace_restore", str(archive), "--slug", "acme-2")

    out = capsys.readouterr().out
    assert "Backed up “acme”" in out and "Restored" in out and "new ids" in out
    assert Workspace.objects.get(slug="acme-2").name == source.name
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(Exception, match="cannot read the file as a zip"):
        call_command("workspace_restore", str(tmp_path / "junk.zip"), "--slug", "acme-3")


def test_an_administrator_downloads_the_backup_and_others_may_not(rich):
    source, _data = rich
    admin, manager = login(source.users["admin"]), login(source.users["manager"])

    assert manager.get("/settings/backup/").status_code == 403
    assert manager.post("/settings/backup/").status_code == 403
    assert "Download the backup" in admin.get("/settings/backup/").content.decode()
    response = admin.post("/settings/backup/")

    assert response["Content-Disposition"].startswith('attachment; filename="acme-backup-')
    target, report = _restore(b"".join(response.streaming_content), "acme-copy")
    assert report["counts"]["customers.Contact"] == 3
    with use_workspace(source):
        assert AuditEntry.objects.filter(action="workspace.backed_up", actor=source.users["admin"]).exists()
