"""`flask backup` and `flask restore`: a round trip loses nothing; bad backups are refused."""

from __future__ import annotations

import hashlib
import json
import os
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy import table as raw_table

from tests import services as test_services
from tests.conftest import DB_KIND, login

_names = count()


@pytest.fixture
def empty_installation(tmp_path, request):
    """Environment for a new installation: an empty data dir and an empty database."""
    data_dir = tmp_path / "restored"
    data_dir.mkdir()
    if DB_KIND == "postgresql":
        base = request.getfixturevalue("postgres_url")
        name = f"restored_{os.getpid()}_{next(_names)}"
        test_services.create_database(base, name)
        yield {"ADVOCATE_DATA_DIR": str(data_dir), "ADVOCATE_DATABASE_URL": f"{base}/{name}"}
        test_services.drop_database(base, name)
        return
    url = f"sqlite:///{data_dir / 'advocate.sqlite'}"
    yield {"ADVOCATE_DATA_DIR": str(data_dir), "ADVOCATE_DATABASE_URL": url}


def _store_evidence(data_dir: Path, contents: list[bytes]) -> dict[str, str]:
    """Files as the evidence store keeps them: named by their SHA-256, fanned out."""
    stored = {}
    for content in contents:
        digest = hashlib.sha256(content).hexdigest()
        path = data_dir / "evidence" / digest[:2] / digest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        stored[f"evidence/{digest[:2]}/{digest}"] = digest
    return stored


def _row_counts(app) -> dict[str, int]:
    from advocate.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(raw_table(name))).scalar()
            for name in inspect(connection).get_table_names()
        }


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def populated(app, client, make_user):
    """An installation with people, a second factor, audit events and evidence files."""
    make_user("caseworker")
    supervisor = make_user("supervisor")
    login(client, supervisor.email)  # enrols: an encrypted TOTP key and hashed recovery codes
    worker = make_user("caseworker")
    login(app.test_client(), worker.email, "a-wrong-password-here")  # an audited failure
    evidence = _store_evidence(
        Path(app.config["DATA_DIR"]), [b"screenshot bytes", b"%PDF-1.7 letter", os.urandom(4096)]
    )
    return {"evidence": evidence, "supervisor": supervisor}


def test_round_trip_loses_nothing(app, runner, make_app, populated, empty_installation, tmp_path):
    counts_at_backup = _row_counts(app)
    backup_dir = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert "encryption keys are not in the backup" in result.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    snapshot = "database.pgdump" if DB_KIND == "postgresql" else "database.sqlite"
    assert manifest["database"]["kind"] == ("postgresql" if DB_KIND == "postgresql" else "sqlite")
    assert set(manifest["files"]) == {snapshot, *populated["evidence"]}
    for name, digest in populated["evidence"].items():
        assert manifest["files"][name]["sha256"] == digest
    assert manifest["database"]["rows"] == counts_at_backup

    restored = make_app(empty_installation)
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output

    after = _row_counts(restored)
    # Everything that was there is there; the one addition is the audit event recording the
    # restore (the backup's own event came after its snapshot).
    assert after["audit_events"] == counts_at_backup["audit_events"] + 1
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in counts_at_backup.items() if k != "audit_events"
    }
    assert _hashes(Path(empty_installation["ADVOCATE_DATA_DIR"]) / "evidence") == {
        name.removeprefix("evidence/"): digest for name, digest in populated["evidence"].items()
    }
    verify = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    # The restored installation works: the supervisor logs in with their second factor.
    assert login(restored.test_client(), populated["supervisor"].email).status_code == 302


def test_restore_refuses_a_database_that_is_not_empty(runner, populated, tmp_path, app):
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    before = _row_counts(app)
    result = runner.invoke(args=["restore", str(backup_dir)])
    assert result.exit_code != 0
    assert "The database is not empty" in result.output
    assert _row_counts(app) == before


def test_restore_refuses_a_data_dir_with_evidence(
    runner, populated, tmp_path, make_app, empty_installation
):
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    _store_evidence(Path(empty_installation["ADVOCATE_DATA_DIR"]), [b"someone else's file"])
    restored = make_app(empty_installation)
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code != 0
    assert "is not empty" in result.output
    with restored.app_context():
        from advocate.extensions import db

        assert inspect(db.engine).get_table_names() == []


@pytest.mark.parametrize("damage", ["change", "remove", "add"])
def test_restore_checks_the_manifest_before_changing_anything(
    runner, populated, tmp_path, make_app, empty_installation, damage
):
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    some_file = backup_dir / next(iter(populated["evidence"]))
    if damage == "change":
        some_file.write_bytes(b"tampered")
        reason = "does not match its SHA-256"
    elif damage == "remove":
        some_file.unlink()
        reason = "missing"
    else:
        (backup_dir / "evidence" / "extra").write_bytes(b"smuggled in")
        reason = "not in the manifest"
    restored = make_app(empty_installation)
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code != 0
    assert reason in result.output
    assert not (Path(empty_installation["ADVOCATE_DATA_DIR"]) / "evidence").exists()
    with restored.app_context():
        from advocate.extensions import db

        assert inspect(db.engine).get_table_names() == []


def test_restore_refuses_a_folder_without_a_manifest(runner, tmp_path):
    (tmp_path / "nothing").mkdir()
    result = runner.invoke(args=["restore", str(tmp_path / "nothing")])
    assert result.exit_code != 0
    assert "not a complete backup" in result.output


def test_backup_refuses_a_folder_that_is_not_empty(runner, make_user, tmp_path):
    make_user()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("keep me")
    result = runner.invoke(args=["backup", str(tmp_path / "used")])
    assert result.exit_code != 0
    assert "not an empty directory" in result.output
    assert (tmp_path / "used" / "something").read_text() == "keep me"


def test_restore_warns_when_the_keys_do_not_match(
    runner, populated, tmp_path, make_app, empty_installation
):
    from cryptography.fernet import Fernet

    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    other_keys = {**empty_installation, "ADVOCATE_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    result = make_app(other_keys).test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 0
    assert "cannot read users.totp_secret" in result.output


@pytest.mark.skipif(DB_KIND != "postgresql", reason="pg_dump is used only for PostgreSQL")
def test_missing_pg_dump_is_a_clear_error(runner, make_user, tmp_path, monkeypatch):
    from advocate.services import backup

    make_user()
    monkeypatch.setattr(backup, "_find_binary", lambda name: None)
    result = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code != 0
    assert "pg_dump was not found" in result.output and "postgresql-client" in result.output
