from .audit import AuditEntry
from .role import Role
from .token import ApiToken

__all__ = ["ApiToken", "AuditEntry", "Role"]
