"""Measuring a list of page scenarios: in-process with a raw SQL baseline, and over HTTP against gunicorn.

The core scenarios and the suites that add list pages (custom fields) are measured the same way.
"""

import time
from pathlib import Path

from .measure import Result, peak_memory_mb, summarize, timed
from .scenarios import Context, Scenario
from .server import Server, session_cookie
from .sizes import Size


def scenarios_in_process(ctx: Context, size: Size, database: str, scenarios: list[Scenario]) -> list[Result]:
    """Each scenario in-process (the selector calls of its page) and, when it has one, its raw SQL baseline."""
    results = []
    for scenario in scenarios:
        own = ctx.for_scenario(scenario)
        rows, samples = timed(lambda s=scenario, c=own: s.run(c), size.runs)
        result = summarize(scenario.key, "in-process", database, rows, samples,
                           peak_mb=peak_memory_mb(lambda s=scenario, c=own: s.run(c)))
        results.append(result)
        if scenario.baseline:
            base_rows, base = timed(lambda s=scenario, c=own: s.baseline(c), size.runs)
            baseline = summarize(scenario.key, "raw SQL", database, base_rows, base,
                                 peak_mb=peak_memory_mb(lambda s=scenario, c=own: s.baseline(c)))
            baseline.ratio = 1.0
            result.ratio = round(result.median_ms / max(baseline.median_ms, 0.001), 1)
            results.append(baseline)
    return results


def scenarios_http(ctx: Context, size: Size, database: str, log_path: Path, rows: dict,
                   scenarios: list[Scenario]) -> list[Result]:
    """Each scenario's page through gunicorn: server time from its request log, and client time."""
    results = []
    cookies: dict = {}
    with Server(log_path) as server:
        for scenario in scenarios:
            own = ctx.for_scenario(scenario)
            cookie = cookies.setdefault(own.user.pk, session_cookie(own.user))
            path = scenario.path(own)
            for _ in range(2):
                status, _length = server.get(path, cookie)
                assert status == 200, f"{path}: HTTP {status}"
            before = len(server.log_lines())
            client = []
            for _ in range(size.runs):
                started = time.perf_counter()
                server.get(path, cookie)
                client.append((time.perf_counter() - started) * 1000)
            server_ms = [line["ms"] for line in server.log_lines()[before:]]
            shown = rows.get(scenario.key, 0)
            results.append(summarize(scenario.key, "http server", database, shown, server_ms,
                                     peak_mb=server.peak_rss_mb()))
            results.append(summarize(scenario.key, "http client", database, shown, client))
    return results
