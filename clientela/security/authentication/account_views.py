"""A user's own security page: two-factor login, sessions, recent logins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .. import access
from . import history, sessions, two_factor
from .forms import PasswordConfirmForm, TwoFactorEnrolForm


def _two_factor_required(request) -> bool:
    if getattr(request, "workspace", None) is None:
        return False
    role = access.role_for(request.user, request.workspace)
    return bool(role and role.requires_two_factor)


@never_cache
@login_required
def account_security(request):
    user = request.user
    enrolled = two_factor.is_enrolled(user)
    return render(request, "security/account/security.html", {
        "enrolled": enrolled,
        "codes_left": two_factor.recovery_codes_left(user) if enrolled else 0,
        "required": _two_factor_required(request),
        "sessions": sessions.sessions_active(user),
        "current_key": request.session.session_key,
        "events": history.login_events_of_user(user),
    })


@never_cache
@login_required
def two_factor_enrol(request):
    """Scan the QR code (or type the secret), then confirm with a code; the recovery codes are shown once."""
    user = request.user
    if two_factor.is_enrolled(user):
        return redirect("account_security")
    secret = two_factor.secret_for_enrolment(request)
    form = TwoFactorEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.two_factor_enable(request, user=user, secret=secret, code=form.cleaned_data["code"])
        if codes is not None:
            messages.success(request, _("Two-factor login is on."))
            return render(request, "security/account/recovery_codes.html", {"codes": codes})
        form.add_error("code", _("“6-digit code from the app”: that code is not valid. Check that your "
                                 "phone's clock is right and type the code shown now."))
    return render(request, "security/account/two_factor_enrol.html", {
        "form": form, "required": _two_factor_required(request),
        "qr_svg": two_factor.qr_svg(two_factor.provisioning_uri(user, secret)),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }, status=422 if form.errors else 200)


@sensitive_post_parameters("password")
@login_required
def two_factor_disable(request):
    if not two_factor.is_enrolled(request.user):
        return redirect("account_security")
    form = PasswordConfirmForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        two_factor.two_factor_disable(request, user=request.user)
        messages.success(request, _("Two-factor login is off."))
        return redirect("account_security")
    return render(request, "security/account/two_factor_disable.html", {
        "form": form, "required": _two_factor_required(request)}, status=422 if form.errors else 200)


@require_POST
@never_cache
@login_required
def recovery_codes_regenerate(request):
    if not two_factor.is_enrolled(request.user):
        return redirect("account_security")
    codes = two_factor.recovery_codes_regenerate(request, user=request.user)
    messages.success(request, _("New recovery codes were made; the old ones no longer work."))
    return render(request, "security/account/recovery_codes.html", {"codes": codes})


@require_POST
@login_required
def sessions_end_all(request):
    sessions.sessions_end_all(request, user=request.user)
    messages.success(request, _("You were logged out of every session, including this one."))
    return redirect("login")
