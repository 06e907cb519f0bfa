"""`flask keys rotate`: every encrypted field re-encrypted under the newest key."""

from __future__ import annotations

from collections import Counter

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from tests.conftest import ENCRYPTION_KEY as KEY_A
from tests.conftest import PASSWORD


def _users_with_secrets(app, how_many):
    """People part-way through enrolment: each has a TOTP key, encrypted under key A."""
    from advocate.extensions import db
    from advocate.services import accounts, organisations, twofactor

    with app.app_context():
        organisations.ensure_organisation("Test Advocacy Service")
        users = []
        for n in range(how_many):
            user = accounts.create_user(f"k{n}@example.org", f"K {n}", "caseworker", PASSWORD)
            twofactor.begin_enrolment(user)
            users.append(user)
        db.session.commit()
        return {user.id: user.totp_secret for user in users}


def _raw_secrets(app):
    from advocate.extensions import db

    with app.app_context():
        rows = db.session.execute(
            text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
        ).all()
        return {row[0]: bytes(row[1]) for row in rows}


def _read_secrets(app, ids):
    from advocate.extensions import db
    from advocate.models import User

    with app.app_context():
        return {i: db.session.get(User, i).totp_secret for i in ids}


def test_rotation_moves_everything_to_the_new_key(make_app):
    app_a = make_app()
    originals = _users_with_secrets(app_a, 7)
    key_b = Fernet.generate_key().decode()
    only_b = make_app({"ADVOCATE_ENCRYPTION_KEYS": key_b})
    with pytest.raises(InvalidToken):  # before rotation, B alone cannot read A's data
        _read_secrets(only_b, list(originals))

    both = make_app({"ADVOCATE_ENCRYPTION_KEYS": f"{key_b},{KEY_A}"})
    result = both.test_cli_runner().invoke(args=["keys", "rotate", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "users.totp_secret: 7" in result.output

    assert _read_secrets(make_app({"ADVOCATE_ENCRYPTION_KEYS": key_b}), list(originals)) == (
        originals
    )
    for token in _raw_secrets(app_a).values():
        with pytest.raises(InvalidToken):
            Fernet(KEY_A.encode()).decrypt(token)
        Fernet(key_b.encode()).decrypt(token)

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with both.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "keys.rotated")
        ).scalar_one()
        assert event.details["values"]["users.totp_secret"] == 7


def test_columns_are_found_by_type_so_later_models_are_covered(make_app):
    """A table no one told the rotation about is rotated all the same."""
    from advocate.extensions import db
    from advocate.models.base import EncryptedText
    from advocate.services import keys

    scratch = MetaData()
    notes = Table(
        "scratch_notes",
        scratch,
        Column("id", Integer, primary_key=True),
        Column("title", String(50)),
        Column("body", EncryptedText()),
    )
    app_a = make_app()
    with app_a.app_context():
        assert "users.totp_secret" in [n for g in keys.encrypted_columns() for n in g.names]
        scratch.create_all(db.engine)
        db.session.execute(
            insert(notes), [{"title": f"t{n}", "body": f"secret note {n}"} for n in range(5)]
        )
        db.session.execute(insert(notes).values(title="empty", body=None))
        db.session.commit()
    key_b = Fernet.generate_key().decode()
    both = make_app({"ADVOCATE_ENCRYPTION_KEYS": f"{key_b},{KEY_A}"})
    with both.app_context():
        assert [g.names for g in keys.encrypted_columns(scratch)] == [["scratch_notes.body"]]
        counts: Counter[str] = Counter()
        for column, rewritten in keys.rotate_batches(batch_size=2, metadata=scratch):
            counts[column] += rewritten
        db.session.commit()
        assert counts == {"scratch_notes.body": 5}
        raw = db.session.execute(text("SELECT body FROM scratch_notes WHERE body IS NOT NULL"))
        for (token,) in raw:
            Fernet(key_b.encode()).decrypt(bytes(token))
            with pytest.raises(InvalidToken):
                Fernet(KEY_A.encode()).decrypt(bytes(token))
    with make_app({"ADVOCATE_ENCRYPTION_KEYS": key_b}).app_context():
        bodies = db.session.execute(select(notes.c.body).order_by(notes.c.id)).scalars().all()
        assert bodies == [f"secret note {n}" for n in range(5)] + [None]
        db.session.rollback()  # release the table before dropping it (PostgreSQL locks)
        scratch.drop_all(db.engine)


def test_a_value_no_key_opens_stops_rotation_with_the_reason(make_app):
    _users_with_secrets(make_app(), 2)
    key_b, key_c = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    result = (
        make_app({"ADVOCATE_ENCRYPTION_KEYS": f"{key_b},{key_c}"})
        .test_cli_runner()
        .invoke(args=["keys", "rotate"])
    )
    assert result.exit_code != 0
    assert "cannot be decrypted with any configured key" in result.output


def test_generate_prints_a_usable_key(runner):
    result = runner.invoke(args=["keys", "generate"])
    Fernet(result.output.strip().encode())
