"""Template helpers: times in the organisation's zone, said as people say them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from advocate.models.base import utcnow


def local_time(value: datetime | None, fmt: str = "%a %-d %b %Y, %-I:%M %p") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def local_date(value: datetime | date | None, fmt: str = "%-d %b %Y") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return value.strftime(fmt)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def relative(value: datetime | None, now: datetime | None = None) -> str:
    """ "in 3 days", "2 hours ago", "today" — counted in the organisation's calendar."""
    if value is None:
        return ""
    now = now or utcnow()
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    days = (value.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        seconds = int((value - now).total_seconds())
        minutes = abs(seconds) // 60
        if minutes < 1:
            return "just now"
        span = _plural(minutes // 60, "hour") if minutes >= 60 else _plural(minutes, "minute")
        return f"in {span}" if seconds > 0 else f"{span} ago"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {_plural(days, 'day')}" if days > 0 else f"{_plural(-days, 'day')} ago"


def init_filters(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(relative, "relative")

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"now_utc": utcnow}
