"""The sync feed: the records a user may see, then every later change to them, page by page.

A cursor is opaque to clients (base64 of JSON). From no cursor the feed first streams a snapshot of
every visible record, entity by entity in primary-key order, then the change log from the position
read when the snapshot started. Change-log pages collapse repeated changes of one record and answer
with its current state: an upsert if the user may see it now, else a delete (trashed, purged, unshared,
moved out of the user's scope) — only for a record the client may hold, so a delete never reveals a record
the user could not see (`_maybe_held`). A change of what the user may see as a whole (role, teams,
sharing rules) is detected by a fingerprint in the cursor and answered with a `reset`, then a fresh snapshot.
"""

import base64
import binascii
import hashlib
import json
import uuid

from clientela.api.representation import records_out
from clientela.common.collector import collector_paused
from clientela.registry.entities import Entity, all_entities
from clientela.registry.visibility import entity_for
from clientela.security import access
from clientela.security.models import SharingRule

from .models import ChangeEvent

MAX_LIMIT = 1000
DEFAULT_LIMIT = 200


class InvalidCursor(ValueError):
    pass


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(text: str) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor from exc
    if (not isinstance(state, dict) or state.get("v") != 1 or not isinstance(state.get("p"), int)
            or isinstance(state.get("p"), bool) or state["p"] < 0 or not isinstance(state.get("f"), str)):
        raise InvalidCursor
    snapshot = state.get("s")
    if snapshot is not None and not (isinstance(snapshot, list) and len(snapshot) == 2
                                     and all(isinstance(part, str) for part in snapshot)
                                     and (snapshot[1] == "" or _valid_uuid(snapshot[1]))):
        raise InvalidCursor
    return state


def _entities(user) -> list[Entity]:
    return [entity for entity in all_entities() if access.can(user, "view", entity.key)]


def fingerprint(user) -> str:
    """Changes whenever what the user may see changes as a whole."""
    role = access.role_for(user)
    rules = SharingRule.objects.order_by("pk").values_list("pk", "updated_at", "is_active")
    parts = [role and (role.key, sorted(role.rules_json().items())), sorted(access.team_user_ids(user)), sorted(map(str, access._team_tree(user)["up"])),
             [(str(pk), str(at), active) for pk, at, active in rules]]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _shown(user, entity: Entity):
    view = entity_for(user, entity)
    return view, access.visible(user, entity.model.objects.all(), entity.key)


def _snapshot(user, keys: list[str], state: list[str], limit: int) -> tuple[list[dict], list[str] | None]:
    key, after = state
    if key not in keys:
        raise InvalidCursor
    changes: list[dict] = []
    for entity in [e for e in _entities(user) if keys.index(e.key) >= keys.index(key)]:
        if entity.key != key:
            after = ""
        view, queryset = _shown(user, entity)
        if after:
            queryset = queryset.filter(pk__gt=after)
        want = limit - len(changes)
        # plain values (the snapshot is most of a replay); related rows by key range, not a list of keys
        rows = records_out(view, queryset.order_by("pk")[:want], cut_from=queryset)
        changes += [{"op": "upsert", "entity": entity.key, "id": str(row["id"]), "data": row} for row in rows]
        if len(rows) == want:
            return changes, [entity.key, str(rows[-1]["id"])]
    return changes, None


def _valid_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _log(user, position: int, limit: int) -> tuple[list[dict], int, bool]:
    events = list(ChangeEvent.objects.filter(id__gt=position).order_by("id")
                  .values_list("id", "entity", "record_id", "name")[:limit + 1])
    has_more = len(events) > limit
    events = events[:limit]
    if events:
        position = events[-1][0]
    by_key = {entity.key: entity for entity in _entities(user)}
    latest: dict[tuple[str, str], list] = {}  # (entity, id) -> [(event id, name), …] in order
    for event_id, key, record_id, name in events:
        if key in by_key and _valid_uuid(record_id):
            seen = latest.pop((key, record_id), [])
            latest[(key, record_id)] = [*seen, (event_id, name)]  # re-inserted: ordered by the last change
    current: dict[tuple[str, str], dict] = {}
    held: set[tuple[str, str]] = set()
    for key, entity in by_key.items():
        ids = [record_id for (k, record_id) in latest if k == key]
        if ids:
            view, queryset = _shown(user, entity)
            for row in records_out(view, queryset.filter(pk__in=ids)):
                current[(key, str(row["id"]))] = row
            gone = {record_id: latest[(key, record_id)] for record_id in ids if (key, record_id) not in current}
            held |= {(key, record_id) for record_id in _maybe_held(user, entity, gone)}
    changes = [{"op": "upsert", "entity": key, "id": record_id, "data": current[(key, record_id)]}
               if (key, record_id) in current else {"op": "delete", "entity": key, "id": record_id}
               for (key, record_id) in latest if (key, record_id) in current or (key, record_id) in held]
    return changes, position, has_more


def _maybe_held(user, entity: Entity, gone: dict[str, list]) -> list[str]:
    """Of the records changed on this page that the user may not see now (`gone`: id -> its changes on the page,
    in order), those the client may hold: a delete for the others would reveal records the user never could see.

    The client holds what the user could see just before the page's first change of the record. It could not
    if the record did not exist yet (created on the page) or was in the trash then; else it could if the user
    may see the record now ignoring the trash, or if a change on the page may have changed who sees it: a
    field a sharing rule matches on, a share, an unknown kind of change, or its owner — then, when events
    name the owner before (`registry.services.owner_change`), if the user could see it with that owner. A
    record deleted for good can no longer be checked: it is deleted unless it was already in the trash."""
    if not gone:
        return []
    model = entity.model
    alive = {str(pk): deleted_at is None for pk, deleted_at in model.with_trashed.filter(pk__in=list(gone))
             .values_list("pk", "deleted_at")}
    suspects = {record_id for record_id, seen in gone.items()
                if seen[0][1] != "record.created" and _alive_before(seen, alive.get(record_id))}
    purged = {record_id for record_id in suspects if record_id not in alive}
    kept = suspects - purged
    if not kept:
        return sorted(purged)
    visible = {str(pk) for pk in access.visible(user, model.with_trashed.filter(pk__in=list(kept)), entity.key)
               .values_list("pk", flat=True)}
    unsure = kept - visible
    if unsure:
        rules = list(SharingRule.objects.filter(entity=entity.key).values_list("field", "is_active"))
        watched = {"owner", *(field.split("__", 1)[0] for field, _active in rules)}
        # a sharing rule's records are read among records out of the trash: for one in the trash now, `visible`
        # cannot tell whether a rule showed it before
        changed = dict.fromkeys((record_id for record_id in unsure if not alive[record_id]),
                                any(active for _field, active in rules))
        events = [event_id for one in unsure for event_id, _name in gone[one]]
        owners: dict[str, object] = {}  # record -> its owner before the page, when only its owner changed
        for record_id, name, changes in ChangeEvent.objects.filter(id__in=events).order_by("id").values_list(
                "record_id", "name", "changes"):
            if name not in _NEUTRAL or (name == "record.updated" and not changes):
                changed[record_id] = True
            elif name == "record.updated" and (touched := watched & changes.keys()):
                if touched == {"owner"} and "old_id" in changes["owner"]:
                    owners.setdefault(record_id, changes["owner"]["old_id"])
                else:
                    changed[record_id] = True
        visible |= {record_id for record_id in unsure if changed.get(record_id)}
        visible |= _seen_by_owner(user, entity, {pk: owner for pk, owner in owners.items() if pk not in visible})
    return sorted(purged | visible)


def _seen_by_owner(user, entity: Entity, owners: dict[str, object]) -> set[str]:
    """Of records whose only change that matters is their owner's: those the user could see with the owner they had
    before the page. Nothing shares them with the user now (they are not visible) and no share changed on the
    page, so the role's scope with that owner decides, without a query."""
    return {pk for pk, owner in owners.items() if access.owner_in_scope(user, "view", entity.key, owner)}


# changes that never change who may see a record (trash and restore are judged by `_alive_before`)
_NEUTRAL = frozenset({"record.updated", "record.deleted", "record.restored", "note.created"})


def _alive_before(seen: list, alive_now: bool | None) -> bool:
    """Whether the record was out of the trash before the page's changes: its first trash or restore on the page
    says; without one, it is as now (a purged record was in the trash)."""
    for _event_id, name in seen:
        if name in ("record.deleted", "record.restored"):
            return name == "record.deleted"
    return bool(alive_now)


@collector_paused()
def sync_page(user, cursor: str, limit: int = DEFAULT_LIMIT) -> dict:
    """One page of the feed for `user` in the current workspace."""
    limit = max(1, min(limit, MAX_LIMIT))
    mark = fingerprint(user)
    changes: list[dict] = []
    if cursor:
        state = _decode(cursor)
        if state["f"] != mark:
            changes.append({"op": "reset"})
            cursor = ""
    if not cursor:
        entities = _entities(user)
        last = ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        state = {"v": 1, "p": last, "f": mark, "s": [entities[0].key, ""] if entities else None}
    keys = [entity.key for entity in _entities(user)]
    if state.get("s"):
        page, state["s"] = _snapshot(user, keys, state["s"], limit)
        changes += page
        has_more = True
    else:
        page, state["p"], has_more = _log(user, state["p"], limit)
        changes += page
    state = {k: v for k, v in state.items() if v is not None}
    return {"changes": changes, "cursor": _encode(state), "has_more": has_more}
