"""Logging in (password, then the two-factor code) and the login history pages."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .. import access
from ..audit import audit_log
from ..models import LoginEvent
from . import history, login_flow, throttle, two_factor
from .forms import LoginForm, LoginHistoryFilterForm, TwoFactorLoginForm

HISTORY_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """Django's login page with throttling, login history and a second step for two-factor users."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user, email = form.get_user(), form.cleaned_data["username"]
        if two_factor.is_enrolled(user):
            login_flow.pending_start(self.request, user, email=email, next_url=self.get_success_url())
            return redirect("login_two_factor")
        login_flow.login_complete(self.request, user, backend=user.backend, email=email, two_factor_used=False)
        return HttpResponseRedirect(self.get_success_url())


def _refuse_locked(request, until):
    login_flow.pending_clear(request)
    messages.error(request, throttle.lockout_message(until))
    return redirect("login")


@sensitive_post_parameters("code")
@never_cache
def login_two_factor(request):
    """The second step: a code from the authenticator app, or a recovery code (each works once)."""
    pending = login_flow.pending_get(request)
    if pending is None:
        login_flow.pending_clear(request)
        messages.info(request, _("Please log in again."))
        return redirect("login")
    user, state = pending
    form = TwoFactorLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = history.request_ip(request)
        until = throttle.locked_until(email=state["email"], ip=ip)
        if until is not None:
            history.login_event_record(request, email=state["email"], success=False, user=user,
                                       reason=LoginEvent.Reason.LOCKED)
            return _refuse_locked(request, until)
        used = two_factor.login_code_verify(user, form.cleaned_data["code"])
        if used is not None:
            login_flow.pending_clear(request)
            reason = LoginEvent.Reason.RECOVERY_CODE if used == "recovery" else LoginEvent.Reason.OK
            login_flow.login_complete(request, user, backend=state["backend"], email=state["email"],
                                      two_factor_used=True, reason=reason)
            if used == "recovery":
                left = two_factor.recovery_codes_left(user)
                messages.warning(request, ngettext(
                    "You used a recovery code; %(count)d is left. Make new ones on your security page.",
                    "You used a recovery code; %(count)d are left. Make new ones on your security page.",
                    left) % {"count": left})
            return HttpResponseRedirect(state["next"])
        history.login_event_record(request, email=state["email"], success=False, user=user,
                                   reason=LoginEvent.Reason.TWO_FACTOR_FAILED)
        until = throttle.failure_record(email=state["email"], ip=ip)
        if until is not None:
            return _refuse_locked(request, until)
        form.add_error("code", _("“Authentication code”: that code is not valid. Check your app's clock, "
                                 "or use an unused recovery code."))
    return render(request, "security/account/login_two_factor.html", {"form": form},
                  status=422 if form.errors else 200)


@login_required
def login_history(request):
    """Administrators: the logins of the workspace's members, filtered, page by page or as CSV."""
    if request.workspace is None or not access.is_admin(request.user):
        raise PermissionDenied(_("Only administrators can see the workspace's login history."))
    form = LoginHistoryFilterForm(request.GET or None, workspace=request.workspace)
    events = history.login_events_of_workspace(request.workspace, **form.filters())
    if request.GET.get("format") == "csv":
        audit_log(action="login_history.exported", actor=request.user, target_type="login_history",
                  target_label=_("Login history"), details={k: str(v) for k, v in form.filters().items() if v},
                  request=request, workspace=request.workspace)
        response = StreamingHttpResponse(history.login_events_csv(events), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="login-history-{stamp}.csv"'
        return response
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "security/account/login_history.html", {
        "form": form, "page": page, "query": query.urlencode()})
