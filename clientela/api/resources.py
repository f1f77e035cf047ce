"""The endpoints of one registered entity: list, retrieve, create, partial update, trash.

Handlers are thin: the access decision (`clientela.security.access`), the list selector and the
record services do the work, exactly as for the web pages.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpResponse
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
from .fields import output_prefetches
from .problems import ERROR_RESPONSES, WRITE_RESPONSES, ApiValidationError, Conflict, ReadOnlyToken
from .representation import record_out
from .schemas import entity_schemas


def _require(request, entity: Entity, verb: str) -> None:
    if verb != "view" and is_read_only(request):
        raise ReadOnlyToken
    if not access.can(request.user, verb, entity.key):
        raise PermissionDenied(_("Your role does not allow this."))


def _require_record(request, entity: Entity, verb: str, record) -> None:
    if not access.can_record(request.user, verb, entity.key, record):
        raise PermissionDenied(_("Your role does not allow this on this record."))


def _shown(entity: Entity):
    return entity.base_queryset().prefetch_related(*output_prefetches(entity))


def _list_query(entity: Entity, params) -> ListQuery:
    if params.sort != entity.default_sort and params.sort.lstrip("-") not in entity.sortable:
        choices = ", ".join(entity.sortable)
        raise ApiValidationError([{"field": "sort", "code": "invalid_choice",
                                   "message": _("“sort”: choose one of %(choices)s.") % {"choices": choices}}])
    filters = {name: value for name in entity.filters if (value := getattr(params, f"f_{name}"))}
    return ListQuery(text=params.q.strip(), sort=params.sort, filters=filters)


def _next_url(request, params, has_next: bool) -> str | None:
    if not has_next:
        return None
    query = request.GET.copy()
    query["offset"] = params.offset + params.limit
    query["limit"] = params.limit
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _save(entity: Entity, request, record, payload):
    form, formsets = bind(entity_for(request.user, entity), user=request.user, instance=record, payload=payload.model_dump(exclude_unset=True))
    try:
        saved = services.record_save(entity=entity, form=form, formsets=formsets, by=request.user)
    except IntegrityError as exc:
        raise Conflict(_("The change conflicts with existing data, for example a row listed twice.")) from exc
    return record_out(entity_for(request.user, entity), _shown(entity).get(pk=saved.pk))


def entity_router(entity: Entity) -> Router:
    schemas = entity_schemas(entity)
    key = entity.key
    router = Router(tags=[key])

    @router.get("", response={200: schemas.page, **ERROR_RESPONSES}, operation_id=f"{key}_list", exclude_unset=True,
                summary=_("List"))
    def list_records(request, params: Query[schemas.list_params]):  # type: ignore[name-defined]
        _require(request, entity, "view")
        seen = entity_for(request.user, entity)
        queryset = record_list(seen, request.user, _list_query(seen, params))
        count, exact = capped_count(queryset)
        rows = list(queryset.prefetch_related(*output_prefetches(entity))[params.offset: params.offset + params.limit + 1])
        return {"results": [record_out(seen, row) for row in rows[: params.limit]], "count": count,
                "count_is_exact": exact, "limit": params.limit, "offset": params.offset,
                "next": _next_url(request, params, len(rows) > params.limit)}

    @router.get("/{record_id}", response={200: schemas.output, **ERROR_RESPONSES}, operation_id=f"{key}_retrieve", exclude_unset=True,
                url_name=f"{key}-detail", summary=_("Get one"))
    def retrieve_record(request, record_id: str):
        _require(request, entity, "view")
        return record_out(entity_for(request.user, entity), access.get_visible_or_404(request.user, _shown(entity), key, record_id))

    @router.post("", response={201: schemas.output, **WRITE_RESPONSES}, operation_id=f"{key}_create", exclude_unset=True,
                 summary=_("Create"))
    def create_record(request, payload: schemas.input, response: HttpResponse):  # type: ignore[name-defined]
        _require(request, entity, "create")
        data = _save(entity, request, entity.model(), payload)
        response["Location"] = reverse(f"api:{key}-detail", kwargs={"record_id": data["id"]})
        return Status(201, data)

    @router.patch("/{record_id}", response={200: schemas.output, **WRITE_RESPONSES}, operation_id=f"{key}_update", exclude_unset=True,
                  summary=_("Change"))
    def update_record(request, record_id: str, payload: schemas.input):  # type: ignore[name-defined]
        _require(request, entity, "edit")
        record = access.get_visible_or_404(request.user, entity.model.objects.all(), key, record_id)
        _require_record(request, entity, "edit", record)
        return _save(entity, request, record, payload)

    @router.delete("/{record_id}", response={204: None, **ERROR_RESPONSES}, operation_id=f"{key}_delete",
                   summary=_("Move to the trash"))
    def delete_record(request, record_id: str):
        _require(request, entity, "delete")
        record = access.get_visible_or_404(request.user, entity.model.objects.all(), key, record_id)
        _require_record(request, entity, "delete", record)
        services.record_trash(entity=entity, record=record, by=request.user)
        return Status(204, None)

    return router
