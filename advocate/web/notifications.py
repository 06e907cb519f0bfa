"""In-app notifications: the list, marking read, and the unread count in the navigation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from advocate.extensions import db
from advocate.models import Notification
from advocate.services import notifications
from advocate.web.forms import ActionForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    before = request.args.get("before", type=int)
    rows = notifications.for_user(current_user.id, unread_only=unread_only, before_id=before)
    return render_template(
        "notifications/index.html",
        notifications=rows,
        unread_only=unread_only,
        action=ActionForm(),
        older=rows[-1].id if len(rows) == 50 else None,
    )


@bp.route("/read", methods=["POST"])
@bp.route("/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id: int | None = None) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    if notification_id is not None:
        mine = db.session.get(Notification, notification_id)
        if mine is None or mine.user_id != current_user.id:
            abort(404)  # someone else's is "not found", like a case one cannot open
    changed = notifications.mark_read(
        current_user.id, None if notification_id is None else [notification_id]
    )
    db.session.commit()
    if notification_id is None:
        flash(f"{changed} notification{'' if changed == 1 else 's'} marked read.", "success")
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def _unread() -> dict[str, object]:
    """``unread_notifications()`` in templates: one COUNT, only when the nav is drawn; the
    menu's badge ("" for none, "99+" past what is counted)."""

    def unread_notifications() -> str:
        if not current_user or not current_user.is_authenticated:
            return ""
        unread = notifications.unread_count(current_user.id)
        if unread > notifications.UNREAD_SHOWN:
            return f"{notifications.UNREAD_SHOWN}+"
        return str(unread) if unread else ""

    return {"unread_notifications": unread_notifications}
