"""All models, imported here so Alembic and the app see one metadata."""

from advocate.models.audit import AuditEvent
from advocate.models.base import Base
from advocate.models.organisation import Organisation
from advocate.models.users import ROLES, ApiToken, RecoveryCode, User

__all__ = ["ROLES", "ApiToken", "AuditEvent", "Base", "Organisation", "RecoveryCode", "User"]
