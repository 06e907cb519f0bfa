"""The form field renderer: a label for every input, the error next to its field and tied to
it for screen readers, the typing kept, and everything a user typed escaped."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from advocate.web.fields import SelectField
from advocate.web.fields_render import render_field


class _Form(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=5)], description="As known")
    agree = BooleanField("Agree")
    kind = SelectField("Kind", choices=[("a", "Apples & <pears>"), ("b", "B")])
    go = SubmitField("Go")


def test_an_invalid_field_keeps_the_typing_and_says_why_beside_it(app: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context(
        "/", method="POST", data={"name": '<script>"x"</script>', "kind": "b"}
    ):
        form = _Form()
        assert not form.validate()
        html = str(render_field(form.name, autocomplete="off"))
        assert '<label class="form-label" for="name">Name</label>' in html
        assert 'aria-describedby="name-help"' in html and 'aria-invalid="true"' in html
        assert 'class="form-control is-invalid"' in html
        assert '<div class="invalid-feedback d-block" id="name-help">' in html
        assert 'value="&lt;script&gt;&#34;x&#34;&lt;/script&gt;"' in html  # kept, escaped
        assert "<script>" not in html
        assert "As known" not in html  # the error replaces the help text
        select = str(render_field(form.kind))
        assert '<option value="a">Apples &amp; &lt;pears&gt;</option>' in select
        assert '<option value="b" selected>B</option>' in select
        assert 'class="form-select"' in select


def test_a_valid_form_shows_help_checkboxes_and_buttons_as_bootstrap_lays_them_out(
    app: Any,
) -> None:
    with app.test_request_context("/"):
        form = _Form()
        html = str(render_field(form.name))
        assert html.startswith('<div class="mb-3 required">')
        assert 'aria-describedby="name-help"' in html and "aria-invalid" not in html
        assert '<small class="form-text text-body-secondary" id="name-help">As known' in html
        check = str(render_field(form.agree))
        assert check.startswith('<div class="mb-3 form-check"><input class="form-check-input"')
        assert '<label class="form-check-label" for="agree">Agree</label>' in check
        button = str(render_field(form.go, button_style="danger", **{"class": "mt-2"}))
        assert 'class="btn btn-danger btn-md mt-2"' in button


def test_an_empty_forms_fixed_fields_are_rendered_once_and_a_form_sent_back_as_it_stands(
    app: Any,
) -> None:
    from advocate.web.fields_render import pristine

    app.config["WTF_CSRF_ENABLED"] = False
    app.jinja_env.auto_reload = False  # as in production
    with app.test_request_context("/"):
        form = _Form()
        first = pristine(form, "name", "go", go={"button_style": "secondary"})
        assert str(first) == str(render_field(form.name)) + str(
            render_field(form.go, button_style="secondary")
        )
        assert pristine(_Form(), "name", "go", go={"button_style": "secondary"}) is first
        assert "btn-primary" in pristine(_Form(), "go")  # other arguments, another entry
    with app.test_request_context("/", method="POST", data={"name": "far too long"}):
        sent = _Form()
        assert not sent.validate()
        html = str(pristine(sent, "name", "go", go={"button_style": "secondary"}))
        assert 'value="far too long"' in html and "is-invalid" in html
        assert '<div class="invalid-feedback d-block" id="name-help">' in html
