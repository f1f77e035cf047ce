from django.core.management.base import BaseCommand

from clientela.registry.export_jobs import export_jobs_purge


class Command(BaseCommand):
    help = "Delete background export files past their retention (EXPORT_RETENTION_DAYS, 7 by default)."

    def handle(self, *args, **options):
        self.stdout.write(f"{export_jobs_purge()} expired exports deleted.")
