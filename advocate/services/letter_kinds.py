"""The eight escalation letters: who each goes to, what it needs, and how long a reply may take.

The rules for what a letter needs before it can be finalised live here, one place, so the web
page, the API and the tests agree:

- every letter needs a named recipient;
- letters to police quote a police number: the OIC follow-up and the supervising-sergeant
  letter need the police event number (the guide says to quote it), the cybercrime-squad letter
  needs the ReportCyber reference it asks to escalate, and the oversight, AFP, MP and
  international letters need at least one police number (event, ReportCyber or Police
  Assistance Line) because each is about a report police already hold;
- letters that ask police to act on offences (OIC, cybercrime squad, supervising sergeant, AFP,
  international) need at least one offence chosen on the case — naming the offence is the point;
- the eSafety cover letter needs a logged incident and a platform report number, because
  eSafety expects the content to have been reported to the platform first;
- the MP letter needs the client's consent to write to an MP for them: an MP acts for a
  constituent who has asked, so it cannot be sent anonymously;
- the international letter needs the perpetrator's country to be one with a cross-border
  profile (US, UK, CA, NZ, ZA).

Naming the client is separate from sending: letters to police, the AFP, oversight bodies and
eSafety name the client only with the consent to contact police for them (eSafety has no
consent of its own, and the police consent is the stricter reading); otherwise the letter uses
initials and says why. The MP letter names the client only with the consent to contact an MP.
"""

from __future__ import annotations

from dataclasses import dataclass

POLICE_REFERENCE_KINDS = ("police_event", "reportcyber", "police_assistance_line")


@dataclass(frozen=True)
class LetterKind:
    key: str
    title: str
    #: The subject line, before the case's police numbers are added to it.
    subject: str
    #: The ladder rung it belongs to (knowledge-base rung key).
    rung: str
    #: Which client consent allows the letter to name the client.
    naming_consent: str
    #: The client must have given ``naming_consent`` before the letter can be finalised.
    consent_required: bool = False
    #: Reference kinds of which the case must hold at least one (empty: none needed).
    needs_reference: tuple[str, ...] = ()
    needs_offence: bool = False
    needs_incident: bool = False
    needs_platform_report: bool = False
    needs_country_profile: bool = False
    #: Days to wait for a reply when the rung has no interval (the rung's interval wins).
    reply_days: int = 14


KINDS: dict[str, LetterKind] = {
    kind.key: kind
    for kind in (
        LetterKind(
            "oic_follow_up",
            "Follow-up to the Officer in Charge",
            "Request for a follow-up and the name of the Officer in Charge",
            rung="oic_follow_up",
            naming_consent="contact_police",
            needs_reference=("police_event",),
            needs_offence=True,
        ),
        LetterKind(
            "cybercrime_squad",
            "Request to escalate to the cybercrime squad",
            "Request to escalate a ReportCyber report to the cybercrime squad",
            rung="cybercrime_squad",
            naming_consent="contact_police",
            needs_reference=("reportcyber",),
            needs_offence=True,
        ),
        LetterKind(
            "supervising_sergeant",
            "Escalation to the supervising sergeant",
            "Written escalation: no response from the Officer in Charge",
            rung="supervisor_escalation",
            naming_consent="contact_police",
            needs_reference=("police_event",),
            needs_offence=True,
        ),
        LetterKind(
            "oversight_complaint",
            "Complaint to the police oversight body",
            "Complaint about the police handling of a report",
            rung="oversight_complaint",
            naming_consent="contact_police",
            needs_reference=POLICE_REFERENCE_KINDS,
            reply_days=28,
        ),
        LetterKind(
            "afp_referral",
            "Referral to the Australian Federal Police",
            "Referral of online offending for AFP assessment",
            rung="afp",
            naming_consent="contact_police",
            needs_reference=POLICE_REFERENCE_KINDS,
            needs_offence=True,
            reply_days=21,
        ),
        LetterKind(
            "esafety_cover",
            "Cover letter to the eSafety Commissioner",
            "Complaint about online abuse: request for removal notices",
            rung="esafety",
            naming_consent="contact_police",
            needs_incident=True,
            needs_platform_report=True,
        ),
        LetterKind(
            "mp_representation",
            "Request for representations by an MP",
            "Request for representations about police handling and delay",
            rung="mp_representation",
            naming_consent="contact_mp",
            consent_required=True,
            needs_reference=POLICE_REFERENCE_KINDS,
            reply_days=28,
        ),
        LetterKind(
            "international_coordination",
            "Request for international police coordination",
            "Request for international police coordination",
            rung="international",
            naming_consent="contact_police",
            needs_reference=POLICE_REFERENCE_KINDS,
            needs_offence=True,
            needs_country_profile=True,
            reply_days=28,
        ),
    )
}
TEMPLATE_KEYS = tuple(KINDS)
TEMPLATE_FOR_RUNG = {kind.rung: kind.key for kind in KINDS.values()}
