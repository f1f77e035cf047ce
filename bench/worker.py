"""One database's part of the bench, run in its own process (DATABASE_URL set by `bench.__main__`)."""

# ruff: noqa: S608 - the SQL here is assembled from constants and model metadata, values are parameters

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from clientela.customers.models import Contact  # noqa: E402
from clientela.registry import entities  # noqa: E402
from clientela.registry.services import records_bulk_update  # noqa: E402
from clientela.workspaces.models import User  # noqa: E402
from clientela.workspaces.scoping import use_workspace  # noqa: E402

from .dataset import WORKSPACE, bench_workspace, dataset_analyze, dataset_build, dataset_ready  # noqa: E402
from .measure import Result, peak_memory_mb, summarize, timed  # noqa: E402
from .measure_scenarios import scenarios_http, scenarios_in_process  # noqa: E402
from .scenarios import SCENARIOS, Context, context_build  # noqa: E402
from .sizes import BULK_RECORDS, SIZES, Size  # noqa: E402
from .suites import SUITES, chosen  # noqa: E402


def bulk_reassign(ctx: Context, size: Size, database: str) -> list[Result]:
    """Give 10,000 contacts a new owner, alternating between two users so every run changes every row; then put
    back their owners and `updated_at` (a bulk edit makes them the newest rows, which would change the lists)."""
    entity = entities.get("contacts")
    count = min(BULK_RECORDS, size.contacts // 10)  # 1,000 on the quick `small` size, 10,000 from `medium` up
    # between the manager and rep2, so the owner filter scenario (rep's contacts) sees the same rows every run
    reps = [User.objects.get(email=f"manager@{WORKSPACE}.example"),
            User.objects.get(email=f"rep2@{WORKSPACE}.example")]
    ids = list(Contact.objects.filter(owner__in=reps).order_by("id").values_list("id", flat=True)[:count])
    turn = iter(range(1_000_000))

    def service() -> int:
        return records_bulk_update(entity=entity, ids=ids, field="owner", value=reps[next(turn) % 2], by=ctx.user)

    def raw() -> int:
        owner = reps[next(turn) % 2].pk
        values = [i.hex if connection.vendor == "sqlite" else i for i in ids]
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(values))
            cursor.execute(f"UPDATE customers_contact SET owner_id = %s WHERE id IN ({marks})", [owner, *values])
            return cursor.rowcount

    runs = 3 if size.contacts >= 100_000 else 2
    before = list(Contact.objects.filter(pk__in=ids).only("owner", "updated_at"))
    try:
        peak = peak_memory_mb(service)  # the traced run doubles as the warm-up
        rows, samples = timed(service, runs, warmup=0)
        base_rows, base = timed(raw, runs, warmup=1)
    finally:  # owners and times as they were: the next run's lists see the same newest rows
        Contact.objects.bulk_update(before, ["owner", "updated_at"], batch_size=1000)
    result = summarize("bulk reassign owner", "in-process", database, rows, samples, per_op=rows, peak_mb=peak)
    baseline = summarize("bulk reassign owner", "raw SQL", database, base_rows, base, per_op=base_rows)
    baseline.ratio = 1.0
    result.ratio = round(result.median_ms / max(baseline.median_ms, 0.001), 1)
    return [result, baseline]


def run(size: Size, seed: int, database: str, http: bool = True, log_dir: Path | None = None, log=print) -> dict:
    """Build or reuse the dataset, then measure every scenario. The database must be configured already."""
    call_command("migrate", verbosity=0)
    built = None
    if not dataset_ready():
        log(f"[{database}] building the {size.name} dataset (seed {seed})…")
        built = dataset_build(size, seed, log=log)
    else:
        dataset_analyze()  # statistics for indexes a new migration just added
    workspace = bench_workspace()
    with use_workspace(workspace):
        ctx = context_build(workspace)
        contacts = Contact.objects.count()
        log(f"[{database}] {contacts:,} contacts; measuring…")
        results = []
        if chosen("core"):
            results = scenarios_in_process(ctx, size, database, SCENARIOS)
            if http:
                shown = {r.scenario: r.rows for r in results if r.method == "in-process"}
                results += scenarios_http(ctx, size, database, log_dir / f"server-{database}.log", shown, SCENARIOS)
            results += bulk_reassign(ctx, size, database)
        for name, suite in SUITES.items():
            if chosen(name):
                log(f"[{database}] suite {name}…")
                results += suite(ctx, size, database, log_dir)
    return {"database": database, "vendor": connection.vendor, "contacts": contacts, "size": size.name,
            "seed": seed, "build_seconds": built, "results": [r.as_dict() for r in results]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    if args.build_only:
        call_command("migrate", verbosity=0)
        if not dataset_ready():
            print(f"built in {dataset_build(SIZES[args.size], args.seed):.0f} s")
        return
    report = run(SIZES[args.size], args.seed, args.db, log_dir=args.out.parent)
    args.out.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
