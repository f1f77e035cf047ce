"""`manage.py demo_data`: a demo workspace with one user per default role and bilingual customers."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.demo import BATCH_SIZE, SIZES, demo_populate
from clientela.customers.models import Company, Contact
from clientela.workspaces import services as ws_services
from clientela.workspaces.models import User, Workspace
from clientela.workspaces.scoping import use_workspace

# (login name, role key, full name, language, time zone)
DEMO_USERS = (
    ("admin", "admin", "Lucía Martínez Peña", "es", "Europe/Madrid"),
    ("manager", "manager", "James Whitaker", "en", "Europe/London"),
    ("rep", "rep", "Javier Núñez Ortega", "es", "Europe/Madrid"),
    ("rep2", "rep", "Emily Clarke", "en", "Europe/London"),
    ("support", "support", "Carmen Ibáñez Ruiz", "es", "Europe/Madrid"),
    ("marketing", "marketing", "Oliver Bennett", "en", "Europe/London"),
    ("readonly", "readonly", "Sofía Castells", "es", "Europe/Madrid"),
)
SALES_TEAM, SUB_TEAMS = "Ventas / Sales", ("Ventas Norte / North", "Ventas Sur / South")


def demo_has_data(workspace: Workspace) -> bool:
    with use_workspace(workspace):
        return Contact.with_trashed.exists() or Company.with_trashed.exists()


def demo_users_create(workspace: Workspace, password: str) -> dict[str, User]:
    """One user per role, `<name>@<slug>.example`; an existing one is reused and gets the password."""
    users = {}
    for name, role, full_name, language, timezone in DEMO_USERS:
        email = f"{name}@{workspace.slug}.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, full_name=full_name, language=language,
                                            timezone=timezone)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        ws_services.member_add(workspace=workspace, user=user, role=role)
        users[name] = user
    return users


def demo_teams_create(workspace: Workspace, users: dict[str, User]) -> None:
    """The manager's sales team with two sub-teams: rep in one, rep2 in the other."""
    sales = ws_services.team_create(workspace=workspace, name=SALES_TEAM, members=[users["manager"]])
    for team_name, member in zip(SUB_TEAMS, ("rep", "rep2"), strict=True):
        ws_services.team_create(workspace=workspace, name=team_name, parent=sales, members=[users[member]])


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a real string, translated when the parser is built
        return _("Create a demo workspace with one user per default role and deterministic bilingual customers "
                 "(same seed, same data).")

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small",
                            help=gettext_lazy("small: about 300 contacts; large: 100,000 contacts."))
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("Same seed, same data."))
        parser.add_argument("--workspace", default="demo", help=gettext_lazy("Short name of the workspace."))
        parser.add_argument("--password", default="demo", help=gettext_lazy("Password of the demo users."))
        parser.add_argument("--if-missing", action="store_true",
                            help=gettext_lazy("Do nothing if the workspace already has data."))

    def handle(self, *args, size, seed, workspace, password, if_missing, verbosity=1, **options):
        self.verbosity, slug = verbosity, workspace
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(_("“%(slug)s” is not a valid short name: use letters, numbers, - and _.")
                               % {"slug": slug}) from exc
        existing = Workspace.objects.filter(slug=slug).first()
        if existing and demo_has_data(existing):
            if not if_missing:
                raise CommandError(_("Workspace “%(slug)s” already has data. Choose another --workspace, or "
                                     "pass --if-missing to keep it.") % {"slug": slug})
            self.stdout.write(_("Workspace “%(name)s” (%(slug)s) already has data; nothing to do.")
                              % {"name": existing.name, "slug": slug})
            self._print_login(slug, password)
            return
        started = time.monotonic()
        with transaction.atomic():
            ws = existing or ws_services.workspace_create(
                name=slug.replace("-", " ").replace("_", " ").title(), slug=slug)
            users = demo_users_create(ws, password)
            demo_teams_create(ws, users)
            counts = demo_populate(workspace=ws, users=users, size=size, seed=seed, progress=self._progress)
        self.stdout.write(self.style.SUCCESS(
            _("Demo workspace “%(name)s” (%(slug)s) ready in %(seconds).1f s:")
            % {"name": ws.name, "slug": slug, "seconds": time.monotonic() - started}))
        self.stdout.write(_("  %(users)s users, %(teams)s teams")
                          % {"users": len(users), "teams": 1 + len(SUB_TEAMS)})
        for model, count in counts.items():
            if not model._meta.auto_created:
                self.stdout.write(f"  {count:,} {model._meta.verbose_name_plural}")
        self._print_login(slug, password)

    def _progress(self, what: str, done: int, total: int) -> None:
        if total > BATCH_SIZE and self.verbosity >= 1:
            self.stdout.write(_("  %(what)s: %(done)s of %(total)s") % {"what": what, "done": f"{done:,}",
                                                                        "total": f"{total:,}"})

    def _print_login(self, slug: str, password: str) -> None:
        self.stdout.write(_("Log in as %(email)s with password: %(password)s")
                          % {"email": f"admin@{slug}.example", "password": password})
