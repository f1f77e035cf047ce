"""Role changes: edit a role (creating the workspace's override of a default), assign roles to members."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.workspaces.models import Membership
from clientela.workspaces.scoping import current_workspace

from . import access
from .audit import audit_log
from .models import Role
from .roles import DEFAULT_ROLES, RoleSpec


def roles_of_workspace() -> list[RoleSpec]:
    """Default roles (as overridden here) and the workspace's own roles, by name."""
    rows = {row.key: RoleSpec.from_row(row) for row in Role.objects.all()}
    merged = {**DEFAULT_ROLES, **rows}
    return sorted(merged.values(), key=lambda spec: str(spec.name))


def role_spec(key: str) -> RoleSpec | None:
    row = Role.objects.filter(key=key).first()
    return RoleSpec.from_row(row) if row else DEFAULT_ROLES.get(key)


def _require_admin(user) -> None:
    if not access.is_admin(user):
        raise PermissionDenied(_("Only administrators can change roles."))


@transaction.atomic
def role_save(*, key: str, name: str, rules: dict, is_admin: bool, requires_two_factor: bool, by,
              description: str = "", request=None) -> Role:
    _require_admin(by)
    before = role_spec(key)
    role, _created = Role.objects.update_or_create(
        workspace=current_workspace(), key=key,
        defaults={"name": name, "rules": rules, "is_admin": is_admin, "requires_two_factor": requires_two_factor,
                  "description": description})
    audit_log(action="role.updated" if before else "role.created", actor=by, target=role, request=request,
              details={"before": _describe(before), "after": _describe(RoleSpec.from_row(role))})
    return role


def _describe(spec: RoleSpec | None) -> dict:
    if spec is None:
        return {}
    return {"name": str(spec.name), "is_admin": spec.is_admin, "requires_two_factor": spec.requires_two_factor,
            "rules": spec.rules_json()}


@transaction.atomic
def member_role_set(*, membership: Membership, role_key: str, by, request=None) -> None:
    _require_admin(by)
    if role_spec(role_key) is None:
        raise ValueError(role_key)
    if membership.user_id == by.pk and not (role_spec(role_key) or DEFAULT_ROLES["readonly"]).is_admin:
        raise PermissionDenied(_("You cannot remove your own administrator role; ask another administrator."))
    old = membership.role
    membership.role = role_key
    membership.save(update_fields=["role"])
    audit_log(action="member.role_changed", actor=by, target=membership.user, request=request,
              details={"before": old, "after": role_key})
