"""Field-level security applied to the registry: an entity as one user may see it.

Generic code takes the entity from `entity_for(user, entity)` and so never lists, filters, sorts,
searches, exports or edits a field the user's role hides; read-only fields stay visible but leave
the forms, bulk edits and API writes.
"""

from dataclasses import replace

from clientela.security import access

from .entities import Entity


def entity_for(user, entity: Entity) -> Entity:
    hidden = access.hidden_fields(user, entity.key)
    read_only = access.read_only_fields(user, entity.key)
    if not hidden and not read_only:
        return entity

    def shown(names):
        return [n for n in names if entity.source(n) not in hidden]

    return replace(
        entity,
        list_columns=shown(entity.list_columns),
        filters=shown(entity.filters),
        sortable=shown(entity.sortable),
        search_fields=shown(entity.search_fields),
        detail_fields=shown(entity.detail_fields),
        bulk_fields=[n for n in shown(entity.bulk_fields) if n not in read_only],
        inlines=[i for i in entity.inlines if i.name not in hidden],
        hidden=frozenset(hidden),
        read_only=frozenset(read_only),
    )
