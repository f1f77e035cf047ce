"""The current workspace, and the manager that refuses to query without one.

Every CRM model uses `ScopedManager` as its default manager, so `Contact.objects.all()` only ever
returns the current workspace's rows — and raises `WorkspaceNotSelected` when no workspace is
active, instead of silently reading every tenant. The request middleware activates the user's
workspace; commands and tasks use `use_workspace(ws)`. Cross-workspace system work (migrations,
the trash purge) must say so explicitly with the `unscoped` manager.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import Workspace

_current: ContextVar["Workspace | None"] = ContextVar("clientela_workspace", default=None)


class WorkspaceNotSelected(RuntimeError):
    pass


def current_workspace() -> "Workspace":
    ws = _current.get()
    if ws is None:
        raise WorkspaceNotSelected("No workspace is active: wrap the code in use_workspace(workspace).")
    return ws


def current_workspace_or_none() -> "Workspace | None":
    return _current.get()


def activate_for_request(workspace: "Workspace") -> None:
    """Switch the request's workspace after the middleware ran (e.g. to an API token's workspace).

    The middleware resets the variable when the request ends, so no reset is needed here.
    """
    _current.set(workspace)


@contextmanager
def use_workspace(workspace: "Workspace") -> Iterator["Workspace"]:
    token = _current.set(workspace)
    try:
        yield workspace
    finally:
        _current.reset(token)


class CurrentWorkspaceId(models.Expression):
    """The active workspace's id, read when the query runs — not when it is built.

    So a queryset built at import time (a form field's choices) is still scoped to the workspace
    of the request that evaluates it, and evaluating it with no workspace active raises.
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        return "%s", [current_workspace().pk]


class ScopedQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Filters by the active workspace; with `soft_delete="alive"` also hides trashed rows."""

    def __init__(self, soft_delete: str | None = None):
        super().__init__()
        self.soft_delete = soft_delete

    def get_queryset(self):
        qs = super().get_queryset().filter(workspace_id=CurrentWorkspaceId())
        if self.soft_delete == "alive":
            qs = qs.filter(deleted_at__isnull=True)
        elif self.soft_delete == "deleted":
            qs = qs.filter(deleted_at__isnull=False)
        return qs


def iterate_in_workspace(iterable):
    """For streaming responses, which are consumed after the request's workspace is cleared."""
    workspace = current_workspace()

    def generate():
        with use_workspace(workspace):
            yield from iterable

    return generate()
