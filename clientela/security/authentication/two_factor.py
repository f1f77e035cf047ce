"""TOTP two-factor login (RFC 6238, as authenticator apps implement it) and one-time recovery codes."""

import hmac
import secrets
import time

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from clientela.workspaces.models import User

from ..audit import audit_log
from ..models import RecoveryCode, TwoFactorDevice

ISSUER = "Clientela"
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
PENDING_SECRET = "security_totp_secret"  # noqa: S105 - a session key name, not a secret
ENROLLED_FLAG = "security_two_factor_enrolled"  # the session's user is known to have an authenticator


def is_enrolled(user: User) -> bool:
    return TwoFactorDevice.objects.filter(user=user).exists()


def secret_for_enrolment(request) -> str:
    """The secret being enrolled, kept in the session until the user confirms a code."""
    secret = request.session.get(PENDING_SECRET)
    if not secret:
        secret = request.session[PENDING_SECRET] = pyotp.random_base32()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no script, no external image)."""
    return segno.make(uri, error="m").svg_inline(scale=5, light="#fff", title=_("QR code for your authenticator app"))


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _totp_step(secret: str, code: str, after_step: int = 0) -> int | None:
    """The time step the 6-digit code belongs to (now ± 30 s), if valid and newer than `after_step`."""
    code = _clean_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(time.time() // totp.interval)
    for step in (current, current - 1, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(user: User, code: str) -> str:
    return salted_hmac("clientela.recovery-code", f"{user.pk}:{_clean_code(code)}", algorithm="sha256").hexdigest()


def _recovery_code_new() -> str:
    code = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def _recovery_codes_create(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_recovery_code_new() for _n in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_code_hash(user, code)) for code in codes)
    return codes


def _audit(request, action: str, user: User, details: dict | None = None) -> None:
    """Account changes go to the audit log of the workspace the user is working in (if any)."""
    if getattr(request, "workspace", None) is not None:
        audit_log(action=action, actor=user, target=user, details=details, request=request,
                  workspace=request.workspace)


@transaction.atomic
def two_factor_enable(request, *, user: User, secret: str, code: str) -> list[str] | None:
    """Confirm enrolment with a code from the app; returns the new recovery codes, or None if the code is wrong."""
    step = _totp_step(secret, code)
    if step is None:
        return None
    TwoFactorDevice.objects.update_or_create(user=user, defaults={
        "secret": secret, "confirmed_at": timezone.now(), "last_used_step": step})
    codes = _recovery_codes_create(user)
    request.session.pop(PENDING_SECRET, None)
    request.session[ENROLLED_FLAG] = True
    _audit(request, "two_factor.enabled", user)
    return codes


@transaction.atomic
def two_factor_disable(request, *, user: User) -> None:
    TwoFactorDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    request.session.pop(ENROLLED_FLAG, None)
    _audit(request, "two_factor.disabled", user)


@transaction.atomic
def recovery_codes_regenerate(request, *, user: User) -> list[str]:
    codes = _recovery_codes_create(user)
    _audit(request, "two_factor.recovery_codes_regenerated", user, {"count": len(codes)})
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def login_code_verify(user: User, code: str) -> str | None:
    """Check a login code: "totp" for the app's code, "recovery" for a recovery code (now used up), else None."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return None
    step = _totp_step(device.secret, code, after_step=device.last_used_step)
    if step is not None:
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
        return "totp"
    if len(_clean_code(code)) == RECOVERY_CODE_LENGTH:
        used = (RecoveryCode.objects.filter(user=user, code_hash=_code_hash(user, code), used_at__isnull=True)
                .update(used_at=timezone.now()))
        if used:
            return "recovery"
    return None
