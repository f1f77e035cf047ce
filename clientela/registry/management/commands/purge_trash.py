from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from clientela.registry import entities
from clientela.registry.services import record_purge
from clientela.workspaces.models import Workspace
from clientela.workspaces.scoping import use_workspace


class Command(BaseCommand):
    help = "Permanently delete records that have been in the trash longer than the retention period (30 days)."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.CLIENTELA["TRASH_RETENTION_DAYS"])
        total = 0
        for workspace in Workspace.objects.all():
            with use_workspace(workspace):
                for entity in entities.all_entities():
                    for record in entity.model.trashed.filter(deleted_at__lt=cutoff).iterator():
                        record_purge(entity=entity, record=record)
                        total += 1
        self.stdout.write(f"Purged {total} records deleted before {cutoff:%Y-%m-%d %H:%M} UTC.")
