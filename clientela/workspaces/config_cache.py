"""A workspace's configuration read once per process, not on every request.

Roles, teams, sharing rules, custom fields, layouts and picklists are read by every page and API call
and change rarely. Each workspace row carries `config_stamp`, a random token replaced in the same
transaction as any change to that configuration (`watch` connects the models' signals). A process keeps
what it built under the stamp of the workspace row the request read, so a change committed by any
process is seen by every process from its next request on.

Only committed configuration is kept: inside a transaction nothing is read from or written to this
cache, because a change made there could still roll back (the callers' per-request caches still apply).
A random token rather than a counter, so that a rolled-back change can never leave two different
configurations under one key.
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .scoping import current_workspace_or_none

T = TypeVar("T")

MAX_WORKSPACES = 200  # kept per process; the oldest goes first (a shared server may host many tenants)
_kept: dict[int, tuple[str, dict]] = {}  # workspace id -> (its config stamp, {key: value})


def new_stamp() -> str:
    return uuid.uuid4().hex


def remembered(key: tuple, build: Callable[[], T]) -> T:
    """`build()` for the current workspace, computed once per configuration version and process."""
    workspace = current_workspace_or_none()
    if workspace is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return build()
    stamp = workspace.config_stamp
    kept = _kept.get(workspace.pk)
    if kept is None or kept[0] != stamp:
        _kept.pop(workspace.pk, None)
        while len(_kept) >= MAX_WORKSPACES:
            _kept.pop(next(iter(_kept)))
        kept = _kept[workspace.pk] = (stamp, {})
    values = kept[1]
    if key not in values:
        values[key] = build()
    return values[key]


def config_changed(workspace_id: int) -> None:
    """Every process reads this workspace's configuration again from its next request on."""
    from .models import Workspace

    stamp = new_stamp()
    Workspace.objects.filter(pk=workspace_id).update(config_stamp=stamp)
    _kept.pop(workspace_id, None)
    current = current_workspace_or_none()
    if current is not None and current.pk == workspace_id:
        current.config_stamp = stamp


def watch(*models) -> None:
    """Any save or delete of these workspace-scoped models (a `workspace_id` each) changes the configuration."""
    for model in models:
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=f"config:{model._meta.label}:save")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=f"config:{model._meta.label}:delete")


def watch_team_members(team_model) -> None:
    """Team membership (a many-to-many) decides record access: adding, removing or clearing members too, and
    deleting a member (Django then deletes their membership rows without any signal)."""
    m2m_changed.connect(_members_changed, sender=team_model.members.through, dispatch_uid="config:team-members")
    pre_delete.connect(_member_deleted, sender=team_model.members.field.related_model,
                       dispatch_uid="config:team-member-deleted")


def _saved_or_deleted(sender, instance, **kwargs) -> None:
    config_changed(instance.workspace_id)  # fixtures too (`loaddata`): running processes must see them


def _members_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:  # team.members.…: the instance is the team
        config_changed(instance.workspace_id)
        return
    teams = sender._meta.get_field("team").related_model.unscoped
    found = teams.filter(pk__in=pk_set) if pk_set is not None else teams.filter(members=instance)
    for workspace_id in set(found.values_list("workspace_id", flat=True)):
        config_changed(workspace_id)


def _member_deleted(sender, instance, **kwargs) -> None:
    teams = sender._meta.get_field("teams").related_model.unscoped
    for workspace_id in set(teams.filter(members=instance).values_list("workspace_id", flat=True)):
        config_changed(workspace_id)
