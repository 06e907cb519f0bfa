"""All models, imported here so Alembic and the app see one metadata."""

from advocate.models.audit import AuditEvent
from advocate.models.base import Base
from advocate.models.knowledge import OVERRIDE_SECTIONS, KnowledgeOverride
from advocate.models.organisation import Organisation
from advocate.models.users import ROLES, ApiToken, User

__all__ = [
    "OVERRIDE_SECTIONS",
    "ROLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "KnowledgeOverride",
    "Organisation",
    "User",
]
