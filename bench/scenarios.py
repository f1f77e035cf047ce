"""The scenarios: each has the page a user opens, the same work in-process, and a raw-SQL baseline."""

# ruff: noqa: S608 - the SQL here is assembled from constants and model metadata, values are parameters

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.db import connection
from django.http import QueryDict

from clientela.common import phones
from clientela.customers.models import Contact, PhoneNumber
from clientela.registry import entities
from clientela.registry.selectors import ListQuery, capped_count, record_list, search_top
from clientela.registry.visibility import entity_for
from clientela.security import access
from clientela.workspaces.models import User

from .dataset import TARGET, WORKSPACE

LIMIT_SQL = "SELECT COUNT(*) FROM (SELECT 1 FROM customers_contact c WHERE {where} LIMIT %s) AS capped"
PAGE_SQL = ("SELECT c.id, c.first_name, c.last_name, c.lifecycle_status, c.owner_id, c.updated_at "
            "FROM customers_contact c WHERE {where} ORDER BY {order} LIMIT 26 OFFSET %s")
LIVE = "c.workspace_id = %s AND c.deleted_at IS NULL"
FREE_TEXT = "Garc"  # a common surname start: the filter has to dig through many rows
NAME_PREFIX = "Mart"


@dataclass
class Context:
    user: User
    workspace_id: int
    target: Contact
    owner_id: int  # the owner the filter scenario asks for
    email: str
    phone: str  # the target's mobile, typed the way people say it
    domain: str
    rep: User  # a sales rep: sees their team's and unowned records, and what is shared with them

    def for_scenario(self, scenario: "Scenario") -> "Context":
        """The context a scenario runs in: the admin's, or the rep's when the scenario is the rep's view."""
        return replace(self, user=self.rep) if scenario.as_rep else self


@dataclass
class Scenario:
    key: str
    path: Callable[[Context], str]  # the page, for HTTP
    run: Callable[[Context], int]  # the same work in-process; returns rows shown
    baseline: Callable[[Context], int] | None = None  # hand-written SQL of the same work
    as_rep: bool = False  # run as the rep (record-level scope) instead of the admin (sees everything)


def context_build(workspace) -> Context:
    user = User.objects.get(email=f"admin@{WORKSPACE}.example")
    target = Contact.objects.get(first_name=TARGET[0], last_name=TARGET[1])
    phone = PhoneNumber.objects.filter(contact=target).values_list("number", flat=True).first()
    email = target.emails.values_list("email", flat=True).first()
    rep = User.objects.get(email=f"rep@{WORKSPACE}.example")
    return Context(user=user, workspace_id=workspace.id, target=target, owner_id=rep.pk, email=email,
                   phone=phones.display(phone, "ES"), domain=email.split("@", 1)[1], rep=rep)


# -- in-process ------------------------------------------------------------------------------------------
def list_rows(ctx: Context, params: dict) -> int:
    """What the list page asks the database: the count, then one page with its prefetched columns."""
    entity = entity_for(ctx.user, entities.get("contacts"))
    query = ListQuery.from_params(entity, QueryDict(urlencode(params)))
    queryset = record_list(entity, ctx.user, query)
    capped_count(queryset)
    offset = (query.page - 1) * query.per_page
    return len(list(queryset[offset: offset + query.per_page + 1])[: query.per_page])


def search_rows(ctx: Context, text: str) -> int:
    """What global search asks the database: up to ten matches per entity the user may see."""
    found = 0
    for entity in entities.all_entities():
        if not access.can(ctx.user, "view", entity.key):
            continue
        entity = entity_for(ctx.user, entity)
        queryset = access.visible(ctx.user, entity.base_queryset(), entity.key)
        found += len(search_top(entity, queryset, text))
    return found


def detail_rows(ctx: Context) -> int:
    from django.test import RequestFactory

    from clientela.registry.views import _detail_context

    request = RequestFactory().get("/")
    request.user = ctx.user
    entity = entity_for(ctx.user, entities.get("contacts"))
    record = access.get_visible_or_404(ctx.user, entity.base_queryset().select_related("created_by", "updated_by"),
                                       entity.key, ctx.target.pk)
    context = _detail_context(request, entity, record)
    return len(context["timeline"].items) + len(context["history"])


# -- raw SQL ------------------------------------------------------------------------------------------------
def sql_rows(statements: list[tuple[str, list]], total: bool = False) -> int:
    """Rows of the last statement (a list page after its count), or of all of them (search)."""
    rows = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            found = len(cursor.fetchall())
            rows = rows + found if total else found
    return rows


def list_sql(ctx: Context, where: str = LIVE, params: tuple = (), offset: int = 0) -> int:
    params = [ctx.workspace_id, *params]
    return sql_rows([(LIMIT_SQL.format(where=where), [*params, 10_001]),
                     (PAGE_SQL.format(where=where, order="c.updated_at DESC, c.id DESC"), [*params, offset])])


def rep_list_sql(ctx: Context) -> int:
    """The rep's scope as the access decision writes it: their team's records, unowned ones, shared ones."""
    people = sorted(access.team_user_ids(ctx.user))
    marks = ", ".join(["%s"] * len(people))
    where = (f"{LIVE} AND (c.owner_id IN ({marks}) OR c.owner_id IS NULL OR c.id IN (SELECT s.record_id FROM "
             "security_recordshare s WHERE s.workspace_id = %s AND s.entity = 'contacts' AND s.user_id = %s))")
    return list_sql(ctx, where, (*people, ctx.workspace_id, ctx.user.pk))


def _like(column: str) -> str:
    return f"LOWER({column}) LIKE %s"


def text_sql(ctx: Context) -> int:
    pattern = f"%{FREE_TEXT.lower()}%"
    where = f"{LIVE} AND ({_like('c.first_name')} OR {_like('c.last_name')} OR {_like('c.job_title')})"
    return list_sql(ctx, where, (pattern, pattern, pattern))


def search_sql_two(ctx: Context, prefix: str) -> int:
    return sql_rows([
        (f"SELECT c.id FROM customers_contact c WHERE {LIVE} AND ({_like('c.first_name')} OR "
         f"{_like('c.last_name')}) ORDER BY c.last_name, c.first_name LIMIT 10", [ctx.workspace_id, prefix, prefix]),
        ("SELECT co.id FROM customers_company co WHERE co.workspace_id = %s AND co.deleted_at IS NULL AND "
         f"{_like('co.name')} ORDER BY co.name LIMIT 10", [ctx.workspace_id, prefix]),
    ], total=True)


def channel_sql(ctx: Context, table: str, condition: str, value: str) -> int:
    return sql_rows([
        (f"SELECT c.id FROM customers_contact c WHERE {LIVE} AND c.id IN (SELECT x.contact_id FROM {table} x "
         f"WHERE x.workspace_id = %s AND {condition}) ORDER BY c.last_name, c.first_name LIMIT 10",
         [ctx.workspace_id, ctx.workspace_id, value]),
        (f"SELECT co.id FROM customers_company co WHERE co.workspace_id = %s AND co.deleted_at IS NULL AND "
         f"co.id IN (SELECT x.company_id FROM {table} x WHERE x.workspace_id = %s AND {condition}) "
         "ORDER BY co.name LIMIT 10", [ctx.workspace_id, ctx.workspace_id, value]),
    ], total=True)


def detail_sql(ctx: Context) -> int:
    pk = ctx.target.pk.hex if connection.vendor == "sqlite" else ctx.target.pk
    return sql_rows([
        ("SELECT * FROM customers_contact WHERE id = %s", [pk]),
        ("SELECT * FROM customers_emailaddress WHERE contact_id = %s", [pk]),
        ("SELECT * FROM customers_phonenumber WHERE contact_id = %s", [pk]),
        ("SELECT * FROM notes_note WHERE workspace_id = %s AND entity = 'contacts' AND record_id = %s "
         "ORDER BY created_at DESC LIMIT 26", [ctx.workspace_id, pk]),  # the timeline's first page, and one more
    ])


def _params(**params) -> str:
    return f"?{urlencode(params)}" if params else ""


OWNER_FILTER = {"f_lifecycle_status": "customer", "sort": "-updated_at"}

SCENARIOS = [
    Scenario("list page 1", lambda c: "/contacts/", lambda c: list_rows(c, {}), lambda c: list_sql(c)),
    Scenario("list page 1 as a rep (team scope)", lambda c: "/contacts/", lambda c: list_rows(c, {}), rep_list_sql,
             as_rep=True),
    Scenario("list page 200", lambda c: "/contacts/?page=200", lambda c: list_rows(c, {"page": 200}),
             lambda c: list_sql(c, offset=199 * 25)),
    Scenario("list owner + lifecycle, by last activity",
             lambda c: f"/contacts/{_params(f_owner=c.owner_id, **OWNER_FILTER)}",
             lambda c: list_rows(c, {"f_owner": c.owner_id, **OWNER_FILTER}),
             lambda c: list_sql(c, f"{LIVE} AND c.owner_id = %s AND c.lifecycle_status = %s",
                                (c.owner_id, "customer"))),
    Scenario("list free-text filter", lambda c: f"/contacts/{_params(q=FREE_TEXT)}",
             lambda c: list_rows(c, {"q": FREE_TEXT}), text_sql),
    Scenario("search name prefix", lambda c: f"/search/{_params(q=NAME_PREFIX)}",
             lambda c: search_rows(c, NAME_PREFIX), lambda c: search_sql_two(c, f"{NAME_PREFIX.lower()}%")),
    Scenario("search email", lambda c: f"/search/{_params(q=c.email)}", lambda c: search_rows(c, c.email),
             lambda c: channel_sql(c, "customers_emailaddress", "LOWER(x.email) = %s", c.email.lower())),
    Scenario("search phone (national format)", lambda c: f"/search/{_params(q=c.phone)}",
             lambda c: search_rows(c, c.phone),
             lambda c: channel_sql(c, "customers_phonenumber", "x.number = %s", phones.to_e164(c.phone, "ES"))),
    Scenario("search company domain", lambda c: f"/search/{_params(q=c.domain)}",
             lambda c: search_rows(c, c.domain),
             lambda c: channel_sql(c, "customers_emailaddress", "LOWER(x.email) LIKE %s", f"%@{c.domain}")),
    Scenario("contact 360° page (200 notes)", lambda c: f"/contacts/{c.target.pk}/", detail_rows, detail_sql),
]
