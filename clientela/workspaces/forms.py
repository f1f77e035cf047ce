import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User

COMMON_TIMEZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("Same as my browser"))] + list(settings.LANGUAGES))
    timezone = forms.ChoiceField(label=_("Time zone"), choices=[(z, z.replace("_", " ")) for z in COMMON_TIMEZONES])

    class Meta:
        model = User
        fields = ["full_name", "language", "timezone"]
