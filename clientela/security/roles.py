"""Roles: what a user may do per entity (verbs), on which records (scope) and with which fields.

Default roles live here in code; a workspace overrides one by saving a `Role` row with its key.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

VERBS = ("view", "create", "edit", "delete", "export", "import")
VERB_LABELS = {"view": pgettext_lazy("permission", "View"), "create": pgettext_lazy("permission", "Create"),
               "edit": pgettext_lazy("permission", "Edit"), "delete": pgettext_lazy("permission", "Delete"),
               "export": pgettext_lazy("permission", "Export"), "import": pgettext_lazy("permission", "Import")}
ALL = "all"
SUBORDINATES = "subordinates"  # own records and those of the user's teams and all their sub-teams
TEAM = "team"  # own records and those of the user's own teams
OWN = "own"
SCOPES = (OWN, TEAM, SUBORDINATES, ALL)
SCOPE_LABELS = {OWN: _("Own records"), TEAM: _("Own and their team's"),
                SUBORDINATES: _("Own, their team's and sub-teams'"), ALL: _("All in the workspace")}
HIDDEN = "hidden"
READ = "read"
FIELD_ACCESS_LABELS = {"": _("Edit"), READ: _("Read only"), HIDDEN: _("Hidden")}


@dataclass(frozen=True)
class EntityRule:
    verbs: frozenset[str] = frozenset()
    view_scope: str = ALL
    edit_scope: str = OWN
    fields: Mapping[str, str] = field(default_factory=dict)  # field name -> HIDDEN | READ

    def as_json(self) -> dict:
        return {"verbs": sorted(self.verbs), "view_scope": self.view_scope, "edit_scope": self.edit_scope,
                "fields": dict(self.fields)}

    @classmethod
    def from_json(cls, data: dict) -> "EntityRule":
        return cls(frozenset(v for v in data.get("verbs", ()) if v in VERBS),
                   data.get("view_scope", ALL) if data.get("view_scope") in SCOPES else ALL,
                   data.get("edit_scope", OWN) if data.get("edit_scope") in SCOPES else OWN,
                   {k: v for k, v in data.get("fields", {}).items() if v in (HIDDEN, READ)})


NO_ACCESS = EntityRule()


@dataclass(frozen=True)
class RoleSpec:
    key: str
    name: str
    rules: Mapping[str, EntityRule]  # entity key, or "*" for any other entity
    is_admin: bool = False
    requires_two_factor: bool = False

    def rule(self, entity: str) -> EntityRule:
        return self.rules.get(entity) or self.rules.get("*") or NO_ACCESS

    def allows(self, verb: str, entity: str) -> bool:
        return verb in self.rule(entity).verbs

    def field_access(self, entity: str, name: str) -> str:
        """"" (may edit), READ or HIDDEN."""
        return self.rule(entity).fields.get(name, "")

    @classmethod
    def from_row(cls, row) -> "RoleSpec":
        return cls(row.key, row.name, {k: EntityRule.from_json(v) for k, v in (row.rules or {}).items()},
                   row.is_admin, row.requires_two_factor)

    def rules_json(self) -> dict:
        return {k: rule.as_json() for k, rule in self.rules.items()}


def _rule(*verbs: str, view: str = ALL, edit: str = OWN, **fields: str) -> EntityRule:
    return EntityRule(frozenset(VERBS if verbs == ("*",) else verbs), view, edit, fields)


DEFAULT_ROLES: dict[str, RoleSpec] = {
    spec.key: spec
    for spec in (
        RoleSpec("admin", _("Administrator"), {"*": _rule("*", edit=ALL)}, is_admin=True),
        RoleSpec("manager", _("Sales manager"), {"*": _rule("*", view=SUBORDINATES, edit=SUBORDINATES)}),
        RoleSpec("rep", _("Sales rep"),
                 {"*": _rule("view", "create", "edit", "delete", "export", view=TEAM, edit=OWN)}),
        RoleSpec("support", _("Support agent"),
                 {"*": _rule("view"), "contacts": _rule("view", "create", "edit", edit=ALL),
                  "companies": _rule("view", annual_revenue=HIDDEN)}),
        RoleSpec("marketing", _("Marketing"),
                 {"*": _rule("view", "export"), "contacts": _rule("*", edit=ALL)}),
        RoleSpec("readonly", _("Read-only"), {"*": _rule("view")}),
    )
}
