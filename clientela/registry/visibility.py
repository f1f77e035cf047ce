"""An entity as one user sees it: with the workspace's custom fields and without what their role hides.

Generic code takes the entity from `entity_for(user, entity)` and so never lists, filters, sorts,
searches, exports or edits a field the user's role hides; read-only fields stay visible but leave
the forms, bulk edits and API writes. Custom fields are named "cf_<key>".
"""

from dataclasses import replace

from django.utils import translation

from clientela.customization.layouts import entity_layout_parts, layout_for
from clientela.security import access
from clientela.workspaces.config_cache import remembered

from . import entities
from .custom_fields import with_custom_fields
from .entities import Entity


def entity_for(user, entity: Entity) -> Entity:
    """Built once per role, language and configuration version in each process (`config_cache`): the same for
    everyone with the role."""
    role_key = getattr(access.role_for(user), "key", "")

    def build():
        return _with_layout(role_key, _without_hidden(user, replace(entity, **with_custom_fields(entity))))

    if entities.get_or_none(entity.key) is not entity:  # already adapted: not the registry's own
        return build()
    return remembered(("entity", entity.key, role_key, translation.get_language()), build)  # titles are texts


def _with_layout(role_key: str, entity: Entity) -> Entity:
    """Sections and default list columns from the workspace's layout for the role (one query)."""
    return replace(entity, **entity_layout_parts(entity, layout_for(entity.key, role_key)))


def _without_hidden(user, entity: Entity) -> Entity:
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
        custom_fields=tuple(d for d in entity.custom_fields if d.form_name not in hidden),
        hidden=frozenset(hidden),
        read_only=frozenset(read_only),
    )
