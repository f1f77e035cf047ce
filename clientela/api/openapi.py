"""/api/v1/openapi.json as the caller sees it: the schema generated from the registry, completed with
typed `included` objects and bulk records, plus — for a caller known by token or session — the
workspace's custom fields the caller's role shows (one typed property each, picklists as enums), their
list filters, sorts and bulk match keys.

Generating the schema is slow (hundreds of ms), so the common part is built once per process (it only
depends on the code) and each caller's variant is kept in the shared cache under a fingerprint of what
it depends on: the workspace, the role's hidden fields and the custom field definitions. A changed
definition or role rule gives a new fingerprint, so nothing has to be invalidated.
"""

import copy
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from ninja.openapi.views import openapi_json
from ninja.responses import NinjaJSONEncoder

from clientela.customization.kinds import options
from clientela.customization.models import FieldDefinition, FieldKind
from clientela.registry.entities import Entity, all_entities
from clientela.registry.visibility import entity_for
from clientela.security import access
from clientela.security.tokens import token_authenticate
from clientela.workspaces.scoping import use_workspace

from .bulk import match_names
from .filters import filterables
from .includes import openapi_included
from .schemas import filter_help, schemas_of

CACHE_SECONDS = 24 * 3600
_base: dict = {}  # path prefix -> the common schema

_KINDS = {
    FieldKind.INTEGER: {"type": "integer"}, FieldKind.DECIMAL: {"type": "number"},
    FieldKind.CURRENCY: {"type": "number"}, FieldKind.PERCENT: {"type": "number"},
    FieldKind.DATE: {"type": "string", "format": "date"}, FieldKind.DATETIME: {"type": "string", "format": "date-time"},
    FieldKind.CHECKBOX: {"type": "boolean"},
}


def complete(schema: dict) -> dict:
    """Typed `included` per entity and typed bulk records: what pydantic models cannot say by themselves."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for entity in all_entities():
        name = entity.model.__name__
        if name in components:
            components[name]["properties"]["included"] = openapi_included(components, entity)
        record = schemas_of(entity).bulk_record
        record_schema = record.model_json_schema(ref_template="#/components/schemas/{model}")
        for key, value in record_schema.pop("$defs", {}).items():
            components.setdefault(key, value)
        components[record.__name__] = record_schema
        request = components.get(f"{name}BulkRequest")
        if request:
            request["properties"]["records"]["items"] = {"$ref": f"#/components/schemas/{record.__name__}"}
    return schema


def _custom_property(definition: FieldDefinition, for_input: bool) -> dict:
    kind = definition.kind
    if kind in (FieldKind.PICKLIST, FieldKind.MULTI_PICKLIST):
        values = [value for value, _label in options(definition, include_inactive=not for_input)]
        typed = {"type": "string", "enum": values} if values else {"type": "string"}
        if kind == FieldKind.MULTI_PICKLIST:
            typed = {"type": "array", "items": typed}
    else:
        typed = dict(_KINDS.get(kind, {"type": "string"}))
    if kind in (FieldKind.DATE, FieldKind.DATETIME) and for_input:
        typed = {"type": "string"}  # dates are read in the user's formats too, like the web form
    description = str(definition.label) + (f". {definition.help_text}" if definition.help_text else "")
    return {"anyOf": [typed, {"type": "null"}], "description": description}


def _custom_object(definitions, for_input: bool, description: str) -> dict:
    properties = {d.key: _custom_property(d, for_input) for d in definitions}
    return {"anyOf": [{"type": "object", "properties": properties, "additionalProperties": False},
                      {"type": "null"}], "description": description}


def _for_entity(schema: dict, entity: Entity, view: Entity) -> None:
    components = schema["components"]["schemas"]
    name = entity.model.__name__
    definitions = list(view.custom_fields)
    for component, for_input in ((name, False), (f"{name}Input", True), (f"{name}BulkRecord", True)):
        properties = components.get(component, {}).get("properties", {})
        if "custom" in properties:
            properties["custom"] = _custom_object(definitions, for_input, properties["custom"].get("description", ""))
    request = components.get(f"{name}BulkRequest")
    if request:
        request["properties"]["match"]["enum"] = match_names(view)
    operation = schema["paths"].get(f"{schema['x-prefix']}{entity.key}", {}).get("get")
    if operation is None:
        return
    by_key = {d.form_name: d for d in definitions}
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "sort":
            extra = [s for n in view.sortable if n in by_key for s in (n, f"-{n}")]
            parameter["schema"]["enum"] = [*parameter["schema"].get("enum", []), *extra]
    for field in filterables(view).values():  # the workspace's custom fields, every operator they take
        definition = field.definition
        if definition is None:
            continue
        for op in field.operators:
            schema = {"type": "string", "default": ""}
            if op == "eq" and definition.kind == FieldKind.CHECKBOX:
                schema["enum"] = ["", "true", "false", "1", "0"]
            elif op == "eq" and definition.kind in (FieldKind.PICKLIST, FieldKind.MULTI_PICKLIST):
                schema["enum"] = ["", *(value for value, _label in options(definition, include_inactive=True))]
            elif op == "isempty":
                schema["enum"] = ["", "true", "false"]
            name = f"f_{field.name}" if op == "eq" else f"f_{field.name}__{op}"
            operation["parameters"].append({"in": "query", "name": name, "required": False,
                                            "description": filter_help(field, op), "schema": schema})


def _fingerprint(user) -> str:
    role = access.role_for(user)
    definitions = list(FieldDefinition.objects.order_by("pk").values_list(
        "pk", "entity", "key", "kind", "label_en", "label_es", "help_text", "unique", "options", "required"))
    hidden = [(e.key, sorted(access.hidden_fields(user, e.key))) for e in all_entities()]
    visible = [e.key for e in all_entities() if access.can(user, "view", e.key)]
    return hashlib.sha256(repr((role and role.key, hidden, visible, definitions)).encode()).hexdigest()[:24]


def _base_schema(api, path_params) -> dict:
    prefix = api.get_root_path(path_params or {})
    if prefix not in _base:
        with translation.override(settings.LANGUAGE_CODE):
            _base[prefix] = api.get_openapi_schema(path_prefix=prefix)
        _base[prefix]["x-prefix"] = prefix
    return _base[prefix]


def workspace_schema(api, user, workspace, path_params) -> str:
    """The caller's schema as JSON text, from the shared cache when nothing it depends on changed."""
    with use_workspace(workspace):
        key = f"api-openapi:{workspace.pk}:{_fingerprint(user)}"
        text = cache.get(key)
        if text is None:
            schema = copy.deepcopy(_base_schema(api, path_params))
            with translation.override(settings.LANGUAGE_CODE):
                for entity in all_entities():
                    _for_entity(schema, entity, entity_for(user, entity))
            schema.pop("x-prefix", None)
            text = json.dumps(schema, ensure_ascii=False, cls=NinjaJSONEncoder)
            cache.set(key, text, CACHE_SECONDS)
    return text


def _caller(request):
    """(user, workspace) from a Bearer token or the web session; None for anyone else."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = token_authenticate(header[7:].strip())
        return (token.user, token.workspace) if token else None
    workspace = getattr(request, "workspace", None)
    if workspace is not None and request.user.is_authenticated:
        return request.user, workspace
    return None


def for_caller(view):
    """ninja's `docs_decorator`: the JSON schema view answers with the caller's schema."""
    if getattr(view, "func", None) is not openapi_json:
        return view
    api = view.keywords["api"]

    def schema_view(request, **kwargs):
        caller = _caller(request)
        if caller is None:
            schema = dict(_base_schema(api, kwargs))
            schema.pop("x-prefix", None)
            text = json.dumps(schema, ensure_ascii=False, cls=NinjaJSONEncoder)
        else:
            text = workspace_schema(api, *caller, kwargs)
        return HttpResponse(text, content_type="application/json")

    return schema_view
