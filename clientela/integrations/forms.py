import re

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.registry.entities import all_entities

from .models import WebhookSubscription
from .transport import AddressRefused, checked_address

ACTIONS = ("created", "updated", "deleted", "restored", "purged", "*")
PATTERN = re.compile(r"^(\*|[a-z_]+\.[a-z_.*]+)$")


class WebhookForm(forms.ModelForm):
    events = forms.CharField(
        label=_("Events"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line or separated by commas, e.g. contacts.created, companies.* or * for every event."))

    class Meta:
        model = WebhookSubscription
        fields = ["url", "description", "events", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["events"] = ", ".join(self.instance.events)

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            checked_address(url)
        except AddressRefused as exc:
            raise forms.ValidationError(str(exc), code="address_refused") from exc
        return url

    def clean_events(self):
        keys = {entity.key for entity in all_entities()} | {"*"}
        patterns = [p.strip() for p in re.split(r"[,\s]+", self.cleaned_data["events"]) if p.strip()]
        if not patterns:
            raise forms.ValidationError(_("Choose at least one event."), code="required")
        for pattern in patterns:
            if not PATTERN.match(pattern) or pattern.split(".")[0] not in keys:
                raise forms.ValidationError(
                    _("“%(pattern)s” is not an event: use <records>.<action>, where records is one of %(keys)s "
                      "and action one of %(actions)s.") % {
                        "pattern": pattern, "keys": ", ".join(sorted(keys - {"*"})), "actions": ", ".join(ACTIONS)},
                    code="invalid_event")
        return list(dict.fromkeys(patterns))
