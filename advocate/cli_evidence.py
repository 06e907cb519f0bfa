"""``flask --app advocate evidence …``: integrity check, orphan sweep and retention purge."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from advocate.extensions import db
from advocate.services import evidence, evidence_bundle

evidence_cli = AppGroup("evidence", help="The evidence store.")


@evidence_cli.command("verify")
def verify() -> None:
    """Re-hash every stored file; exit non-zero listing altered and missing files."""
    report = evidence.verify_store()
    if report.ok:
        click.echo(f"Evidence intact: {report.checked} stored files re-hashed, all match.")
        return
    for problem in report.problems:
        items = ", ".join(str(i) for i in problem.evidence_ids)
        if problem.kind == "missing":
            click.echo(f"MISSING {problem.key} (evidence {items})", err=True)
        else:
            click.echo(
                f"ALTERED {problem.key} (evidence {items}): now hashes to {problem.found_sha256}",
                err=True,
            )
    altered = sum(1 for p in report.problems if p.kind == "altered")
    missing = len(report.problems) - altered
    click.echo(
        f"Evidence check FAILED: {altered} altered, {missing} missing, of {report.checked}.",
        err=True,
    )
    sys.exit(1)


@evidence_cli.command("sweep")
@click.option("--min-age", default=3600, show_default=True, help="Only files older (seconds).")
def sweep(min_age: int) -> None:
    """Remove stored files that no evidence row refers to (and stale uploads)."""
    report = evidence.sweep(min_age)
    expired = evidence_bundle.expire_old()
    db.session.commit()
    evidence_bundle.remove_files(expired, min_age)
    click.echo(
        f"Removed {len(report.files)} orphaned files, {report.temp_files} stale uploads, "
        f"{report.thumbnails} thumbnails, {len(expired)} expired bundles."
    )


@evidence_cli.command("purge")
def purge() -> None:
    """Purge the evidence of cases closed longer than the organisation's retention period."""
    report = evidence.purge_expired()
    db.session.commit()
    removed = evidence.finish_purge(report)
    click.echo(
        f"Purged {len(report.evidence_ids)} items from {len(report.case_ids)} closed cases; "
        f"{len(removed)} files removed."
    )
