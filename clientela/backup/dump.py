"""`workspace_backup`: one workspace into a zip — a manifest and one JSON-lines file per model.

Layout: `manifest.json` (format and app version, the workspace, per file its row count and SHA-256),
`users.jsonl` (people by email), `memberships.jsonl`, `data/<app>.<model>.jsonl` (one row per line,
every concrete field; links to people are emails, many-to-many links are lists of ids) and
`files/<id>/<name>` (attachments). Rows are read with the plain manager: trashed records included.
"""

import hashlib
import json
import uuid
from importlib import metadata
from pathlib import PurePosixPath

from django.db import models
from django.utils import timezone

from clientela.workspaces.models import Membership, User

from .catalogue import backed_up_models, is_user
from .values import encode

FORMAT = "clientela-workspace-backup"
FORMAT_VERSION = 1


def app_version() -> str:
    try:
        return metadata.version("clientela")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Writer:
    """A JSON-lines member of the zip, hashed and counted as it is written."""

    def __init__(self, archive, name: str):
        self.name, self.stream, self.digest, self.count = name, archive.open(name, "w", force_zip64=True), \
            hashlib.sha256(), 0

    def write(self, row: dict) -> None:
        line = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self.digest.update(line)
        self.stream.write(line)
        self.count += 1

    def close(self) -> dict:
        self.stream.close()
        return {"file": self.name, "count": self.count, "sha256": self.digest.hexdigest()}


class _Dump:
    def __init__(self, archive, workspace):
        self.archive, self.workspace = archive, workspace
        self.emails: dict[int, str] = {}
        self.files: dict[str, str] = {}
        self.pending: list[tuple] = []  # (storage, name, member): copied once the model's member is closed

    def email(self, user_id):
        if user_id is None:
            return None
        if user_id not in self.emails:
            self.emails[user_id] = User.objects.get(pk=user_id).email
        return self.emails[user_id]

    def file(self, field, value) -> dict | None:
        if not value:
            return None
        storage, member = field.storage, None
        if storage.exists(value):
            member = f"files/{uuid.uuid4()}/{PurePosixPath(value).name}"
            self.pending.append((storage, value, member))
        return {"name": value, "member": member}

    def copy_files(self) -> None:
        """A zip takes one member at a time: the files go in after the rows that name them."""
        for storage, name, member in self.pending:
            with storage.open(name, "rb") as source, self.archive.open(member, "w", force_zip64=True) as target:
                digest = hashlib.sha256()
                while block := source.read(1 << 20):
                    digest.update(block)
                    target.write(block)
            self.files[member] = digest.hexdigest()
        self.pending = []

    def links(self, model, field) -> dict:
        """{record id: [linked ids]} of an auto-created many-to-many table, in one query."""
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        found: dict = {}
        for record, linked in through.objects.filter(**{f"{source}__workspace": self.workspace}).values_list(
                f"{source}_id", f"{target}_id").order_by(f"{source}_id", f"{target}_id"):
            found.setdefault(record, []).append(self.email(linked) if is_user(field.related_model) else str(linked))
        return found

    def model(self, model) -> dict:
        writer = _Writer(self.archive, f"data/{model._meta.label_lower}.jsonl")
        fields = [f for f in model._meta.concrete_fields if f.name != "workspace"]
        many = [(f, self.links(model, f)) for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
        for record in model._base_manager.filter(workspace=self.workspace).order_by("pk").iterator(chunk_size=2000):
            row = {}
            for field in fields:
                value = field.value_from_object(record)
                if field.is_relation:
                    row[field.attname] = self.email(value) if is_user(field.related_model) else encode(field, value)
                elif isinstance(field, models.FileField):
                    row[field.attname] = self.file(field, value.name if value else "")
                else:
                    row[field.attname] = encode(field, value)
            for field, links in many:
                row[field.name] = links.get(record.pk, [])
            writer.write(row)
        part = writer.close()
        self.copy_files()
        return part


def workspace_backup(workspace, archive) -> dict:
    """Write the workspace into an open `zipfile.ZipFile`; returns the manifest."""
    dump = _Dump(archive, workspace)
    contents = {model._meta.label: dump.model(model) for model in backed_up_models()}
    memberships = _Writer(archive, "memberships.jsonl")
    for membership in Membership.objects.filter(workspace=workspace).select_related("user").order_by("pk"):
        dump.emails[membership.user_id] = membership.user.email
        memberships.write({"user": membership.user.email, "role": membership.role, "is_active": membership.is_active,
                           "joined_at": membership.joined_at.isoformat()})
    memberships_part = memberships.close()
    users = _Writer(archive, "users.jsonl")
    for user in User.objects.filter(pk__in=dump.emails).order_by("email"):
        users.write({"email": user.email, "full_name": user.full_name, "language": user.language,
                     "timezone": user.timezone, "is_active": user.is_active})
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version(),
        "created_at": timezone.now().isoformat(),
        "workspace": {"name": workspace.name, "slug": workspace.slug, "default_country": workspace.default_country,
                      "default_currency": workspace.default_currency, "created_at": workspace.created_at.isoformat()},
        "users": users.close(), "memberships": memberships_part, "models": contents, "files": dump.files,
    }
    archive.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest
