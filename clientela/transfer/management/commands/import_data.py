import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from clientela.registry import entities
from clientela.transfer.readers import ImportFileError
from clientela.transfer.services import error_file, import_count, import_create, import_run, row_report
from clientela.workspaces.models import User, Workspace
from clientela.workspaces.scoping import use_workspace


class Command(BaseCommand):
    help = "Import a CSV or XLSX file into an entity (contacts, companies, ...) of a workspace."

    def add_arguments(self, parser):
        parser.add_argument("entity")
        parser.add_argument("file")
        parser.add_argument("--workspace", required=True, help="Workspace slug.")
        parser.add_argument("--user", required=True, help="Email of the importing user.")
        parser.add_argument("--mapping", help="JSON file: {column name: field}; suggested from headers if left out.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument("--on-duplicate", choices=["skip", "update", "fill", "create"], default="skip",
                            help="A row that matches a record: skip it, update the record, fill in only the "
                                 "record's empty fields (counted as merged), or create a new record anyway.")
        parser.add_argument("--region", default="", help="Default country of phone numbers (e.g. ES).")
        parser.add_argument("--date-order", choices=["dmy", "mdy", "ymd"], default="")
        parser.add_argument("--decimal-mark", choices=[",", "."], default="",
                            help="How the file writes numbers: 1.234,56 (,) or 1,234.56 (.); detected if left out.")
        parser.add_argument("--encoding", default="")
        parser.add_argument("--delimiter", default="")
        parser.add_argument("--sheet", default="")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="Write nothing at all if any row is rejected (default: import the valid rows).")
        parser.add_argument("--errors", metavar="FILE",
                            help="Write the rejected rows, with an errors column, to this CSV file, to fix and import "
                                 "again.")
        parser.add_argument("--report", metavar="FILE",
                            help="Write what happened to every row (row, outcome, record, reasons) to this CSV file.")

    def handle(self, *args, **opts):
        if entities.get_or_none(opts["entity"]) is None:
            raise CommandError(f"Unknown entity {opts['entity']!r}.")
        workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
        user = User.objects.filter(email__iexact=opts["user"]).first()
        if workspace is None or user is None:
            raise CommandError("Unknown workspace or user.")
        path = Path(opts["file"])
        mapping = json.loads(Path(opts["mapping"]).read_text()) if opts["mapping"] else None
        options = {"on_duplicate": opts["on_duplicate"], "region": opts["region"].upper(),
                   "date_order": opts["date_order"], "decimal_mark": opts["decimal_mark"],
                   "encoding": opts["encoding"], "sheet": opts["sheet"],
                   "delimiter": opts["delimiter"].replace("\\t", "\t"), "batch_size": opts["batch_size"],
                   "all_or_nothing": opts["all_or_nothing"]}
        with use_workspace(workspace):
            try:
                job = import_create(user=user, entity_key=opts["entity"], data=path.read_bytes(),
                                    file_name=path.name, mapping=mapping, options=options, dry_run=opts["dry_run"])
            except ImportFileError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            except PermissionDenied as exc:
                raise CommandError("This user may not import these records.") from exc
            self.stdout.write(f"Mapping: {json.dumps(job.mapping, ensure_ascii=False)}")
            import_count(job)
            job = import_run(job)
            if job.status == job.Status.FAILED:
                raise CommandError(job.error)
            prefix = "Dry run — would have " if job.dry_run else ""
            self.stdout.write(
                f"{prefix}created: {job.created}, updated: {job.updated}, merged: {job.merged}, "
                f"skipped as duplicate: {job.duplicates}, rejected: {job.rejected} "
                f"({job.rows_done} rows, {job.rows_per_second:.0f} rows/s)")
            if job.error:
                self.stdout.write(job.error)
            for row in job.rows.filter(action="rejected")[:20]:
                errors = "; ".join(f"{e['field']}: {e['message']}" for e in row.errors)
                self.stdout.write(f"  row {row.number}: {errors}")
            if opts["errors"] and job.rejected:
                Path(opts["errors"]).write_text(error_file(job), encoding="utf-8-sig")  # Excel reads it as UTF-8
                self.stdout.write(f"Rejected rows written to {opts['errors']}")
            if opts["report"]:
                Path(opts["report"]).write_text(row_report(job), encoding="utf-8-sig")
                self.stdout.write(f"Every row's outcome written to {opts['report']}")
