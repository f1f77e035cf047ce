"""Pages for privacy requests about a contact: overview, JSON export, anonymise and erase (admins)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.common.forms import name_fields_in_messages
from clientela.registry.display import field_display
from clientela.security import access

from . import privacy
from .models import Contact


class PrivacyRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=privacy.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the audit log: e.g. the request's reference, date and channel. "
                               "Do not write the person's name or contact details here."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_fields_in_messages(self)


def _contact(user, pk, queryset=None):
    return access.get_visible_or_404(user, queryset if queryset is not None else Contact.objects.all(),
                                     privacy.ENTITY, pk)


@login_required
def contact_privacy(request, pk):
    contact = _contact(request.user, pk)
    hidden = access.hidden_fields(request.user, privacy.ENTITY)
    consent = [{"label": Contact._meta.get_field(name).verbose_name, "value": field_display(contact, name)}
               for names in privacy.CONSENT_FIELDS.values() for name in names if name not in hidden]
    return render(request, "customers/privacy_overview.html", {
        "record": contact, "consent": consent,
        "can_export": access.can_record(request.user, "export", privacy.ENTITY, contact),
        "is_admin": access.is_admin(request.user)})


@login_required
def contact_privacy_export(request, pk):
    """Everything held about the contact, as a JSON file (right of access and portability)."""
    contact = _contact(request.user, pk)
    if not access.can_record(request.user, "export", privacy.ENTITY, contact):
        raise PermissionDenied(_("Your role does not allow exporting contacts."))
    data = privacy.contact_export_data(contact=contact, by=request.user, request=request)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


def _confirm(request, pk, erase: bool):
    if not access.is_admin(request.user):
        raise PermissionDenied(_("Only administrators can anonymise or erase a contact."))
    contact = _contact(request.user, pk, Contact.with_trashed.all())
    form = PrivacyRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = privacy.contact_erase if erase else privacy.contact_anonymise
        try:
            counts = service(contact=contact, by=request.user, reason=form.cleaned_data["reason"], request=request)
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            if erase:
                messages.success(request, _(
                    "The contact was erased with its %(notes)d notes, %(attachments)d attachments, %(emails)d "
                    "emails, %(phones)d phones and %(addresses)d addresses.") % counts)
                return redirect("record_list", entity=privacy.ENTITY)
            messages.success(request, _(
                "The contact was anonymised: %(emails)d emails, %(phones)d phones, %(addresses)d addresses and "
                "%(attachments)d attachments removed; %(notes)d notes cleared.") % counts)
            if contact.deleted_at is not None:
                return redirect("record_trash", entity=privacy.ENTITY)
            return redirect("record_detail", entity=privacy.ENTITY, pk=contact.pk)
    return render(request, "customers/privacy_confirm.html", {"record": contact, "form": form, "erase": erase},
                  status=422 if form.errors else 200)


@login_required
def contact_privacy_anonymise(request, pk):
    return _confirm(request, pk, erase=False)


@login_required
def contact_privacy_erase(request, pk):
    return _confirm(request, pk, erase=True)
