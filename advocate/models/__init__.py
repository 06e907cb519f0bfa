"""All models, imported here so Alembic and the app see one metadata."""

from advocate.models.audit import AuditEvent
from advocate.models.base import Base
from advocate.models.cases import (
    HARM_TYPES,
    PERPETRATOR_COUNTRIES,
    STATUSES,
    Case,
    CaseHarm,
    CaseShare,
    TimelineEntry,
)
from advocate.models.clients import CONSENT_KINDS, STATES, Client, Consent
from advocate.models.deadlines import Deadline, Notification
from advocate.models.evidence import Evidence, EvidenceBundle
from advocate.models.knowledge import OVERRIDE_SECTIONS, KnowledgeOverride
from advocate.models.ladder import LadderEvent, LadderStep
from advocate.models.letters import LETTER_STATUSES, Letter
from advocate.models.organisation import Organisation
from advocate.models.perpetrators import (
    IDENTIFIER_KINDS,
    LINK_STATUSES,
    Identifier,
    LinkedMatter,
    LinkedMatterMember,
    LinkSuggestion,
    Perpetrator,
)
from advocate.models.records import (
    PLATFORMS,
    REFERENCE_KINDS,
    Incident,
    IncidentRevision,
    ReferenceNumber,
)
from advocate.models.reminders import CalendarFeed, Reminder
from advocate.models.users import ROLES, ApiToken, RecoveryCode, User

__all__ = [
    "CONSENT_KINDS",
    "HARM_TYPES",
    "IDENTIFIER_KINDS",
    "LETTER_STATUSES",
    "LINK_STATUSES",
    "OVERRIDE_SECTIONS",
    "PERPETRATOR_COUNTRIES",
    "PLATFORMS",
    "REFERENCE_KINDS",
    "ROLES",
    "STATES",
    "STATUSES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "CalendarFeed",
    "Case",
    "CaseHarm",
    "CaseShare",
    "Client",
    "Consent",
    "Deadline",
    "Evidence",
    "EvidenceBundle",
    "Identifier",
    "Incident",
    "IncidentRevision",
    "KnowledgeOverride",
    "LadderEvent",
    "LadderStep",
    "Letter",
    "LinkSuggestion",
    "LinkedMatter",
    "LinkedMatterMember",
    "Notification",
    "Organisation",
    "Perpetrator",
    "RecoveryCode",
    "ReferenceNumber",
    "Reminder",
    "TimelineEntry",
    "User",
]
