"""The audit log for administrators: filter, page through and export it. Nothing here changes an entry."""

import csv
import json
from datetime import UTC, datetime, time, timedelta
from itertools import chain

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from clientela.common.forms import name_fields_in_messages
from clientela.common.spreadsheets import neutralise
from clientela.workspaces.models import User
from clientela.workspaces.scoping import iterate_in_workspace

from . import access
from .models import AuditEntry
from .token_views import workspace_page

PER_PAGE = 50
MAX_PAGE = 100_000  # keeps the SQL offset a sane number whatever the URL says
class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    actor = forms.ChoiceField(label=gettext_lazy("Who"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=gettext_lazy("Target contains"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = [("", _("Any")), *[(a, a) for a in actions]]
        actors = User.objects.filter(pk__in=AuditEntry.objects.values("actor_id")).order_by("full_name", "email")
        self.fields["actor"].choices = [("", _("Anyone")), ("system", _("System")),
                                        *[(str(u.pk), str(u)) for u in actors]]
        name_fields_in_messages(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("“To” must be on or after “From”."))
        return data


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(filters: dict):
    """The current workspace's entries matching the filters, newest first. Dates are in the user's zone."""
    entries = AuditEntry.objects.select_related("actor").order_by("-created_at", "-pk")
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("actor") == "system":
        entries = entries.filter(actor__isnull=True)
    elif filters.get("actor"):
        entries = entries.filter(actor_id=int(filters["actor"]))
    if filters.get("date_from"):
        entries = entries.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        entries = entries.filter(created_at__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    if text := (filters.get("q") or "").strip():
        entries = entries.filter(Q(target_label__icontains=text) | Q(target_id=text))
    return entries


def _filtered(request):
    if not access.is_admin(request.user):
        raise PermissionDenied(_("Only administrators can read the audit log."))
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, audit_entries(filters)


@require_safe
@workspace_page
def audit_list(request):
    form, entries = _filtered(request)
    try:
        page = min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
    except ValueError:
        page = 1
    offset = (page - 1) * PER_PAGE
    rows = list(entries[offset: offset + PER_PAGE + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "security/audit/list.html", {
        "form": form, "entries": rows[:PER_PAGE], "page": page, "has_next": len(rows) > PER_PAGE,
        "params": params.urlencode()}, status=422 if form.errors else 200)


class _Echo:
    def write(self, value):
        return value


def _csv_rows(entries, system_label: str):
    for entry in entries.iterator(chunk_size=2000):
        yield [neutralise(str(value)) for value in (
            entry.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            entry.actor.email if entry.actor else system_label,
            entry.action, entry.target_type, entry.target_id, entry.target_label,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True), entry.ip_address or "")]


@require_safe
@workspace_page
def audit_export(request):
    """The filtered log as CSV: every matching entry, not just the page on screen."""
    form, entries = _filtered(request)
    if form.errors:
        return audit_list(request)
    # Labels are translated here: the rows are written after the request's language is deactivated.
    header = [_("When (UTC)"), _("Who"), _("Action"), _("What"), _("Id"), _("Target"), _("Details"),
              _("IP address")]
    rows = chain([header], _csv_rows(entries, _("System")))
    writer = csv.writer(_Echo())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(iterate_in_workspace(writer.writerow(row) for row in rows),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
