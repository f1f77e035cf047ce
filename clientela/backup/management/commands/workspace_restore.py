import zipfile

from django.core.management.base import BaseCommand, CommandError

from clientela.backup.catalogue import BackupError
from clientela.backup.load import workspace_restore


class Command(BaseCommand):
    help = "Restore a workspace_backup zip into a NEW workspace (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--slug", required=True, help="short name of the new workspace")
        parser.add_argument("--name", help="its name (default: the backed-up workspace's)")

    def handle(self, *args, file, slug, name=None, **options):
        try:
            with zipfile.ZipFile(file) as archive:
                workspace, report = workspace_restore(archive, slug=slug, name=name)
        except (OSError, zipfile.BadZipFile) as exc:
            raise CommandError(f"{file}: cannot read the file as a zip ({exc}).") from exc
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(report["counts"].values())
        ids = "ids kept" if report["ids_kept"] else "new ids (the originals are in use here)"
        self.stdout.write(f"Restored {rows} rows into “{workspace.slug}” ({ids}).")
