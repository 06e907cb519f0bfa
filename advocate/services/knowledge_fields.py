"""What an organisation override may contain, checked against the knowledge dataclasses.

An override is stored as JSON, but it ends up inside the same frozen objects the TOML files
produce, so it gets the same strictness: only the field names of that section's dataclass, each
with the right type (text, whole number, yes/no, ISO date, one of a fixed set of choices, a list,
or a list of small records such as sources), https-only URLs, and no empty required text. The
types are read from the dataclasses themselves, so a field added to the model is overridable
without touching this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from advocate.knowledge import Channel, GuidanceSection, Offence, Rung, StateInfo
from advocate.services.errors import ValidationFailed

Kind = Literal["text", "int", "bool", "date", "choice", "choices", "lines", "records"]

#: Entry keys an organisation may invent (offence keys look like ``wa-s338E``).
KEY_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

#: Smallest accepted value per whole-number field; 0 for any other.
MINIMUMS: Final[dict[str, int]] = {
    "max_penalty_years": 1,
    "previous_max_penalty_years": 1,
    "follow_up_days": 1,
}
MAXIMUM_INT: Final = 10_000

#: Labels where the field name alone would be unclear (others are the name, capitalised).
LABELS: Final[dict[str, str]] = {
    "section": "Section of the Act",
    "max_penalty": "Maximum penalty (as written)",
    "max_penalty_years": "Maximum penalty in years",
    "covers": "What it covers",
    "commenced": "Commenced on",
    "inserted_by": "Inserted by (amending Act)",
    "harm_types": "Harm types that suggest it",
    "what_it_is_not": "What it is not",
    "gives_reference_number": "Gives a reference number",
    "url": "Web address (https)",
    "recording_consent": "Call-recording consent",
    "recording_rule": "Call-recording rule",
    "recording_act": "Call-recording Act",
    "recording_exception": "Call-recording exception",
    "state_offence_count": "Number of state offences",
    "oversight_body": "Police oversight body",
    "police_reporting": "Police online reporting",
    "what_to_do": "What to do",
    "ask_for": "What to ask for",
    "letter_template": "Letter template",
    "follow_up_days": "Follow-up interval in days",
    "next_on_brushed_off": "Next rung when brushed off",
    "requires_reference": "Needs a reference number to be done",
    "offered_when": "Offered when",
    "items": "Checklist items",
}


@dataclass(frozen=True, slots=True)
class Section:
    """One overridable part of a jurisdiction and the rules for overriding it."""

    name: str
    label: str
    model: type[Any]
    #: The attribute of ``Jurisdiction`` holding these entries, in order.
    attr: str
    #: The dataclass field that names an entry (``code`` for states).
    key_field: str
    #: False where the set of entries is fixed (the eight states, the nine rungs of API.md).
    can_add: bool
    #: Fields an override may not change (identity and ladder order).
    fixed: frozenset[str]


_KEY: Final = frozenset({"key"})
SECTIONS: Final[dict[str, Section]] = {
    s.name: s
    for s in (
        Section("offence", "Offence", Offence, "offences", "key", True, _KEY),
        Section("channel", "Reporting channel", Channel, "channels", "key", True, _KEY),
        Section(
            "state", "State or territory", StateInfo, "states", "code", False, frozenset({"code"})
        ),
        Section("rung", "Ladder rung", Rung, "ladder", "key", False, _KEY | {"position"}),
        Section("guidance", "Guidance checklist", GuidanceSection, "guidance", "key", True, _KEY),
    )
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """An overridable field: its name, Python type and the kind of input that edits it."""

    name: str
    type: Any
    kind: Kind
    optional: bool
    choices: tuple[str, ...]
    #: For ``records``: the record's own field names, shown as a hint.
    record_fields: tuple[str, ...]

    @property
    def label(self) -> str:
        return LABELS.get(self.name) or self.name.replace("_", " ").capitalize()


class FieldProblem(Exception):
    """A value does not fit its field; the message is written for the person who typed it."""


def section(name: str) -> Section:
    """The section called ``name`` or a 422 naming the choices."""
    try:
        return SECTIONS[name]
    except KeyError:
        choices = ", ".join(SECTIONS)
        raise ValidationFailed.on("section", f"Choose one of: {choices}.") from None


def _split_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _spec(name: str, tp: Any) -> FieldSpec:
    inner, optional = _split_optional(tp)
    choices: tuple[str, ...] = ()
    record_fields: tuple[str, ...] = ()
    kind: Kind
    if typing.get_origin(inner) is Literal:
        kind, choices = "choice", tuple(typing.get_args(inner))
    elif typing.get_origin(inner) is tuple:
        item = typing.get_args(inner)[0]
        if typing.get_origin(item) is Literal:
            kind, choices = "choices", tuple(typing.get_args(item))
        elif _is_record(item):
            kind = "records"
            record_fields = tuple(f.name for f in dataclasses.fields(item))
        else:
            kind = "lines"
    elif inner is bool:
        kind = "bool"
    elif inner is int:
        kind = "int"
    elif inner is dt.date:
        kind = "date"
    else:
        kind = "text"
    return FieldSpec(name, tp, kind, optional, choices, record_fields)


@cache
def field_specs(section_name: str) -> tuple[FieldSpec, ...]:
    """The fields an override of this section may set, in the dataclass's order."""
    spec = section(section_name)
    hints = typing.get_type_hints(spec.model)
    return tuple(
        _spec(f.name, hints[f.name])
        for f in dataclasses.fields(spec.model)
        if f.name not in spec.fixed
    )


def required_on_add(spec: FieldSpec) -> bool:
    """A new entry must give every field that has no natural empty value (and a source)."""
    if spec.name == "sources":
        return True
    return not (spec.optional or spec.kind in ("lines", "records", "choices"))


# converting JSON values into the dataclasses' types ---------------------------------------


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise FieldProblem("must be text")
    text = value.strip()
    if not text:
        raise FieldProblem("must not be empty")
    if name == "url":
        parts = urlsplit(text)
        if parts.scheme != "https" or not parts.netloc:
            raise FieldProblem("must be a full https:// address")
    return text


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldProblem("must be a whole number")
    minimum = MINIMUMS.get(name, 0)
    if value < minimum:
        raise FieldProblem(f"must be at least {minimum}")
    if value > MAXIMUM_INT:
        raise FieldProblem(f"must be at most {MAXIMUM_INT}")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FieldProblem("must be a date written as YYYY-MM-DD")


def _record(model: type[Any], value: Any) -> Any:
    if not isinstance(value, Mapping):
        names = ", ".join(f.name for f in dataclasses.fields(model))
        raise FieldProblem(f"must be an object with {names}")
    hints = typing.get_type_hints(model)
    known = {f.name for f in dataclasses.fields(model)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise FieldProblem(f"has unknown field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(model):
        _, optional = _split_optional(hints[f.name])
        if f.name not in value:
            if optional:
                values[f.name] = None
                continue
            raise FieldProblem(f"needs {f.name}")
        try:
            values[f.name] = coerce(hints[f.name], value[f.name], f.name)
        except FieldProblem as problem:
            raise FieldProblem(f"{f.name} {problem}") from None
    return model(**values)


def coerce(tp: Any, value: Any, name: str) -> Any:
    """Turn a JSON value into the field's Python type, or raise FieldProblem saying why."""
    inner, optional = _split_optional(tp)
    if optional and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if value is None:
        raise FieldProblem("is required")
    origin = typing.get_origin(inner)
    if origin is Literal:
        choices = typing.get_args(inner)
        if value not in choices:
            raise FieldProblem(f"must be one of: {', '.join(choices)}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise FieldProblem("must be a list")
        item_type = typing.get_args(inner)[0]
        items = []
        for index, item in enumerate(value):
            try:
                if _is_record(item_type):
                    items.append(_record(item_type, item))
                else:
                    items.append(coerce(item_type, item, name))
            except FieldProblem as problem:
                raise FieldProblem(f"item {index + 1}: {problem}") from None
        if name == "sources" and not items:
            raise FieldProblem("needs at least one source")
        if len(set(items)) != len(items):
            raise FieldProblem("lists the same thing twice")
        keys = [getattr(item, "key", None) for item in items]
        if None not in keys and len(set(keys)) != len(keys):
            raise FieldProblem("uses the same key twice")
        return tuple(items)
    if inner is bool:
        if not isinstance(value, bool):
            raise FieldProblem("must be yes or no (true or false)")
        return value
    if inner is int:
        return _integer(value, name)
    if inner is dt.date:
        return _date(value)
    return _text(value, name)


def to_json(value: Any) -> Any:
    """The JSON form of a converted value (the form stored in the database)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def convert(section_name: str, fields: Mapping[str, Any], *, adding: bool) -> dict[str, Any]:
    """Check every given field and return them converted; 422 naming each bad field.

    ``adding`` also demands the fields a new entry cannot do without.
    """
    specs = {spec.name: spec for spec in field_specs(section_name)}
    if not isinstance(fields, Mapping):
        raise ValidationFailed.on("fields", "Fields must be an object of field names to values.")
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(name) for name in fields if name not in specs)
    if unknown:
        label = SECTIONS[section_name].label.lower()
        errors["fields"] = [
            f"Not a field of a {label}: {', '.join(unknown)}. Known fields: {', '.join(specs)}."
        ]
    converted: dict[str, Any] = {}
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None:
            continue
        try:
            converted[name] = coerce(spec.type, value, name)
        except FieldProblem as problem:
            errors[name] = [f"{spec.label} {problem}."]
    if adding:
        for spec in specs.values():
            if required_on_add(spec) and spec.name not in fields and spec.name not in errors:
                errors[spec.name] = [f"{spec.label} is required for a new entry."]
    if errors:
        raise ValidationFailed("Some fields are not valid; see the messages beside them.", errors)
    return converted


def build(section_name: str, key: str, converted: Mapping[str, Any]) -> Any:
    """A new entry from converted fields, empty values for the optional ones left out."""
    spec = SECTIONS[section_name]
    values: dict[str, Any] = {spec.key_field: key}
    for field_spec in field_specs(section_name):
        if field_spec.name in converted:
            values[field_spec.name] = converted[field_spec.name]
        elif field_spec.kind in ("lines", "records", "choices"):
            values[field_spec.name] = ()
        else:
            values[field_spec.name] = None
    return spec.model(**values)
