"""The Guide: the reporting guide's facts, browsable by topic and by country.

Every page reads the organisation's view of the knowledge base (guide plus overrides) through
``advocate.services.knowledge`` and marks what the organisation added or amended.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from advocate.knowledge import HARM_TYPES
from advocate.services import knowledge
from advocate.services.knowledge_fields import LABELS

bp = Blueprint("guide", __name__, url_prefix="/guide")

#: Topic pages in the order a caseworker meets them.
TOPICS: tuple[tuple[str, str, str], ...] = (
    ("guide.emergency", "Emergency numbers", "000, TTY 106 and 112, and when each applies."),
    ("guide.channels", "Where to report", "Each channel: what it is, what it is not, contacts."),
    ("guide.offences", "Offences", "What to report it as: sections, penalties, elements."),
    ("guide.states", "States and territories", "Call-recording consent and oversight bodies."),
    ("guide.ladder", "Escalation ladder", "The nine rungs to climb when a case is brushed off."),
    ("guide.report_as", "What to report it as", "Offences suggested for a set of harm types."),
)


@bp.app_template_filter("knowledge_label")
def knowledge_label(name: str) -> str:
    """A knowledge field's human label (for "amended: Police oversight body")."""
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _page(template: str, **context: Any) -> str:
    """Render a guide page with the jurisdiction, its override marks and the edit switch."""
    return render_template(
        template,
        j=knowledge.jurisdiction("AU"),
        marks=knowledge.override_marks("AU"),
        can_edit=current_user.role == "admin",
        countries=knowledge.knowledge_base().countries.values(),
        **context,
    )


@bp.route("/")
def index() -> ResponseReturnValue:
    return _page("guide/index.html", topics=TOPICS)


@bp.route("/emergency")
def emergency() -> ResponseReturnValue:
    return _page("guide/emergency.html")


@bp.route("/channels")
def channels() -> ResponseReturnValue:
    return _page("guide/channels.html")


@bp.route("/offences")
def offences() -> ResponseReturnValue:
    return _page("guide/offences.html")


@bp.route("/states")
def states() -> ResponseReturnValue:
    return _page("guide/states.html")


@bp.route("/ladder")
def ladder() -> ResponseReturnValue:
    return _page("guide/ladder.html")


@bp.route("/guidance/<key>")
def guidance(key: str) -> ResponseReturnValue:
    try:
        section = knowledge.jurisdiction("AU").guidance_section(key)
    except KeyError:
        abort(404)
    return _page("guide/guidance.html", section=section)


@bp.route("/countries/<code>")
def country(code: str) -> ResponseReturnValue:
    profile = knowledge.country_profile(code)
    if profile is None:
        abort(404)
    return _page("guide/country.html", profile=profile)


@bp.route("/report-as")
def report_as() -> ResponseReturnValue:
    """Tick harm types, see the offences to consider: the case page's panel, on its own."""
    chosen = [h for h in request.args.getlist("harm_types") if h in HARM_TYPES]
    suggested = knowledge.suggested_offences(chosen) if chosen else []
    return _page("guide/report_as.html", harm_types=HARM_TYPES, chosen=chosen, suggested=suggested)
