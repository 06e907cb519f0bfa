"""The fast attribute writer writes exactly what WTForms' own does, and the forms use it."""

from __future__ import annotations

from typing import Any

import pytest

from advocate.web import html_attributes

CASES: list[dict[str, Any]] = [
    {},
    {"name": "summary", "id": "summary", "class_": "form-control is-invalid"},
    {"value": 'He said "stop" & <left>', "type": "text", "required": True, "disabled": False},
    {"data_case_id": 42, "aria_describedby": "kind-help", "aria_invalid": "true"},
    {"for_": "ladder-rung", "class": "form-label"},
    {"value": 0, "selected": True},
    {"value": "", "placeholder": "Jordan O'Neil", "rows": 2, "maxlength": 200},
]


@pytest.mark.parametrize("attributes", CASES)
def test_writes_what_wtforms_writes(attributes: dict[str, Any]) -> None:
    assert html_attributes.html_params(**attributes) == html_attributes.original()(**attributes)


def test_every_form_on_a_page_uses_it(app: Any) -> None:
    import wtforms.widgets.core as core
    from wtforms import widgets

    assert core.html_params is widgets.html_params is html_attributes.html_params
    assert core.Input.html_params is html_attributes.html_params
    with app.test_request_context():
        from advocate.web.ladder import LadderEventForm

        form = LadderEventForm(prefix="ladder")
        form.rung.choices = [("oic", '1. Officer in Charge & "OIC"')]
        form.reference_id.choices = [("", "None")]
        markup = str(form.contact(placeholder='Sgt "Lee"')) + str(form.rung.label())
    assert 'placeholder="Sgt &#34;Lee&#34;"' in markup
    assert '<label for="ladder-rung">Rung</label>' in markup
