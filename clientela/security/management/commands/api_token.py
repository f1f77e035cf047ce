from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from clientela.security.tokens import is_member, token_create
from clientela.workspaces.models import User, Workspace
from clientela.workspaces.selectors import workspaces_of


class Command(BaseCommand):
    help = "Create an API token for a user and print it (only the token, on standard output)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user's email address.")
        parser.add_argument("--workspace", help="Workspace short name (slug); defaults to the user's first one.")
        parser.add_argument("--name", default="Command line", help="A name to recognise the token by.")
        parser.add_argument("--read-only", action="store_true", help="The token may read but not change data.")

    def handle(self, *args, username, workspace, name, read_only, **options):
        user = User.objects.filter(email__iexact=username.strip()).first()
        if user is None:
            raise CommandError(f"No user with email “{username}”.")
        if not user.is_active:
            raise CommandError(f"User “{user.email}” is deactivated.")
        if workspace:
            found = Workspace.objects.filter(slug=workspace).first()
            if found is None:
                raise CommandError(f"No workspace “{workspace}”.")
            if not is_member(user, found):
                raise CommandError(f"User “{user.email}” is not a member of workspace “{workspace}”.")
        else:
            found = workspaces_of(user).first()
            if found is None:
                raise CommandError(f"User “{user.email}” is not a member of any workspace.")
        try:
            token, secret = token_create(user=user, workspace=found, name=name, read_only=read_only)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Token “{token.name}” ({token.prefix}…) for {user.email} in workspace “{found.slug}”"
                          f"{', read-only' if read_only else ''}. It is shown only once.")
        self.stdout.write(secret)
