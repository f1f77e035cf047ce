"""`python -m bench [--size small|medium|large] [--seed N] [--db sqlite|postgres|both]`."""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .measure import host_seconds
from .report import table
from .sizes import DEFAULT_SIZE, SIZES

HERE = Path(__file__).resolve().parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def sqlite_url(size: str, seed: int) -> str:
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    return f"sqlite:///{data / f'clientela_{size}_{seed}.sqlite3'}"


def postgres_url(size: str, seed: int) -> str | None:
    """The bench database's URL, created when missing; None when PostgreSQL does not answer."""
    try:
        import psycopg
    except ImportError:
        return None
    name = f"clientela_bench_{size}_{seed}"
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return None
    return f"{PG_SERVER}/{name}"


def database_run(database: str, url: str, size: str, seed: int, results: Path) -> dict:
    out = results / f"{database}-{size}-{seed}.json"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run([sys.executable, "-m", "bench.worker", "--size", size, "--seed", str(seed),  # noqa: S603
                    "--db", database, "--out", str(out)], check=True, env=env, cwd=HERE.parent)
    return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=[s for s in SIZES if s != "tiny"], default=DEFAULT_SIZE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args(argv)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    started, reports, host = time.perf_counter(), [], [host_seconds()]
    if args.db in ("sqlite", "both"):
        reports.append(database_run("sqlite", sqlite_url(args.size, args.seed), args.size, args.seed, results))
    if args.db in ("postgres", "both"):
        url = postgres_url(args.size, args.seed)
        if url:
            reports.append(database_run("postgres", url, args.size, args.seed, results))
        else:
            print("!! PostgreSQL is not reachable: its scenarios were skipped.", file=sys.stderr)
    rows = [r for report in reports for r in report["results"]]
    host.append(host_seconds())
    print(table(rows, reports))
    print(f"host speed: sum(i * i for i in range(10**7)) took {host[0]} s before the run, {host[1]} s after")
    (results / "latest.json").write_text(json.dumps(
        {"size": args.size, "seed": args.seed, "seconds": round(time.perf_counter() - started, 1),
         "host_seconds": host, "databases": reports}, indent=1, default=str))
    print(f"\nWritten to {results / 'latest.json'} in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
