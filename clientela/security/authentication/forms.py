from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import User, Workspace

from ..models import LoginEvent
from . import history, throttle


class LoginForm(AuthenticationForm):
    """Email and password, refused while the account or the IP address is locked; every attempt is recorded."""

    def clean(self):
        email = self.cleaned_data.get("username") or self.data.get("username", "")
        ip = history.request_ip(self.request)
        until = throttle.locked_until(email=email, ip=ip)
        if until is not None:
            history.login_event_record(self.request, email=email, success=False, reason=LoginEvent.Reason.LOCKED)
            raise ValidationError(throttle.lockout_message(until), code="locked")
        try:
            return super().clean()
        except ValidationError as error:
            if error.code not in ("invalid_login", "inactive"):
                raise
            history.login_event_record(self.request, email=email, success=False,
                                       reason=LoginEvent.Reason.BAD_PASSWORD)
            until = throttle.failure_record(email=email, ip=ip)
            if until is not None:
                raise ValidationError(throttle.lockout_message(until), code="locked") from None
            raise


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off", "spellcheck": "false"}))


class TwoFactorLoginForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Authentication code")
        self.fields["code"].help_text = _("The 6-digit code from your authenticator app, or one of your recovery codes.")


class TwoFactorEnrolForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("6-digit code from the app")
        self.fields["code"].widget.attrs.update(inputmode="numeric", pattern="[0-9 ]*")


class PasswordConfirmForm(forms.Form):
    """The current password, to confirm a sensitive change; wrong guesses count towards the login lock."""

    password = forms.CharField(label=_("Current password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user: User, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request

    def clean_password(self):
        password = self.cleaned_data["password"]
        until = throttle.locked_until(email=self.user.email, ip=history.request_ip(self.request))
        if until is not None:
            raise ValidationError(throttle.lockout_message(until), code="locked")
        if not self.user.check_password(password):
            throttle.failure_record(email=self.user.email, ip=history.request_ip(self.request))
            raise ValidationError(_("“Current password”: that is not your password."), code="wrong")
        return password


class LoginHistoryFilterForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False,
                                  empty_label=_("Everyone"))
    success = forms.ChoiceField(label=_("Result"), required=False, choices=[
        ("", _("All")), ("yes", _("Successful")), ("no", _("Failed"))])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (User.objects.filter(memberships__workspace=workspace)
                                        .order_by("full_name", "email").distinct())

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        success = {"yes": True, "no": False}.get(data["success"])
        return {"user": data["user"], "success": success, "date_from": data["date_from"], "date_to": data["date_to"]}
