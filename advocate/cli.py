"""Flask CLI commands (``flask --app advocate …``); each calls a service and commits once."""

from __future__ import annotations

import secrets
import sys
from collections import Counter
from pathlib import Path

import click
from cryptography.fernet import Fernet
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from advocate.extensions import db
from advocate.models import ROLES
from advocate.services import accounts, audit, backup, keys, organisations
from advocate.services.errors import DomainError


def _read_password() -> str:
    if sys.stdin.isatty():
        first = click.prompt("Password", hide_input=True)
        second = click.prompt("Password again", hide_input=True)
        if first != second:
            raise click.ClickException("The passwords differ.")
        return str(first)
    return sys.stdin.readline().rstrip("\r\n")


def _fail(error: DomainError) -> click.ClickException:
    reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
    return click.ClickException(reasons or error.message)


users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
audit_cli = AppGroup("audit", help="The audit trail.")
keys_cli = AppGroup("keys", help="Field encryption keys.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True)
def users_create(email: str, role: str, name: str) -> None:
    """Create a user; the password comes from standard input when it is not a terminal."""
    password = _read_password()
    try:
        user = accounts.create_user(email, name, role, password)
    except DomainError as error:
        db.session.rollback()
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
def tokens_create(email: str, label: str) -> None:
    """Create an API token and print it alone on the last line (it is not stored)."""
    user = accounts.user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"No active user {email}.")
    token = accounts.create_token(user, label)
    db.session.commit()
    click.echo(f"Token for {user.email} (shown once; only its hash is kept):")
    click.echo(token)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Re-compute the hash chain; exit non-zero naming the first broken event."""
    count, broken, reason = audit.verify_chain()
    if broken is not None:
        click.echo(
            f"Audit trail BROKEN at event {broken.id} ({broken.action}, {broken.at.isoformat()}):"
            f" {reason}.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Audit trail intact: {count} events verified.")


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def keys_rotate(batch_size: int) -> None:
    """Re-encrypt every encrypted field under the newest key.

    Put the new key first in ADVOCATE_ENCRYPTION_KEYS, keep the old ones after it, restart,
    run this; then the old keys can be removed. Safe to run again, and while Advocate runs.
    """
    configured = len(current_app.config["ENCRYPTION_KEYS"])
    counts: Counter[str] = Counter()
    try:
        for column, rewritten in keys.rotate_batches(batch_size):
            counts[column] += rewritten
            db.session.commit()  # one batch at a time: never one huge transaction
    except keys.UnreadableValue as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    keys.record_rotation(dict(counts), configured)
    db.session.commit()
    for column, rewritten in sorted(counts.items()):
        click.echo(f"  {column}: {rewritten}")
    click.echo(f"Re-encrypted {sum(counts.values())} values under the newest key.")
    if configured == 1:
        click.echo(
            "Only one key is configured, so nothing changed hands. To rotate: put a new key "
            "first in ADVOCATE_ENCRYPTION_KEYS (new,old), restart, and run this again."
        )
    else:
        click.echo(
            "The older keys are no longer needed for the database; remove them from "
            "ADVOCATE_ENCRYPTION_KEYS once no backup you may restore still needs them."
        )


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new key for ADVOCATE_ENCRYPTION_KEYS (it is not stored anywhere)."""
    click.echo(Fernet.generate_key().decode())


def _installation() -> backup.Target:
    return backup.Target(
        database_url=current_app.config["SQLALCHEMY_DATABASE_URI"],
        data_dir=Path(current_app.config["DATA_DIR"]),
    )


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent backup (database, evidence, manifest of hashes) into PATH."""
    try:
        manifest = backup.create_backup(_installation(), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(manifest["database"]["rows"].values())
    audit.record(
        "backup.created",
        object_type="backup",
        details={"path": str(path.resolve()), "files": len(manifest["files"]), "rows": rows},
    )
    db.session.commit()
    click.echo(
        f"Backup written to {path}: {rows} rows, {len(manifest['files'])} files, "
        "each with its SHA-256 in manifest.json."
    )
    click.echo(
        "The encryption keys are not in the backup. Keep them safe and apart from it: "
        "without them the encrypted fields cannot be read."
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Restore the backup in PATH into an empty database and data directory."""
    db.engine.dispose()
    try:
        manifest = backup.restore_backup(path, _installation())
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        db.engine.dispose()
    rows = sum(manifest["database"]["rows"].values())
    audit.record(
        "backup.restored",
        object_type="backup",
        details={"created_at": manifest["created_at"], "rows": rows},
    )
    db.session.commit()
    click.echo(
        f"Restored the backup of {manifest['created_at']}: {rows} rows and "
        f"{len(manifest['files'])} files, all matching the manifest."
    )
    if unreadable := keys.unreadable_columns():
        click.echo(
            "WARNING: the configured encryption keys cannot read "
            f"{', '.join(unreadable)}. Set ADVOCATE_ENCRYPTION_KEYS to the keys of the "
            "installation that made this backup.",
            err=True,
        )
    click.echo("Check the audit trail with: flask --app advocate audit verify")


@click.command("demo-admin")
@click.option("--email", default="admin@demo.advocate.example")
@with_appcontext
def demo_admin(email: str) -> None:
    """Create the demo organisation and admin when there are no users; print the password once."""
    if accounts.count_users() > 0:
        click.echo("Users exist already; the demo admin's password was printed when it was made.")
        return
    organisations.ensure_organisation("Demo Advocacy Service")
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    accounts.create_user(email, "Demo Admin", "admin", password)
    db.session.commit()
    click.echo("")
    click.echo("  Demo login (shown once; keep it):")
    click.echo(f"    email:    {email}")
    click.echo(f"    password: {password}")
    click.echo("")


def init_cli(app: Flask) -> None:
    from advocate.cli_evidence import evidence_cli
    from advocate.cli_seed import seed_demo

    for command in (
        users_cli,
        tokens_cli,
        audit_cli,
        keys_cli,
        backup_command,
        restore_command,
        demo_admin,
        evidence_cli,
        seed_demo,
    ):
        app.cli.add_command(command)


def main() -> None:
    """The ``advocate`` console script: ``flask --app advocate`` under a shorter name."""
    from advocate import create_app

    FlaskGroup(create_app=create_app)(prog_name="advocate")
