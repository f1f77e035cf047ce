"""Reads for the generic list: filters, free text, sort and a count that stays fast on big tables."""

import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThan, StartsWith
from django.http import QueryDict

from clientela.security import access

from .custom_fields import custom_filter, custom_order, custom_search
from .entities import Entity
from .models import SavedView
from .text_search import (
    LATE_ORDERS,
    TextMatch,
    name_order_covered,
    text_match_count,
    union_top,
    with_text_match,
)

FILTER_PREFIX = "f_"
PER_PAGE_CHOICES = (25, 50, 100)


@dataclass
class ListQuery:
    text: str = ""
    sort: str = ""
    filters: dict | None = None
    page: int = 1
    per_page: int = 25
    conditions: tuple = ()  # further Q conditions, e.g. the API's range and `in` filters (`api.filters`)

    @classmethod
    def from_params(cls, entity: Entity, params: QueryDict) -> "ListQuery":
        filters = {k.removeprefix(FILTER_PREFIX): v for k, v in params.items()
                   if k.startswith(FILTER_PREFIX) and v and k.removeprefix(FILTER_PREFIX) in entity.filters}
        sort = params.get("sort", "")
        if sort.lstrip("-") not in entity.sortable:
            sort = entity.default_sort
        try:
            page = max(1, int(params.get("page", 1)))
        except ValueError:
            page = 1
        try:
            per_page = int(params.get("per_page", 25))
        except ValueError:
            per_page = 25
        return cls(text=params.get("q", "").strip()[:200], sort=sort, filters=filters, page=page,
                   per_page=per_page if per_page in PER_PAGE_CHOICES else 25)

    def as_params(self) -> dict:
        params = {f"{FILTER_PREFIX}{k}": v for k, v in (self.filters or {}).items()}
        if self.text:
            params["q"] = self.text
        if self.sort:
            params["sort"] = self.sort
        return params


def apply_filters(entity: Entity, queryset: QuerySet, filters: dict, user) -> QuerySet:
    for name, value in filters.items():
        if definition := entity.custom(name):
            queryset = queryset.filter(custom_filter(definition, value))
            continue
        field = entity.field(name)
        if name == "owner":
            if value == "me":
                queryset = queryset.filter(owner=user)
            elif value == "none":
                queryset = queryset.filter(owner__isnull=True)
            elif value.isdigit():
                queryset = queryset.filter(owner_id=int(value))
        elif field.many_to_many:
            queryset = queryset.filter(**{f"{name}__name__iexact": value})
        elif field.choices:
            queryset = queryset.filter(**{name: value})
    return queryset


def starts_with(field, text: str) -> Q:
    """Case-insensitive prefix match that a `Lower(field)` index serves on SQLite and PostgreSQL.

    `istartswith`/`icontains` compile to `UPPER(x) LIKE` / `x LIKE`, which no index serves: on a million rows
    that is a full scan per keystroke. A range on the lowered value is an index range scan on both
    databases, and `startswith` keeps the match exact. `field` is a field path or an expression (custom fields).
    """
    prefix, lowered = text.lower(), Lower(field)
    return (Q(GreaterThanOrEqual(lowered, prefix)) & Q(LessThan(lowered, f"{prefix}\U0010ffff"))
            & Q(StartsWith(lowered, prefix)))


def record_list(entity: Entity, user, query: ListQuery) -> QuerySet:
    """The records a list page shows: visible to the user, filtered, searched and sorted."""
    queryset = access.visible(user, entity.base_queryset(), entity.key)
    queryset = apply_filters(entity, queryset, query.filters or {}, user)
    if query.conditions:
        queryset = queryset.filter(*query.conditions)
    descending = query.sort.startswith("-")
    if definition := entity.custom(query.sort.lstrip("-")):
        order = [custom_order(definition, descending)]
    else:
        order = [f"{'-' if descending else ''}{f}" for f in entity.order_fields(query.sort.lstrip("-"))]
    order.append("-pk" if descending else "pk")
    if not query.text:
        return queryset.order_by(*order)
    terms = []
    for name in entity.search_fields:
        definition = entity.custom(name)
        terms.append(custom_search(definition, query.text) if definition else starts_with(name, query.text))
    condition = Q()
    for term in terms:
        condition |= term
    matched = entity.search(queryset, query.text)
    distinct = any(not n.startswith("cf_") and entity.field(n).many_to_many for n in query.filters or {})
    found = queryset.filter(condition) | matched
    found = (found.distinct() if distinct else found).order_by(*order)
    if distinct:
        return found
    # PostgreSQL: the same matches as a UNION of one index-only scan per term (see `text_search`)
    plain = queryset.select_related(None).prefetch_related(None).order_by()
    branches = [plain.filter(term) for term in terms]
    covered = getattr(entity.searcher, "covered_by_search_fields", lambda text, fields: False)
    if entity.searcher is None or not covered(query.text, entity.search_fields):
        branches.append(entity.search(plain, query.text))
    late = tuple(order) if tuple(order) in LATE_ORDERS else ()
    return with_text_match(found, TextMatch(branches, queryset, late))


def search_top(entity: Entity, queryset: QuerySet, text: str, limit: int = 10) -> list:
    """Global search: the first `limit` matches by name, read as ids first, then only those rows.

    On PostgreSQL the ids come from walking the name-ordered index and checking each entry's prefix on the
    index itself (an index-only scan with `contact_name_cover_idx`); reading whole rows while walking
    (`Mart` at 1M contacts: about 30,000 of them to find ten) is what made it slow. On SQLite each way of
    matching is sorted on its covering index and the first ten of their union are kept (`text_search`).
    """
    order = entity.order_fields("name")
    branches = entity.search_branches(queryset, text) if name_order_covered(queryset) else None
    if branches:
        ids = union_top(branches, (*order, "pk"), 0, limit)
    else:
        ids = list(entity.search(queryset, text).order_by(*order).values_list("pk", flat=True)[:limit])
    return list(queryset.filter(pk__in=ids).order_by(*order, "pk")) if ids else []


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """(count, exact). Counting past the limit is what makes big lists slow, so we stop there."""
    limit = settings.CLIENTELA["EXACT_COUNT_LIMIT"]
    count = text_match_count(queryset, limit + 1)
    count = queryset.order_by()[: limit + 1].count() if count is None else count
    return (limit, False) if count > limit else (count, True)


def estimated_count(queryset: QuerySet) -> int | None:
    """The planner's estimate of a list too long to count exactly; None where the database has none.

    PostgreSQL keeps table statistics, so EXPLAIN answers in about a millisecond whatever the size.
    SQLite has no such estimate: the page says "more than N" instead of guessing.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    rows = max(int(plan[0]["Plan"]["Plan Rows"]), settings.CLIENTELA["EXACT_COUNT_LIMIT"] + 1)
    return int(float(f"{rows:.2g}"))  # two significant digits: it is an estimate


def saved_views_for(entity: Entity, user) -> QuerySet:
    """The user's own saved views and those shared with one of the user's teams."""
    return SavedView.objects.filter(Q(owner=user) | Q(team_id__in=access.teams_of(user)), entity=entity.key)


def parse_uuid_list(values) -> list[uuid.UUID]:
    """The values that are UUIDs (posted ids, URL parameters); anything else is ignored."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return ids
