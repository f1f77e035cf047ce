"""Reads for the webhook pages."""

from uuid import UUID

from clientela.registry import entities


def delivered_records(deliveries) -> dict[tuple[str, str], object]:
    """The records a page of deliveries is about, by (entity key, id as sent): one query per kind of record.
    A record since moved to the trash or deleted for good is not among them."""
    wanted: dict[str, set] = {}
    for delivery in deliveries:
        wanted.setdefault(delivery.payload.get("entity") or "", set()).add(str(delivery.payload.get("record_id")))
    found: dict = {}
    for key, ids in wanted.items():
        entity = entities.get_or_none(key)
        if entity is not None:
            keys = {pk: value for value in ids if (pk := _uuid(value)) is not None}
            found.update({(key, keys[record.pk]): record for record in entity.model.objects.filter(pk__in=keys)})
    return found


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
