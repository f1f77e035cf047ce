from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clientela.customization.bundles import bundle_diff, bundle_import, bundle_read
from clientela.workspaces.models import Membership, User, Workspace
from clientela.workspaces.scoping import use_workspace


class Command(BaseCommand):
    help = "Show what a configuration bundle changes in a workspace, then apply it atomically."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--workspace", default="demo")
        parser.add_argument("--user", required=True, help="Email of the administrator the changes are made by.")
        parser.add_argument("--dry-run", action="store_true", help="Only show the differences.")
        parser.add_argument("--reason", default="")

    def handle(self, *args, **options):
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        user = User.objects.filter(email__iexact=options["user"]).first()
        if workspace is None or user is None:
            raise CommandError("Unknown workspace or user.")
        if not Membership.objects.filter(workspace=workspace, user=user, is_active=True).exists():
            raise CommandError(f"{user.email} is not a member of “{workspace.slug}”.")
        with use_workspace(workspace), open(options["file"], encoding="utf-8") as handle:
            try:
                bundle = bundle_read(handle)
                diff = bundle_diff(bundle)
                for what in ("added", "changed", "removed"):
                    for item in diff[what]:
                        fields = f" ({', '.join(item['fields'])})" if item.get("fields") else ""
                        self.stdout.write(f"{what:8} {item['kind']:13} {item['target']}{fields}")
                if not any(diff.values()):
                    self.stdout.write("Nothing to change: the workspace already matches the bundle.")
                    return
                if options["dry_run"]:
                    return
                applied = bundle_import(bundle, by=user, reason=options["reason"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Applied {applied} changes.")
