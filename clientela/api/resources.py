"""The endpoints of one registered entity: list, retrieve, create, partial update, trash, restore.

Handlers are thin: the access decision (`clientela.security.access`), the list selector and the
record services do the work, exactly as for the web pages.
"""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from clientela.registry import services
from clientela.registry.entities import Entity
from clientela.registry.selectors import ListQuery, capped_count, record_list
from clientela.registry.visibility import entity_for
from clientela.security import access

from .auth import is_read_only
from .binding import bind
from .bulk import MAX_RECORDS, bulk_write, match_names
from .concurrency import etag_of, locked, require_current
from .cursors import Keyset
from .fields import output_queryset
from .filters import list_filters
from .includes import embed, parse_include
from .problems import (
    ERROR_RESPONSES,
    LIST_RESPONSES,
    WRITE_RESPONSES,
    BadRequest,
    Conflict,
    FieldError,
    ReadOnlyToken,
    TooLarge,
    ValidationProblem,
)
from .renderers import OrjsonRenderer, json_bytes
from .representation import output_names, record_out, records_out
from .schemas import BulkResponse, FieldsParams, schemas_of


def _require(request, entity: Entity, verb: str) -> None:
    if verb != "view" and is_read_only(request):
        raise ReadOnlyToken
    if not access.can(request.user, verb, entity.key):
        raise PermissionDenied(_("Your role does not allow this."))


def _require_record(request, entity: Entity, verb: str, record) -> None:
    if not access.can_record(request.user, verb, entity.key, record):
        raise PermissionDenied(_("Your role does not allow this on this record."))


def _shown(entity: Entity):
    return output_queryset(entity)


def _refuse_null_characters(request) -> None:
    """PostgreSQL cannot store or compare text with NUL; the web forms refuse it, and so does the API."""
    for name, value in request.GET.items():
        if "\x00" in value:
            raise BadRequest(name, "null_characters", _("“%(field)s” contains null characters, which are not "
                                                        "allowed.") % {"field": name})


def _list_query(entity: Entity, params, raw, user) -> ListQuery:
    """The list query from the typed parameters and every `f_<name>[__<operator>]` of the raw query string
    (`api.filters`: custom fields vary by workspace, so they are not typed parameters)."""
    if params.sort != entity.default_sort and params.sort.lstrip("-") not in entity.sortable:
        choices = ", ".join(entity.sortable)
        raise BadRequest("sort", "invalid_choice", _("“sort”: choose one of %(choices)s.") % {"choices": choices})
    filters, conditions = list_filters(entity, raw, user)
    return ListQuery(text=params.q.strip(), sort=params.sort, filters=filters, conditions=tuple(conditions))


def _next_url(request, params, next_cursor: str | None) -> str | None:
    if next_cursor is None:
        return None
    query = request.GET.copy()
    if params.cursor:
        query["cursor"] = next_cursor
    else:
        query["offset"] = params.offset + params.limit
    query["limit"] = params.limit
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _selection(entity: Entity, fields: str) -> set[str] | None:
    """The keys `fields=` asks for (None: all), or BadRequest naming the first one the user cannot have."""
    if not fields.strip():
        return None
    allowed = set(output_names(entity))
    wanted = {name.strip() for name in fields.split(",") if name.strip()}
    for name in sorted(wanted - allowed - {"id"}):
        raise BadRequest("fields", "unknown_field",
                         _("“%(field)s” is not a field of this record type that your role shows.") % {"field": name})
    return wanted | {"id"}


def _select(data: dict, selection: set[str] | None) -> dict:
    return data if selection is None else {key: value for key, value in data.items() if key in selection}


def _out(request, seen: Entity, rows: list[dict], selection: set[str] | None, includes) -> list[dict]:
    """Records as the API shows them (`record_out`), cut to `fields=`, with `included` records when asked."""
    embedded = embed(request.user, seen.model, [row["id"] for row in rows], includes) if includes else None
    results = []
    for row in rows:
        data = _select(row, selection)
        if embedded is not None:
            data["included"] = embedded[row["id"]]
        results.append(data)
    return results


def _page_response(record_schema, data: dict) -> HttpResponse:
    """The page as ninja renders it, without validating it through the page schema again: its rows are built
    from stored values, and that validation cost ~20 % of a list request. A record's keys follow its schema's
    order, as ninja's dump does (`tests/test_list_response.py` compares both)."""
    order = list(record_schema.model_fields)
    data["results"] = [{key: row[key] for key in order if key in row} for row in data["results"]]
    return json_response(data)


def _bulk_response(data: dict) -> HttpResponse:
    """The bulk answer as ninja renders it, without validating it through `BulkResponse` again (it is built
    from plain values here); error keys in `FieldError`'s order (`tests/test_bulk.py` compares both)."""
    order = list(FieldError.model_fields)
    for result in data["results"]:
        result["errors"] = [{key: error[key] for key in order} for error in result["errors"]]
    return json_response(data)


def json_response(data: dict) -> HttpResponse:
    """`data`, already in its response schema's shape, written as the API's renderer writes it."""
    return HttpResponse(json_bytes(data),
                        content_type=f"{OrjsonRenderer.media_type}; charset={OrjsonRenderer.charset}")


def _with_etag(response: HttpResponse, data: dict, record) -> dict:
    response["ETag"] = etag_of(record)
    return data


def _save(entity: Entity, request, record, payload, response: HttpResponse):
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version", None)
    form, formsets = bind(entity_for(request.user, entity), user=request.user, instance=record, payload=values)
    try:
        with transaction.atomic():
            if record.pk is not None and not record._state.adding:
                require_current(request, locked(record), version)
            saved = services.record_save(entity=entity, form=form, formsets=formsets, by=request.user)
    except IntegrityError as exc:
        raise Conflict(_("The change conflicts with existing data, for example a row listed twice.")) from exc
    shown = _shown(entity).get(pk=saved.pk)
    return _with_etag(response, record_out(entity_for(request.user, entity), shown), shown)


def entity_router(entity: Entity) -> Router:
    schemas = schemas_of(entity)
    key = entity.key
    router = Router(tags=[key])

    @router.get("", response={200: schemas.page, **LIST_RESPONSES}, operation_id=f"{key}_list", exclude_unset=True,
                summary=_("List"))
    def list_records(request, params: Query[schemas.list_params]):  # type: ignore[name-defined]
        _require(request, entity, "view")
        _refuse_null_characters(request)
        seen = entity_for(request.user, entity)
        selection = _selection(seen, params.fields)
        includes = parse_include(seen, params.include)
        query = _list_query(seen, params, request.GET, request.user)
        queryset = record_list(seen, request.user, query)
        count, exact = capped_count(queryset)
        keyset = Keyset(seen, query.sort)
        queryset = keyset.order(queryset)
        if params.cursor:
            page = keyset.after(queryset, params.cursor)[: params.limit + 1]
        else:
            page = queryset[params.offset: params.offset + params.limit + 1]
        rows = records_out(seen, page, keep=keyset.key_names)
        marks = [SimpleNamespace(pk=row["id"], **{name: row.pop(name) for name in keyset.key_names}) for row in rows]
        next_cursor = keyset.cursor(marks[params.limit - 1]) if len(rows) > params.limit else None
        return _page_response(schemas.output, {
            "results": _out(request, seen, rows[: params.limit], selection, includes), "count": count,
            "count_is_exact": exact, "limit": params.limit, "offset": params.offset,
            "next": _next_url(request, params, next_cursor), "next_cursor": next_cursor})

    @router.post("/bulk", response={200: BulkResponse, **WRITE_RESPONSES, 400: ValidationProblem,
                                    413: ValidationProblem},
                 operation_id=f"{key}_bulk", summary=_("Create, change or upsert many"),
                 description=_("Up to 1,000 records in one request, validated like single writes."))
    def bulk_records(request, payload: schemas.bulk_request):  # type: ignore[name-defined]
        if is_read_only(request):
            raise ReadOnlyToken
        verbs = {"create": ["create"], "update": ["edit"], "upsert": ["create", "edit"]}[payload.operation]
        if not any(access.can(request.user, verb, key) for verb in verbs):
            raise PermissionDenied(_("Your role does not allow this."))
        if len(payload.records) > MAX_RECORDS:
            raise TooLarge("records", "too_many_records",
                           _("Send at most %(limit)d records per request (this one has %(count)d).")
                           % {"limit": MAX_RECORDS, "count": len(payload.records)})
        if payload.operation == "update" and not access.can(request.user, "edit", key):
            raise PermissionDenied(_("Your role does not allow this."))
        seen = entity_for(request.user, entity)
        if payload.match not in match_names(seen):
            raise BadRequest("match", "invalid_choice", _("“match”: choose one of %(choices)s.")
                             % {"choices": ", ".join(match_names(seen))})
        try:
            return _bulk_response(bulk_write(
                entity=entity, view=seen, user=request.user, record_model=schemas.bulk_record,
                operation=payload.operation, match=payload.match, atomic=payload.atomic, records=payload.records))
        except IntegrityError as exc:
            raise Conflict(_("The change conflicts with existing data, for example a row listed twice.")) from exc

    @router.get("/{record_id}", response={200: schemas.output, **LIST_RESPONSES}, operation_id=f"{key}_retrieve",
                exclude_unset=True, url_name=f"{key}-detail", summary=_("Get one"))
    def retrieve_record(request, record_id: str, params: Query[FieldsParams], response: HttpResponse):
        _require(request, entity, "view")
        seen = entity_for(request.user, entity)
        selection = _selection(seen, params.fields)
        includes = parse_include(seen, params.include)
        record = access.get_visible_or_404(request.user, _shown(entity), key, record_id)
        return _with_etag(response, _out(request, seen, [record_out(seen, record)], selection, includes)[0], record)

    @router.post("", response={201: schemas.output, **WRITE_RESPONSES}, operation_id=f"{key}_create", exclude_unset=True,
                 summary=_("Create"))
    def create_record(request, payload: schemas.input, response: HttpResponse):  # type: ignore[name-defined]
        _require(request, entity, "create")
        data = _save(entity, request, entity.model(), payload, response)
        response["Location"] = reverse(f"api:{key}-detail", kwargs={"record_id": data["id"]})
        return Status(201, data)

    @router.patch("/{record_id}", response={200: schemas.output, **WRITE_RESPONSES}, operation_id=f"{key}_update",
                  exclude_unset=True, summary=_("Change"),
                  description=_("Send If-Match with the record's ETag (or its `version` in the body) to refuse "
                                "the change with 412 when someone changed the record since you read it."))
    def update_record(request, record_id: str, payload: schemas.input, response: HttpResponse):  # type: ignore[name-defined]
        _require(request, entity, "edit")
        record = access.get_visible_or_404(request.user, entity.model.objects.all(), key, record_id)
        _require_record(request, entity, "edit", record)
        return _save(entity, request, record, payload, response)

    @router.delete("/{record_id}", response={204: None, **ERROR_RESPONSES, 412: WRITE_RESPONSES[412]},
                   operation_id=f"{key}_delete", summary=_("Move to the trash"))
    def delete_record(request, record_id: str):
        _require(request, entity, "delete")
        record = access.get_visible_or_404(request.user, entity.model.objects.all(), key, record_id)
        _require_record(request, entity, "delete", record)
        with transaction.atomic():
            require_current(request, locked(record))
            services.record_trash(entity=entity, record=record, by=request.user)
        return Status(204, None)

    @router.post("/{record_id}/restore", response={200: schemas.output, **ERROR_RESPONSES},
                 operation_id=f"{key}_restore", exclude_unset=True, summary=_("Restore from the trash"))
    def restore_record(request, record_id: str, response: HttpResponse):
        _require(request, entity, "delete")
        trashed = access.visible(request.user, entity.model.trashed.all(), key, "delete")
        try:
            record = trashed.get(pk=record_id)
        except (entity.model.DoesNotExist, ValueError, ValidationError) as exc:
            raise Http404 from exc
        _require_record(request, entity, "delete", record)
        services.record_restore(entity=entity, record=record, by=request.user)
        shown = _shown(entity).get(pk=record.pk)
        return _with_etag(response, record_out(entity_for(request.user, entity), shown), shown)

    return router
