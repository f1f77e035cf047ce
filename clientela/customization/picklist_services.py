"""Changing a picklist: the workspace's override of a built-in list, or a custom picklist's options.

Every change is written to the configuration change log (kind "picklist", target "<entity>.<field>")
with the options and `controlled_by` before and after; `picklist_apply` puts a list in a given state,
which is how a change is rolled back.
"""

from django.db import transaction

from clientela.security.audit import audit_log
from clientela.workspaces.scoping import current_workspace

from . import picklists
from .changes import config_change_record
from .models import FieldDefinition, PicklistOverride


def _custom(entity_key: str, name: str) -> FieldDefinition | None:
    if not name.startswith("cf_"):
        return None
    return FieldDefinition.objects.filter(entity=entity_key, key=name.removeprefix("cf_"),
                                          kind__in=picklists.CUSTOM_KINDS).first()


def picklist_state(entity_key: str, name: str) -> dict | None:
    """What the workspace has set for a list; None for a built-in list left as the code defines it."""
    if definition := _custom(entity_key, name):
        return {"options": definition.options, "controlled_by": definition.controlled_by}
    override = PicklistOverride.objects.filter(entity=entity_key, field=name).first()
    return {"options": override.options, "controlled_by": override.controlled_by} if override else None


def picklist_apply(target: str, state: dict | None, by=None) -> None:
    """Make the list `target` ("<entity>.<field>") match `state`; None = back to the code's options."""
    entity_key, name = target.split(".", 1)
    if name.startswith("cf_"):
        definition = _custom(entity_key, name)
        if definition is not None:
            definition.options = (state or {}).get("options", [])
            definition.controlled_by = (state or {}).get("controlled_by", "")
            definition.save(update_fields=["options", "controlled_by", "updated_at"])
    elif state is None:
        PicklistOverride.objects.filter(entity=entity_key, field=name).delete()
    else:
        PicklistOverride.objects.update_or_create(
            entity=entity_key, field=name, workspace=current_workspace(),
            defaults={"options": state.get("options", []), "controlled_by": state.get("controlled_by", "")})
    picklists.invalidate()


@transaction.atomic
def picklist_save(*, entity_key: str, name: str, options: list[dict], controlled_by: str, by, reason: str = "",
                  request=None):
    """Save a list's options (in display order) and log the change; returns the ConfigChange or None."""
    target = f"{entity_key}.{name}"
    before = picklist_state(entity_key, name)
    after = {"options": [picklists.normalise(o) for o in options], "controlled_by": controlled_by}
    if before == after:
        return None
    picklist_apply(target, after, by)
    audit_log(action="picklist.updated", actor=by, target_type="picklist", target_label=target,
              details={"before": before, "after": after, "reason": reason}, request=request)
    return config_change_record(kind="picklist", target=target, before=before, after=after, by=by, reason=reason)
