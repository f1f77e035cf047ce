"""Default roles. A workspace may override any of them with a `Role` row; until then these apply."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

VERBS = ("view", "create", "edit", "delete", "export", "import")
ALL = "all"
TEAM = "team"  # own records and those of the user's teams and their sub-teams
OWN = "own"
SCOPES = (OWN, TEAM, ALL)


@dataclass(frozen=True)
class RoleSpec:
    key: str
    name: str
    # entity key (or "*") -> verbs allowed
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)
    view_scope: str = ALL
    edit_scope: str = OWN
    is_admin: bool = False

    def allows(self, verb: str, entity: str) -> bool:
        verbs = self.permissions.get(entity, self.permissions.get("*", frozenset()))
        return verb in verbs


def _verbs(*names: str) -> frozenset[str]:
    return frozenset(names)


DEFAULT_ROLES: dict[str, RoleSpec] = {
    spec.key: spec
    for spec in (
        RoleSpec("admin", _("Administrator"), {"*": frozenset(VERBS)}, ALL, ALL, is_admin=True),
        RoleSpec("manager", _("Sales manager"), {"*": frozenset(VERBS)}, TEAM, TEAM),
        RoleSpec("rep", _("Sales rep"), {"*": _verbs("view", "create", "edit", "delete", "export")}, TEAM, OWN),
        RoleSpec("support", _("Support agent"),
                 {"*": _verbs("view"), "contacts": _verbs("view", "create", "edit")}, ALL, ALL),
        RoleSpec("marketing", _("Marketing"),
                 {"*": _verbs("view", "export"), "contacts": frozenset(VERBS)}, ALL, ALL),
        RoleSpec("readonly", _("Read-only"), {"*": _verbs("view")}, ALL, OWN),
    )
}
