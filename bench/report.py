"""The one table `make bench` prints."""

HEADERS = ("scenario", "measured", "database", "rows", "median ms", "p95 ms", "per s", "peak MB", "× raw")


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(rows: list[dict], reports: list[dict]) -> str:
    lines = [" · ".join(f"{r['database']}: {r['contacts']:,} contacts ({r['size']}, seed {r['seed']})"
                        + (f", built in {r['build_seconds']:.0f} s" if r.get("build_seconds") else "")
                        for r in reports)]
    body = [[_cell(r[k]) for k in ("scenario", "method", "database", "rows", "median_ms", "p95_ms",
                                    "throughput", "peak_mb", "ratio")] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(HEADERS)]
    lines.append("  ".join(h.ljust(w) if i < 3 else h.rjust(w) for i, (h, w) in enumerate(zip(HEADERS, widths,
                                                                                            strict=True))))
    for b in body:
        lines.append("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(b, widths,
                                                                                               strict=True))))
    return "\n".join(lines)


def markdown(rows: list[dict]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    keys = ("scenario", "method", "database", "rows", "median_ms", "p95_ms", "throughput", "peak_mb", "ratio")
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(_cell(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    report = json.loads(open(sys.argv[1]).read())  # noqa: SIM115, PTH123 - a one-off read
    methods = sys.argv[2].split(",") if len(sys.argv) > 2 else None
    print(markdown([r for db in report["databases"] for r in db["results"]
                    if methods is None or r["method"] in methods]))
