"""Flask CLI commands (``flask --app advocate …``); each calls a service and commits once."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from advocate.extensions import db
from advocate.models import ROLES
from advocate.services import accounts, audit, organisations
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
    from advocate.cli_seed import seed_demo

    for command in (users_cli, tokens_cli, audit_cli, demo_admin, seed_demo):
        app.cli.add_command(command)


def main() -> None:
    """The ``advocate`` console script: ``flask --app advocate`` under a shorter name."""
    from advocate import create_app

    FlaskGroup(create_app=create_app)(prog_name="advocate")
