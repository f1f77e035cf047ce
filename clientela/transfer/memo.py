"""Results remembered per distinct cell of a column, for as long as that pays."""


class Memo(dict):
    """A column's cleaned or converted values per cell text. Cities, companies and picklists repeat; emails
    and phone numbers do not, so a column that misses on nine in ten of its first cells stops remembering:
    on a million-row file that is tens of megabytes kept for nothing."""

    SAMPLE = 5_000  # cells remembered before the hit rate is judged
    LIMIT = 50_000  # cells remembered at most; then it starts over

    def __init__(self):
        super().__init__()
        self.hits = self.stored = 0
        self.active = True

    def remember(self, cell: str, value) -> None:
        if not self.active:
            return
        if len(self) >= self.LIMIT:
            self.clear()
        self[cell] = value
        self.stored += 1
        if self.stored == self.SAMPLE and self.hits * 10 < self.stored:
            self.active = False
            self.clear()
