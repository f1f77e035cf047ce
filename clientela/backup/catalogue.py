"""What a workspace backup holds: every workspace-scoped model, found from model metadata, in FK order.

A new app's models are included without any change here. A model is left out only when it is listed
in EXCLUDED with the reason; the round-trip test fails when a scoped model is neither filled by its
data builder nor excluded, so nobody forgets to decide.
"""

from graphlib import TopologicalSorter

from django.apps import apps
from django.conf import settings

from clientela.workspaces.models import Workspace, WorkspaceScopedModel

EXCLUDED = {
    "security.ApiToken": "credentials: the restored workspace issues its own tokens",
    "integrations.WebhookSubscription": "signing secrets and live endpoints: re-create them on purpose",
    "integrations.WebhookDelivery": "the old instance's delivery log (points at its event feed)",
    "integrations.WebhookAttempt": "the old instance's delivery log",
    "transfer.ImportJob": "past import runs: uploaded files and undo state of the old instance",
    "transfer.ImportRow": "past import runs",
    "registry.ExportJob": "temporary export files",
}


class BackupError(Exception):
    """Refused: a clear message for the person running the backup or the restore."""


def scoped_models() -> list[type]:
    return [m for m in apps.get_models() if issubclass(m, WorkspaceScopedModel) and not m._meta.proxy]


def is_user(model) -> bool:
    return model._meta.label == settings.AUTH_USER_MODEL


def backed_up_models() -> list[type]:
    """The models a backup holds, each after the models its foreign keys point to."""
    chosen = {m for m in scoped_models() if m._meta.label not in EXCLUDED}
    graph: dict[type, set[type]] = {}
    for model in chosen:
        targets = set()
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            target = field.related_model
            if target in chosen and target is not model:
                targets.add(target)
            elif target not in chosen and target is not Workspace and not is_user(target):
                raise BackupError(f"{model._meta.label}.{field.name} links to {target._meta.label}, which a "
                                  "workspace backup does not hold: add the model to backup.catalogue.EXCLUDED "
                                  "or teach the backup about it.")
        graph[model] = targets
    return list(TopologicalSorter(graph).static_order())
