"""Optimistic concurrency: a record's version is its `updated_at` in microseconds since the epoch.

Responses carry it as the JSON `version` and as a weak `ETag`; a write sent with `If-Match` (or a
`version` in the body) that no longer matches is refused with 412 before anything is written.
"""

from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from .problems import Stale

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def version_of(record) -> int:
    return (record.updated_at - _EPOCH) // timedelta(microseconds=1)


def etag_of(record) -> str:
    return f'W/"{version_of(record)}"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()]


def locked(record):
    """The record read again and locked until the transaction ends (SQLite locks the whole database)."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def require_current(request, record, version: int | None = None) -> None:
    """Raise Stale when the caller's If-Match or `version` names another version of the record."""
    current = str(version_of(record))
    header = request.headers.get("If-Match")
    stale_header = header is not None and header.strip() != "*" and current not in _tags(header)
    if stale_header or (version is not None and str(version) != current):
        raise Stale(_("The record changed since you read it (its version is now %(version)s); "
                      "read it again and repeat the change.") % {"version": current})
