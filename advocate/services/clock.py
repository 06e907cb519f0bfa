"""Time in the organisation's zone: what "today" means and how entered times are read."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from advocate.models.base import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> date:
    return utcnow().astimezone(zone()).date()


def as_aware(value: datetime) -> datetime:
    """A time with no offset was entered in the organisation's zone."""
    return value.replace(tzinfo=zone()) if value.tzinfo is None else value
