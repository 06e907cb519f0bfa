"""Administration: users (create, deactivate, reset password, change role)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from advocate.extensions import db
from advocate.models import ROLES
from advocate.services import accounts
from advocate.services.errors import DomainError
from advocate.web.fields import SelectField
from advocate.web.forms import ActionForm, attach_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_CHOICES = [(role, role.capitalize()) for role in ROLES]


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="caseworker")
    password = PasswordField("Password (at least 12 characters)", validators=[DataRequired()])
    confirm = PasswordField(
        "Password again", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create user")


class ResetForm(FlaskForm):
    password = PasswordField("New password (at least 12 characters)", validators=[DataRequired()])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Set password")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Change role")


@bp.route("/users")
@admin_required
def users() -> ResponseReturnValue:
    return render_template("admin/users.html", users=accounts.list_users(), action=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> ResponseReturnValue:
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data or "",
                form.name.data or "",
                form.role.data or "",
                form.password.data or "",
                by=current_user._get_current_object(),
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(f"{user.name} can now log in as {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> ResponseReturnValue:
    user = accounts.get_user(user_id)
    reset, role = ResetForm(prefix="reset"), RoleForm(prefix="role", role=user.role)
    me = current_user._get_current_object()
    if reset.submit.data and reset.validate_on_submit():
        try:
            accounts.set_password(user, reset.password.data or "", by=me)
        except DomainError as error:
            db.session.rollback()
            attach_errors(reset, error)
        else:
            db.session.commit()
            flash(f"Password set for {user.name}; their sessions and tokens were ended.", "success")
            return redirect(url_for("admin.users"))
    elif role.submit.data and role.validate_on_submit():
        accounts.set_role(user, role.role.data or "", by=me)
        db.session.commit()
        flash(f"{user.name} is now {user.role}.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", user=user, reset=reset, role=role)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_active(user_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    user = accounts.get_user(user_id)
    try:
        accounts.set_active(user, not user.active, by=current_user._get_current_object())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"{user.name} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))
