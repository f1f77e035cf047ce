"""Pydantic models for each registered entity, built from its form, so /openapi.json describes it.

Input models are lenient about text (dates, emails and choices arrive as strings): the entity's
form validates them, so an API client gets the same messages as a person using the web form.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Optional
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, Field, create_model, model_validator

from clientela.customization.kinds import options
from clientela.registry.entities import Entity, Inline

from .fields import ApiField, json_format, python_type, record_fields, row_fields
from .filters import BOOLEAN, DATE, DATETIME, MULTI, OWNER, TAGS, Filterable, builtin_filterables
from .problems import FieldError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_ROW_ID_HELP = _("An existing row to change; leave out to add a row. Rows not listed are removed.")
_LIST_HELP = _("Give the whole list: it replaces the current rows.")
_VERSION_HELP = _("The record's version; it changes with every change. Also sent as the ETag header.")
_IF_VERSION_HELP = _("Change only if the record is still at this version (like the If-Match header); "
                     "else the answer is 412.")
_FIELDS_HELP = _("Comma-separated fields to return (the id is always returned), e.g. “first_name,emails”.")
MAX_OFFSET = 10**9  # databases keep offsets in 64-bit integers; past this, use cursors
_CURSOR_HELP = _("The “next_cursor” of the previous page. Unlike “offset”, it neither skips nor repeats "
                 "rows when records are added meanwhile.")
_INCLUDE_HELP = _("Comma-separated related records to embed under “included”, e.g. “companies,owner” for "
                  "contacts or “contacts” for companies. Records you may not see are left out.")
_INCLUDED_HELP = _("Related records asked for with “include=”, by name.")
_CUSTOM_HELP = _("The workspace's custom fields of this record type, by key (their definitions are under "
                 "Settings → Custom fields). Values are validated like in the web forms.")


_BULK_ID_HELP = _("The record to change (update, or upsert matching on “id”); leave out to create.")
_BULK_OPERATION_HELP = _("create: every record is new; update: every record exists (found by “match”); "
                         "upsert: records found by “match” are changed, the others created.")
_BULK_MATCH_HELP = _("How update and upsert find each record: “id”, “email” (any of the record's emails, "
                     "case-insensitive) or “custom.<key>” of a custom field marked unique.")
_BULK_ATOMIC_HELP = _("true: all or nothing — any invalid record and nothing is written (422 listing every "
                      "problem); false: every valid record is written and each gets its own result.")
_BULK_RECORDS_HELP = _("Up to 1,000 records, each like the body of a create or change, plus “id”.")


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info):
        """A JSON object is validated once, as it is. ninja's `Schema` validates it twice because of
        `extra="forbid"` (as it is, then through attribute access, which is for model instances): four times for
        a record's rows, the most of a bulk request's parsing. Other input keeps ninja's way."""
        if isinstance(values, dict):
            return handler(values)
        handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class FieldsParams(Schema):
    fields: str = Field("", max_length=2000, description=str(_FIELDS_HELP))
    include: str = Field("", max_length=500, description=str(_INCLUDE_HELP))


@dataclass(frozen=True)
class EntitySchemas:
    output: type[Schema]
    input: type[Schema]
    page: type[Schema]
    list_params: type[Schema]
    bulk_record: type[Schema]
    bulk_request: type[Schema]


def _doc(field: ApiField, nullable: bool = False) -> dict:
    form_field = field.form_field
    parts = [str(form_field.label)] if form_field is not None and form_field.label else []
    if form_field is not None and form_field.help_text:
        parts.append(str(form_field.help_text))
    extra: dict[str, Any] = {}
    if field.choices:
        extra["enum"] = field.choices + ([None] if nullable else [])
    fmt = json_format(field)
    if fmt and form_field.required:  # an optional field is "" when empty, which no format allows
        extra["format"] = fmt
    return {"description": ". ".join(parts) or None, "json_schema_extra": extra or None}


def _pk_type(model) -> Any:
    return python_type(model._meta.pk)


def _output_type(field: ApiField) -> Any:
    model_field = field.model_field
    if model_field is None:
        return str
    if model_field.many_to_many:
        return list[_pk_type(model_field.related_model)] if field.by_pk else list[str]  # type: ignore[misc]
    kind = python_type(model_field)
    return Optional[kind] if model_field.null else kind  # noqa: UP045 - kind may be Any


def _input_type(field: ApiField) -> Any:
    form_field = field.form_field
    if field.is_list:
        return list[_pk_type(form_field.queryset.model)] if field.by_pk else list[str]  # type: ignore[misc,union-attr]
    if field.by_pk:
        return _pk_type(form_field.queryset.model)  # type: ignore[union-attr]
    for form_class, kind in ((forms.BooleanField, bool), (forms.DecimalField, Decimal), (forms.FloatField, float),
                             (forms.IntegerField, int)):
        if isinstance(form_field, form_class):
            return kind
    if field.choices and field.model_field is not None and python_type(field.model_field) is not str:
        return python_type(field.model_field)
    return str


def _output_fields(fields, maybe_hidden: bool = False) -> dict:
    """Output fields; a record's own fields may be left out when the caller's role hides them."""
    result: dict[str, Any] = {}
    for field in fields:
        if field.link is not None:
            kind = python_type(field.link)
            result[f"{field.link.name}_id"] = (Optional[kind] if field.link.null else kind, ...)  # noqa: UP045
        if field.output:
            kind = _output_type(field)
            result[field.name] = ((Optional[kind], Field(None, **_doc(field))) if maybe_hidden  # noqa: UP045
                                  else (kind, Field(**_doc(field))))
    return result


def _input_fields(fields) -> dict:
    return {f.name: (Optional[_input_type(f)], Field(None, **_doc(f, nullable=True)))  # noqa: UP045
            for f in fields if f.form_field is not None}


def _row_schemas(entity: Entity, inline: Inline) -> tuple[type, type]:
    name = f"{entity.model.__name__}{inline.formset.model.__name__}"
    fields = row_fields(inline)
    output = create_model(name, __base__=Schema, id=(UUID, ...), **_output_fields(fields))
    row_input = create_model(f"{name}Input", __base__=InputSchema,
                             id=(Optional[UUID], Field(None, description=str(_ROW_ID_HELP))),  # noqa: UP045
                             **_input_fields(fields))
    return output, row_input


_built: dict[str, EntitySchemas] = {}


def schemas_of(entity: Entity) -> EntitySchemas:
    """The schemas of a registered entity, built once."""
    if entity.key not in _built:
        _built[entity.key] = entity_schemas(entity)
    return _built[entity.key]


def entity_schemas(entity: Entity) -> EntitySchemas:
    name = entity.model.__name__
    fields = record_fields(entity)
    rows = {inline.name: _row_schemas(entity, inline) for inline in entity.inlines}
    output = create_model(
        name, __base__=Schema, id=(UUID, ...), **_output_fields(fields, maybe_hidden=True),
        **{key: (Optional[list[out]], Field(None, description=str(inline.label)))  # type: ignore[valid-type]  # noqa: UP045
           for inline, (key, (out, _in)) in zip(entity.inlines, rows.items(), strict=True)},
        custom=(Optional[dict[str, Any]], Field(None, description=str(_CUSTOM_HELP))),  # noqa: UP045
        included=(Optional[dict[str, Any]], Field(None, description=str(_INCLUDED_HELP))),  # noqa: UP045
        version=(int, Field(None, description=str(_VERSION_HELP))),  # left out only when `fields=` does
        created_at=(datetime, Field(None)), updated_at=(datetime, Field(None)),
    )
    record_input = create_model(
        f"{name}Input", __base__=InputSchema, **_input_fields(fields),
        custom=(Optional[dict[str, Any]], Field(None, description=str(_CUSTOM_HELP))),  # noqa: UP045
        version=(Optional[int], Field(None, description=str(_IF_VERSION_HELP))),  # noqa: UP045
        **{key: (Optional[list[row_in]], Field(None, description=f"{inline.label}. {_LIST_HELP}"))  # noqa: UP045
           for inline, (key, (_out, row_in)) in zip(entity.inlines, rows.items(), strict=True)},
    )
    page = create_model(
        f"{name}Page", __base__=Schema, results=(list[output], ...), count=(int, ...),  # type: ignore[valid-type]
        count_is_exact=(bool, Field(description=str(_("False when the count stopped at the counting limit.")))),
        limit=(int, ...), offset=(int, ...), next=(Optional[str], None),  # noqa: UP045
        next_cursor=(Optional[str], Field(None, description=str(_CURSOR_HELP))),  # noqa: UP045
    )
    bulk_record = create_model(f"{name}BulkRecord", __base__=record_input,
                               id=(Optional[UUID], Field(None, description=str(_BULK_ID_HELP))))  # noqa: UP045
    bulk_request = create_model(
        f"{name}BulkRequest", __base__=InputSchema,
        operation=(Literal["create", "update", "upsert"], Field(description=str(_BULK_OPERATION_HELP))),
        match=(str, Field("id", max_length=70, json_schema_extra={"enum": _base_matches(entity)},
                          description=str(_BULK_MATCH_HELP))),
        atomic=(bool, Field(True, description=str(_BULK_ATOMIC_HELP))),
        records=(list[dict[str, Any]], Field(description=str(_BULK_RECORDS_HELP))),
    )
    return EntitySchemas(output=output, input=record_input, page=page, list_params=_list_params(entity),
                         bulk_record=bulk_record, bulk_request=bulk_request)


def _base_matches(entity: Entity) -> list[str]:
    """Match keys every workspace has (unique custom fields are added to the workspace's own schema)."""
    from .bulk import match_names

    return match_names(entity)


class BulkResult(Schema):
    index: int
    status: Literal["created", "updated", "unchanged", "failed"]
    id: Optional[UUID] = None  # noqa: UP045
    errors: list[FieldError]


class BulkResponse(Schema):
    operation: str
    atomic: bool
    created: int
    updated: int
    unchanged: int
    failed: int
    results: list[BulkResult]


def _list_params(entity: Entity) -> type[Schema]:
    sorts = list(dict.fromkeys([s for name in entity.sortable for s in (name, f"-{name}")] + [entity.default_sort]))
    return create_model(
        f"{entity.model.__name__}ListParams", __base__=Schema,
        q=(str, Field("", max_length=200, description=str(_("Free text, searched like the list page does.")))),
        sort=(str, Field(entity.default_sort, json_schema_extra={"enum": sorts},
                         description=str(_("A column; prefix with “-” for descending order.")))),
        limit=(int, Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)),
        offset=(int, Field(0, ge=0, le=MAX_OFFSET)),
        cursor=(str, Field("", max_length=2000, description=str(_CURSOR_HELP))),
        fields=(str, Field("", max_length=2000, description=str(_FIELDS_HELP))),
        include=(str, Field("", max_length=500, description=str(_INCLUDE_HELP))),
        **_filter_params(entity),
    )


def _filter_params(entity: Entity) -> dict:
    """`f_<name>` and its operator forms for the record's own fields, for the documentation: the values are
    read and checked by `api.filters` from the query string (which also takes the custom fields')."""
    params = {}
    for field in builtin_filterables(entity):
        model_field = field.model_field
        for op in field.operators:
            extra = None
            if op == "eq" and model_field.choices:
                extra = {"enum": ["", *(value for value, _label in model_field.flatchoices)]}
            elif op == "isempty" or (op == "eq" and field.kind == BOOLEAN):
                extra = {"enum": ["", "true", "false"]}
            name = f"f_{field.name}" if op == "eq" else f"f_{field.name}__{op}"
            params[name] = (str, Field("", json_schema_extra=extra, description=filter_help(field, op)))
    return params


_OPERATOR_HELP = {
    "in": _("Only records whose “%(field)s” is one of these values: comma-separated, or one value per "
            "repetition of the parameter (a value may then contain commas)."),
    "gt": _("Only records whose “%(field)s” is greater (later) than this."),
    "gte": _("Only records whose “%(field)s” is this or greater (later)."),
    "lt": _("Only records whose “%(field)s” is less (earlier) than this."),
    "lte": _("Only records whose “%(field)s” is this or less (earlier)."),
    "contains": _("Only records whose “%(field)s” contains this text, in any case."),
    "isempty": _("true: only records without a “%(field)s”; false: only records with one."),
}


_MULTI_HELP = {
    "eq": _("Only records whose “%(field)s” includes this option."),
    "in": _("Only records whose “%(field)s” includes any of these options: comma-separated, or one option per "
            "repetition of the parameter."),
}


def filter_help(field: Filterable, op: str) -> str:
    label = {"field": field.label}
    helps = {**_OPERATOR_HELP, **_MULTI_HELP} if field.kind == MULTI else _OPERATOR_HELP
    text = (helps[op] if op in helps else _("Only records whose “%(field)s” is this value.")) % label
    if op == "isempty":
        return str(text)
    if field.kind == MULTI:
        keys = ", ".join(key for key, _label in options(field.definition, include_inactive=True))
        text += " " + _("Option keys: %(options)s.") % {"options": keys or "—"}
    if field.kind == OWNER:
        text += " " + _("A user id, “me” or “none”.")
    elif field.kind == TAGS:
        text += " " + _("The name, in any case.")
    elif field.kind == DATE:
        text += " " + _("A date: YYYY-MM-DD.")
    elif field.kind == DATETIME:
        text += " " + _("A date and time (ISO 8601) or a date alone, which stands for the whole day.")
    return str(text)
