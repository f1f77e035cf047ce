import json

from django.core.management.base import BaseCommand, CommandError

from clientela.customization.bundles import bundle_export
from clientela.workspaces.models import Workspace
from clientela.workspaces.scoping import use_workspace


class Command(BaseCommand):
    help = "Write a workspace's configuration (custom fields, picklists, layouts, roles, sharing rules) to a file."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--workspace", default="demo")

    def handle(self, *args, **options):
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"There is no workspace “{options['workspace']}”.")
        with use_workspace(workspace):
            bundle = bundle_export()
        with open(options["file"], "w", encoding="utf-8") as handle:
            json.dump(bundle, handle, indent=2, ensure_ascii=False, sort_keys=True)
        count = sum(len(items) for items in bundle["items"].values())
        self.stdout.write(f"Exported {count} configuration items of “{workspace.slug}” to {options['file']}.")
