"""Timing helpers: warm-up runs are discarded; peak memory comes from one extra traced run."""

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass

WARMUP = 2


@dataclass
class Result:
    scenario: str
    method: str  # "http server", "http client", "in-process", "raw SQL"
    database: str
    rows: int
    median_ms: float
    p95_ms: float
    throughput: float  # operations (or records, for bulk) per second, one client
    peak_mb: float | None = None
    ratio: float | None = None  # median / median of the raw SQL baseline of the same scenario
    runs: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def host_seconds() -> float:
    """Seconds this machine takes for a fixed piece of pure Python, best of three: shared hosts differ by two
    or three times, and one host by half again from hour to hour, so a table is read beside this figure."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(10**7))
        best = min(best, time.perf_counter() - started)
    return round(best, 2)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summarize(scenario, method, database, rows, samples_ms, per_op=1, peak_mb=None) -> Result:
    median = statistics.median(samples_ms)
    return Result(scenario, method, database, rows, round(median, 2), round(p95(samples_ms), 2),
                  round(per_op * 1000 / statistics.mean(samples_ms), 1), peak_mb, runs=len(samples_ms))


def timed(work: Callable[[], int], runs: int, warmup: int = WARMUP) -> tuple[int, list[float]]:
    """(rows of the last run, milliseconds of each counted run)."""
    rows = 0
    for _ in range(warmup):
        rows = work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = work()
        samples.append((time.perf_counter() - started) * 1000)
    return rows, samples


def peak_memory_mb(work: Callable[[], int]) -> float:
    tracemalloc.start()
    try:
        work()
        return round(tracemalloc.get_traced_memory()[1] / 2 ** 20, 2)
    finally:
        tracemalloc.stop()
