"""`include=`: related records embedded in each record, read with a fixed number of queries per page.

What can be included is read from the model's relations, never listed per entity: a relation to
another registered entity (a contact's `companies`, a company's `contacts`) embeds those records as
the API shows them — after the access decision and with the user's field security, so a record the
user may not see is left out; a link to a user (`owner`, `created_by`, `updated_by`) embeds the
user's id, name and email. An inline's rows (`emails`, `phones`…) are always part of the record, so
naming one is allowed and changes nothing. Each record embeds at most MAX_PER_RECORD records per name.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from clientela.registry import entities
from clientela.registry.entities import Entity
from clientela.registry.visibility import entity_for
from clientela.security import access

from .problems import BadRequest
from .representation import records_out

MAX_PER_RECORD = 50
USER, RECORDS, ROWS = "user", "records", "rows"


@dataclass(frozen=True)
class Include:
    name: str
    kind: str  # USER, RECORDS or ROWS
    relation: Any = None
    target: Entity | None = None
    many: bool = False


def _entity_of(model) -> Entity | None:
    try:
        return entities.for_model(model)
    except LookupError:
        return None


def _hidden_through(view: Entity, relation) -> bool:
    """A many-to-many relation edited as an inline (affiliations) is hidden with that inline."""
    through = getattr(getattr(relation, "remote_field", None), "through", None) or getattr(relation, "through", None)
    hidden_inlines = [inline for inline in entities.get(view.key).inlines if inline.name in view.hidden]
    return through is not None and any(inline.formset.model is through for inline in hidden_inlines)


def includes_of(view: Entity) -> dict[str, Include]:
    """The names `include=` accepts for the user's view of an entity (`entity_for`)."""
    user_model = get_user_model()
    found: dict[str, Include] = {}
    for relation in view.model._meta.get_fields():
        if not relation.is_relation or relation.name in view.hidden or _hidden_through(view, relation):
            continue
        if relation.many_to_one and relation.concrete and relation.related_model is user_model:
            found[relation.name] = Include(relation.name, USER, relation)
            continue
        target = _entity_of(relation.related_model)
        if target is not None and target.key != view.key:
            many = relation.many_to_many or relation.one_to_many
            found[relation.name] = Include(relation.name, RECORDS, relation, target, many)
    for inline in view.inlines:
        found.setdefault(inline.name, Include(inline.name, ROWS))
    return found


def parse_include(view: Entity, text: str) -> list[Include]:
    if not text.strip():
        return []
    known = includes_of(view)
    wanted = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    for name in wanted:
        if name not in known:
            raise BadRequest("include", "unknown_include", _(
                "“%(name)s” cannot be included here; choose among %(choices)s.")
                % {"name": name, "choices": ", ".join(sorted(known))})
    return [known[name] for name in wanted]


def _pairs(include: Include, model, pks) -> list[tuple]:
    """(record pk, related pk) for every related record of the page's records, in a stable order."""
    relation = include.relation
    if not include.many:
        return list(model._default_manager.filter(pk__in=pks, **{f"{relation.attname}__isnull": False})
                    .values_list("pk", relation.attname))
    if relation.many_to_many:
        field = relation if relation.concrete else relation.field
        through = field.remote_field.through
        mine, theirs = ((field.m2m_field_name(), field.m2m_reverse_field_name()) if relation.concrete
                        else (field.m2m_reverse_field_name(), field.m2m_field_name()))
        source, target = (through._meta.get_field(mine).attname, through._meta.get_field(theirs).attname)
        return list(through._default_manager.filter(**{f"{source}__in": pks}).order_by(source, target)
                    .values_list(source, target))
    link = relation.field  # a foreign key on the related model pointing here
    return list(relation.related_model._default_manager.filter(**{f"{link.name}__in": pks})
                .order_by(link.attname, "pk").values_list(link.attname, "pk"))


def _records(user, include: Include, ids) -> dict:
    target = include.target
    if not ids or not access.can(user, "view", target.key):
        return {}
    view = entity_for(user, target)
    queryset = access.visible(user, target.model._default_manager.filter(pk__in=ids), target.key)
    return {data["id"]: data for data in records_out(view, queryset)}


def _users(ids) -> dict:
    users = get_user_model()._default_manager.filter(pk__in=ids).values("pk", "full_name", "email")
    return {u["pk"]: {"id": u["pk"], "full_name": u["full_name"], "email": u["email"]} for u in users}


def embed(user, model, pks, includes: list[Include]) -> dict:
    """{record pk: {name: embedded}} for a page's records; one set of queries per name, whatever the page size."""
    embedded: dict = {pk: {} for pk in pks}
    for include in includes:
        if include.kind == ROWS:
            continue
        pairs = _pairs(include, model, pks)
        if include.many:
            kept: dict = {}
            for source, target in pairs:
                if len(kept.setdefault(source, [])) < MAX_PER_RECORD:
                    kept[source].append(target)
            pairs = [(source, target) for source, targets in kept.items() for target in targets]
        ids = {target for _source, target in pairs}
        found = _users(ids) if include.kind == USER else _records(user, include, ids)
        for pk in pks:
            embedded[pk][include.name] = [] if include.many else None
        for source, target in pairs:
            if target in found:
                if include.many:
                    embedded[source][include.name].append(found[target])
                else:
                    embedded[source][include.name] = found[target]
    return embedded


def openapi_included(schemas: dict, entity: Entity) -> dict:
    """The JSON schema of a record's `included` object, for /openapi.json."""
    user = {"type": "object", "properties": {"id": {"type": "integer"}, "full_name": {"type": "string"},
                                             "email": {"type": "string"}}}
    properties = {}
    for include in includes_of(entity).values():
        if include.kind == USER:
            properties[include.name] = {"anyOf": [user, {"type": "null"}]}
        elif include.kind == RECORDS:
            ref = {"$ref": f"#/components/schemas/{include.target.model.__name__}"}
            properties[include.name] = {"type": "array", "items": ref} if include.many else {
                "anyOf": [ref, {"type": "null"}]}
    return {"anyOf": [{"type": "object", "properties": properties, "additionalProperties": False},
                      {"type": "null"}],
            "description": _("Related records asked for with “include=”, by name.")}
