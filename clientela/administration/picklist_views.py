"""Picklist settings: every list of an entity (built-in choice fields and custom picklists), and its editor."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clientela.customization import picklists
from clientela.customization.models import FieldKind
from clientela.customization.picklist_services import picklist_save
from clientela.registry import entities
from clientela.security.decorators import admin_required

from .picklist_forms import OptionFormSet, PicklistForm, option_initial, when_choices


def _entity_or_404(key):
    entity = entities.get_or_none(key)
    if entity is None:
        raise Http404
    return entity


def _lists(entity) -> dict[str, dict]:
    """name -> {label, options, controlled_by, custom, multi, max_length} for each picklist of the entity."""
    result = {}
    for item in picklists.entity_picklists(entity):
        definition = item["custom"]
        if definition is not None:
            options, controlled_by = picklists.custom_options(definition), definition.controlled_by
            multi, max_length = definition.kind == FieldKind.MULTI_PICKLIST, 60
        else:
            model_field = item["model_field"]
            options = picklists.picklist_options(entity.key, item["name"], model_field)
            controlled_by = picklists.picklist_controlled_by(entity.key, item["name"])
            multi, max_length = False, model_field.max_length or 60
        result[item["name"]] = {**item, "options": options, "controlled_by": controlled_by, "multi": multi,
                                "max_length": max_length}
    for meta in result.values():
        meta["controller_label"] = result[meta["controlled_by"]]["label"] if meta["controlled_by"] in result \
            else meta["controlled_by"]
    return result


@admin_required
def picklist_list(request, entity):
    entity = _entity_or_404(entity)
    lists = _lists(entity)
    for meta in lists.values():
        meta["labels"] = [{"label": picklists.label(o), "color": o["color"], "active": o["active"]}
                          for o in meta["options"]]
    return render(request, "administration/picklists/list.html",
                  {"entity": entity, "all_entities": entities.all_entities(), "lists": lists})


@admin_required
def picklist_edit(request, entity, name):
    entity = _entity_or_404(entity)
    lists = _lists(entity)
    current = lists.get(name)
    if current is None:
        raise Http404
    controllers = {n: m for n, m in lists.items() if n != name and not m["multi"] and m["controlled_by"] != name}
    data = request.POST if request.method == "POST" else None
    form = PicklistForm(data, controllers=controllers, initial={"controlled_by": current["controlled_by"]})
    controlled_by = data.get("controlled_by", "") if data is not None else current["controlled_by"]
    formset = OptionFormSet(data, prefix="options", initial=option_initial(current["options"]),
                            form_kwargs={"when_choices": when_choices(controllers.get(controlled_by)),
                                         "max_length": current["max_length"]})
    if data is not None and form.is_valid() and formset.is_valid():
        change = picklist_save(entity_key=entity.key, name=name, options=formset.options(),
                               controlled_by=form.cleaned_data["controlled_by"], by=request.user,
                               reason=form.cleaned_data["reason"], request=request)
        if change is None:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(request, _("List “%(label)s” saved.") % {"label": current["label"]})
        if form.cleaned_data["controlled_by"] and form.cleaned_data["controlled_by"] != current["controlled_by"]:
            messages.info(request, _("Now choose, for each option, the values it is offered for."))
            return redirect("picklist_edit", entity=entity.key, name=name)
        return redirect("picklist_list", entity=entity.key)
    status = 422 if form.errors or not (data is None or formset.is_valid()) else 200
    return render(request, "administration/picklists/edit.html",
                  {"entity": entity, "name": name, "picklist": current, "form": form, "formset": formset,
                   "dependent": bool(controlled_by and controlled_by in controllers),
                   "controller": controllers.get(controlled_by)}, status=status)
