"""Login history: every attempt is recorded with where it came from."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clientela.common.network import client_ip
from clientela.common.spreadsheets import neutralise
from clientela.workspaces.models import Membership, User, Workspace

from ..models import LoginEvent

# Same rule as the record exports: a cell that starts like a formula is shown as text.
USER_AGENT_MAX = 255


request_ip = client_ip


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=(email or "").strip()).first() if email else None


def landing_workspace_id(user: User) -> int | None:
    """The workspace a login lands in: the last one used, else the first by name."""
    ids = list(Membership.objects.filter(user=user, is_active=True).order_by("workspace__name")
               .values_list("workspace_id", flat=True))
    if user.last_workspace_id in ids:
        return user.last_workspace_id
    return ids[0] if ids else None


def login_event_record(request, *, email: str, success: bool, reason: str, user: User | None = None) -> LoginEvent:
    """Record one attempt; when `user` is not given it is looked up by the email tried."""
    user = user or user_by_email(email)
    return LoginEvent.objects.create(
        workspace_id=landing_workspace_id(user) if user is not None else None,
        user=user, email=(email or "").strip()[:254], success=success, reason=reason,
        ip=request_ip(request), user_agent=user_agent(request),
    )


def login_events_of_user(user: User, limit: int = 20) -> QuerySet:
    return LoginEvent.objects.filter(user=user)[:limit]


def login_events_of_workspace(workspace: Workspace, *, user=None, success: bool | None = None,
                              date_from=None, date_to=None) -> QuerySet:
    """Attempts that landed (or would have landed) in the workspace, newest first."""
    events = LoginEvent.objects.filter(workspace=workspace).select_related("user")
    if user is not None:
        events = events.filter(user=user)
    if success is not None:
        events = events.filter(success=success)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    return events



class _Echo:
    def write(self, value):
        return value


def login_events_csv(events: QuerySet) -> Iterator[str]:
    """CSV lines, header first, in the language and time zone active now (a streaming response is
    consumed after the request's middleware has reset them)."""
    tz, language = timezone.get_current_timezone(), translation.get_language()
    writer = csv.writer(_Echo())

    def rows():
        with translation.override(language):
            yield writer.writerow([_("When"), _("User"), _("Email tried"), _("Success"), _("Result"),
                                   _("IP address"), _("Browser")])
            for event in events.iterator(chunk_size=2000):
                yield writer.writerow([neutralise(str(value)) for value in (
                    timezone.localtime(event.created_at, tz).isoformat(timespec="seconds"),
                    event.user.email if event.user else "", event.email, _("yes") if event.success else _("no"),
                    event.get_reason_display(), event.ip or "", event.user_agent)])

    return rows()
