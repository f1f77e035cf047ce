"""The configuration change log: every change to fields, picklists, layouts, roles and sharing rules.

Writers call `config_change_record(...)` in the same transaction as the change. Each kind registers
an *applier* — `fn(target, state, by)` that makes the configuration match `state` (None = remove) —
so one change can be rolled back by applying its `before` state, which is itself logged.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.security import access
from clientela.workspaces.scoping import current_workspace

from .models import ConfigChange

Applier = Callable[[str, dict | None, object], None]
_appliers: dict[str, Applier] = {}


def register_applier(kind: str, applier: Applier) -> None:
    _appliers[kind] = applier


def applier_for(kind: str) -> Applier | None:
    return _appliers.get(kind)


def config_change_record(*, kind: str, target: str, before: dict | None, after: dict | None, by,
                         reason: str = "", source: str = "ui", rolls_back: ConfigChange | None = None):
    if before == after:
        return None
    return ConfigChange.objects.create(workspace=current_workspace(), kind=kind, target=target, before=before,
                                       after=after, reason=reason[:300], source=source, actor=by,
                                       rolls_back=rolls_back)


@transaction.atomic
def config_change_rollback(*, change: ConfigChange, by, reason: str = "") -> ConfigChange | None:
    """Put one configuration item back as it was before `change` (later changes to it are undone too)."""
    if not access.is_admin(by):
        raise PermissionDenied(_("Only administrators can roll back configuration changes."))
    applier = applier_for(change.kind)
    if applier is None:
        raise ValidationError(_("Changes of this kind cannot be rolled back."), code="no_rollback")
    current = ConfigChange.objects.filter(kind=change.kind, target=change.target).order_by("-created_at").first()
    applier(change.target, change.before, by)
    return config_change_record(kind=change.kind, target=change.target, before=current.after if current else None,
                                after=change.before, by=by, reason=reason or _("Rollback"), source="rollback",
                                rolls_back=change)
