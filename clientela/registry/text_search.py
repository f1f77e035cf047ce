"""The list free-text filter on PostgreSQL: count and page from index-only scans, rows fetched last.

The filter is an OR of prefix matches (first name, last name, job title…). PostgreSQL answers an OR
with a bitmap of every match and then reads each matching row from the table to check it, sort it
and count it: `Garc` at 1M contacts is 6,917 rows on ~5,900 table pages, read twice (count, page).
Here each term is its own branch, a `UNION` of index-only scans on covering indexes
(`(workspace, LOWER(field)) INCLUDE (field, updated_at, id) WHERE deleted_at IS NULL`, migration
`customers/0006`): the capped count and the page's ids come from about 80 index pages, and only the
25 rows of the page are read from the table. Same rows, same order as the OR query.

The shortcut is attached to the queryset `record_list` returns and used only while the query is still
exactly that one (a later `.filter()`, e.g. an API cursor, falls back to the plain query).
"""

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

LATE_ORDERS = {("-updated_at", "-pk"), ("updated_at", "pk")}  # orders the covering indexes carry
COVERED_TABLES: set[str] = set()  # tables with covering indexes for their search fields (registered by their app)


class TextMatch:
    """The branches of a free-text filter and the queryset they stand for."""

    def __init__(self, branches: list[QuerySet], rows: QuerySet, order: tuple):
        self.branches, self.rows, self.order = branches, rows, order
        self.where = None  # the WHERE of the queryset this stands for, set once it is built
        self.total = None  # the capped count, once counted

    def applies_to(self, queryset: QuerySet) -> bool:
        """Only the queryset as `record_list` built it: no later filter, prefetch, `only()` or join."""
        return (queryset.query.where == self.where and queryset.query.select_related == self.select_related
                and queryset.query.deferred_loading == self.deferred
                and tuple(queryset._prefetch_related_lookups) == self.prefetch)

    def _union(self, fields, limit: int, order=()) -> QuerySet:
        """Each branch stops at `limit` rows: the union then holds at least `limit` exactly when the OR does."""
        first, *others = [b.values(*fields).order_by(*order)[:limit] for b in self.branches]
        return first.union(*others) if others else first

    def count(self, limit: int) -> int:
        self.total = min(self._union(["pk"], limit).count(), limit)
        return self.total

    def worth_it(self, limit: int) -> bool:
        """Below the count limit the matches are few: reading their ids beats reading rows in page order.
        Above it they are dense, and walking the page order's index finds a page after a few rows."""
        if self.total is None:
            self.count(limit)
        return self.total < limit

    def page(self, low: int, high: int) -> list:
        fields = [name.lstrip("-") for name in self.order]
        ids = [row["pk"] for row in self._union(fields, high, self.order).order_by(*self.order)[low:high]]
        return list(self.rows.filter(pk__in=ids).order_by(*self.order)) if ids else []


class LatePageMixin:
    """A sliced page of a free-text list is served by `TextMatch.page` (ids first, then 25 rows)."""

    def _fetch_all(self):
        match = getattr(self.query, "text_match", None)
        if (self._result_cache is None and match is not None and self.query.is_sliced
                and self._iterable_class is ModelIterable and match.applies_to(self)
                and self.query.high_mark is not None and tuple(self.query.order_by) == match.order
                and match.worth_it(settings.CLIENTELA["EXACT_COUNT_LIMIT"] + 1)):
            self._result_cache = match.page(self.query.low_mark, self.query.high_mark)
            self._prefetch_done = True
        super()._fetch_all()


_classes: dict[type, type] = {}


def with_text_match(queryset: QuerySet, match: TextMatch) -> QuerySet:
    """`queryset` (the plain OR query) carrying the index-only shortcut for its count and pages."""
    if connections[queryset.db].vendor != "postgresql" or queryset.model._meta.db_table not in COVERED_TABLES:
        return queryset
    cls = type(queryset)
    late = _classes.setdefault(cls, type(f"LatePage{cls.__name__}", (LatePageMixin, cls), {}))
    queryset = queryset._chain()
    queryset.__class__ = late
    match.where = queryset.query.where.clone()
    match.select_related, match.deferred = queryset.query.select_related, queryset.query.deferred_loading
    match.prefetch = tuple(queryset._prefetch_related_lookups)
    queryset.query.text_match = match
    return queryset


def text_match_count(queryset: QuerySet, limit: int) -> int | None:
    """The capped count from the index-only branches, or None when they do not stand for this queryset."""
    match = getattr(queryset.query, "text_match", None)
    if match is None or not match.applies_to(queryset):
        return None
    return match.count(limit)
