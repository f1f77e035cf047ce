"""The list free-text filter and global search by name: index-only branches, rows fetched last.

The free-text filter is an OR of prefix matches (first name, last name, job title…). Both databases
answer an OR by collecting every match and then reading each matching row from the table to check it,
sort it and count it: `Garc` at 1M contacts is 6,917 rows on ~5,900 table pages, read twice (count,
page). Here each term is its own branch, a `UNION` of index-only scans on covering indexes (migrations
`customers/0006` for PostgreSQL, `customers/0007` for SQLite): the capped count and the page's ids come
from the indexes, and only the 25 rows of the page are read from the table. Same rows, same order as
the OR query. Each branch is cut at the rows the page needs (`LIMIT` inside the union's parts, which
Django's `union()` refuses on SQLite, so the statement is put together here from each branch's SQL).

The shortcut is attached to the queryset `record_list` returns and used only while the query is still
exactly that one (a later `.filter()`, e.g. an API cursor, falls back to the plain query).

Global search by name (`search_top`) is the same on SQLite, whose covering indexes also hold both
names to sort on; PostgreSQL walks its name-ordered index instead.
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

LATE_ORDERS = {("-updated_at", "-pk"), ("updated_at", "pk")}  # orders the covering indexes carry
COVERED_TABLES: set[str] = set()  # tables with covering indexes for their search fields (registered by their app)


def covered(queryset: QuerySet) -> bool:
    return queryset.model._meta.db_table in COVERED_TABLES


def name_order_covered(queryset: QuerySet) -> bool:
    """Whether a name search is best served by `union_top` (SQLite; see the module's docstring)."""
    return connections[queryset.db].vendor == "sqlite" and covered(queryset)


def _union(branches: list[QuerySet], fields: list[str], limit: int, order=()) -> tuple[str, list]:
    """`SELECT fields … UNION …` of the branches, each cut at `limit` rows in `order`: the union then holds
    at least `limit` rows exactly when the OR does, and the first `limit` of them in `order`."""
    parts, params = [], []
    for number, branch in enumerate(branches):
        part = branch.values_list(*fields).order_by(*order)[:limit]
        try:
            sql, part_params = part.query.get_compiler(using=part.db).as_sql()
        except EmptyResultSet:  # a branch that matches nothing (`none()`, e.g. a search on a hidden field)
            continue
        parts.append(f"SELECT * FROM ({sql}) AS part{number}")  # noqa: S608 - SQL compiled by Django
        params += part_params
    return " UNION ".join(parts), params


def _rows(queryset: QuerySet, sql: str, params: list) -> list[tuple]:
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def union_count(branches: list[QuerySet], limit: int) -> int:
    sql, params = _union(branches, ["pk"], limit)
    if not sql:
        return 0
    return min(_rows(branches[0], f"SELECT COUNT(*) FROM ({sql}) AS found", params)[0][0], limit)  # noqa: S608


def union_top(branches: list[QuerySet], order: tuple, low: int, high: int) -> list:
    """The ids of rows `low` to `high` in `order` of the union of the branches (`order` ends with the pk)."""
    fields = [name.lstrip("-") for name in order]
    sql, params = _union(branches, fields, high, order)
    if not sql:
        return []
    by = ", ".join(f"{n} {'DESC' if name.startswith('-') else 'ASC'}" for n, name in enumerate(order, start=1))
    rows = _rows(branches[0], f"SELECT * FROM ({sql}) AS found ORDER BY {by} LIMIT %s OFFSET %s",  # noqa: S608
                 [*params, high - low, low])
    return [row[fields.index("pk")] for row in rows]


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

    def count(self, limit: int) -> int:
        self.total = union_count(self.branches, limit)
        return self.total

    def worth_it(self, limit: int) -> bool:
        """Below the count limit the matches are few: reading their ids beats reading rows in page order.
        Above it they are dense, and walking the page order's index finds a page after a few rows."""
        if self.total is None:
            self.count(limit)
        return self.total < limit

    def page(self, low: int, high: int) -> list:
        ids = union_top(self.branches, self.order, low, high)
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
    if not covered(queryset):
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
