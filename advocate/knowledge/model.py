"""Typed, immutable view of the jurisdiction knowledge base.

The TOML files are the editable source of truth; these frozen dataclasses are what the rest of
the application reads. Freezing them means a fact cannot be changed by accident while the app is
running (organisation overrides live in the database, not here), and tuples instead of lists keep
every object hashable. ``to_dict()`` gives the JSON the API serves, so the web page and the API
show the same facts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, TypeAlias, TypeVar, get_args

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"

Track = Literal["police", "regulator", "representative", "international"]
OfferedWhen = Literal["always", "perpetrator_abroad"]
RecordingConsent = Literal["one-party", "all-party"]
HarmType = Literal[
    "threats",
    "stalking",
    "doxxing",
    "image_based_abuse",
    "impersonation",
    "identity_theft",
    "harassment",
    "extortion",
    "swatting",
]
LetterTemplate = Literal[
    "oic_follow_up",
    "cybercrime_squad",
    "supervising_sergeant",
    "oversight_complaint",
    "afp_referral",
    "esafety_cover",
    "mp_representation",
    "international_coordination",
]
RouteKind = Literal["police_to_police", "interpol_ncb", "mlat", "convention", "legat"]
ProvisionKind = Literal["offence", "order", "procedure"]

TRACKS: Final[tuple[str, ...]] = get_args(Track)
OFFERED_WHEN: Final[tuple[str, ...]] = get_args(OfferedWhen)
RECORDING_CONSENT: Final[tuple[str, ...]] = get_args(RecordingConsent)
HARM_TYPES: Final[tuple[str, ...]] = get_args(HarmType)
LETTER_TEMPLATES: Final[tuple[str, ...]] = get_args(LetterTemplate)
ROUTE_KINDS: Final[tuple[str, ...]] = get_args(RouteKind)
PROVISION_KINDS: Final[tuple[str, ...]] = get_args(ProvisionKind)

#: Perpetrator locations that do not count as "abroad" for a jurisdiction, besides its own code.
NOT_ABROAD: Final[frozenset[str]] = frozenset({"", "UNKNOWN"})


def _jsonable(value: object) -> JSONValue:
    """Turn a knowledge value into plain JSON types (dates become ISO strings)."""
    if isinstance(value, _Record):
        return value.to_dict()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    raise TypeError(f"cannot serialise {type(value).__name__}")


class _Record:
    """Base for every knowledge dataclass: one generic ``to_dict`` instead of one per class."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, JSONValue]:
        """Return the object as JSON-able dicts and lists, in field order."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


_R = TypeVar("_R", bound=_Record)


def _by_key(items: Iterable[_R], key: str, what: str, attr: str = "key") -> _R:
    for item in items:
        if getattr(item, attr) == key:
            return item
    raise KeyError(f"no {what} {key!r}")


@dataclass(frozen=True, slots=True)
class Source(_Record):
    """Where a fact comes from, shown beside it so a caseworker can check the original."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Phone(_Record):
    """A phone number and what it is for (numbers are kept as people dial them)."""

    number: str
    purpose: str


@dataclass(frozen=True, slots=True)
class EmergencyNumber(_Record):
    """An emergency number and when to use it, so the app never has to guess."""

    number: str
    name: str
    when: str
    routes_to: str | None
    notes: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Channel(_Record):
    """A place to report: what it does and, just as important, what it does not do."""

    key: str
    name: str
    what_it_is: str
    what_it_is_not: tuple[str, ...]
    how_to_contact: str
    phones: tuple[Phone, ...]
    #: True only where the guide says this channel gives you a reference/event number.
    gives_reference_number: bool
    url: str | None
    notes: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class PenaltyTier(_Record):
    """One limb of an offence that has different maximums (e.g. s 474.15(1) and (2))."""

    subsection: str
    limb: str
    max_penalty_years: int


@dataclass(frozen=True, slots=True)
class Amendment(_Record):
    """A dated change to an offence, so letters quote the penalty that applied at the time."""

    effective: dt.date
    summary: str
    previous_max_penalty_years: int | None


@dataclass(frozen=True, slots=True)
class RelatedProvision(_Record):
    """A neighbouring section worth mentioning alongside the main offence."""

    section: str
    summary: str
    max_penalty_years: int | None


@dataclass(frozen=True, slots=True)
class Offence(_Record):
    """An offence a caseworker can name in a report or letter, with its elements and penalty."""

    key: str
    title: str
    section: str
    statute: str
    jurisdiction: str
    max_penalty: str
    #: The highest maximum across all limbs; ``penalty_tiers`` splits it up where it varies.
    max_penalty_years: int
    penalty_tiers: tuple[PenaltyTier, ...]
    covers: str
    elements: tuple[str, ...]
    commenced: dt.date | None
    inserted_by: str | None
    amendments: tuple[Amendment, ...]
    related: tuple[RelatedProvision, ...]
    notes: tuple[str, ...]
    harm_types: tuple[HarmType, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class StateInfo(_Record):
    """What differs by state or territory: call-recording consent and the police oversight body."""

    code: str
    name: str
    recording_consent: RecordingConsent
    recording_rule: str
    recording_act: str | None
    recording_exception: str | None
    #: How many state offences the guide's state list mentions (it does not name them).
    state_offence_count: int
    #: Only where the guide names one; an organisation adds the rest as an override.
    oversight_body: str | None
    police_reporting: str | None
    notes: tuple[str, ...]
    sources: tuple[Source, ...]

    @property
    def one_party_recording(self) -> bool:
        """True where a participant may record their own call without telling the others."""
        return self.recording_consent == "one-party"


@dataclass(frozen=True, slots=True)
class Rung(_Record):
    """One step of the escalation ladder: what to do, what to ask for and where to go next."""

    key: str
    position: int
    track: Track
    title: str
    what_to_do: str
    ask_for: tuple[str, ...]
    url: str | None
    channels: tuple[str, ...]
    letter_template: LetterTemplate | None
    #: Default days before a follow-up is due; an organisation setting may override it.
    follow_up_days: int
    next_on_brushed_off: str | None
    #: True when the rung is not done until an official reference number is recorded.
    requires_reference: bool
    offered_when: OfferedWhen
    cautions: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class ChecklistItem(_Record):
    """One thing to do or check, keyed so a case can tick it off."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class GuidanceSection(_Record):
    """Cross-cutting advice (evidence, platforms, swatting …) as a checklist with cautions."""

    key: str
    title: str
    summary: str
    items: tuple[ChecklistItem, ...]
    cautions: tuple[str, ...]
    sources: tuple[Source, ...]

    def item(self, key: str) -> ChecklistItem:
        """Return the checklist item with this key (KeyError if there is none)."""
        return _by_key(self.items, key, "checklist item")


@dataclass(frozen=True, slots=True)
class Route(_Record):
    """One way a case travels to the perpetrator's country (always through officials)."""

    kind: RouteKind
    name: str
    detail: str


@dataclass(frozen=True, slots=True)
class DirectChannel(_Record):
    """A channel in the other country that a victim may use themselves."""

    key: str
    name: str
    what: str
    contact: str | None
    url: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class NamedProvision(_Record):
    """A foreign offence or power the guide names; ``in_force`` False means do not rely on it."""

    key: str
    citation: str
    statute: str
    kind: ProvisionKind
    summary: str
    in_force: bool
    max_penalty: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TreatyFact(_Record):
    """A treaty relationship (MLAT, Budapest Convention) and whether it is in force."""

    key: str
    name: str
    parties: tuple[str, ...]
    in_force: bool
    acceded_on: dt.date | None
    in_force_from: dt.date | None
    notes: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class CountryProfile(_Record):
    """Where the perpetrator lives abroad: the fastest lever there and how a case gets there."""

    code: str
    name: str
    disclaimer: str
    fastest_lever: str
    how_it_reaches: tuple[Route, ...]
    direct_channels: tuple[DirectChannel, ...]
    offences_named: tuple[NamedProvision, ...]
    treaties: tuple[TreatyFact, ...]
    cautions: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[Source, ...]

    def direct_channel(self, key: str) -> DirectChannel:
        """Return the direct channel with this key (KeyError if there is none)."""
        return _by_key(self.direct_channels, key, "direct channel")

    def provision(self, key: str) -> NamedProvision:
        """Return the named offence or provision with this key (KeyError if there is none)."""
        return _by_key(self.offences_named, key, "provision")

    def treaty(self, key: str) -> TreatyFact:
        """Return the treaty fact with this key (KeyError if there is none)."""
        return _by_key(self.treaties, key, "treaty")


@dataclass(frozen=True, slots=True)
class Jurisdiction(_Record):
    """A home jurisdiction (Australia): everything a caseworker needs to report and escalate."""

    code: str
    name: str
    disclaimer: str
    emergency: tuple[EmergencyNumber, ...]
    channels: tuple[Channel, ...]
    offences: tuple[Offence, ...]
    states: tuple[StateInfo, ...]
    ladder: tuple[Rung, ...]
    guidance: tuple[GuidanceSection, ...]
    sources: tuple[Source, ...]

    def channel(self, key: str) -> Channel:
        """Return the reporting channel with this key (KeyError if there is none)."""
        return _by_key(self.channels, key, "channel")

    def offence(self, key: str) -> Offence:
        """Return the offence with this key, e.g. ``cth-474.17`` (KeyError if there is none)."""
        return _by_key(self.offences, key, "offence")

    def state(self, code: str) -> StateInfo:
        """Return a state or territory by code, any case (KeyError if there is none)."""
        return _by_key(self.states, code.upper(), "state or territory", attr="code")

    def rung(self, key: str) -> Rung:
        """Return the ladder rung with this key (KeyError if there is none)."""
        return _by_key(self.ladder, key, "rung")

    def guidance_section(self, key: str) -> GuidanceSection:
        """Return the guidance section with this key (KeyError if there is none)."""
        return _by_key(self.guidance, key, "guidance section")

    def next_rung(self, key: str) -> Rung | None:
        """The rung to suggest when the case is brushed off at ``key`` (None at the top)."""
        following = self.rung(key).next_on_brushed_off
        return None if following is None else self.rung(following)

    def is_abroad(self, perpetrator_country: str | None) -> bool:
        """True when the perpetrator is known to be outside this jurisdiction."""
        code = (perpetrator_country or "").strip().upper()
        return code not in NOT_ABROAD and code != self.code

    def suggest_offences(self, harm_types: Iterable[str]) -> list[Offence]:
        """Offences to consider for these harm types, in file order, each once.

        Unknown harm types raise ValueError so a typo cannot silently suggest nothing.
        """
        wanted = set(harm_types)
        unknown = wanted.difference(HARM_TYPES)
        if unknown:
            raise ValueError(f"unknown harm type(s): {', '.join(sorted(unknown))}")
        return [o for o in self.offences if wanted.intersection(o.harm_types)]

    def ladder_for(self, perpetrator_country: str | None) -> tuple[Rung, ...]:
        """The rungs that apply to a case: ``perpetrator_abroad`` rungs only when abroad."""
        abroad = self.is_abroad(perpetrator_country)
        return tuple(r for r in self.ladder if r.offered_when == "always" or abroad)


@dataclass(frozen=True, slots=True, eq=False)
class Knowledge(_Record):
    """Every jurisdiction and country profile, loaded and validated once at start-up."""

    jurisdictions: Mapping[str, Jurisdiction]
    countries: Mapping[str, CountryProfile]

    def jurisdiction(self, code: str) -> Jurisdiction:
        """Return a home jurisdiction by code, any case (KeyError if unknown)."""
        try:
            return self.jurisdictions[code.upper()]
        except KeyError:
            raise KeyError(f"no jurisdiction {code!r}") from None

    def country(self, code: str) -> CountryProfile:
        """Return a cross-border country profile by code, any case (KeyError if unknown)."""
        try:
            return self.countries[code.upper()]
        except KeyError:
            raise KeyError(f"no country profile {code!r}") from None
