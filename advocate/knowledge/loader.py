"""Load and strictly validate the knowledge TOML files into the typed model.

A wrong fact here ends up in a letter to a police officer, so start-up refuses a file that is
not exactly right: missing, extra or wrongly typed keys, unknown choices, duplicate keys, dangling
cross-references, entries without sources and non-https URLs all raise ``KnowledgeError`` with
one line that names the file, the key path and the reason. The checks are small hand-written
helpers so the error messages stay precise and there is no extra dependency.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn, TypeVar, cast
from urllib.parse import urlsplit

from .model import (
    HARM_TYPES,
    LETTER_TEMPLATES,
    OFFERED_WHEN,
    PROVISION_KINDS,
    RECORDING_CONSENT,
    ROUTE_KINDS,
    TRACKS,
    Amendment,
    Channel,
    ChecklistItem,
    CountryProfile,
    DirectChannel,
    EmergencyNumber,
    GuidanceSection,
    HarmType,
    Jurisdiction,
    Knowledge,
    LetterTemplate,
    NamedProvision,
    Offence,
    OfferedWhen,
    PenaltyTier,
    Phone,
    ProvisionKind,
    RecordingConsent,
    RelatedProvision,
    Route,
    RouteKind,
    Rung,
    Source,
    StateInfo,
    Track,
    TreatyFact,
)

__all__ = ["KnowledgeError", "get_knowledge", "load_knowledge"]

PACKAGE_DIR = Path(__file__).resolve().parent

_T = TypeVar("_T")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*\Z")
_CODE = re.compile(r"[A-Z]{2,3}\Z")
_SYNTAX_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


class KnowledgeError(ValueError):
    """A knowledge file is wrong; ``str()`` is ``file: key.path: reason`` on one line."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        self.file = file
        self.path = path
        self.reason = reason
        super().__init__(f"{file}: {path}: {reason}" if path else f"{file}: {reason}")


def _display(path: Path) -> str:
    """Show a file relative to the working directory when it is under it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _join(path: str, key: str) -> str:
    part = key if _IDENT.match(key) else f'"{key}"'
    if not path:
        return part if _IDENT.match(key) else f"[{part}]"
    return f"{path}.{part}" if _IDENT.match(key) else f"{path}[{part}]"


def _kind(value: object) -> str:
    """Name a TOML value's type the way a person editing the file would."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dt.datetime | dt.time):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _is_https_url(value: str) -> bool:
    parts = urlsplit(value)
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        and "." in host
        and not any(ch.isspace() for ch in value)
        and parts.username is None
    )


class _Table:
    """One TOML table being read: typed getters that remember which keys were used.

    ``close()`` then rejects any key nobody asked for, so a misspelt optional key is an error
    instead of being silently ignored.
    """

    __slots__ = ("_data", "_used", "file", "path")

    def __init__(self, file: str, path: str, data: Mapping[str, object]) -> None:
        self.file = file
        self.path = path
        self._data = data
        self._used: set[str] = set()

    def fail(self, key: str | None, reason: str) -> NoReturn:
        raise KnowledgeError(self.file, self.path if key is None else _join(self.path, key), reason)

    def _get(self, key: str, required: bool) -> object:
        self._used.add(key)
        if key not in self._data:
            if required:
                self.fail(key, "required key is missing")
            return None
        return self._data[key]

    def close(self) -> None:
        extra = [key for key in self._data if key not in self._used]
        if extra:
            self.fail(extra[0], "unexpected key (not part of the schema)")

    # scalar values -----------------------------------------------------------------------

    def _text_value(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_kind(value)}")
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def text(self, key: str) -> str:
        return self._text_value(key, self._get(key, True))

    def opt_text(self, key: str) -> str | None:
        value = self._get(key, False)
        return None if value is None else self._text_value(key, value)

    def flag(self, key: str) -> bool:
        value = self._get(key, True)
        if not isinstance(value, bool):
            self.fail(key, f"expected a boolean, got {_kind(value)}")
        return value

    def _integer_value(self, key: str, value: object, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected an integer, got {_kind(value)}")
        if value < minimum:
            self.fail(key, f"{value} is less than {minimum}")
        return value

    def integer(self, key: str, minimum: int = 0) -> int:
        return self._integer_value(key, self._get(key, True), minimum)

    def opt_integer(self, key: str, minimum: int = 0) -> int | None:
        value = self._get(key, False)
        return None if value is None else self._integer_value(key, value, minimum)

    def opt_date(self, key: str) -> dt.date | None:
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.fail(key, f"expected a date (YYYY-MM-DD), got {_kind(value)}")
        return value

    def date(self, key: str) -> dt.date:
        self._get(key, True)
        value = self.opt_date(key)
        assert value is not None
        return value

    def choice(self, key: str, allowed: Sequence[str]) -> str:
        value = self.text(key)
        if value not in allowed:
            self.fail(key, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def opt_choice(self, key: str, allowed: Sequence[str]) -> str | None:
        if key not in self._data:
            self._used.add(key)
            return None
        return self.choice(key, allowed)

    def url(self, key: str) -> str:
        value = self.text(key)
        if not _is_https_url(value):
            self.fail(key, f"{value!r} is not an https URL")
        return value

    def opt_url(self, key: str) -> str | None:
        if key not in self._data:
            self._used.add(key)
            return None
        return self.url(key)

    # collections -------------------------------------------------------------------------

    def _array(self, key: str, required: bool) -> list[object]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected an array, got {_kind(value)}")
        return value

    def texts(
        self, key: str, required: bool = False, choices: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """An array of non-empty strings (optional arrays default to empty)."""
        items = self._array(key, required)
        if required and not items:
            self.fail(key, "must not be empty")
        out: list[str] = []
        for index, item in enumerate(items):
            where = f"{key}[{index}]"
            text = self._text_value(where, item)
            if choices and text not in choices:
                self.fail(where, f"{text!r} is not one of {', '.join(choices)}")
            if text in out:
                self.fail(where, f"duplicate value {text!r}")
            out.append(text)
        return tuple(out)

    def tables(self, key: str, required: bool = False) -> list[_Table]:
        """An array of tables, each wrapped for reading (optional arrays default to empty)."""
        out: list[_Table] = []
        for index, item in enumerate(self._array(key, required)):
            where = _join(self.path, key) + f"[{index}]"
            if not isinstance(item, dict):
                raise KnowledgeError(self.file, where, f"expected a table, got {_kind(item)}")
            out.append(_Table(self.file, where, item))
        if required and not out:
            self.fail(key, "must not be empty")
        return out

    def keyed(self, key: str) -> list[tuple[str, _Table]]:
        """A table of tables (``[offences."cth-474.17"]``): name and body, in file order."""
        value = self._get(key, True)
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_kind(value)}")
        if not value:
            self.fail(key, "must not be empty")
        out: list[tuple[str, _Table]] = []
        base = _join(self.path, key)
        for name, body in value.items():
            if not isinstance(body, dict):
                raise KnowledgeError(
                    self.file, _join(base, name), f"expected a table, got {_kind(body)}"
                )
            out.append((name, _Table(self.file, _join(base, name), body)))
        return out

    def sources(self) -> tuple[Source, ...]:
        """Every entry cites at least one source with a label and an https URL."""
        value = self._get("sources", False)
        if value is None or value == []:
            self.fail("sources", "at least one source is required")
        return tuple(_read(t, _source) for t in self.tables("sources"))


def _read(table: _Table, build: Callable[[_Table], _T]) -> _T:
    """Build an object from a table, then reject any keys the builder did not read."""
    result = build(table)
    table.close()
    return result


def _unique_keys(tables: Sequence[_Table], key: str = "key") -> list[str]:
    """Read ``key`` from each table and fail on the second occurrence of a value."""
    seen: dict[str, str] = {}
    for table in tables:
        value = table.text(key)
        if value in seen:
            table.fail(key, f"duplicate key {value!r} (first at {seen[value]})")
        seen[value] = table.path
    return list(seen)


# builders -------------------------------------------------------------------------------


def _source(t: _Table) -> Source:
    return Source(label=t.text("label"), url=t.url("url"))


def _phone(t: _Table) -> Phone:
    return Phone(number=t.text("number"), purpose=t.text("purpose"))


def _emergency(t: _Table) -> EmergencyNumber:
    return EmergencyNumber(
        number=t.text("number"),
        name=t.text("name"),
        when=t.text("when"),
        routes_to=t.opt_text("routes_to"),
        notes=t.texts("notes"),
        sources=t.sources(),
    )


def _channel(key: str, t: _Table) -> Channel:
    return Channel(
        key=key,
        name=t.text("name"),
        what_it_is=t.text("what_it_is"),
        what_it_is_not=t.texts("what_it_is_not"),
        how_to_contact=t.text("how_to_contact"),
        phones=tuple(_read(p, _phone) for p in t.tables("phones")),
        gives_reference_number=t.flag("gives_reference_number"),
        url=t.opt_url("url"),
        notes=t.texts("notes"),
        sources=t.sources(),
    )


def _penalty_tier(t: _Table) -> PenaltyTier:
    return PenaltyTier(
        subsection=t.text("subsection"),
        limb=t.text("limb"),
        max_penalty_years=t.integer("max_penalty_years", minimum=1),
    )


def _amendment(t: _Table) -> Amendment:
    return Amendment(
        effective=t.date("effective"),
        summary=t.text("summary"),
        previous_max_penalty_years=t.opt_integer("previous_max_penalty_years", minimum=1),
    )


def _related(t: _Table) -> RelatedProvision:
    return RelatedProvision(
        section=t.text("section"),
        summary=t.text("summary"),
        max_penalty_years=t.opt_integer("max_penalty_years", minimum=1),
    )


def _offence(key: str, t: _Table) -> Offence:
    years = t.integer("max_penalty_years", minimum=1)
    tiers = tuple(_read(p, _penalty_tier) for p in t.tables("penalty_tiers"))
    if tiers and max(tier.max_penalty_years for tier in tiers) != years:
        t.fail("max_penalty_years", f"{years} is not the highest of the penalty_tiers")
    return Offence(
        key=key,
        title=t.text("title"),
        section=t.text("section"),
        statute=t.text("statute"),
        jurisdiction=t.text("jurisdiction"),
        max_penalty=t.text("max_penalty"),
        max_penalty_years=years,
        penalty_tiers=tiers,
        covers=t.text("covers"),
        elements=t.texts("elements", required=True),
        commenced=t.opt_date("commenced"),
        inserted_by=t.opt_text("inserted_by"),
        amendments=tuple(_read(a, _amendment) for a in t.tables("amendments")),
        related=tuple(_read(r, _related) for r in t.tables("related")),
        notes=t.texts("notes"),
        harm_types=cast(tuple[HarmType, ...], t.texts("harm_types", choices=HARM_TYPES)),
        sources=t.sources(),
    )


def _state(code: str, t: _Table) -> StateInfo:
    if not _CODE.match(code):
        t.fail(None, "state or territory codes are 2-3 capital letters")
    return StateInfo(
        code=code,
        name=t.text("name"),
        recording_consent=cast(RecordingConsent, t.choice("recording_consent", RECORDING_CONSENT)),
        recording_rule=t.text("recording_rule"),
        recording_act=t.opt_text("recording_act"),
        recording_exception=t.opt_text("recording_exception"),
        state_offence_count=t.integer("state_offence_count"),
        oversight_body=t.opt_text("oversight_body"),
        police_reporting=t.opt_text("police_reporting"),
        notes=t.texts("notes"),
        sources=t.sources(),
    )


def _rung(t: _Table) -> Rung:
    return Rung(
        key=t.text("key"),
        position=t.integer("position", minimum=1),
        track=cast(Track, t.choice("track", TRACKS)),
        title=t.text("title"),
        what_to_do=t.text("what_to_do"),
        ask_for=t.texts("ask_for", required=True),
        url=t.opt_url("url"),
        channels=t.texts("channels"),
        letter_template=cast(
            LetterTemplate | None, t.opt_choice("letter_template", LETTER_TEMPLATES)
        ),
        follow_up_days=t.integer("follow_up_days", minimum=1),
        next_on_brushed_off=t.opt_text("next_on_brushed_off"),
        requires_reference=t.flag("requires_reference"),
        offered_when=cast(OfferedWhen, t.choice("offered_when", OFFERED_WHEN)),
        cautions=t.texts("cautions"),
        sources=t.sources(),
    )


def _item(t: _Table) -> ChecklistItem:
    return ChecklistItem(key=t.text("key"), text=t.text("text"))


def _guidance(key: str, t: _Table) -> GuidanceSection:
    item_tables = t.tables("items", required=True)
    _unique_keys(item_tables)
    return GuidanceSection(
        key=key,
        title=t.text("title"),
        summary=t.text("summary"),
        items=tuple(_read(i, _item) for i in item_tables),
        cautions=t.texts("cautions"),
        sources=t.sources(),
    )


def _check_ladder(tables: Sequence[_Table], ladder: Sequence[Rung]) -> None:
    """Cross-checks that need the whole ladder: positions in order, next rungs that exist."""
    keys = {rung.key: rung for rung in ladder}
    for index, (table, rung) in enumerate(zip(tables, ladder, strict=True)):
        if rung.position != index + 1:
            table.fail(
                "position", f"{rung.position} does not match its place (expected {index + 1})"
            )
        following = rung.next_on_brushed_off
        if following is None:
            continue
        if following == rung.key:
            table.fail("next_on_brushed_off", "a rung cannot point to itself")
        if following not in keys:
            table.fail("next_on_brushed_off", f"{following!r} is not a rung in this ladder")
        if rung.offered_when == "always" and keys[following].offered_when != "always":
            table.fail(
                "next_on_brushed_off",
                f"{following!r} is not offered on every case, so it cannot follow {rung.key!r}",
            )


def _jurisdiction(t: _Table, stem: str) -> Jurisdiction:
    code = t.text("code")
    if code != stem.upper():
        t.fail("code", f"{code!r} does not match the file name (expected {stem.upper()!r})")
    emergency_tables = t.tables("emergency", required=True)
    _unique_keys(emergency_tables, "number")
    channels = tuple(_read(b, functools.partial(_channel, k)) for k, b in t.keyed("channels"))
    offences = tuple(_read(b, functools.partial(_offence, k)) for k, b in t.keyed("offences"))
    states = tuple(_read(b, functools.partial(_state, k)) for k, b in t.keyed("states"))
    rung_tables = t.tables("ladder", required=True)
    _unique_keys(rung_tables)
    ladder = tuple(_read(r, _rung) for r in rung_tables)
    _check_ladder(rung_tables, ladder)
    channel_keys = {c.key for c in channels}
    for table, rung in zip(rung_tables, ladder, strict=True):
        for index, channel in enumerate(rung.channels):
            if channel not in channel_keys:
                table.fail(f"channels[{index}]", f"{channel!r} is not a channel in this file")
    return Jurisdiction(
        code=code,
        name=t.text("name"),
        disclaimer=t.text("disclaimer"),
        emergency=tuple(_read(e, _emergency) for e in emergency_tables),
        channels=channels,
        offences=offences,
        states=states,
        ladder=ladder,
        guidance=tuple(_read(b, functools.partial(_guidance, k)) for k, b in t.keyed("guidance")),
        sources=t.sources(),
    )


def _route(t: _Table) -> Route:
    return Route(
        kind=cast(RouteKind, t.choice("kind", ROUTE_KINDS)),
        name=t.text("name"),
        detail=t.text("detail"),
    )


def _direct_channel(t: _Table) -> DirectChannel:
    return DirectChannel(
        key=t.text("key"),
        name=t.text("name"),
        what=t.text("what"),
        contact=t.opt_text("contact"),
        url=t.opt_url("url"),
        sources=t.sources(),
    )


def _provision(t: _Table) -> NamedProvision:
    return NamedProvision(
        key=t.text("key"),
        citation=t.text("citation"),
        statute=t.text("statute"),
        kind=cast(ProvisionKind, t.choice("kind", PROVISION_KINDS)),
        summary=t.text("summary"),
        in_force=t.flag("in_force"),
        max_penalty=t.opt_text("max_penalty"),
        notes=t.texts("notes"),
    )


def _treaty(t: _Table) -> TreatyFact:
    return TreatyFact(
        key=t.text("key"),
        name=t.text("name"),
        parties=t.texts("parties", required=True),
        in_force=t.flag("in_force"),
        acceded_on=t.opt_date("acceded_on"),
        in_force_from=t.opt_date("in_force_from"),
        notes=t.texts("notes"),
        sources=t.sources(),
    )


def _country(t: _Table, stem: str) -> CountryProfile:
    code = t.text("code")
    if code != stem.upper():
        t.fail("code", f"{code!r} does not match the file name (expected {stem.upper()!r})")
    channel_tables = t.tables("direct_channels")
    provision_tables = t.tables("offences_named")
    treaty_tables = t.tables("treaties")
    for group in (channel_tables, provision_tables, treaty_tables):
        _unique_keys(group)
    return CountryProfile(
        code=code,
        name=t.text("name"),
        disclaimer=t.text("disclaimer"),
        fastest_lever=t.text("fastest_lever"),
        how_it_reaches=tuple(_read(r, _route) for r in t.tables("how_it_reaches", required=True)),
        direct_channels=tuple(_read(c, _direct_channel) for c in channel_tables),
        offences_named=tuple(_read(p, _provision) for p in provision_tables),
        treaties=tuple(_read(x, _treaty) for x in treaty_tables),
        cautions=t.texts("cautions", required=True),
        notes=t.texts("notes"),
        sources=t.sources(),
    )


# files ----------------------------------------------------------------------------------


def _load_file(path: Path, build: Callable[[_Table, str], _T]) -> _T:
    name = _display(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _SYNTAX_POS.search(message)
        location = f"line {where[1]}, column {where[2]}" if where else ""
        reason = _SYNTAX_POS.sub("", message) if where else message
        raise KnowledgeError(name, location, f"invalid TOML: {reason}") from None
    except OSError as exc:
        raise KnowledgeError(name, "", f"cannot read file: {exc.strerror or exc}") from None
    return _read(_Table(name, "", data), lambda t: build(t, path.stem))


def load_knowledge(directory: Path | None = None) -> Knowledge:
    """Read ``*.toml`` (home jurisdictions) and ``countries/*.toml`` under ``directory``.

    Defaults to this package's directory. Raises ``KnowledgeError`` on the first problem.
    """
    base = PACKAGE_DIR if directory is None else Path(directory)
    jurisdictions = {
        j.code: j for j in (_load_file(p, _jurisdiction) for p in sorted(base.glob("*.toml")))
    }
    if not jurisdictions:
        raise KnowledgeError(_display(base), "", "no jurisdiction files (*.toml) found")
    countries = {
        c.code: c
        for c in (_load_file(p, _country) for p in sorted((base / "countries").glob("*.toml")))
    }
    return Knowledge(
        jurisdictions=MappingProxyType(jurisdictions),
        countries=MappingProxyType(countries),
    )


@functools.cache
def get_knowledge() -> Knowledge:
    """The package's knowledge, loaded and validated once per process."""
    return load_knowledge()
