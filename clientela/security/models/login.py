"""Logins: the history of attempts, throttling state, two-factor devices and the sessions a user has open.

These rows belong to a person (or to an email or IP address someone tried), not to one workspace,
so they use plain managers; pages that show them filter by user or by workspace explicitly.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginEvent(models.Model):
    """One login attempt, successful or not. Append-only."""

    class Reason(models.TextChoices):
        OK = "ok", _("Logged in")
        RECOVERY_CODE = "recovery_code", _("Logged in with a recovery code")
        BAD_PASSWORD = "bad_password", _("Wrong email or password")
        LOCKED = "locked", _("Refused: too many failed attempts")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Wrong two-factor code")

    workspace = models.ForeignKey("workspaces.Workspace", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("workspace"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="login_events", verbose_name=_("user"))
    email = models.CharField(_("email tried"), max_length=254, blank=True)
    success = models.BooleanField(_("success"))
    reason = models.CharField(_("result"), max_length=30, choices=Reason.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("login")
        verbose_name_plural = _("login history")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="loginevent_user_idx"),
                   models.Index(fields=["workspace", "-created_at"], name="loginevent_workspace_idx")]

    def __str__(self):
        return f"{self.email} {self.reason} {self.created_at:%Y-%m-%d %H:%M}"


class ThrottleScope(models.TextChoices):
    EMAIL = "email", _("account")
    IP = "ip", _("IP address")


class LoginFailure(models.Model):
    """A failed attempt counted against an account (by email tried) or an IP address."""

    scope = models.CharField(max_length=8, choices=ThrottleScope.choices)
    key = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="loginfailure_key_idx")]

    def __str__(self):
        return f"{self.scope}:{self.key} {self.created_at:%Y-%m-%d %H:%M}"


class LoginLockout(models.Model):
    """An account or IP address that may not log in until `locked_until`."""

    scope = models.CharField(max_length=8, choices=ThrottleScope.choices)
    key = models.CharField(max_length=254)
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="loginlockout_key_unique")]

    def __str__(self):
        return f"{self.scope}:{self.key} until {self.locked_until:%Y-%m-%d %H:%M}"


class TwoFactorDevice(models.Model):
    """A confirmed TOTP authenticator app. `last_used_step` refuses replaying a code already used."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="two_factor_device", verbose_name=_("user"))
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(_("enabled"), default=timezone.now)
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self):
        return f"TOTP {self.user}"


class RecoveryCode(models.Model):
    """A one-time code to log in without the authenticator app. Only a keyed hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"], name="recoverycode_user_idx")]

    def __str__(self):
        return f"{self.user} {'used' if self.used_at else 'unused'}"


class UserSession(models.Model):
    """A logged-in browser session, so a user can see where they are logged in and end every session."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("logged in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last active"), default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="usersession_user_idx")]

    def __str__(self):
        return f"{self.user} {self.ip}"
