import time

from django.core.management.base import BaseCommand

from clientela.transfer.services import import_count, import_create, import_run
from clientela.workspaces import services as ws_services
from clientela.workspaces.models import User, Workspace
from clientela.workspaces.scoping import use_workspace


def bench_rows(count: int):
    lines = ["First Name,Last Name,Email,Phone,Company,City,Birthday"]
    for i in range(count):
        lines.append(f"Nombre{i},Apellido{i},person{i}@example.com,6{i % 100_000_000:08d},Empresa {i % 1000},"
                     f"Ciudad {i % 300},{1 + i % 28:02d}/{1 + i % 12:02d}/19{50 + i % 50}")
    return ("\n".join(lines) + "\n").encode()


class Command(BaseCommand):
    help = "Measure import speed: contacts with email, phone, company, city and a date, in a new workspace."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **opts):
        slug = f"bench-{int(time.time())}"
        workspace = ws_services.workspace_create(name=slug, slug=slug)
        user = User.objects.create_user(f"admin@{slug}.example", "bench-pass-123", full_name="Bench")
        ws_services.member_add(workspace=workspace, user=user, role="admin")
        data = bench_rows(opts["rows"])
        with use_workspace(workspace):
            started, cpu = time.monotonic(), time.process_time()
            job = import_create(user=user, entity_key="contacts", data=data, file_name="bench.csv",
                                options={"batch_size": opts["batch_size"], "on_duplicate": "skip"})
            import_count(job)
            job = import_run(job)
            elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
        self.stdout.write(f"{opts['rows']} rows: created {job.created}, rejected {job.rejected}; "
                          f"{elapsed:.1f} s in all, {opts['rows'] / elapsed:.0f} rows/s "
                          f"({job.rows_per_second:.0f} rows/s in batches; {opts['rows'] / cpu:.0f} rows per CPU second); "
                          f"workspace {slug}")
        self.stdout.write(f"first rejections: {list(job.rows.filter(action='rejected')[:2].values_list('errors'))}"
                          if job.rejected else "")
        Workspace.objects.filter(pk=workspace.pk).exists()
