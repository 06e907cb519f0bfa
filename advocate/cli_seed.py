"""``flask seed-demo``: fill an empty database with synthetic data (see services/seed.py)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from advocate.services import seed
from advocate.services.errors import DomainError


@click.command("seed-demo")
@click.option("--cases", "cases_count", default=500, show_default=True, type=click.IntRange(1))
@click.option("--password", default=seed.DEMO_PASSWORD, help="Password of every demo account.")
@click.option("--seed", "random_seed", default=2026, show_default=True, help="Random seed.")
@with_appcontext
def seed_demo(cases_count: int, password: str, random_seed: int) -> None:
    """Fill an EMPTY database with realistic synthetic data (no real people).

    Prints the demo logins, and on the last line a JSON object with the ids worth knowing
    (also written to DATA_DIR/seed.json).
    """
    started = time.monotonic()
    click.echo(f"Seeding {cases_count:,} cases…", err=True)
    try:
        info = seed.seed_demo(
            cases_count,
            password=password,
            seed=random_seed,
            progress=lambda message: click.echo(message, err=True),
        )
    except DomainError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    info["seconds"] = round(time.monotonic() - started, 1)
    Path(current_app.config["DATA_DIR"], "seed.json").write_text(json.dumps(info, indent=2))
    click.echo("")
    click.echo("  Demo logins (every account has this password):")
    click.echo(f"    password:   {password}")
    click.echo(f"    admin:      {info['admin']}")
    click.echo(f"    supervisor: {info['supervisor']}")
    click.echo(f"    caseworker: {info['busy_caseworker']} (holds the most cases)")
    entries = seed.BENCH_TIMELINE_ENTRIES
    click.echo(f"  Case with {entries} timeline entries: {info['bench_case_id']}")
    click.echo(
        f"  Done in {info['seconds']} s: "
        + ", ".join(f"{n:,} {table}" for table, n in info["counts"].items())
    )
    click.echo(json.dumps(info, separators=(",", ":")))
