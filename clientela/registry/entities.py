"""The entity registry: each CRM object declares its metadata once; generic code reads it.

List, detail, form, search, export, history, the timeline and the API all work off an `Entity`.
Adding an entity is a model plus `register(Entity(...))` in its app's `entities.py`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from clientela.common.models import rows_prefetch


@dataclass(frozen=True)
class Inline:
    """A set of child rows edited with the record (e.g. a contact's emails), via a formset."""

    name: str
    label: Any
    formset: Any  # an inline formset class
    describe: Callable[[Any], str]  # one child row as text, for history


@dataclass(frozen=True)
class Entity:
    key: str  # plural, URL- and API-safe: "contacts"
    model: type[Model]
    form_class: Any
    list_columns: Sequence[str]
    search_fields: Sequence[str]  # free-text filter on lists (contains)
    filters: Sequence[str] = ()
    bulk_fields: Sequence[str] = ()  # fields a bulk edit may set
    detail_fields: Sequence[str] = ()
    default_sort: str = "-updated_at"
    sortable: Sequence[str] = ()
    sort_map: dict[str, Sequence[str]] = field(default_factory=dict)  # column -> order_by fields
    # extra conditions a sharing rule may use beyond the filters: lookup path -> label
    extra_rule_fields: dict[str, Any] = field(default_factory=dict)
    # computed column -> the field or inline it shows (so hiding "phones" also hides "primary_phone")
    column_sources: dict[str, str] = field(default_factory=dict)
    inlines: Sequence[Inline] = ()
    select_related: Sequence[str] = ("owner",)
    prefetch_related: Sequence[str] = ()
    # Global search: (queryset, query text, hidden field names) -> queryset; defaults to a prefix match.
    searcher: Callable[[QuerySet, str, frozenset], QuerySet] | None = None
    # Other records whose timeline items belong on this record's 360° page.
    related_records: Callable[[Any, Any], dict[str, list]] | None = None
    # Set on the per-user copy made by `registry.visibility.entity_for`.
    hidden: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()  # shown, not editable
    custom_fields: tuple = ()  # the workspace's FieldDefinitions, named "cf_<key>" in columns and filters
    # Detail page and form grouping: ((title, [field names]), ...) in the user's language; the applied
    # customization Layout, if any (None = the default arrangement).
    sections: tuple = ()
    layout: Any = None

    @property
    def label(self):
        return self.model._meta.verbose_name

    @property
    def label_plural(self):
        return self.model._meta.verbose_name_plural

    def rule_fields(self) -> dict[str, str]:
        """Fields a sharing rule can match on: filters with fixed choices, plus declared related paths."""
        fields = {name: self.field_label(name) for name in self.filters
                  if not name.startswith("cf_") and self.field(name).choices}
        return {**fields, **{path: str(label) for path, label in self.extra_rule_fields.items()}}

    def source(self, column: str) -> str:
        return self.column_sources.get(column, column)

    def order_fields(self, column: str) -> Sequence[str]:
        if definition := self.custom(column):
            return (f"custom__{definition.key}",)
        return self.sort_map.get(column, (column,))

    def custom(self, name: str):
        """The custom field definition behind a "cf_<key>" name, or None for a built-in field."""
        if not name.startswith("cf_"):
            return None
        return next((d for d in self.custom_fields if d.form_name == name), None)

    def lookup_path(self, name: str) -> str:
        """The ORM path of a field name, e.g. "cf_tier" -> "custom__tier"."""
        definition = self.custom(name)
        return f"custom__{definition.key}" if definition else name

    def field(self, name: str):
        return self.model._meta.get_field(name)

    def field_label(self, name: str) -> str:
        if definition := self.custom(name):
            return definition.label
        try:
            return str(self.field(name).verbose_name)
        except Exception:  # a computed column
            return str(getattr(self.model, name).short_description)

    def base_queryset(self) -> QuerySet:
        """Records with what their list columns show; to-many rows land on `<name>_rows` (`related_rows`)."""
        prefetches = [rows_prefetch(self.model, lookup) for lookup in self.prefetch_related]
        return self.model.objects.select_related(*self.select_related).prefetch_related(*prefetches)

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        from .custom_fields import custom_global_search

        if self.searcher:
            found = self.searcher(queryset, text, self.hidden)
        else:
            condition = Q()
            for name in self.search_fields:
                if not name.startswith("cf_"):
                    condition |= Q(**{f"{name}__istartswith": text})
            found = queryset.filter(condition)
        # text custom fields the user may see (the per-user entity has only those), by their indexed prefix
        custom = custom_global_search(self.custom_fields, text)
        return found if custom is None else found | queryset.filter(custom)

    def search_branches(self, queryset: QuerySet, text: str) -> list[QuerySet] | None:
        """`search` as querysets whose union it is, where the matcher can split it; else None."""
        from .custom_fields import custom_global_search

        split = getattr(self.searcher, "branches", None)
        branches = split(queryset, text, self.hidden) if split else None
        if branches is None:
            return None
        custom = custom_global_search(self.custom_fields, text)
        return branches if custom is None else [*branches, queryset.filter(custom)]


_registry: dict[str, Entity] = {}


def register(entity: Entity) -> Entity:
    _registry[entity.key] = entity
    return entity


def get(key: str) -> Entity:
    return _registry[key]


def get_or_none(key: str) -> Entity | None:
    return _registry.get(key)


def for_model(model) -> Entity:
    for entity in _registry.values():
        if entity.model is model or isinstance(model, entity.model):
            return entity
    raise LookupError(model)


def all_entities() -> list[Entity]:
    return list(_registry.values())
