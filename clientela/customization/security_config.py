"""Roles and sharing rules as configuration: their JSON state, for the change log and bundles."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clientela.security.models import Role, SharingRule
from clientela.security.roles import DEFAULT_ROLES
from clientela.workspaces.models import Membership, Team
from clientela.workspaces.scoping import current_workspace


def role_state(role: Role | None) -> dict | None:
    if role is None:
        return None
    return {"name": role.name, "description": role.description, "is_admin": role.is_admin,
            "requires_two_factor": role.requires_two_factor, "rules": role.rules}


def apply_role_state(key: str, state: dict | None, by) -> None:
    if state is None:
        role = Role.objects.filter(key=key).first()
        if role is None:
            return
        if key not in DEFAULT_ROLES and Membership.objects.filter(workspace=current_workspace(), role=key).exists():
            raise ValidationError(_("Role “%(name)s” still has members; give them another role first.")
                                  % {"name": role.name}, code="role_in_use")
        role.delete()
        return
    Role.objects.update_or_create(workspace=current_workspace(), key=key,
                                  defaults={k: state[k] for k in ("name", "description", "is_admin",
                                                                   "requires_two_factor", "rules") if k in state})


def sharing_rule_state(rule: SharingRule | None) -> dict | None:
    if rule is None:
        return None
    return {"name": rule.name, "entity": rule.entity, "field": rule.field, "value": rule.value,
            "team": rule.team.name, "can_edit": rule.can_edit, "is_active": rule.is_active}


def sharing_rule_target(rule: SharingRule) -> str:
    return f"{rule.entity}:{rule.name}"


def apply_sharing_rule_state(target: str, state: dict | None, by) -> None:
    entity, name = target.split(":", 1)
    rule = SharingRule.objects.filter(entity=entity, name=name).first()
    if state is None:
        if rule is not None:
            rule.delete()
        return
    team = Team.objects.filter(name=state["team"]).first()
    if team is None:
        raise ValidationError(_("Sharing rule “%(name)s”: there is no team called “%(team)s” here.")
                              % {"name": state["name"], "team": state["team"]}, code="unknown_team")
    rule = rule or SharingRule(workspace=current_workspace(), entity=entity)
    rule.name, rule.field, rule.value, rule.team = state["name"], state["field"], state["value"], team
    rule.can_edit, rule.is_active = state.get("can_edit", False), state.get("is_active", True)
    rule.save()

