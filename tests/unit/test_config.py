"""Configuration comes only from ADVOCATE_* variables; bad values stop start-up clearly."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from advocate.config import ConfigError, load_settings


def test_defaults_put_everything_under_the_data_dir(tmp_path):
    settings = load_settings({"ADVOCATE_DATA_DIR": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'advocate.sqlite'}"
    assert settings["BROKER_URL"].startswith(f"sqla+sqlite:///{tmp_path}")
    assert settings["TIMEZONE"] == "Australia/Sydney"
    assert settings["MAX_UPLOAD_MB"] == 50 and settings["SWEEP_SECONDS"] == 60
    secrets_file = tmp_path / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    # Generated once: a second start reads the same secrets.
    again = load_settings({"ADVOCATE_DATA_DIR": str(tmp_path)})
    assert again["SECRET_KEY"] == settings["SECRET_KEY"]
    assert again["ENCRYPTION_KEYS"] == json.loads(secrets_file.read_text())["encryption_keys"]


def test_postgres_url_uses_psycopg3(tmp_path):
    settings = load_settings(
        {
            "ADVOCATE_DATA_DIR": str(tmp_path),
            "ADVOCATE_DATABASE_URL": "postgresql://u@localhost/advocate",
        }
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/advocate"


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("ADVOCATE_TIMEZONE", "Mars/Olympus", "not a known time zone"),
        ("ADVOCATE_MAX_UPLOAD_MB", "lots", "not a whole number"),
        ("ADVOCATE_SWEEP_SECONDS", "0", "greater than zero"),
        ("ADVOCATE_DATABASE_URL", "mysql://x", "sqlite:/// or postgresql"),
        ("ADVOCATE_ENCRYPTION_KEYS", "short", "Fernet key"),
        ("ADVOCATE_BROKER_URL", "amqp://x", "redis://"),
    ],
)
def test_invalid_setting_names_the_variable(tmp_path, variable, value, reason):
    with pytest.raises(ConfigError) as caught:
        load_settings({"ADVOCATE_DATA_DIR": str(tmp_path), variable: value})
    assert variable in str(caught.value) and reason in str(caught.value)


def test_invalid_setting_stops_the_cli_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "advocate", "routes"],
        env={
            "ADVOCATE_DATA_DIR": str(tmp_path),
            "ADVOCATE_TIMEZONE": "Nowhere/Here",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ADVOCATE_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr
