"""The admin form for one knowledge entry, built from the entry's dataclass fields.

One labelled input per field: text boxes, yes/no, drop-downs for fixed choices, one-per-line
boxes for lists, and a JSON box only for lists of small records (sources, phones). Numbers and
dates are typed as text so whatever the person typed comes back with the service's message
beside it. Parsing form text into JSON values happens here; judging the values is the service's.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from advocate.services import knowledge_fields as kf
from advocate.services.errors import ValidationFailed

#: Text fields long enough to deserve a box rather than a line.
LONG_TEXT = frozenset(
    {"what_it_is", "how_to_contact", "covers", "what_to_do", "summary", "recording_rule"}
)
_WHOLE_NUMBER = re.compile(r"^-?\d+$")


def _hint(spec: kf.FieldSpec) -> str:
    if spec.kind == "lines":
        return "One per line."
    if spec.kind == "records":
        return f"JSON list of objects with: {', '.join(spec.record_fields)}."
    if spec.kind == "date":
        return "YYYY-MM-DD" + ("; leave empty if none." if spec.optional else ".")
    if spec.kind == "choices":
        return "Choose any (Ctrl or Cmd to pick several)."
    if spec.optional:
        return "Optional."
    return ""


def _field(spec: kf.FieldSpec) -> Any:
    label, hint = spec.label, _hint(spec)
    if spec.kind == "bool":
        return BooleanField(label, description=hint)
    if spec.kind == "choice":
        choices = [(c, c) for c in spec.choices]
        if spec.optional:
            choices.insert(0, ("", "(none)"))
        return SelectField(label, choices=choices, validate_choice=False, description=hint)
    if spec.kind == "choices":
        return SelectMultipleField(
            label, choices=[(c, c.replace("_", " ")) for c in spec.choices], description=hint
        )
    if spec.kind in ("lines", "records") or spec.name in LONG_TEXT:
        return TextAreaField(label, description=hint)
    return StringField(label, description=hint)


@cache
def entry_form_class(section: str) -> type[FlaskForm]:
    """A form class with one field per overridable field of this section (cached)."""
    attrs: dict[str, Any] = {spec.name: _field(spec) for spec in kf.field_specs(section)}
    attrs["note"] = TextAreaField(
        "Note: why your organisation adds or amends this",
        validators=[Length(max=2000)],
        description="Shown with the entry on the Guide and kept on the audit trail.",
    )
    attrs["submit"] = SubmitField("Save for your organisation")
    return type(f"{section.capitalize()}EntryForm", (FlaskForm,), attrs)


def initial_data(section: str, entry: Any | None) -> dict[str, Any]:
    """What the form shows before anyone types: the current entry, or empty boxes."""
    data: dict[str, Any] = {}
    for spec in kf.field_specs(section):
        value = getattr(entry, spec.name) if entry is not None else None
        if spec.kind == "records":
            data[spec.name] = json.dumps(kf.to_json(value or ()), indent=2, ensure_ascii=False)
        elif spec.kind == "lines":
            data[spec.name] = "\n".join(value or ())
        elif spec.kind == "choices":
            data[spec.name] = list(value or ())
        elif spec.kind == "bool":
            data[spec.name] = bool(value)
        elif spec.kind in ("int", "date"):
            data[spec.name] = "" if value is None else str(value)
        else:
            data[spec.name] = value or ""
    return data


def _value(spec: kf.FieldSpec, field: Field) -> Any:
    raw = field.data
    if spec.kind == "bool":
        return bool(raw)
    if spec.kind == "choices":
        return list(raw or [])
    text = (raw or "").strip() if isinstance(raw, str) or raw is None else raw
    if spec.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if spec.kind == "records":
        try:
            return json.loads(text or "[]")
        except json.JSONDecodeError as error:
            raise ValueError(
                f"Not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}."
            ) from None
    if spec.kind == "int":
        return int(text) if _WHOLE_NUMBER.match(text) else (text or None)
    if text == "" and spec.optional:
        return None
    return text


def submitted_fields(section: str, form: FlaskForm) -> dict[str, Any]:
    """The form's values as JSON values for ``knowledge.save_override``.

    A JSON box that does not parse raises ValidationFailed for that field, so it shows beside
    it like any other message.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in kf.field_specs(section):
        try:
            values[spec.name] = _value(spec, form[spec.name])
        except ValueError as error:
            errors[spec.name] = [str(error)]
    if errors:
        raise ValidationFailed("Some fields are not valid; see the messages beside them.", errors)
    return values
