"""What a letter says, gathered from the case: the plain facts handed to a letter template.

Everything a template may print is collected here, as strings already formatted the way a
letter says them, so the templates stay plain prose and the rules (who is named, which
penalty applied, which references are shared) live in code that tests can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from advocate.knowledge import Jurisdiction
from advocate.models import Case, Incident, User
from advocate.models.records import REFERENCE_LABELS
from advocate.services import (
    clients,
    clock,
    incidents,
    knowledge,
    ladder,
    linking,
    organisations,
    references,
)
from advocate.services.letter_kinds import LetterKind

PLATFORM_LABELS = {"x": "X (Twitter)", "sms": "SMS", "email": "Email", "github": "GitHub"}
DESCRIPTION_LIMIT = 240


def platform_label(key: str) -> str:
    return PLATFORM_LABELS.get(key, key.capitalize()) if key else ""


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Recipient:
    name: str = ""
    title: str = ""
    organisation: str = ""
    address: str = ""
    email: str = ""

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.replace(",\n", "\n").splitlines() if line]


@dataclass(frozen=True)
class Sender:
    organisation: str
    address_lines: list[str]
    phone: str
    email: str
    caseworker: str
    caseworker_email: str


@dataclass(frozen=True)
class OffenceFact:
    title: str
    section: str
    statute: str
    max_penalty: str
    #: e.g. "For conduct before 24 January 2022 the maximum was 3 years' imprisonment."
    earlier_penalty: str = ""


@dataclass(frozen=True)
class IncidentFact:
    date: str
    platform: str
    summary: str


@dataclass(frozen=True)
class ReferenceFact:
    kind: str
    value: str
    issued_by: str
    officer: str
    issued_on: str


@dataclass(frozen=True)
class CoVictimFact:
    person: str
    kind: str
    value: str
    issued_by: str
    officer: str


@dataclass(frozen=True)
class Route:
    name: str
    detail: str


@dataclass
class LetterFacts:
    kind: LetterKind
    today: str
    case_reference: str
    sender: Sender
    recipient: Recipient
    client_named: bool
    client: str  # the name, or initials when the client may not be named
    consent_note: str
    state_code: str
    state_name: str
    oversight_body: str
    police_event: str
    reportcyber: str
    offences: list[OffenceFact]
    incidents: list[IncidentFact]
    contact_history: list[str]
    references: list[ReferenceFact]
    co_victims: list[CoVictimFact]
    ask: list[str]
    country_name: str = ""
    country_in: str = ""  # "the United States", "Canada": as a sentence says it
    routes: list[Route] = field(default_factory=list)
    country_cautions: list[str] = field(default_factory=list)
    notice: str = "General legal information, not legal advice."

    @property
    def subject_references(self) -> str:
        parts = []
        if self.police_event:
            parts.append(f"Police event {self.police_event}")
        if self.reportcyber:
            parts.append(f"ReportCyber {self.reportcyber}")
        return "; ".join(parts)


def jurisdiction() -> Jurisdiction:
    """The AU knowledge with this organisation's overrides (e.g. an oversight body for WA)."""
    return knowledge.jurisdiction("AU")


def oversight_body(state: str) -> str:
    try:
        return jurisdiction().state(state).oversight_body or ""
    except KeyError:
        return ""


def _offence_facts(case: Case, first_incident: date | None) -> list[OffenceFact]:
    known = jurisdiction()
    facts = []
    for key in case.offences:
        try:
            offence = known.offence(key)
        except KeyError:
            continue
        earlier = ""
        for amendment in offence.amendments:
            if (
                first_incident is not None
                and first_incident < amendment.effective
                and amendment.previous_max_penalty_years
            ):
                earlier = (
                    f"For conduct before {long_date(amendment.effective)} the maximum was "
                    f"{amendment.previous_max_penalty_years} years' imprisonment."
                )
        facts.append(
            OffenceFact(
                offence.title, offence.section, offence.statute, offence.max_penalty, earlier
            )
        )
    return facts


def _incident_facts(rows: list[Incident]) -> list[IncidentFact]:
    zone = clock.zone()
    facts = []
    for incident in rows:
        summary = " ".join(incident.description.split())
        if len(summary) > DESCRIPTION_LIMIT:
            summary = summary[: DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0] + "…"
        facts.append(
            IncidentFact(
                long_date(incident.occurred_at.astimezone(zone).date()),
                platform_label(incident.platform),
                summary,
            )
        )
    return facts


def _co_victim_facts(case: Case, viewer: User) -> list[CoVictimFact]:
    """Co-victims' consented reference numbers, each person shown as "Person A", "Person B"…
    (their names and our file numbers for them are none of the recipient's business)."""
    people: dict[int, str] = {}
    facts = []
    for item in linking.co_victim_references(case, viewer):
        label = people.setdefault(item.case_id, f"Person {chr(ord('A') + len(people) % 26)}")
        facts.append(
            CoVictimFact(
                person=label,
                kind=item.kind_label or REFERENCE_LABELS.get(item.kind, item.kind),
                value=item.value,
                issued_by=item.issued_by or "",
                officer=item.officer or "",
            )
        )
    return facts


def gather(case: Case, kind: LetterKind, recipient: Recipient, *, by: User) -> LetterFacts:
    """Collect what a letter of this kind says about this case, written by ``by``."""
    known = jurisdiction()
    organisation = organisations.get_organisation()
    sender = Sender(
        organisation=organisation.name if organisation else "",
        address_lines=[
            line.strip() for line in (organisation.address if organisation else "").splitlines()
        ],
        phone=organisation.phone if organisation else "",
        email=organisation.email if organisation else "",
        caseworker=by.name,
        caseworker_email=by.email,
    )
    client = case.client
    named = clients.has_consent(client, kind.naming_consent)
    audience = "an MP" if kind.naming_consent == "contact_mp" else "police and other agencies"
    consent_note = (
        ""
        if named
        else (
            f"My client is referred to by initials because they have not yet consented to "
            f"their name being given to {audience}. Their full details can be provided once "
            f"they consent."
        )
    )
    refs = references.list_references(case)
    rows = incidents.list_incidents(case)
    first = rows[0].occurred_at.astimezone(clock.zone()).date() if rows else None
    state = known.state(case.state) if case.state else None
    try:
        rung = known.rung(kind.rung)
        ask = list(rung.ask_for)
    except KeyError:
        ask = []
    facts = LetterFacts(
        kind=kind,
        today=long_date(clock.today()),
        case_reference=case.reference,
        sender=sender,
        recipient=recipient,
        client_named=named,
        client=client.full_name if named else client.initials,
        consent_note=consent_note,
        state_code=case.state,
        state_name=state.name if state else case.state,
        oversight_body=(state.oversight_body or "") if state else "",
        police_event=", ".join(r.value for r in refs if r.kind == "police_event"),
        reportcyber=", ".join(r.value for r in refs if r.kind == "reportcyber"),
        offences=_offence_facts(case, first),
        incidents=_incident_facts(rows),
        contact_history=list(ladder.contact_history(case)),
        references=[
            ReferenceFact(
                r.kind_label,
                r.value,
                r.issued_by,
                r.officer,
                long_date(r.issued_on) if r.issued_on else "",
            )
            for r in refs
        ],
        co_victims=_co_victim_facts(case, by),
        ask=ask,
    )
    if known.is_abroad(case.perpetrator_country):
        profile = knowledge.country_profile(case.perpetrator_country)
        if profile is not None:
            facts.country_name = profile.name
            facts.country_in = (
                f"the {profile.name}" if profile.name.startswith("United") else profile.name
            )
            facts.routes = [Route(r.name, r.detail) for r in profile.how_it_reaches]
            facts.country_cautions = list(profile.cautions)
    return facts
