"""List filters of the API: `f_<name>[__<operator>]=<value>` on every field the caller's role shows.

The fields are read from the caller's view of the entity (`registry.visibility.entity_for`): its list
filters, the record's own plain fields the API shows, the timestamps and the custom fields. A field the
role hides is not among them, so filtering on it is refused like an unknown filter — a filter that
silently does nothing makes an integrator believe the list is filtered, so every `f_` parameter either
applies or is a 400 naming it.

Equality on the web list's own filters (`Entity.filters`) keeps going through `ListQuery.filters`, so it
compiles exactly as the list page's filter (same indexes, `owner=me`, tags by name); the other operators
become `ListQuery.conditions`. Custom fields compare the expression their `_o`/`_f` indexes are built on.

`__in` takes its values comma-separated when the parameter is given once, and one whole value per repetition
when it is repeated (`f_city__in=Madrid&f_city__in=Sevilla, Spain`), so a value may contain commas. Any other
operator takes one value: repeating it is a 400, not the last one silently winning.
"""

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q
from django.db.models.fields.json import KeyTransform
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from clientela.customization.indexes import CustomValue, JsonLiteral, indexable_key
from clientela.customization.kinds import NUMBER_KINDS, TEXT_KINDS, options
from clientela.customization.models import FieldKind
from clientela.customization.picklists import picklist_options
from clientela.registry.entities import Entity

from .fields import record_fields
from .problems import BadRequest

PREFIX = "f_"
MAX_VALUES = 100  # in one `__in`, all its repetitions together
MAX_NUMBER = Decimal(10) ** 18

# kinds of filterable fields -> the operators they take ("eq" is the bare `f_<name>`)
CHOICE, OWNER, TAGS, TEXT, NUMBER, DATE, DATETIME, BOOLEAN, LOOKUP, MULTI = (
    "choice", "owner", "tags", "text", "number", "date", "datetime", "boolean", "lookup", "multi")
RANGES = ("gt", "gte", "lt", "lte")
OPERATORS = {
    CHOICE: ("eq", "in", "isempty"), OWNER: ("eq", "in", "isempty"), TAGS: ("eq", "in", "isempty"),
    TEXT: ("eq", "in", "contains", "isempty"), NUMBER: ("eq", "in", *RANGES, "isempty"),
    DATE: ("eq", "in", *RANGES, "isempty"), DATETIME: ("eq", *RANGES, "isempty"), BOOLEAN: ("eq",),
    LOOKUP: ("eq", "in", "isempty"), MULTI: ("eq", "in", "isempty"),
}
ALL_OPERATORS = frozenset(op for ops in OPERATORS.values() for op in ops)
_CUSTOM_KINDS = {FieldKind.PICKLIST: CHOICE, FieldKind.CHECKBOX: BOOLEAN, FieldKind.DATE: DATE,
                 FieldKind.DATETIME: DATETIME, FieldKind.LOOKUP: LOOKUP, FieldKind.MULTI_PICKLIST: MULTI,
                 **dict.fromkeys(TEXT_KINDS, TEXT), **dict.fromkeys(NUMBER_KINDS, NUMBER)}
_RANGE_LOOKUPS = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}
_TIME_WITH_SPACED_OFFSET = re.compile(r"[T ]\d\d:\d\d(:\d\d(\.\d+)?)? (\d\d:?\d\d)$")


@dataclass(frozen=True)
class Filterable:
    name: str  # as in `f_<name>`: a model field name or "cf_<key>"
    kind: str
    label: str
    model_field: models.Field | None = None
    definition: object = None  # the custom field's FieldDefinition
    entity_key: str = ""  # a built-in field's entity (its picklist's options)

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]


def _builtin_kind(field: models.Field, listed: bool) -> str | None:
    if field.name == "owner":
        return OWNER
    if field.many_to_many:
        return TAGS if listed else None  # by name, like the list page's filter
    if field.is_relation:
        return None
    if field.choices:
        return CHOICE
    for field_class, kind in ((models.BooleanField, BOOLEAN), (models.DateTimeField, DATETIME),
                              (models.DateField, DATE), (models.DecimalField, NUMBER), (models.FloatField, NUMBER),
                              (models.IntegerField, NUMBER), (models.CharField, TEXT), (models.TextField, TEXT)):
        if isinstance(field, field_class):
            return kind
    return None


def builtin_filterables(entity: Entity) -> list[Filterable]:
    """The record's own fields the API shows and this view of the entity does not hide, plus the timestamps."""
    fields = [f.model_field for f in record_fields(entity) if f.model_field is not None and f.output]
    fields += [entity.model._meta.get_field(name) for name in ("created_at", "updated_at")]
    result = []
    for field in fields:
        if field.name in entity.hidden:
            continue
        kind = _builtin_kind(field, field.name in entity.filters)
        if kind is not None:
            result.append(Filterable(field.name, kind, str(field.verbose_name), field, entity_key=entity.key))
    return result


def filterables(entity: Entity) -> dict[str, Filterable]:
    """What the caller may filter on, by name: `entity` is the caller's view (`entity_for`)."""
    found = {f.name: f for f in builtin_filterables(entity)}
    for definition in entity.custom_fields:
        kind = _CUSTOM_KINDS.get(definition.kind)
        if kind is not None:
            found[definition.form_name] = Filterable(definition.form_name, kind, str(definition.label),
                                                     definition=definition)
    return found


# --- parsing values ------------------------------------------------------------------------------------


def _invalid(parameter: str, message) -> BadRequest:
    return BadRequest(parameter, "invalid_value", message)


def _shown(value: str) -> str:
    return value if len(value) <= 60 else f"{value[:60]}…"


def _boolean(parameter: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _invalid(parameter, _("“%(parameter)s”: use “true” or “false”.") % {"parameter": parameter})


def _number(parameter: str, value: str, field: Filterable) -> Decimal | int:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _invalid(parameter, _("“%(parameter)s”: “%(value)s” is not a number.")
                       % {"parameter": parameter, "value": _shown(value)})
    model_field = field.model_field
    limit = MAX_NUMBER
    if isinstance(model_field, models.DecimalField):
        limit = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
    if abs(number) >= limit:
        raise _invalid(parameter, _("“%(parameter)s”: %(value)s is out of range.")
                       % {"parameter": parameter, "value": _shown(value)})
    whole = isinstance(model_field, models.IntegerField) or field.definition is not None
    return int(number) if whole and number == number.to_integral_value() else number


def _date(parameter: str, value: str) -> datetime.date:
    try:
        parsed = parse_date(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise _invalid(parameter, _("“%(parameter)s”: “%(value)s” is not a date (YYYY-MM-DD).")
                       % {"parameter": parameter, "value": _shown(value)})
    return parsed


def _moment(parameter: str, value: str) -> datetime.datetime | datetime.date:
    """A date and time (aware, in UTC), or a date alone: that whole day in the caller's time zone (`api.auth`).

    In UTC, because that is how it is compared: a moment that UTC cannot hold (9999-12-31T23:59-14:00) is refused
    here, and PostgreSQL never sees an offset it does not take (it takes at most ±15:59, Python ±23:59)."""
    text = value.strip()
    if (match := _TIME_WITH_SPACED_OFFSET.search(text)) is not None:  # a "+" the query string made a space
        text = f"{text[:match.start(3) - 1]}+{match.group(3)}"
    try:
        day = parse_date(text)
        if day is not None:
            return day
        moment = parse_datetime(text)
        if moment is not None:
            moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
            return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        pass
    raise _invalid(parameter, _("“%(parameter)s”: “%(value)s” is not a date (YYYY-MM-DD) or a date and time "
                                "(ISO 8601, e.g. 2025-03-01T09:30:00+01:00).")
                   % {"parameter": parameter, "value": _shown(value)})


def _day_start(parameter: str, day: datetime.date, days: int = 0) -> datetime.datetime:
    try:
        start = datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time())
        return timezone.make_aware(start).astimezone(datetime.UTC)
    except (OverflowError, ValueError) as exc:
        raise _invalid(parameter, _("“%(parameter)s”: %(value)s is out of range.")
                       % {"parameter": parameter, "value": day.isoformat()}) from exc


def _owner(parameter: str, value: str, user) -> int | None:
    value = value.strip().lower()
    if value == "me":
        return user.pk
    if value == "none":
        return None
    if value.isdigit() and len(value) < 19:
        return int(value)
    raise _invalid(parameter, _("“%(parameter)s”: use a user id, “me” or “none”.") % {"parameter": parameter})


def _values(parameter: str, given: list[str]) -> list[str]:
    """The values of one parameter (`given`: each time the query string gives it): comma-separated when it is
    given once; when it is repeated, each repetition is one value taken whole (a value may then contain commas;
    empty ones are skipped). At most `MAX_VALUES` in all."""
    parts = given[0].split(",") if len(given) == 1 else given
    values = [part.strip() for part in parts if part.strip()]
    if len(values) > MAX_VALUES:
        raise _invalid(parameter, _("“%(parameter)s”: give at most %(limit)d values.")
                       % {"parameter": parameter, "limit": MAX_VALUES})
    return values


def _option_keys(parameter: str, field: Filterable, values: list[str]) -> list[str]:
    """`values`, each an option key of the picklist (inactive options too: records keep them), else a 400: an
    unknown key is a typo or a label, which would silently match nothing."""
    if field.definition is not None:
        keys = [key for key, _label in options(field.definition, include_inactive=True)]
    else:
        keys = [option["value"] for option in picklist_options(field.entity_key, field.name, field.model_field)]
    for value in values:
        if value not in keys:
            shown = ", ".join(f"“{key}”" for key in keys[:20]) + (", …" if len(keys) > 20 else "")
            raise _invalid(parameter, _("“%(parameter)s”: “%(value)s” is not an option of “%(field)s”; use "
                                        "%(choices)s.") % {"parameter": parameter, "value": _shown(value),
                                                           "field": field.label, "choices": shown or "—"})
    return list(dict.fromkeys(values))


# --- conditions ----------------------------------------------------------------------------------------


def _any(conditions) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def _json(value):
    """A parsed value as the JSON the `custom` column stores (numbers as numbers, dates as ISO text)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _custom_compare(definition, lookup: str, value) -> Q:
    """`custom.<key> <lookup> value` on the expression of the key's indexes (Django's JSON path otherwise)."""
    if indexable_key(definition.key):
        lookup_class = Exact if lookup == "exact" else _RANGE_LOOKUPS[lookup]
        return Q(lookup_class(CustomValue(definition.key), JsonLiteral(_json(value))))
    return Q(**{f"custom__{definition.key}__{lookup}": _json(value)})


class HasAnyOption(Func):
    """A multi-picklist's stored list (`custom.<key>`, a JSON list of option keys) holds one of `keys`.

    PostgreSQL: `(custom -> 'key') @> '["b"]'::jsonb OR …` — jsonb containment on the expression custom fields'
    indexes use (`CustomValue`), which a GIN index on that expression would serve. SQLite: `EXISTS (SELECT 1
    FROM JSON_EACH(custom, '$."key"') WHERE …)` over the list's members only (their key is their position), so
    a scalar left where a list should be matches on neither database. Option keys are bound parameters.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, key: str, keys: list[str]):
        if not keys:
            raise ValueError("HasAnyOption needs at least one option key")
        value = CustomValue(key) if indexable_key(key) else KeyTransform(key, "custom")
        super().__init__(F("custom"), value)
        self.key, self.keys = key, list(keys)

    def as_sql(self, compiler, connection, **extra):  # SQLite
        column, params = compiler.compile(self.source_expressions[0])
        marks = ", ".join(["%s"] * len(self.keys))
        where = f"TYPEOF(cf_option.key) = 'integer' AND cf_option.value IN ({marks})"  # list members only
        sql = f"EXISTS (SELECT 1 FROM JSON_EACH({column}, %s) AS cf_option WHERE {where})"  # noqa: S608 - values bound
        return sql, [*params, f'$."{self.key}"', *self.keys]

    def as_postgresql(self, compiler, connection, **extra):
        value, params = compiler.compile(self.source_expressions[1])
        sql = " OR ".join(f"{value} @> %s::jsonb" for _key in self.keys)
        return f"({sql})", [param for key in self.keys for param in (*params, json.dumps([key]))]


def _custom_empty(definition) -> Q:
    return ~Q(custom__has_key=definition.key) | Q(**{f"custom__{definition.key}": None})


def _m2m(field, names: list[str] | None = None) -> Exists:
    """Has a related row (named one of `names`, in any case), as EXISTS: a join would repeat a record that
    matches twice."""
    through = field.remote_field.through
    rows = through._default_manager.filter(**{field.m2m_field_name(): OuterRef("pk")})
    if names is not None:
        related = field.m2m_reverse_field_name()
        rows = rows.filter(_any(Q(**{f"{related}__name__iexact": name}) for name in names))
    return Exists(rows)


def _empty(field: Filterable) -> Q:
    if field.definition is not None:
        return _custom_empty(field.definition)
    model_field = field.model_field
    if field.kind == TAGS:
        return ~_m2m(model_field)
    empty = Q(**{f"{field.name}__isnull": True}) if model_field.null else Q(pk__in=[])
    if isinstance(model_field, models.CharField | models.TextField):
        empty |= Q(**{field.name: ""})
    return empty


def _parse(parameter: str, field: Filterable, value: str):
    if field.kind == NUMBER:
        return _number(parameter, value, field)
    if field.kind == DATE:
        return _date(parameter, value)
    if field.kind == DATETIME:
        return _moment(parameter, value)
    return value


def _datetime_range(field: Filterable, op: str, parameter: str, value) -> Q:
    """A date alone on a date-time field is the whole day: `gte` from its start, `lte` to its end."""
    compare = _custom_compare if field.definition is not None else None

    def at(lookup, moment):
        return compare(field.definition, lookup, moment) if compare else Q(**{f"{field.name}__{lookup}": moment})

    if isinstance(value, datetime.datetime):
        return at("exact" if op == "eq" else op, value)
    start, end = _day_start(parameter, value), _day_start(parameter, value, days=1)
    return {"eq": at("gte", start) & at("lt", end), "gte": at("gte", start), "lt": at("lt", start),
            "gt": at("gte", end), "lte": at("lt", end)}[op]


def _condition(field: Filterable, op: str, parameter: str, given: list[str], user) -> Q:
    """The condition of one parameter: `given` is its one value, or for `__in` each time it was given."""
    value = given[0]
    if op == "isempty":
        empty = _empty(field)
        return empty if _boolean(parameter, value) else ~empty
    if field.kind == DATETIME:
        return _datetime_range(field, op, parameter, _parse(parameter, field, value))
    if field.kind == OWNER:
        owners = [_owner(parameter, one, user) for one in _values(parameter, given)]
        ids = [pk for pk in owners if pk is not None]
        return Q(owner_id__in=ids) | (Q(owner__isnull=True) if None in owners else Q(pk__in=[]))
    if field.kind == TAGS:
        return Q(_m2m(field.model_field, _values(parameter, given)))
    if field.kind == MULTI:
        keys = _values(parameter, given) if op == "in" else [value.strip()] if value.strip() else []
        return Q(HasAnyOption(field.definition.key, _option_keys(parameter, field, keys))) if keys else Q(pk__in=[])
    if op == "contains":
        path = f"custom__{field.definition.key}" if field.definition is not None else field.name
        return Q(**{f"{path}__icontains": value})
    values = [_parse(parameter, field, one) for one in _values(parameter, given)] if op == "in" \
        else [_parse(parameter, field, value)]
    if field.kind == CHOICE:  # "" stays: a picklist left empty (as `isempty`)
        _option_keys(parameter, field, [one for one in values if one])
    lookup = "exact" if op in ("eq", "in") else op
    if field.definition is not None:
        return _any(_custom_compare(field.definition, lookup, one) for one in values)
    if op == "in":
        return Q(**{f"{field.name}__in": values})
    return Q(**{f"{field.name}__{lookup}": values[0]})


# --- the request ---------------------------------------------------------------------------------------


def _split(name: str, available: dict[str, Filterable], parameter: str) -> tuple[Filterable, str]:
    if name in available:
        return available[name], "eq"
    base, _sep, op = name.rpartition("__")
    if base in available and op in ALL_OPERATORS:
        field = available[base]
        if op not in field.operators:
            choices = ", ".join(f"“{PREFIX}{base}{'' if one == 'eq' else '__' + one}”" for one in field.operators)
            raise BadRequest(parameter, "invalid_operator",
                             _("“%(parameter)s”: this operator does not apply to “%(field)s”; use %(choices)s.")
                             % {"parameter": parameter, "field": field.label, "choices": choices})
        return field, op
    raise BadRequest(parameter, "unknown_filter",
                     _("“%(parameter)s” is not a filter of this record type that your role can use.")
                     % {"parameter": parameter})


def _given(params):
    """(parameter, [every value it was given]): a QueryDict's repetitions, or a plain dict's values."""
    if hasattr(params, "lists"):
        return params.lists()
    return ((name, value if isinstance(value, list | tuple) else [value]) for name, value in params.items())


def list_filters(entity: Entity, params, user) -> tuple[dict[str, str], list[Q]]:
    """(the list page's equality filters, other conditions) from every `f_` query parameter.

    `entity` is the caller's view; `params` the raw query parameters — `request.GET`, so a repeated parameter
    keeps all its values (custom fields vary by workspace, so they are not typed parameters). An empty value
    means no filter, as on the list page; only `__in` may be repeated.
    """
    available = filterables(entity)
    filters, conditions = {}, []
    for parameter, values in _given(params):
        if not parameter.startswith(PREFIX):
            continue
        field, op = _split(parameter.removeprefix(PREFIX), available, parameter)
        given = [value for value in values if value]
        for value in given:  # every repetition, not only the last one the caller's check saw
            if "\x00" in value:
                raise BadRequest(parameter, "null_characters", _("“%(field)s” contains null characters, which "
                                                                "are not allowed.") % {"field": parameter})
        if not given:
            continue
        if len(given) > 1 and op != "in":
            raise _invalid(parameter, _("“%(parameter)s” is given more than once; only “__in” takes several "
                                        "values.") % {"parameter": parameter})
        if op == "eq" and field.name in entity.filters:
            filters[field.name] = _legacy_value(parameter, field, given[0], user)
        else:  # `__in` sees every repetition, even empty ones: `f_x__in=a, b&f_x__in=` is the one value "a, b"
            conditions.append(_condition(field, op, parameter, list(values) if op == "in" else given, user))
    return filters, conditions


def _legacy_value(parameter: str, field: Filterable, value: str, user) -> str:
    """The value for the list page's filter (`registry.selectors.apply_filters`), checked first."""
    if field.kind == OWNER:
        owner = _owner(parameter, value, user)
        return "none" if owner is None else str(owner)
    if field.kind == BOOLEAN:
        return "1" if _boolean(parameter, value) else "0"
    if field.kind == CHOICE:
        _option_keys(parameter, field, [value])
    return value
