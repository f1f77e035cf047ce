import zipfile

from django.core.management.base import BaseCommand, CommandError

from clientela.backup.catalogue import BackupError
from clientela.backup.dump import workspace_backup
from clientela.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Write a whole workspace (records, configuration, files, history) to a zip that workspace_restore reads."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file", help="the .zip to write")

    def handle(self, *args, slug, file, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"“{slug}”: no workspace has this short name.")
        try:
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                manifest = workspace_backup(workspace, archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(part["count"] for part in manifest["models"].values())
        self.stdout.write(f"Backed up “{workspace.slug}”: {rows} rows in {len(manifest['models'])} tables, "
                          f"{manifest['users']['count']} people, {len(manifest['files'])} files → {file}")
