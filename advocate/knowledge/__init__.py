"""Jurisdiction knowledge base: the facts from the reporting guide as typed, validated data.

Standalone on purpose (standard library only, nothing from Flask or the rest of ``advocate``), so
it can be loaded by the web app, the Celery worker, the CLI and the tests alike.
"""

from .loader import KnowledgeError, get_knowledge, load_knowledge
from .model import (
    HARM_TYPES,
    LETTER_TEMPLATES,
    TRACKS,
    Amendment,
    Channel,
    ChecklistItem,
    CountryProfile,
    DirectChannel,
    EmergencyNumber,
    GuidanceSection,
    Jurisdiction,
    Knowledge,
    NamedProvision,
    Offence,
    PenaltyTier,
    Phone,
    RelatedProvision,
    Route,
    Rung,
    Source,
    StateInfo,
    TreatyFact,
)

__all__ = [
    "HARM_TYPES",
    "LETTER_TEMPLATES",
    "TRACKS",
    "Amendment",
    "Channel",
    "ChecklistItem",
    "CountryProfile",
    "DirectChannel",
    "EmergencyNumber",
    "GuidanceSection",
    "Jurisdiction",
    "Knowledge",
    "KnowledgeError",
    "NamedProvision",
    "Offence",
    "PenaltyTier",
    "Phone",
    "RelatedProvision",
    "Route",
    "Rung",
    "Source",
    "StateInfo",
    "TreatyFact",
    "get_knowledge",
    "load_knowledge",
]
