"""Sharing writes: one record with a user or team, and rules that share matching records with a team."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.common.events import DomainEvent, emit
from clientela.workspaces.models import Membership
from clientela.workspaces.scoping import current_workspace

from . import access
from .audit import audit_log
from .models import RecordShare, SharingRule


def may_share(user, entity: str, record) -> bool:
    """Whoever may edit a record may share it."""
    return access.can_record(user, "edit", entity, record)


@transaction.atomic
def share_add(*, entity: str, record, by, user=None, team=None, can_edit: bool = False, request=None):
    if not may_share(by, entity, record):
        raise PermissionDenied(_("Only people who may edit this record can share it."))
    if (user is None) == (team is None):
        raise ValidationError(_("Share with one person or one team."), code="share_target")
    if user is not None and not Membership.objects.filter(user=user, workspace=current_workspace(),
                                                          is_active=True).exists():
        raise ValidationError(_("“Person”: they are not a member of this workspace."), code="not_member")
    share, _created = RecordShare.objects.update_or_create(
        workspace=current_workspace(), entity=entity, record_id=record.pk, user=user, team=team,
        defaults={"can_edit": can_edit, "shared_by": by})
    audit_log(action="record.shared", actor=by, target=record, target_type=entity, request=request,
              details={"with": str(user or team), "can_edit": can_edit})
    _access_changed(entity, record, by)
    return share


@transaction.atomic
def share_remove(*, share: RecordShare, record, by, request=None) -> None:
    if not may_share(by, share.entity, record):
        raise PermissionDenied(_("Only people who may edit this record can change its sharing."))
    audit_log(action="record.unshared", actor=by, target=record, target_type=share.entity, request=request,
              details={"with": str(share.user or share.team)})
    share.delete()
    _access_changed(share.entity, record, by)


def _access_changed(entity: str, record, by) -> None:
    """Who may see the record changed: consumers (the sync feed) re-check it."""
    emit(DomainEvent(name="access.changed", workspace_id=record.workspace_id, entity=entity,
                     record_id=str(record.pk), actor_id=by.pk if by else None))


def shares_for(entity: str, record):
    return (RecordShare.objects.filter(entity=entity, record_id=record.pk)
            .select_related("user", "team").order_by("created_at"))


@transaction.atomic
def sharing_rule_save(*, rule: SharingRule, by, request=None) -> SharingRule:
    if not access.is_admin(by):
        raise PermissionDenied(_("Only administrators can change sharing rules."))
    creating = rule._state.adding
    before = {} if creating else dict(SharingRule.objects.filter(pk=rule.pk).values(
        "name", "entity", "field", "value", "team_id", "can_edit", "is_active").first() or {})
    rule.workspace = current_workspace()
    rule.save()
    after = {"name": rule.name, "entity": rule.entity, "field": rule.field, "value": rule.value,
             "team_id": str(rule.team_id), "can_edit": rule.can_edit, "is_active": rule.is_active}
    audit_log(action="sharing_rule.created" if creating else "sharing_rule.updated", actor=by, target=rule,
              request=request, details={"before": {k: str(v) for k, v in before.items()}, "after": after})
    return rule


@transaction.atomic
def sharing_rule_delete(*, rule: SharingRule, by, request=None) -> None:
    if not access.is_admin(by):
        raise PermissionDenied(_("Only administrators can change sharing rules."))
    audit_log(action="sharing_rule.deleted", actor=by, target=rule, request=request,
              details={"entity": rule.entity, "field": rule.field, "value": rule.value})
    rule.delete()
