from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.registry.entities import all_entities

from .models import WebhookSubscription
from .transport import AddressRefused, checked_address
from .webhooks import TEST_EVENT

ACTIONS = {"created": _("Created"), "updated": _("Changed"), "deleted": _("Moved to the trash"),
           "restored": _("Restored from the trash"), "purged": _("Deleted for good")}
EVERYTHING = "*"


def event_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The events an administrator can choose, per kind of record: (label, [(pattern, label)…])."""
    return [(str(entity.label_plural).capitalize(),
             [(f"{entity.key}.*", _("Every change")), *((f"{entity.key}.{action}", label)
                                                        for action, label in ACTIONS.items())])
            for entity in all_entities()]


def describe_events(patterns: list[str]) -> str:
    """The events of a subscription as people read them: "Contacts: created, changed · Companies: every change"."""
    if EVERYTHING in patterns:
        return str(_("Every event"))
    owner = {pattern: (label, name) for label, choices in event_groups() for pattern, name in choices}
    groups: dict = {}
    for pattern in patterns:
        label, name = owner.get(pattern, (None, pattern))
        groups.setdefault(label, []).append(str(name).lower() if label else pattern)
    return " · ".join(f"{label}: {', '.join(items)}" if label else ", ".join(items) for label, items in groups.items())


def event_label(event: str) -> str:
    """One delivered event in words."""
    return str(_("Test event")) if event == TEST_EVENT else describe_events([event])


class WebhookForm(forms.ModelForm):
    """The events are checkboxes, grouped by kind of record. A pattern saved in another way (the API of an earlier
    version, a typed `contacts.upd*`) is shown as a checkbox of its own, so saving the form keeps it."""

    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event."),
                        "invalid_choice": _("“%(value)s” is not one of the events listed.")})

    class Meta:
        model = WebhookSubscription
        fields = ["url", "description", "events", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = event_groups()
        known = {pattern for _label, choices in self.groups for pattern, _name in choices} | {EVERYTHING}
        self.others = [pattern for pattern in self.instance.events if pattern not in known]
        self.fields["events"].choices = [
            (EVERYTHING, _("Every event, including kinds added later")),
            *(choice for _label, choices in self.groups for choice in choices),
            *((pattern, pattern) for pattern in self.others)]

    def event_boxes(self) -> dict:
        """The checkboxes to lay out: the one for every event, those of each kind of record, the others."""
        boxes = {box.data["value"]: box for box in self["events"]}
        return {"everything": boxes[EVERYTHING],
                "groups": [(label, [boxes[pattern] for pattern, _name in choices]) for label, choices in self.groups],
                "others": [boxes[pattern] for pattern in self.others]}

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            checked_address(url)
        except AddressRefused as exc:
            raise forms.ValidationError(str(exc), code="address_refused") from exc
        return url

    def clean_events(self):
        chosen = set(self.cleaned_data["events"])  # kept in the order the form lists them
        return [pattern for pattern, _label in self.fields["events"].choices if pattern in chosen]
