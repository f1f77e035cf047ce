"""The peak of a process's own memory (Linux `RssAnon`: its heap and other private pages), sampled.

The kernel's high-water mark (`VmHWM`, `ru_maxrss`) also counts the file pages a process maps. SQLite reads
its database through a memory map (`config/settings/base.py`), so an import or export that scans a big table
would count every page of the file it touched: pages the OS caches anyway with plain reads, that stay clean
and that it may drop at any time. A sample every 50 ms misses no peak that matters here (the importer's and
the exporter's memory grows with their caches and batches over seconds) and costs about 1 % of the CPU; every
10 ms cost 4-5 %.
"""

import threading
from pathlib import Path

_STATUS = Path("/proc/self/status")


def anonymous_mb() -> float | None:
    """This process's resident private memory now, in MB (None where /proc is not Linux's)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class PeakMemory:
    """`with PeakMemory() as peak: …` then `peak.mb`: the highest `anonymous_mb()` seen meanwhile."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.mb = interval, anonymous_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._see()

    def _see(self) -> None:
        now = anonymous_mb()
        if now is not None and (self.mb is None or now > self.mb):
            self.mb = now

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._see()
        self.mb = None if self.mb is None else round(self.mb, 1)
