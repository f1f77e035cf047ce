"""Write to the audit log. Every security-relevant service calls `audit_log` inside its transaction."""

from clientela.common.network import client_ip
from clientela.workspaces.scoping import current_workspace

from .models import AuditEntry


def audit_log(*, action: str, actor=None, target=None, target_type: str = "", target_label: str = "",
              details: dict | None = None, request=None, workspace=None) -> AuditEntry:
    """Record who did what to which target. `details` holds before/after values or counts (JSON-safe)."""
    return AuditEntry.objects.create(
        workspace=workspace or current_workspace(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type or (target._meta.model_name if target is not None else ""),
        target_id=str(getattr(target, "pk", "") or ""),
        target_label=(target_label or (str(target) if target is not None else ""))[:200],
        details=details or {},
        ip_address=client_ip(request),
    )
