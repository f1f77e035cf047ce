"""Import suite: N contacts from a CSV through the real importer, against N/10 existing contacts.

A scratch workspace gets three custom fields and N/10 existing contacts (bulk written); a seeded CSV of
N rows (name, email, phone, company, city, the three custom fields; 5% repeat an existing contact's email
and 5% its phone) is imported with validation, phone normalisation and duplicate detection in a separate
process, whose peak private memory (`bench.memory`) is the memory figure. The baseline is a raw bulk insert of the same rows (contact,
email, phone, address, company link; no checks). Afterwards the scratch workspace is deleted, so the
dataset is as it was. `BENCH_IMPORT_ROWS` overrides N; `BENCH_ONLY=imports` skips the other suites' work.
"""

# ruff: noqa: S603 - the subprocess is this module, run with the same interpreter

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from .measure import Result, summarize
from .memory import PeakMemory

SCRATCH = "bench-import"
SEGMENTS = [{"value": v, "label_en": v.title(), "label_es": v.title(), "active": True}
            for v in ("retail", "wholesale", "public")]
MAPPING = {"First Name": "first_name", "Last Name": "last_name", "Email": "emails.email", "Phone": "phones.number",
           "Company": "affiliations.company_name", "City": "addresses.city", "Segment": "cf_segment",
           "Score": "cf_score", "Customer Since": "cf_since"}
FIRST = ["Ana", "Luis", "María", "José", "Lucía", "Javier", "Carmen", "Pablo", "Sofía", "Íñigo", "Olivia", "Liam"]
LAST = ["García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Núñez", "Smith", "Jones", "Brown"]


def _phone(i: int) -> str:
    return f"6{(i * 7919 + 13) % 10 ** 8:08d}"


def _scratch_delete() -> None:
    """Everything in the scratch workspace, with raw deletes (constraints are checked at commit)."""
    from clientela.workspaces.models import User, Workspace

    workspace = Workspace.objects.filter(slug=SCRATCH).first()
    if workspace is None:
        return
    from clientela.transfer.models import ImportJob

    for job in ImportJob.unscoped.filter(workspace=workspace):
        job.file.delete(save=False)
    tables = set(connection.introspection.table_names())
    scoped = [m for m in apps.get_models() if m._meta.db_table in tables
              and any(f.name == "workspace" and f.is_relation for f in m._meta.fields)]
    with transaction.atomic():
        for model in scoped:
            model._base_manager.filter(workspace_id=workspace.pk)._raw_delete(connection.alias)
        Workspace.objects.filter(pk=workspace.pk)._raw_delete(connection.alias)
        User.objects.filter(email=f"importer@{SCRATCH}.example")._raw_delete(connection.alias)


def _scratch_create(existing: int, rng: random.Random):
    from bench.dataset import Table
    from clientela.customers.models import Contact, EmailAddress, PhoneNumber
    from clientela.customization.models import FieldDefinition
    from clientela.workspaces import services as ws_services
    from clientela.workspaces.models import User
    from clientela.workspaces.scoping import use_workspace

    workspace = ws_services.workspace_create(name="Import bench", slug=SCRATCH)
    user = User.objects.create_user(f"importer@{SCRATCH}.example", "bench-pass-123", full_name="Importer")
    ws_services.member_add(workspace=workspace, user=user, role="admin")
    with use_workspace(workspace):
        for position, (key, kind, extra) in enumerate((("segment", "picklist", {"options": SEGMENTS}),
                                                       ("score", "integer", {"min_value": 0, "max_value": 100}),
                                                       ("since", "date", {}))):
            FieldDefinition.objects.create(workspace=workspace, entity="contacts", key=key, kind=kind,
                                           label_en=key.title(), label_es=key.title(), position=position, **extra)
        tables = {m: Table(m) for m in (Contact, EmailAddress, PhoneNumber)}
        now = timezone.now()
        rows = {m: [] for m in tables}
        for i in range(existing):
            pk = uuid.uuid4()
            rows[Contact].append(tables[Contact].row(
                id=pk, workspace_id=workspace.pk, created_at=now, updated_at=now, owner_id=user.pk,
                first_name=rng.choice(FIRST), last_name=rng.choice(LAST), custom="{}"))
            rows[EmailAddress].append(tables[EmailAddress].row(
                id=uuid.uuid4(), workspace_id=workspace.pk, created_at=now, updated_at=now, contact_id=pk,
                email=f"existing{i}@example.com", label="work", is_primary=True))
            rows[PhoneNumber].append(tables[PhoneNumber].row(
                id=uuid.uuid4(), workspace_id=workspace.pk, created_at=now, updated_at=now, contact_id=pk,
                number=f"+34{_phone(10 ** 7 + i)}", label="mobile", is_primary=True))
        with transaction.atomic():
            for model, table in tables.items():
                table.write(rows[model])
    return workspace, user


def _csv_write(path: Path, count: int, existing: int, rng: random.Random) -> None:
    from clientela.transfer.text import fold

    start = date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(MAPPING) + "\r\n")
        for i in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email, phone = f"{fold(first)}.{i}@example.org", _phone(i)
            if i % 20 == 0:  # an existing contact's email, written differently
                email = f"EXISTING{rng.randrange(existing)}@Example.com"
            elif i % 20 == 10:  # an existing contact's phone, in national format with spaces
                digits = _phone(10 ** 7 + rng.randrange(existing))
                phone = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
            since = start + timedelta(days=i % 3000)
            out.write(f"{first},{last} {i},{email},{phone},Empresa {i % 1000},Ciudad {i % 300},"
                      f"{SEGMENTS[i % 3]['label_en']},{i % 101},{since:%d/%m/%Y}\r\n")


def _baseline(workspace, user, path: Path) -> int:
    """The same rows written with no checks: executemany / COPY of contacts, emails, phones, addresses, links,
    with the importer's kind of keys (time-ordered, `common.keys`)."""
    import csv

    from bench.dataset import Table
    from clientela.common.keys import time_ordered
    from clientela.customers.models import Address, Affiliation, Company, Contact, EmailAddress, PhoneNumber

    tables = {m: Table(m) for m in (Company, Contact, EmailAddress, PhoneNumber, Address, Affiliation)}
    now, ws, written = timezone.now(), workspace.pk, 0
    companies: dict[str, uuid.UUID] = {}
    with path.open(encoding="utf-8", newline="") as handle, transaction.atomic():
        reader = csv.reader(handle)
        next(reader)
        while True:
            chunk = [row for _i, row in zip(range(20_000), reader, strict=False)]
            if not chunk:
                break
            rows = {m: [] for m in tables}
            for first, last, email, phone, company, city, segment, score, since in chunk:
                pk = time_ordered()
                if company not in companies:
                    companies[company] = time_ordered()
                    rows[Company].append(tables[Company].row(id=companies[company], workspace_id=ws, created_at=now,
                                                             updated_at=now, name=company, owner_id=user.pk,
                                                             custom="{}"))
                common = {"workspace_id": ws, "created_at": now, "updated_at": now}
                rows[Contact].append(tables[Contact].row(id=pk, **common, first_name=first, last_name=last,
                                                         owner_id=user.pk, custom=json.dumps({
                                                             "segment": segment.lower(), "score": int(score),
                                                             "since": f"{since[6:]}-{since[3:5]}-{since[:2]}"})))
                rows[EmailAddress].append(tables[EmailAddress].row(id=time_ordered(), **common, contact_id=pk,
                                                                   email=email.lower(), is_primary=True))
                rows[PhoneNumber].append(tables[PhoneNumber].row(id=time_ordered(), **common, contact_id=pk,
                                                                 number=f"+34{phone.replace(' ', '')}",
                                                                 is_primary=True))
                rows[Address].append(tables[Address].row(id=time_ordered(), **common, contact_id=pk, city=city,
                                                         is_primary=True))
                rows[Affiliation].append(tables[Affiliation].row(id=time_ordered(), **common, contact_id=pk,
                                                                 company_id=companies[company], is_primary=True))
            for model, table in tables.items():
                table.write(rows[model])
            written += len(chunk)
    return written


def _import_in_subprocess(path: Path) -> dict:
    env = {**os.environ}
    env.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    done = subprocess.run([sys.executable, "-m", "bench.imports", str(path)], env=env, check=True,
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


def imports(ctx, size, database, log_dir) -> list[Result]:
    from clientela.workspaces.scoping import use_workspace

    count = int(os.environ.get("BENCH_IMPORT_ROWS") or (size.contacts // 4 if size.quick else size.contacts))
    existing = max(10, count // 10)
    rng = random.Random(f"imports-{size.name}")
    _scratch_delete()  # what an interrupted run left
    try:
        workspace, user = _scratch_create(existing, rng)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "contacts.csv"
            _csv_write(path, count, existing, rng)
            report = _import_in_subprocess(path)
            with use_workspace(workspace):
                started = time.perf_counter()
                baseline_rows = _baseline(workspace, user, path)
                baseline_ms = (time.perf_counter() - started) * 1000
    finally:
        _scratch_delete()
    name = f"import {count:,} contacts (vs {existing:,})"
    result = summarize(name, "in-process", database, count, [report["seconds"] * 1000], per_op=count,
                       peak_mb=report["peak_mb"])
    baseline = summarize(name, "raw SQL", database, baseline_rows, [baseline_ms], per_op=baseline_rows)
    baseline.ratio = 1.0
    result.ratio = round(result.median_ms / max(baseline.median_ms, 0.001), 1)
    print(f"[{database}] import: {json.dumps(report)}; baseline {baseline_ms / 1000:.1f} s", flush=True)
    return [result, baseline]


def _run(path: str) -> None:
    """In the subprocess: import the file as the scratch workspace's admin; print timings and peak memory."""
    import django

    django.setup()
    from clientela.transfer.services import import_count, import_create, import_run
    from clientela.workspaces.models import User, Workspace
    from clientela.workspaces.scoping import use_workspace

    workspace = Workspace.objects.get(slug=SCRATCH)
    user = User.objects.get(email=f"importer@{SCRATCH}.example")
    with use_workspace(workspace), PeakMemory() as peak:
        started, cpu = time.perf_counter(), time.process_time()
        job = import_create(user=user, entity_key="contacts", data=Path(path).read_bytes(), file_name="contacts.csv",
                            mapping=MAPPING, options={"on_duplicate": "skip", "region": "ES", "batch_size": 2000})
        import_count(job)
        job = import_run(job)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "rows": job.rows_done,
                      "created": job.created, "duplicates": job.duplicates, "rejected": job.rejected,
                      "status": job.status, "error": job.error,
                      "peak_mb": peak.mb,
                      "peak_mapped_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    _run(sys.argv[1])
