"""One form field as Bootstrap 5 markup, rendered in Python.

The markup is Bootstrap-Flask's ``render_field`` for the basic layout (the same classes and
structure, so the pages look the same), plus ``aria-describedby`` from a field to its help text
or first error and ``aria-invalid`` on a field with an error. It is here rather than in a Jinja
macro because that macro was the largest single cost of the case page (~1 ms a field); the
strings are joined directly, each value escaped, as ``Markup.format`` is slow too.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Flask, current_app
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import Field


def _feedback(field: Field, kwargs: dict[str, Any]) -> str:
    """The field's errors, else its description, with the id the input points at."""
    help_id = f"{field.id}-help"
    if field.errors:
        kwargs.setdefault("aria-describedby", help_id)
        kwargs.setdefault("aria-invalid", "true")
        first, *rest = field.errors
        return (
            f'<div class="invalid-feedback d-block" id="{escape(help_id)}">{escape(first)}</div>'
            + "".join(
                f'<div class="invalid-feedback d-block">{escape(error)}</div>' for error in rest
            )
        )
    if field.description:
        kwargs.setdefault("aria-describedby", help_id)
        # Descriptions are our own text, written in the form classes (Bootstrap-Flask marks
        # them safe too).
        return (
            f'<small class="form-text text-body-secondary" id="{escape(help_id)}">'
            f"{field.description}</small>"
        )
    return ""


def _classes(field: Field, base: str, kwargs: dict[str, Any]) -> str:
    given = kwargs.pop("class", "") or ""
    given = kwargs.pop("class_", "") or given
    extra = given or (field.render_kw or {}).get("class", "")
    invalid = " is-invalid" if field.errors else ""
    return f"{base}{invalid}{' ' + extra if extra else ''}"


def render_field(field: Field, button_style: str = "", **kwargs: Any) -> Markup:
    """A labelled input with its help text or errors beside it, as Bootstrap lays them out."""
    kind = field.type
    if kind in ("CSRFTokenField", "HiddenField"):
        return field()
    config = current_app.config
    group = config.get("BOOTSTRAP_FORM_GROUP_CLASSES", "mb-3")
    if kind == "SubmitField":
        style = button_style or config.get("BOOTSTRAP_BTN_STYLE", "primary")
        size = config.get("BOOTSTRAP_BTN_SIZE", "md")
        classes = _classes(field, f"btn btn-{style} btn-{size}", kwargs)
        return field(**{"class": classes.replace(" is-invalid", "")}, **kwargs)
    if field.flags.required and "required" not in kwargs:
        kwargs["required"] = True
    if getattr(field.widget, "input_type", None) == "checkbox":
        classes = _classes(field, "form-check-input", kwargs)
        feedback = _feedback(field, kwargs)
        control = field(**{"class": classes}, **kwargs)
        label = field.label(**{"class": "form-check-label", "for": field.id})
        return Markup(f'<div class="{group} form-check">{control}{label}{feedback}</div>')  # noqa: S704
    required = " required" if field.flags.required else ""
    label = field.label(**{"class": "form-label"})
    if kind == "RadioField":
        items = "".join(
            '<div class="form-check">'
            + item(**{"class": "form-check-input"})
            + item.label(**{"class": "form-check-label", "for": item.id})
            + "</div>"
            for item in field
        )
        feedback = _feedback(field, {})
        return Markup(f'<div class="{group}{required}">{label}{items}{feedback}</div>')  # noqa: S704
    base = "form-select" if kind == "SelectField" else "form-control"
    classes = _classes(field, base, kwargs)
    feedback = _feedback(field, kwargs)
    control = field(**{"class": classes}, **kwargs)
    # Every part is markup from WTForms (which escapes values) or escaped above.
    return Markup(f'<div class="{group}{required}">{label}{control}{feedback}</div>')  # noqa: S704


def pristine(form: FlaskForm, *names: str, **field_kwargs: dict[str, Any]) -> Markup:
    """Fields of a form nobody has filled in, whose choices and values never change, rendered
    once per process (each again while templates auto-reload, in development).

    The case page shows the same empty "record an action" and "add an identifier" fields on
    every case; only their per-case selects (the rungs, the profiles) are rendered each time.
    A form sent back with errors is rendered as it stands. ``field_kwargs`` holds, per field
    name, what ``render_field`` would be given in the template."""

    def render() -> Markup:
        return Markup(  # noqa: S704 - each part is render_field's markup
            "".join(render_field(form[name], **field_kwargs.get(name, {})) for name in names)
        )

    if form.is_submitted() or form.errors or current_app.jinja_env.auto_reload:
        return render()
    key = (
        type(form),
        form._prefix,
        names,
        tuple(sorted((name, tuple(sorted(given.items()))) for name, given in field_kwargs.items())),
    )
    cache: dict[Hashable, Markup] = current_app.extensions.setdefault(
        "advocate.pristine_field_groups", {}
    )
    html = cache.get(key)
    if html is None:
        html = cache[key] = render()
    return html


def csrf_input() -> Markup:
    """The CSRF token as a form's hidden field: for forms whose other fields are markup
    already (one-button forms, the case page's cached empty forms), without building a form
    object for it (a quarter of a millisecond each on the case page)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def init_app(app: Flask) -> None:
    app.add_template_global(render_field, "render_field")
    app.add_template_global(csrf_input, "csrf_input")
    app.add_template_global(pristine, "pristine")
