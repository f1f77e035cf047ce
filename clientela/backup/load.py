"""`workspace_restore`: a backup into a NEW workspace, all or nothing.

Ids: a backup restored where none of its record ids exist (a fresh instance, or after the original
workspace was deleted) keeps every id, so links and URLs stay valid. When any id is taken (restoring a
copy next to the original), every record gets a new id and every reference is rewritten: foreign keys,
many-to-many links, id columns such as a note's or a share's `record_id`, and ids held as text or inside
JSON values (a lookup custom field, the configuration log). People are matched by email; someone
unknown here is created inactive, with no usable password.
"""

import hashlib
import json
import uuid
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from clientela.workspaces.models import Membership, User, Workspace

from .catalogue import BackupError, backed_up_models, is_user
from .dump import FORMAT, FORMAT_VERSION
from .values import decode

BATCH = 1000


def _manifest(archive) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError(_("This file is not a Clientela workspace backup (no readable manifest.json).")) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This file is not a Clientela workspace backup."))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("This backup uses format version %(found)s (written by Clientela %(app)s); this "
                            "Clientela restores format version %(supported)s only.")
                          % {"found": manifest.get("format_version"), "app": manifest.get("app_version", "?"),
                             "supported": FORMAT_VERSION})
    parts = [manifest["users"], manifest["memberships"], *manifest["models"].values()]
    checks = {p["file"]: p["sha256"] for p in parts} | manifest.get("files", {})
    for name, expected in checks.items():
        digest = hashlib.sha256()
        try:
            with archive.open(name) as member:
                while block := member.read(1 << 20):
                    digest.update(block)
        except KeyError as exc:
            raise BackupError(_("The backup is incomplete: %(file)s is missing.") % {"file": name}) from exc
        if digest.hexdigest() != expected:
            raise BackupError(_("The backup is damaged: %(file)s does not match its checksum.") % {"file": name})
    return manifest


def _lines(archive, name):
    with archive.open(name) as member:
        for line in member:
            yield json.loads(line)


@contextmanager
def _timestamps_kept(models_):
    """Restored rows keep their creation and change times: `auto_now(_add)` is off while they are written."""
    switched = [(f, f.auto_now, f.auto_now_add) for m in models_ for f in m._meta.concrete_fields
                if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)]
    for field, _now, _add in switched:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, now, add in switched:
            field.auto_now, field.auto_now_add = now, add


class _Restore:
    def __init__(self, archive, manifest, workspace):
        self.archive, self.manifest, self.workspace = archive, manifest, workspace
        self.users: dict[str, User] = {}
        self.ids: dict[str, str] = {}  # old id -> new id; empty when ids are kept
        self.saved_files: list[tuple] = []

    def people(self) -> None:
        for row in _lines(self.archive, self.manifest["users"]["file"]):
            user = User.objects.filter(email__iexact=row["email"]).first()
            if user is None:
                user = User.objects.create_user(row["email"], None, full_name=row["full_name"],
                                                language=row["language"], timezone=row["timezone"], is_active=False)
            self.users[row["email"]] = user
        Membership.objects.bulk_create(
            Membership(workspace=self.workspace, user=self.users[row["user"]], role=row["role"],
                       is_active=row["is_active"]) for row in _lines(self.archive, self.manifest["memberships"]["file"]))

    def decide_ids(self, order) -> None:
        """Keep the ids when all are free; else map every one to a new id."""
        taken = False
        for model in order:
            part = self.manifest["models"].get(model._meta.label)
            if not part:
                continue
            ids = [row["id"] for row in _lines(self.archive, part["file"])]
            self.ids.update({old: old for old in ids})
            for start in range(0, len(ids), BATCH):
                taken = taken or model._base_manager.filter(pk__in=ids[start:start + BATCH]).exists()
        self.ids = {old: str(uuid.uuid4()) for old in self.ids} if taken else {}

    def remap(self, value):
        if not self.ids:
            return value
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self.remap(v) for v in value]
        if isinstance(value, dict):
            return {self.remap(k): self.remap(v) for k, v in value.items()}
        return value

    def file(self, field, value):
        if not value:
            return ""
        if not value.get("member"):
            return value["name"]  # the file was already missing when the backup was made
        name = field.storage.save(value["name"], ContentFile(self.archive.read(value["member"])))
        self.saved_files.append((field.storage, name))
        return name

    def model(self, model) -> tuple[int, list]:
        part = self.manifest["models"].get(model._meta.label)
        if not part:
            return 0, []
        fields = {f.attname: f for f in model._meta.concrete_fields if f.name != "workspace"}
        many = [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
        batch, links, count = [], [], 0
        for row in _lines(self.archive, part["file"]):
            values = {}
            for attname, field in fields.items():
                value = row.get(attname)
                if field.is_relation and is_user(field.related_model):
                    values[attname] = self.users[value].pk if value else None
                elif isinstance(field, models.FileField):
                    values[attname] = self.file(field, value)
                else:
                    values[attname] = decode(field, self.remap(value))
            record = model(workspace=self.workspace, **values)
            batch.append(record)
            for field in many:
                linked = row.get(field.name, [])
                links.append((field, record.pk,
                              [self.users[e].pk for e in linked] if is_user(field.related_model) else self.remap(linked)))
            count += 1
            if len(batch) >= BATCH:
                model._base_manager.bulk_create(batch)
                batch = []
        model._base_manager.bulk_create(batch)
        return count, links

    def many(self, links) -> None:
        rows: dict = {}
        for field, record_id, linked in links:
            through = field.remote_field.through
            source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            rows.setdefault(through, []).extend(through(**{source: record_id, target: t}) for t in linked)
        for through, objs in rows.items():
            through.objects.bulk_create(objs, batch_size=BATCH)


def workspace_restore(archive, *, slug: str, name: str | None = None) -> tuple[Workspace, dict]:
    """Restore an open `zipfile.ZipFile` into a new workspace `slug`; returns it and the rows per model."""
    manifest = _manifest(archive)
    order = backed_up_models()
    unknown = set(manifest["models"]) - {m._meta.label for m in order}
    if unknown:
        raise BackupError(_("The backup holds data this Clientela does not know (%(models)s): restore it with the "
                            "version that wrote it (%(app)s).") % {"models": ", ".join(sorted(unknown)),
                                                                   "app": manifest.get("app_version", "?")})
    if Workspace.objects.filter(slug=slug).exists():
        raise BackupError(_("“%(slug)s”: a workspace with this short name exists; restore into a new one.")
                          % {"slug": slug})
    source = manifest["workspace"]
    restore = None
    try:
        with transaction.atomic(), _timestamps_kept(order):
            workspace = Workspace.objects.create(name=name or source["name"], slug=slug,
                                                 default_country=source["default_country"],
                                                 default_currency=source["default_currency"])
            restore = _Restore(archive, manifest, workspace)
            restore.people()
            restore.decide_ids(order)
            counts, links = {}, []
            for model in order:
                counts[model._meta.label], model_links = restore.model(model)
                links += model_links
            restore.many(links)
            _after_restore(workspace)
    except Exception:
        for storage, saved in (restore.saved_files if restore else []):
            storage.delete(saved)
        raise
    return workspace, {"counts": counts, "ids_kept": not restore.ids}


def _after_restore(workspace) -> None:
    """Custom field indexes exist per (entity, key): build any the restored definitions need."""
    from clientela.customization.indexes import custom_field_indexes_sync_later
    from clientela.customization.models import FieldDefinition
    from clientela.workspaces.scoping import use_workspace

    with use_workspace(workspace):
        for entity in FieldDefinition.objects.values_list("entity", flat=True).distinct():
            custom_field_indexes_sync_later(entity)
