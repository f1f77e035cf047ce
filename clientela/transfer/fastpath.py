"""Form validation per row without rebuilding what does not change between rows.

`FastForm.check(data)` runs the steps of `form.full_clean()` itself: each field's `clean()` and
`clean_<name>()`, the form's `clean()` and its `_post_clean()` (model field checks, custom fields). The
only shortcuts: a field the file does not feed is cleaned once per import (its input is the same on every
row), and a column's cleaned value is remembered per distinct cell value when the field has no hook.
A row it cannot accept returns None, and the caller runs the full form for the exact messages, so a
rejection always reads as it does on the record page.

The bulk API (`api.bulk`) uses it too, on existing records and a form narrowed to the fields a record sends:
the only values carried from one row to the next are those of fixed fields, and such a form has none.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelForm
from django.forms.utils import ErrorDict

from clientela.registry.custom_fields import clean_custom_values
from clientela.registry.forms import RecordForm

from .memo import Memo
from .normalise import E164

_MISSING = object()
_KNOWN_POST_CLEANS = (ModelForm._post_clean, RecordForm._post_clean)


class FastForm:
    def __init__(self, form, defaults: dict, fed: set[str], normalised: frozenset = frozenset()):
        """`form` is a bound form reused for every row; `defaults` its blank input; `fed` the fields
        the file gives values for (the others take `defaults` on every row). `normalised`: fields whose
        `clean_<name>` is `phones.to_e164`, skipped for a value that function already returned."""
        self.form, self.normalised = form, normalised
        self.model = form._meta.model
        self.usable = not (self.model._meta.constraints or self.model._meta.unique_together
                           or any(isinstance(f, forms.FileField) for f in form.fields.values())
                           or any(getattr(f, "unique", False) and f.name in form.fields and not f.primary_key
                                  for f in self.model._meta.fields))
        self.fixed: dict[str, object] = {}  # cleaned once: not fed by the file and no hook
        self.steps = []  # (name, field, hook, memo) in the form's field order
        self.model_steps = None  # per-row model checks, known after the first accepted row
        self.emulated = False  # whether `_post_clean` can stand in for the form's own (known with `model_steps`)
        self.unlisted = []  # model fields the form may save without a form field (`clean()` sets them)
        self.fixed_attributes: dict = {}
        self.fixed_related: dict = {}
        form.data, form.is_bound, form.cleaned_data, form._errors = dict(defaults), True, {}, ErrorDict()
        for name, field in form.fields.items():
            hook = getattr(form, f"clean_{name}", None)
            if name not in fed and hook is None:
                try:
                    self.fixed[name] = self._clean(name, field, defaults)
                except ValidationError:
                    self.usable = False  # every row fails on this field: the form says why
                self.steps.append((name, None, None, None))
                continue
            memo = Memo() if hook is None and not isinstance(field, forms.ModelChoiceField) else None
            self.steps.append((name, field, hook, memo))

    def _clean(self, name, field, data):
        form = self.form
        if field.disabled:
            value = form.get_initial_for_field(field, name)
        else:
            value = field.widget.value_from_datadict(data, form.files, form.add_prefix(name))
        return field.clean(value)

    def check(self, data: dict, instance):
        """The instance with the row's values when the form would accept `data`, else None."""
        form = self.form
        if not self.usable:
            return None
        form.data, form.is_bound, form.instance = data, True, instance
        form.__dict__.pop("changed_data", None)  # a cached property: of the previous row otherwise
        if form._errors is None or form._errors:  # an empty one is reused: it costs as much as a field
            form._errors = ErrorDict()
        form.cleaned_data = {}
        cleaned = form.cleaned_data
        try:
            for name, field, hook, memo in self.steps:
                if field is None:
                    value = self.fixed[name]
                    cleaned[name] = list(value) if isinstance(value, list) else value
                    continue
                if memo is not None:
                    raw = data.get(name, _MISSING) if not field.disabled else _MISSING
                    if raw is not _MISSING and type(raw) is str and raw in memo:
                        memo.hits += 1
                        value = memo[raw]
                        cleaned[name] = list(value) if isinstance(value, list) else value
                        continue
                    value = self._clean(name, field, data)
                    if type(raw) is str:
                        memo.remember(raw, value)
                    cleaned[name] = list(value) if isinstance(value, list) else value
                    continue
                cleaned[name] = self._clean(name, field, data)
                if hook is not None and not (name in self.normalised and type(data.get(name)) is E164):
                    cleaned[name] = hook()
        except ValidationError:
            return None
        form._clean_form()
        if form._errors:
            return None
        for name, value in self.fixed.items():  # a cross-field rule changed a field left at its default
            if form.cleaned_data.get(name, _MISSING) != value:
                return None
        if not self.emulated:
            return self._first_post_clean()
        return self._post_clean(data, form.cleaned_data)  # what `clean()` returned

    def _first_post_clean(self):
        """The form's own `_post_clean()`; on the first accepted row, also note what it made of the fields the
        file does not feed, to apply as is on the next rows."""
        form = self.form
        form._post_clean()
        if form._errors:
            return None
        instance = form.instance
        if self.model_steps is None:
            cleaned, form.cleaned_data = form.cleaned_data, {name: _MISSING for name in form.fields}
            exclude = form._get_validation_exclusions()  # what it leaves out whatever the values
            form.cleaned_data = cleaned
            unique = any((f.unique and not f.primary_key) or f.unique_for_date or f.unique_for_month
                         or f.unique_for_year for f in self.model._meta.fields)
            names = set(form._meta.fields or ()) - set(form._meta.exclude or ())
            per_row = {name for name, field, _hook, _memo in self.steps if field is not None}
            steps = []
            for model_field in self.model._meta.fields:
                name = model_field.name
                if name in per_row and name in names and name in form.fields and model_field.editable:
                    steps.append((name, model_field, form.fields[name], name in exclude))
            fixed = {f.attname: instance.__dict__[f.attname] for f in self.model._meta.fields
                     if f.name in self.fixed and f.name in names and f.attname in instance.__dict__}
            self.unlisted = [f for f in self.model._meta.fields if f.name in names and f.name not in form.fields
                             and f.editable and not isinstance(f, models.AutoField)]
            self.emulated = type(form)._post_clean in _KNOWN_POST_CLEANS and not unique
            self.model_steps = steps
            self.fixed_attributes = fixed
            cache = instance._state.fields_cache  # the related records those values name (an owner), shared
            self.fixed_related = {f.name: cache[f.name] for f in self.model._meta.fields
                                  if f.is_relation and f.attname in fixed and f.name in cache}
        return instance

    def _post_clean(self, data: dict, cleaned: dict):
        """`ModelForm._post_clean()` (and RecordForm's custom values) for the fields the file feeds."""
        form = self.form
        instance = form.instance
        instance.__dict__.update(self.fixed_attributes)
        instance._state.fields_cache.update(self.fixed_related)
        for name, model_field, form_field, _excluded in self.model_steps:
            value = cleaned.get(name)
            if (model_field.has_default() and form_field.widget.value_omitted_from_data(data, form.files, name)
                    and value in form_field.empty_values):
                continue
            model_field.save_form_data(instance, value)
        for model_field in self.unlisted:  # `construct_instance` saves what `clean()` added (a consent date)
            if model_field.name in cleaned:
                if model_field.has_default():
                    return None  # the form looks for its form field: let it
                model_field.save_form_data(instance, cleaned[model_field.name])
        try:
            for name, model_field, form_field, always_excluded in self.model_steps:
                if always_excluded or (not model_field.blank and not form_field.required
                                       and cleaned.get(name) in form_field.empty_values):
                    continue
                raw = getattr(instance, model_field.attname)
                if model_field.blank and raw in model_field.empty_values:
                    continue
                setattr(instance, model_field.attname, model_field.clean(raw, instance))
            instance.clean()
        except ValidationError:
            return None
        definitions = getattr(form, "custom_definitions", None)
        if definitions is not None:
            instance.custom = clean_custom_values(form, definitions)
            if form._errors:
                return None
        return instance
