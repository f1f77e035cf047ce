"""Configuration bundles: the workspace's fields, picklists, layouts, roles and sharing rules as one JSON file.

A bundle describes the whole configuration. Importing shows a diff first (added / changed / removed)
and then applies it in one transaction through the change log's appliers — so every item lands in
the change log and can be rolled back — and importing the same bundle twice changes nothing.
"""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.security.models import Role, SharingRule
from clientela.workspaces.scoping import current_workspace

from .changes import applier_for, config_change_record
from .models import FieldDefinition, Layout, PicklistOverride
from .security_config import role_state, sharing_rule_state, sharing_rule_target
from .services import field_state

FORMAT = "clientela-config"
VERSION = 1
KINDS = ("custom_field", "picklist", "layout", "role", "sharing_rule")  # the order they are applied in


def current_items() -> dict[str, dict[str, dict]]:
    """Every configuration item of the current workspace as {kind: {target: state}}."""
    return {
        "custom_field": {f"{d.entity}.{d.key}": field_state(d) for d in FieldDefinition.objects.all()},
        "picklist": {f"{p.entity}.{p.field}": {"options": p.options, "controlled_by": p.controlled_by}
                     for p in PicklistOverride.objects.all()},
        "layout": {f"{x.entity}@{x.role}" if x.role else x.entity: {"sections": x.sections,
                                                                     "list_columns": x.list_columns}
                   for x in Layout.objects.all()},
        "role": {r.key: role_state(r) for r in Role.objects.all()},
        "sharing_rule": {sharing_rule_target(r): sharing_rule_state(r)
                         for r in SharingRule.objects.select_related("team")},
    }


def bundle_export() -> dict:
    return {"format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat(),
            "workspace": current_workspace().slug, "items": current_items()}


def bundle_read(source) -> dict:
    """Parse and check a bundle (an uploaded file or JSON text); refuse other files and newer versions."""
    try:
        raw = source.read() if hasattr(source, "read") else source
        bundle = json.loads(raw or "")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("This file is not a Clientela configuration bundle (it is not valid JSON)."),
                              code="not_json") from exc
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT or not isinstance(bundle.get("items"), dict):
        raise ValidationError(_("This file is not a Clientela configuration bundle."), code="not_bundle")
    version = bundle.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ValidationError(
            _("This bundle was made by a newer version of Clientela (format %(theirs)s); this one reads format "
              "%(ours)s. Update Clientela first.") % {"theirs": version, "ours": VERSION}, code="incompatible")
    unknown = set(bundle["items"]) - set(KINDS)
    if unknown:
        raise ValidationError(_("This bundle contains settings this version does not know: %(kinds)s.")
                              % {"kinds": ", ".join(sorted(unknown))}, code="incompatible")
    return bundle


def bundle_diff(bundle: dict) -> dict[str, list]:
    current = current_items()
    diff: dict[str, list] = {"added": [], "changed": [], "removed": []}
    for kind in KINDS:
        theirs, ours = bundle["items"].get(kind, {}), current[kind]
        for target, state in theirs.items():
            if target not in ours:
                diff["added"].append({"kind": kind, "target": target})
            elif ours[target] != state:
                changed = sorted(k for k in set(state) | set(ours[target]) if state.get(k) != ours[target].get(k))
                diff["changed"].append({"kind": kind, "target": target, "fields": changed})
        diff["removed"] += [{"kind": kind, "target": target} for target in ours if target not in theirs]
    return diff


@transaction.atomic
def bundle_import(bundle: dict, *, by, reason: str = "") -> int:
    """Apply the bundle; all or nothing. Returns how many items changed."""
    current = current_items()
    applied = 0
    for kind in KINDS:
        applier = applier_for(kind)
        theirs, ours = bundle["items"].get(kind, {}), current[kind]
        targets = [t for t in theirs if ours.get(t) != theirs[t]] + [t for t in ours if t not in theirs]
        if targets and applier is None:
            raise ValidationError(_("This installation cannot import %(kind)s settings yet.") % {"kind": kind},
                                  code="no_applier")
        for target in targets:
            try:
                applier(target, theirs.get(target), by)
            except ValidationError as exc:
                raise ValidationError(_("“%(target)s”: %(problem)s") % {"target": target,
                                                                         "problem": " ".join(exc.messages)}) from exc
            config_change_record(kind=kind, target=target, before=ours.get(target), after=theirs.get(target), by=by,
                                 reason=reason, source="bundle")
            applied += 1
    return applied
