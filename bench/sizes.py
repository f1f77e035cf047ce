"""Dataset sizes: (contacts, companies, notes)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    contacts: int
    companies: int
    notes: int
    runs: int  # timed repetitions per read scenario

    @property
    def quick(self) -> bool:
        """The smoke-check sizes: suites shorten their long parts (they still run every code path)."""
        return self.contacts <= 10_000


SIZES = {
    "tiny": Size("tiny", 400, 40, 300, 3),  # the smoke test
    "small": Size("small", 10_000, 1_000, 3_000, 10),
    "medium": Size("medium", 100_000, 10_000, 30_000, 20),
    "large": Size("large", 1_000_000, 100_000, 300_000, 20),
}
DEFAULT_SIZE = "large"
TIMELINE_ITEMS = 200  # notes on the contact the 360° scenario opens
BULK_RECORDS = 10_000
