"""The CLI commands in API.md."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_users_create_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(
        args=["users", "create", "cli@example.org", "--role", "supervisor", "--name", "Cli Person"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    from advocate.services import accounts

    with app.app_context():
        user = accounts.user_by_email("cli@example.org")
        assert user.role == "supervisor"
        assert accounts.check_password(user, PASSWORD)


def test_users_create_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["users", "create", "cli@example.org", "--role", "caseworker", "--name", "C"],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "at least 12" in result.output


def test_tokens_create_prints_the_token_last_and_stores_only_its_hash(
    runner, make_user, client, app
):
    user = make_user()
    result = runner.invoke(args=["tokens", "create", user.email, "--label", "scripts"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("adv_")
    assert (
        client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import ApiToken

    with app.app_context():
        stored = db.session.execute(select(ApiToken.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1


def test_audit_verify_detects_tampering(runner, make_user, app):
    make_user()
    make_user()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id).limit(1)).scalar_one()
        event.details = {"role": "admin"}
        db.session.commit()
        broken_id = event.id
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"event {broken_id}" in result.output


def test_demo_admin_prints_a_password_once_that_logs_in(runner, app):
    result = runner.invoke(args=["demo-admin"])
    password = next(
        line.split(":", 1)[1].strip() for line in result.output.splitlines() if "password:" in line
    )
    from tests.conftest import login

    assert login(app.test_client(), "admin@demo.advocate.example", password).status_code == 302
    assert "password:" not in runner.invoke(args=["demo-admin"]).output
