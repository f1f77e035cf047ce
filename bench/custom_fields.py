"""Custom fields at scale: list filter and sort on a picklist, a decimal and a date of every contact.

The suite defines three custom fields on the bench workspace's contacts when they are missing (through
the service, so their indexes are built exactly as when an admin creates them) and fills their values
for every contact with one SQL statement when missing, deterministically from each contact's id, so
it is idempotent and every later run reuses the same values. Then each scenario is measured like the
core ones: over HTTP against gunicorn, in-process (the list page's selector calls) and as raw SQL.

Only this suite, on a built dataset: `DATABASE_URL=<the dataset's URL> python -m bench.custom_fields --size medium`
(URLs as `python -m bench` uses them: `sqlite:///bench/data/clientela_medium_1.sqlite3`,
`postgres://postgres@127.0.0.1:5432/clientela_bench_medium_1`).
"""

# ruff: noqa: S608, E402 - the SQL here is assembled from constants, values are parameters

import os
import time
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()

from django.db import OperationalError, connection

from clientela.customers.models import Contact
from clientela.customization import services
from clientela.customization.indexes import custom_field_indexes_sync
from clientela.customization.models import FieldDefinition

from .measure import Result
from .measure_scenarios import scenarios_http, scenarios_in_process
from .scenarios import LIMIT_SQL, LIVE, Context, Scenario, list_rows
from .sizes import Size

TIERS = ("bronze", "silver", "gold", "platinum")
FIELDS = {
    "bench_tier": {"kind": "picklist", "label_en": "Tier", "label_es": "Nivel",
                   "options": [{"value": t, "label_en": t.title(), "label_es": t.title(), "active": True}
                               for t in TIERS]},
    "bench_score": {"kind": "decimal", "label_en": "Score", "label_es": "Puntuación"},
    "bench_renewal": {"kind": "date", "label_en": "Renewal", "label_es": "Renovación"},
}
HEX = "0123456789abcdef"
# Filling a million contacts rewrites every row and its indexes once (over 7 minutes on the shared
# 2-core machine, not finished): opt in above issue #4's 100,000 records.
MAX_CONTACTS = 100_000


def _number_sql() -> str:
    """A number 0…16,777,215 from the first six hex digits of the contact's id, the same on both databases."""
    if connection.vendor == "postgresql":
        return "('x' || lpad(substr(replace(id::text, '-', ''), 1, 6), 8, '0'))::bit(32)::int"
    return " + ".join(f"(instr('{HEX}', lower(substr(id, {i + 1}, 1))) - 1) * {16 ** (5 - i)}" for i in range(6))


def values_fill(workspace_id: int) -> int:
    """Give every contact without them a tier, a score and a renewal date, in one statement. Returns rows changed."""
    n = _number_sql()
    tier = f"(CASE ({n}) %% 4 {' '.join(f'WHEN {i} THEN {t!r}' for i, t in enumerate(TIERS))} END)"
    score = f"((({n}) / 4) %% 100000)"  # %% is `%` once Django passes the statement on
    days = f"((({n}) / 400000) %% 730)"
    if connection.vendor == "postgresql":
        sql = (f"UPDATE customers_contact SET custom = custom || jsonb_build_object('bench_tier', {tier}, "
               f"'bench_score', {score}::numeric / 100, "
               f"'bench_renewal', to_char(date '2025-01-01' + {days}, 'YYYY-MM-DD')) "
               "WHERE workspace_id = %s AND custom -> 'bench_tier' IS NULL")
    else:
        sql = (f"UPDATE customers_contact SET custom = json_set(custom, '$.bench_tier', {tier}, "
               f"'$.bench_score', {score} / 100.0, "
               f"'$.bench_renewal', date('2025-01-01', '+' || {days} || ' days')) "
               "WHERE workspace_id = %s AND json_extract(custom, '$.bench_tier') IS NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id])
        changed = cursor.rowcount
    if changed:  # fresh statistics (and, on PostgreSQL, a visibility map for index-only scans) before measuring
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        _analyze("VACUUM ANALYZE customers_contact" if vacuum else "ANALYZE")
    return changed


def _analyze(sql: str, attempts: int = 10) -> None:
    for attempt in range(attempts):
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
            return
        except OperationalError:  # SQLite: another process holds the write lock for a moment
            if attempt == attempts - 1:
                raise
            time.sleep(3)


def fields_define(user) -> None:
    """The three fields, created (or restored) through the service when missing, and their indexes."""
    for key, spec in FIELDS.items():
        existing = FieldDefinition.with_trashed.filter(entity="contacts", key=key).first()
        if existing is None:
            services.field_save(definition=FieldDefinition(entity="contacts", key=key, **spec), by=user)
        elif existing.deleted_at is not None:
            services.field_restore(definition=existing, by=user)
    custom_field_indexes_sync("contacts")  # idempotent; builds what a crashed earlier run may have left out


def _page_sql(ctx: Context, where: str, order: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(LIMIT_SQL.format(where=where), [ctx.workspace_id, *params, 10_001])
        cursor.fetchall()
        cursor.execute(f"SELECT c.id, c.first_name, c.last_name, c.custom FROM customers_contact c WHERE {where} "
                       f"ORDER BY {order} LIMIT 26", [ctx.workspace_id, *params])
        return len(cursor.fetchall())


def _value(key: str) -> str:
    return f"(c.custom -> '{key}')" if connection.vendor == "postgresql" else f"json_extract(c.custom, '$.\"{key}\"')"


def _tier_is() -> str:
    return f"{_value('bench_tier')} = " + ("%s::jsonb" if connection.vendor == "postgresql" else "%s")


def _tier_param(tier: str) -> str:
    return f'"{tier}"' if connection.vendor == "postgresql" else tier


SCENARIOS = [
    Scenario("custom field: filter picklist", lambda c: "/contacts/?f_cf_bench_tier=gold",
             lambda c: list_rows(c, {"f_cf_bench_tier": "gold"}),
             lambda c: _page_sql(c, f"{LIVE} AND {_tier_is()}", "c.updated_at DESC, c.id DESC",
                                 [_tier_param("gold")])),
    Scenario("custom field: sort by decimal", lambda c: "/contacts/?sort=cf_bench_score",
             lambda c: list_rows(c, {"sort": "cf_bench_score"}),
             lambda c: _page_sql(c, LIVE, f"{_value('bench_score')}, c.id", [])),
    Scenario("custom field: sort by date, newest first", lambda c: "/contacts/?sort=-cf_bench_renewal",
             lambda c: list_rows(c, {"sort": "-cf_bench_renewal"}),
             lambda c: _page_sql(c, LIVE, f"{_value('bench_renewal')} DESC, c.id DESC", [])),
    Scenario("custom field: filter picklist + sort by decimal",
             lambda c: "/contacts/?f_cf_bench_tier=platinum&sort=-cf_bench_score",
             lambda c: list_rows(c, {"f_cf_bench_tier": "platinum", "sort": "-cf_bench_score"}),
             lambda c: _page_sql(c, f"{LIVE} AND {_tier_is()}", f"{_value('bench_score')} DESC, c.id DESC",
                                 [_tier_param("platinum")])),
]


def custom_fields_suite(ctx: Context, size: Size, database: str, log_dir: Path | None, http: bool = True,
                        log=print) -> list[Result]:
    if size.contacts > MAX_CONTACTS and not os.environ.get("BENCH_CUSTOM_FIELDS"):
        log(f"[{database}] custom fields: measured up to {MAX_CONTACTS:,} contacts (issue #4's size); "
            "set BENCH_CUSTOM_FIELDS=1 to fill and measure them on this dataset too")
        return []
    started = time.perf_counter()
    filled = values_fill(ctx.workspace_id)
    fields_define(ctx.user)
    if filled:
        log(f"[{database}] custom fields: values for {filled:,} contacts and indexes in "
            f"{time.perf_counter() - started:.0f} s")
    results = scenarios_in_process(ctx, size, database, SCENARIOS)
    if http and log_dir is not None:
        shown = {r.scenario: r.rows for r in results if r.method == "in-process"}
        results += scenarios_http(ctx, size, database, log_dir / f"server-custom-fields-{database}.log", shown,
                                  SCENARIOS)
    return results


def main() -> None:
    import argparse
    import json

    from clientela.workspaces.scoping import use_workspace

    from .dataset import bench_workspace, dataset_ready
    from .report import table
    from .scenarios import context_build
    from .sizes import SIZES

    parser = argparse.ArgumentParser(prog="python -m bench.custom_fields")
    parser.add_argument("--size", choices=sorted(SIZES), default="medium")
    args = parser.parse_args()
    assert dataset_ready(), "build the dataset first (python -m bench)"
    results_dir = Path(__file__).resolve().parent / "results"
    database = "postgres" if connection.vendor == "postgresql" else connection.vendor
    workspace = bench_workspace()
    with use_workspace(workspace):
        ctx = context_build(workspace)
        results = [r.as_dict() for r in custom_fields_suite(ctx, SIZES[args.size], database, results_dir)]
        contacts = Contact.objects.count()
    report = {"database": database, "contacts": contacts, "size": args.size, "seed": "-", "results": results}
    print(table(results, [report]))
    (results_dir / f"custom-fields-{database}-{args.size}.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
