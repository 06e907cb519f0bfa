"""Shared form helpers: the one-button form, and a service's domain error mapped back onto
form fields."""

from __future__ import annotations

from flask_wtf import FlaskForm

from advocate.services.errors import DomainError


class ActionForm(FlaskForm):
    """An empty form: its only job is the CSRF token on one-button POSTs."""


def attach_errors(form: FlaskForm, error: DomainError) -> None:
    """Put each field's reasons beside that field; anything else becomes a form error."""
    placed = False
    for name, reasons in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(reasons)
            placed = True
    if not placed:
        form.form_errors.append(error.message)
