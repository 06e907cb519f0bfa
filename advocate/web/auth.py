"""Logging in and out, and the first-run page that makes the first admin."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from advocate.extensions import db, limiter
from advocate.services import accounts, organisations
from advocate.services.errors import DomainError
from advocate.web.forms import attach_errors
from advocate.web.security import start_session

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Log in")


class SetupForm(FlaskForm):
    organisation = StringField("Organisation name", validators=[DataRequired(), Length(max=200)])
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Your email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password (at least 12 characters)", validators=[DataRequired()])
    confirm = PasswordField(
        "Password again", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create the first administrator")


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and "//" not in target:
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def login() -> ResponseReturnValue:
    if accounts.count_users() == 0:
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        db.session.commit()  # the attempt is counted whether or not it succeeded
        if user is None:
            form.password.errors = [accounts.LOGIN_FAILED]
        else:
            session.clear()  # a fresh session at login, never one chosen beforehand
            login_user(user, remember=False)
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        accounts.logout(current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def setup() -> ResponseReturnValue:
    if accounts.count_users() > 0:
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            organisations.ensure_organisation(form.organisation.data or "")
            user = accounts.create_user(
                form.email.data or "", form.name.data or "", "admin", form.password.data or ""
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            session.clear()
            login_user(user, remember=False)
            start_session(user)
            flash("Welcome. Your administrator account is ready.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/setup.html", form=form)
