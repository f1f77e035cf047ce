"""API tokens: create, revoke, and authenticate a Bearer secret.

The secret is shown once; only its SHA-256 is stored, so a database leak exposes no usable token.
Lookup is by the hash (a unique index), so checking a secret takes the same path whatever it is.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from clientela.workspaces.models import Membership, User, Workspace
from clientela.workspaces.selectors import membership_role_note

from .audit import audit_log
from .models import ApiToken

SECRET_PREFIX = "clt_"  # noqa: S105 - a public marker, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_member(user: User, workspace: Workspace) -> bool:
    return Membership.objects.filter(user=user, workspace=workspace, is_active=True).exists()


def token_create(*, user: User, workspace: Workspace, name: str, read_only: bool = False, by: User | None = None,
                 request=None) -> tuple[ApiToken, str]:
    """A new token for a member of the workspace, and its secret (never stored, shown only now)."""
    if not user.is_active or not is_member(user, workspace):
        raise PermissionDenied(f"{user} is not an active member of {workspace}.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.unscoped.create(workspace=workspace, user=user, name=name[:80], prefix=secret[:8],
                                         token_hash=token_hash(secret), read_only=read_only)
        audit_log(action="token.created", actor=by or user, target=token, details=_audit_details(token),
                  request=request, workspace=workspace)
    return token, secret


def token_revoke(*, token: ApiToken, by: User | None = None, request=None) -> ApiToken:
    """Revoke a live token; revoking it again changes nothing and is not logged twice."""
    now = timezone.now()
    with transaction.atomic():
        # A conditional update, so two revocations at once still make one change and one audit entry.
        if ApiToken.unscoped.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now, updated_at=now):
            token.revoked_at = token.updated_at = now
            audit_log(action="token.revoked", actor=by, target=token, details=_audit_details(token),
                      request=request, workspace=token.workspace)
        else:
            token.refresh_from_db(fields=["revoked_at", "updated_at"])
    return token


def _audit_details(token: ApiToken) -> dict:
    return {"name": token.name, "read_only": token.read_only, "user": token.user.email}


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens in the current workspace, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def tokens_of_others(user: User) -> QuerySet[ApiToken]:
    """Everyone else's tokens in the current workspace (for administrators)."""
    return ApiToken.objects.exclude(user=user).select_related("user").order_by("user__email", "-created_at")


def token_authenticate(secret: str) -> ApiToken | None:
    """The live token for a secret, or None (unknown, revoked, or its user is no longer a member)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    role = Membership.objects.filter(user=OuterRef("user"), workspace=OuterRef("workspace"), is_active=True)
    token = (ApiToken.unscoped.select_related("user", "workspace")
             .annotate(member_role=Subquery(role.values("role")[:1]))
             .filter(token_hash=token_hash(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active or token.member_role is None:  # no longer an active member
        return None
    membership_role_note(token.user, token.workspace_id, token.member_role)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
