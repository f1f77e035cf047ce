from .audit import AuditEntry
from .login import LoginEvent, LoginFailure, LoginLockout, RecoveryCode, TwoFactorDevice, UserSession
from .role import Role
from .sharing import RecordShare, SharingRule
from .token import ApiToken

__all__ = ["ApiToken", "AuditEntry", "LoginEvent", "LoginFailure", "LoginLockout", "RecordShare", "RecoveryCode",
           "Role", "SharingRule", "TwoFactorDevice", "UserSession"]
