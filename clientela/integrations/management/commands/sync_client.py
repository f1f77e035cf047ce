from django.core.management.base import BaseCommand, CommandError

from clientela.integrations.sync_client import Report, SyncClient, SyncError


class Command(BaseCommand):
    help = "Mirror the records an API token may see into a SQLite file; with --push, send local edits back first."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="Server address, e.g. http://127.0.0.1:8000")
        parser.add_argument("--token", required=True, help="API token (see `manage.py api_token`)")
        parser.add_argument("--out", required=True, help="SQLite file to create or update")
        parser.add_argument("--push", action="store_true", help="Send rows marked dirty = 1 with PATCH")

    def handle(self, *args, **options):
        client = SyncClient(options["url"], options["token"], options["out"])
        report = Report()
        try:
            if options["push"]:
                client.push(report)
            client.pull(report)
        except (SyncError, OSError) as exc:
            self._report(report)  # what was done before the stop, conflicts included
            raise CommandError(str(exc)) from exc
        self._report(report)

    def _report(self, report: Report) -> None:
        self.stdout.write(f"pulled {report.pulled} upserts, {report.deleted} deletes; pushed {report.pushed} records")
        for conflict in report.conflicts:
            self.stdout.write(
                "conflict {entity} {id} field {field}: base={base!r} server={server!r} local={local!r} → kept "
                "{kept}".format(**conflict))
        for problem in report.problems:
            self.stderr.write(problem)
