from .audit import AuditEntry
from .role import Role
from .sharing import RecordShare, SharingRule
from .token import ApiToken

__all__ = ["ApiToken", "AuditEntry", "RecordShare", "Role", "SharingRule"]
