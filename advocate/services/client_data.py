"""A client's data requests: export everything held about them, or erase it.

Both walk every table that hangs off a case (any table with a ``case_id`` column), so tables
added later are covered without changing this module.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Table, delete, select

from advocate.extensions import db
from advocate.models import Case, Client, Consent
from advocate.services import audit

SKIP_TABLES = {"audit_events"}  # the audit trail is kept (ids only, no client details)


def _case_tables() -> list[Table]:
    tables = []
    for table in db.metadata.sorted_tables:
        if table.name in SKIP_TABLES or table.name == "cases":
            continue
        if "case_id" in table.c:
            tables.append(table)
    return tables


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _rows(table: Table, column: Any, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    result = db.session.execute(select(table).where(column.in_(ids)))
    return [{key: _jsonable(val) for key, val in row._mapping.items()} for row in result]


def _evidence_path(sha256: str) -> Path:
    return Path(current_app.config["DATA_DIR"]) / "evidence" / sha256[:2] / sha256[2:4] / sha256


def export_client(client: Client, *, by: Any) -> tuple[str, bytes]:
    """A ZIP of JSON (client, consents, every case and what hangs off it) and the
    evidence originals. Returns (filename, bytes)."""
    case_ids = list(
        db.session.execute(select(Case.id).where(Case.client_id == client.id)).scalars()
    )
    client_table = Client.__table__
    consent_table = Consent.__table__
    document: dict[str, Any] = {
        "client": _rows(client_table, client_table.c.id, [client.id])[0],  # type: ignore[arg-type]
        "consents": _rows(consent_table, consent_table.c.client_id, [client.id]),  # type: ignore[arg-type]
        "cases": _rows(Case.__table__, Case.__table__.c.id, case_ids),  # type: ignore[arg-type]
    }
    evidence_hashes: set[str] = set()
    for table in _case_tables():
        rows = _rows(table, table.c.case_id, case_ids)
        if rows:
            document[table.name] = rows
        if "sha256" in table.c:
            evidence_hashes.update(r["sha256"] for r in rows if r.get("sha256"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("client.json", json.dumps(document, indent=2, default=str))
        for sha256 in sorted(evidence_hashes):
            path = _evidence_path(sha256)
            if path.exists():
                archive.write(path, f"evidence/{sha256}")
    audit.record(
        "client.exported",
        user=by,
        object_type="client",
        object_id=client.id,
        details={"cases": len(case_ids), "evidence_files": len(evidence_hashes)},
    )
    return f"client-{client.id}-export.zip", buffer.getvalue()


def erase_client(client: Client, *, by: Any) -> dict[str, int]:
    """Delete the client, their cases and everything under them, and evidence files no other
    case uses. The erasure itself goes on the audit trail, which keeps verifying."""
    case_ids = list(
        db.session.execute(select(Case.id).where(Case.client_id == client.id)).scalars()
    )
    counts: dict[str, int] = {"cases": len(case_ids)}
    hashes: set[str] = set()
    for table in reversed(_case_tables()):
        if not case_ids:
            break
        if "sha256" in table.c:
            hashes.update(
                db.session.execute(
                    select(table.c.sha256).where(table.c.case_id.in_(case_ids))
                ).scalars()
            )
        result = db.session.execute(delete(table).where(table.c.case_id.in_(case_ids)))
        counts[table.name] = int(result.rowcount)  # type: ignore[attr-defined]
    if case_ids:
        db.session.execute(delete(Case).where(Case.id.in_(case_ids)))
    db.session.execute(delete(Consent).where(Consent.client_id == client.id))
    client_id = client.id
    db.session.execute(delete(Client).where(Client.id == client_id))
    db.session.expire_all()
    still_used: set[str] = set()
    for table in _case_tables():
        if "sha256" in table.c and hashes:
            still_used.update(
                db.session.execute(
                    select(table.c.sha256).where(table.c.sha256.in_(hashes))
                ).scalars()
            )
    removed = 0
    for sha256 in hashes - still_used:
        path = _evidence_path(sha256)
        if path.exists():
            path.chmod(0o600)
            path.unlink()
            removed += 1
    counts["evidence_files"] = removed
    audit.record(
        "client.erased", user=by, object_type="client", object_id=client_id, details=counts
    )
    return counts
