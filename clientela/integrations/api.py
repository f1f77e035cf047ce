"""`GET /api/v1/sync`: the sync feed for offline and external clients (protocol in docs/integrations.md)."""

from typing import Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from clientela.api.problems import ERROR_RESPONSES, ValidationProblem, problem
from clientela.api.resources import json_response

from .feed import DEFAULT_LIMIT, MAX_LIMIT, InvalidCursor, sync_page

router = Router(tags=["sync"])


class SyncParams(Schema):
    cursor: str = Field("", description="The `cursor` of the previous page; empty to start from the beginning.",
                        max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Change(Schema):
    op: Literal["upsert", "delete", "reset"]
    entity: str | None = None
    id: str | None = None
    data: dict[str, Any] | None = None


class SyncPage(Schema):
    changes: list[Change]
    cursor: str
    has_more: bool


def _page_response(page: dict):
    """The page as ninja renders it, without validating a thousand changes through `SyncPage` again (about a
    quarter of a page's time): each change gets the schema's keys in its order (`tests/test_sync_feed.py`
    compares both)."""
    page["changes"] = [{"op": c["op"], "entity": c.get("entity"), "id": c.get("id"), "data": c.get("data")}
                       for c in page["changes"]]
    return json_response(page)


@router.get("", response={200: SyncPage, 400: ValidationProblem, 422: ValidationProblem, **ERROR_RESPONSES},
            summary="Changes since a cursor", operation_id="sync_feed")
def sync_feed(request, params: Query[SyncParams]):
    """Every record the caller may see, then every change to them; deletes for records they may no longer see."""
    try:
        return _page_response(sync_page(request.user, params.cursor, params.limit))
    except InvalidCursor:
        return problem(400, "validation", errors=[{"field": "cursor", "code": "invalid_cursor",
                                                   "message": str(_("“cursor”: this is not a cursor this feed gave."))}])
