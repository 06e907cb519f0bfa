"""Police-ready bundles: the originals, a manifest with their hashes, and an index PDF.

A bundle is for one case, or for a linked matter: then it holds the evidence of every member
case the requester may open (one folder per case, a ``case`` column in the manifest, one
chronology across the cases) and says how many members were left out, without naming them.
Both are a ``Scope``: a list of cases.

A small bundle is written straight into the response; a large one is built by a Celery task
(``tasks.evidence.build_bundle``) into ``DATA_DIR/bundles`` with its progress in the database.
"""

from __future__ import annotations

import csv
import io
import mimetypes
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from flask import current_app
from sqlalchemy import func, select, update

from advocate.extensions import db
from advocate.models import Case, Evidence, EvidenceBundle, User
from advocate.models.base import utcnow
from advocate.services import access, audit, evidence_store, incidents, linking, matters
from advocate.services.errors import NotFound

INLINE_BYTES = 20 * 1024 * 1024
KEEP_DAYS = 7
STALE_BUILD = timedelta(minutes=30)
MANIFEST_FIELDS = [
    "file", "sha256", "size", "media_type", "original_filename", "captured_at", "captured_by",
    "source_url", "perpetrator_username", "platform", "uploaded_by", "uploaded_at",
    "full_conversation", "account_visible", "datetime_visible", "url_recorded",
    "description_only", "note",
]  # fmt: skip
MATTER_MANIFEST_FIELDS = ["case", *MANIFEST_FIELDS]
EXTENSIONS = {"message/rfc822": ".eml", "multipart/related": ".mhtml", "text/plain": ".txt"}


def bundles_dir() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "bundles"
    path.mkdir(parents=True, exist_ok=True)
    return path


def inline_limit() -> int:
    return int(current_app.config.get("EVIDENCE_BUNDLE_INLINE_BYTES", INLINE_BYTES))


@dataclass(frozen=True)
class Scope:
    """What a bundle covers: the cases whose evidence goes in, oldest case first.

    For a linked matter, only the member cases the requester may open; ``left_out`` counts
    the others (the bundle never names them).
    """

    cases: tuple[Case, ...]
    matter_id: int | None = None
    left_out: int = 0

    @property
    def is_matter(self) -> bool:
        return self.matter_id is not None

    @property
    def case_ids(self) -> list[int]:
        return [case.id for case in self.cases]

    @property
    def title(self) -> str:
        return f"linked matter {self.matter_id}" if self.is_matter else self.cases[0].reference

    @property
    def file_stem(self) -> str:
        """The start of a download's file name."""
        return f"matter-{self.matter_id}" if self.is_matter else self.cases[0].reference


def case_scope(case: Case) -> Scope:
    return Scope((case,))


def matter_scope(matter_id: int, viewer: User | None) -> Scope:
    """The member cases of a linked matter that ``viewer`` may open; NotFound when none."""
    if viewer is None:
        raise NotFound("No such linked matter.")
    member_ids, visible = matters.get_matter(matter_id, viewer)
    cases = db.session.execute(
        access.visible_cases(viewer).where(Case.id.in_(visible)).order_by(Case.id)
    ).scalars()
    return Scope(tuple(cases), matter_id, len(member_ids) - len(visible))


def as_scope(target: Case | Scope) -> Scope:
    return target if isinstance(target, Scope) else case_scope(target)


@dataclass(frozen=True)
class Entry:
    """One item as it goes into a bundle (plain values, safe across commits)."""

    evidence_id: int
    case_id: int
    arcname: str
    storage_key: str | None
    row: dict[str, str]


def _safe_cell(value: str) -> str:
    """Spreadsheet programs run cells starting with these as formulas; quote them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _arcname(number: int, item: Evidence, folder: str = "") -> str:
    name = item.original_filename or f"evidence-{item.id}"
    stem, ext = os.path.splitext(name)
    if not ext:
        ext = EXTENSIONS.get(item.media_type) or mimetypes.guess_extension(item.media_type) or ""
    return f"originals/{folder}{number:03d}-{stem[:80]}{ext}"


def entries(target: Case | Scope) -> list[Entry]:
    """Every item of the case (or of each case in turn), oldest first, numbered as the
    manifest and index show them. A matter's originals go in one folder per case."""
    scope = as_scope(target)
    reference_of = {case.id: case.reference for case in scope.cases}
    items = db.session.execute(
        select(Evidence, User.name)
        .outerjoin(User, User.id == Evidence.uploaded_by_id)
        .where(Evidence.case_id.in_(scope.case_ids))
        .order_by(Evidence.case_id, Evidence.uploaded_at, Evidence.id)
    ).all()
    made = []
    for number, (item, uploader) in enumerate(items, start=1):
        folder = f"{reference_of[item.case_id]}/" if scope.is_matter else ""
        arcname = "" if item.description_only else _arcname(number, item, folder)
        row = {
            "case": reference_of[item.case_id],
            "file": arcname,
            "sha256": item.sha256 or "",
            "size": str(item.size) if item.size is not None else "",
            "media_type": item.media_type,
            "original_filename": item.original_filename,
            "captured_at": item.captured_at.isoformat() if item.captured_at else "",
            "captured_by": item.captured_by,
            "source_url": item.source_url,
            "perpetrator_username": item.perpetrator_username or "",
            "platform": item.platform,
            "uploaded_by": uploader or "",
            "uploaded_at": item.uploaded_at.isoformat(),
            "full_conversation": "yes" if item.full_conversation else "no",
            "account_visible": "yes" if item.account_visible else "no",
            "datetime_visible": "yes" if item.datetime_visible else "no",
            "url_recorded": "yes" if item.url_recorded else "no",
            "description_only": "yes" if item.description_only else "no",
            "note": item.note or "",
        }
        made.append(Entry(item.id, item.case_id, arcname, item.storage_key, row))
    return made


def total_size(target: Case | Scope) -> int:
    total = db.session.execute(
        select(func.coalesce(func.sum(Evidence.size), 0)).where(
            Evidence.case_id.in_(as_scope(target).case_ids)
        )
    ).scalar_one()
    return int(total or 0)


def manifest_csv(items: list[Entry], *, with_case: bool = False) -> bytes:
    """The manifest; ``with_case`` adds the case reference column (a matter's bundle)."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=MATTER_MANIFEST_FIELDS if with_case else MANIFEST_FIELDS,
        lineterminator="\r\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    for entry in items:
        writer.writerow({k: _safe_cell(v) for k, v in entry.row.items()})
    return out.getvalue().encode("utf-8-sig")


def index_pdf(target: Case | Scope, items: list[Entry], generated_at: datetime) -> bytes:
    """The index: the case (or a matter's cases), the chronology of incidents across them,
    then the evidence list with hashes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from advocate.services import clock

    scope = as_scope(target)
    zone = clock.zone()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    mono = small.clone("mono", fontName="Courier", fontSize=7, leading=9)

    def p(text: str, style: object = small) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%d %b %Y %H:%M %Z") if value else "—"

    table_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    hashes = (
        "manifest.csv lists its SHA-256, which anyone can re-compute to confirm the file is "
        "unchanged since it was received."
    )
    story: list[object] = [Paragraph(f"Evidence bundle — {escape(scope.title)}", styles["Title"])]
    if scope.is_matter:
        story += [
            p(
                f"One course of conduct: these cases share a perpetrator (linked matter "
                f"{scope.matter_id}). Generated {when(generated_at)} by Advocate. Each original "
                f"is in the originals/ folder, in a subfolder per case; {hashes}",
                styles["BodyText"],
            ),
            Spacer(1, 4 * mm),
        ]
        counts: dict[int, int] = {}
        for entry in items:
            counts[entry.case_id] = counts.get(entry.case_id, 0) + 1
        rows = [[p("Case"), p("Client"), p("State"), p("Items")]]
        rows += [
            [
                p(case.reference),
                p(case.client.full_name),
                p(case.state),
                p(str(counts.get(case.id, 0))),
            ]
            for case in scope.cases
        ]
        table = Table(rows, colWidths=[40 * mm, 90 * mm, 20 * mm, 20 * mm], repeatRows=1)
        table.setStyle(table_style)
        story.append(table)
        if scope.left_out:
            others = "case" if scope.left_out == 1 else "cases"
            story.append(
                p(
                    f"{scope.left_out} other member {others} of this matter "
                    f"{'is' if scope.left_out == 1 else 'are'} not in this bundle: the person "
                    "who made it may not open them.",
                    styles["BodyText"],
                )
            )
    else:
        case = scope.cases[0]
        story.append(
            p(
                f"Client: {case.client.full_name}. State: {case.state}. "
                f"Generated {when(generated_at)} by Advocate. Each original is in the "
                f"originals/ folder; {hashes}",
                styles["BodyText"],
            )
        )
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            "Chronology of incidents" + (" across the cases" if scope.is_matter else ""),
            styles["Heading2"],
        ),
    ]
    reference_of = {case.id: case.reference for case in scope.cases}
    log = incidents.chronology(scope.case_ids)
    if log:
        head = [p("Happened"), p("Platform"), p("What happened"), p("Recorded")]
        widths = [32 * mm, 22 * mm, 92 * mm, 32 * mm]
        if scope.is_matter:
            head, widths = [p("Case"), *head], [28 * mm, 28 * mm, 18 * mm, 78 * mm, 28 * mm]
        rows = [head]
        for incident in log:
            text = incident.description
            if incident.url:
                text += f"\n{incident.url}"
            cells = [
                p(when(incident.occurred_at)),
                p(incident.platform or "—"),
                p(text[:3000]),
                p(when(incident.recorded_at)),
            ]
            if scope.is_matter:
                cells.insert(0, p(reference_of[incident.case_id]))
            rows.append(cells)
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(table_style)
        story.append(table)
    else:
        story.append(p("No incidents logged."))
    story += [Spacer(1, 6 * mm), Paragraph("Evidence", styles["Heading2"])]
    if items:
        rows = [[p("#"), p("File / captured"), p("SHA-256 and size"), p("Source")]]
        for number, entry in enumerate(items, start=1):
            row = entry.row
            file_text = row["file"] or "Description only (content not stored)"
            if scope.is_matter and not row["file"]:
                file_text += f"\nCase: {row['case']}"
            file_text += f"\nCaptured: {row['captured_at'] or '—'} {row['captured_by']}"
            file_text += f"\nUploaded: {row['uploaded_at']} by {row['uploaded_by']}"
            hash_text = f"{row['sha256']}\n{row['size']} bytes" if row["sha256"] else "—"
            source = "\n".join(
                v for v in (row["source_url"], row["perpetrator_username"], row["platform"]) if v
            )
            if row["description_only"] == "yes":
                source += ("\n" if source else "") + row["note"][:1500]
            rows.append([p(str(number)), p(file_text), p(hash_text, mono), p(source or "—")])
        table = Table(rows, colWidths=[8 * mm, 62 * mm, 56 * mm, 52 * mm], repeatRows=1)
        table.setStyle(table_style)
        story.append(table)
    else:
        story.append(p("No evidence stored."))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"Evidence bundle {scope.title}",
        author="Advocate",
    ).build(story)
    return buffer.getvalue()


def write_zip(
    target: Case | Scope,
    items: list[Entry],
    out: IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the bundle as a ZIP to ``out``; originals are copied in chunks, never whole."""
    import zipfile

    scope = as_scope(target)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for done, entry in enumerate(items, start=1):
            if entry.storage_key:
                info = zipfile.ZipInfo(entry.arcname, date_time=_zip_time(entry.row["uploaded_at"]))
                info.compress_type = zipfile.ZIP_STORED
                info.external_attr = 0o444 << 16
                with (
                    evidence_store.open_original(entry.storage_key) as source,
                    zf.open(info, "w", force_zip64=True) as copy,
                ):
                    while chunk := source.read(evidence_store.CHUNK):
                        copy.write(chunk)
            if progress:
                progress(done)
        zf.writestr("manifest.csv", manifest_csv(items, with_case=scope.is_matter))
        zf.writestr("index.pdf", index_pdf(scope, items, utcnow()))


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    moment = datetime.fromisoformat(iso)
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)


def record_export(
    items: list[Entry],
    *,
    bundle_id: int | None,
    by: User | None,
    scope: Scope | None = None,
) -> None:
    """Each item leaving in a bundle is a custody event on that item; a matter's bundle is
    also one event on the matter (which cases went in, how many were left out)."""
    matter = {"matter_id": scope.matter_id} if scope is not None and scope.is_matter else {}
    for entry in items:
        audit.record(
            "evidence.exported",
            user=by,
            object_type="evidence",
            object_id=entry.evidence_id,
            case_id=entry.case_id,
            details={"bundle_id": bundle_id, "file": entry.arcname, **matter},
        )
    if scope is not None and scope.is_matter:
        audit.record(
            "matter.bundle_exported",
            user=by,
            object_type="matter",
            object_id=scope.matter_id,
            details={
                "bundle_id": bundle_id,
                "case_ids": scope.case_ids,
                "left_out": scope.left_out,
                "items": len(items),
            },
        )


def write_inline(target: Case | Scope, *, by: User) -> IO[bytes]:
    """Build a small bundle into an anonymous temporary file, ready to stream."""
    scope = as_scope(target)
    items = entries(scope)
    handle = tempfile.TemporaryFile(dir=bundles_dir())  # noqa: SIM115  (the response closes it)
    write_zip(scope, items, handle)
    handle.seek(0)
    record_export(items, bundle_id=None, by=by, scope=scope)
    return handle


def request_bundle(target: Case | Scope, *, by: User) -> EvidenceBundle:
    """Queue a bundle for the worker; the caller commits and then sends the task."""
    scope = as_scope(target)
    count = db.session.execute(
        select(func.count(Evidence.id)).where(Evidence.case_id.in_(scope.case_ids))
    ).scalar_one()
    bundle = EvidenceBundle(requested_by_id=by.id, status="queued", total=int(count))
    if scope.is_matter:
        bundle.matter_id = scope.matter_id
        bundle.case_ids = scope.case_ids
        bundle.left_out = scope.left_out
    else:
        bundle.case_id = scope.cases[0].id
    db.session.add(bundle)
    db.session.flush()
    audit.record(
        "evidence.bundle_requested",
        user=by,
        object_type="evidence_bundle",
        object_id=bundle.id,
        case_id=bundle.case_id,
        details={"matter_id": scope.matter_id, "case_ids": scope.case_ids}
        if scope.is_matter
        else None,
    )
    return bundle


def get_bundle(case: Case, bundle_id: int) -> EvidenceBundle:
    bundle = db.session.execute(
        select(EvidenceBundle).where(
            EvidenceBundle.id == bundle_id, EvidenceBundle.case_id == case.id
        )
    ).scalar_one_or_none()
    if bundle is None:
        raise NotFound("No such bundle.")
    return bundle


def get_matter_bundle(scope: Scope, bundle_id: int) -> EvidenceBundle:
    """A bundle of the matter whose cases the scope's viewer may all open: a matter's bundle
    may hold cases another member's caseworker cannot open, so it is theirs to see only when
    they may open every case in it."""
    bundle = db.session.execute(
        select(EvidenceBundle).where(
            EvidenceBundle.id == bundle_id,
            EvidenceBundle.matter_id == scope.matter_id,
            EvidenceBundle.matter_id.is_not(None),
        )
    ).scalar_one_or_none()
    if bundle is None or not set(bundle.case_ids or []) <= set(scope.case_ids):
        raise NotFound("No such bundle.")
    return bundle


def scope_of(bundle: EvidenceBundle, requester: User | None) -> Scope:
    """What the bundle covers now, as its requester may open it (checked again at build)."""
    if bundle.matter_id is not None:
        return matter_scope(bundle.matter_id, requester)
    if bundle.case_id is None:
        raise NotFound("The linked matter of this bundle no longer exists.")
    return case_scope(access.get_case(bundle.case_id, requester))


def claim(bundle_id: int) -> bool:
    """Mark a queued (or abandoned) bundle as building; False when another run has it.

    At-least-once delivery means the task may run twice; only one run wins this update.
    """
    now = utcnow()
    result = db.session.execute(
        update(EvidenceBundle)
        .where(
            EvidenceBundle.id == bundle_id,
            (EvidenceBundle.status == "queued")
            | (
                (EvidenceBundle.status == "building")
                & (EvidenceBundle.started_at < now - STALE_BUILD)
            ),
        )
        .values(status="building", started_at=now, done=0)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def build(bundle: EvidenceBundle, target: Case | Scope, progress: Callable[[int], None]) -> None:
    """Write the bundle file into ``DATA_DIR/bundles`` and mark the row ready (flush only)."""
    scope = as_scope(target)
    items = entries(scope)
    bundle.total = len(items)
    if scope.is_matter:
        bundle.case_ids = scope.case_ids
        bundle.left_out = scope.left_out
    directory = bundles_dir()
    file_name = f"{bundle.id}-{secrets.token_hex(8)}.zip"
    fd, temp_name = tempfile.mkstemp(prefix="bundle-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "w+b") as handle:
            write_zip(scope, items, handle, progress)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, directory / file_name)
    finally:
        Path(temp_name).unlink(missing_ok=True)
    path = directory / file_name
    bundle.file_name = file_name
    bundle.size = path.stat().st_size
    bundle.sha256 = evidence_store.hash_file(path)
    bundle.done = bundle.total
    bundle.status = "ready"
    bundle.finished_at = utcnow()
    requester = db.session.get(User, bundle.requested_by_id) if bundle.requested_by_id else None
    record_export(items, bundle_id=bundle.id, by=requester, scope=scope)


def fail(bundle: EvidenceBundle, reason: str) -> None:
    bundle.status = "failed"
    bundle.error = reason[:500]
    bundle.finished_at = utcnow()


def bundle_path(bundle: EvidenceBundle) -> Path:
    if bundle.status != "ready" or not bundle.file_name or "/" in bundle.file_name:
        raise NotFound("This bundle is not ready.")
    path = bundles_dir() / bundle.file_name
    if not path.is_file():
        raise NotFound("This bundle has expired; make a new one.")
    return path


def expire(bundles: list[EvidenceBundle]) -> list[str]:
    """Mark bundles expired; return their file names for ``remove_files`` after the commit."""
    names = []
    for bundle in bundles:
        if bundle.file_name and "/" not in bundle.file_name:
            names.append(bundle.file_name)
        bundle.status = "expired"
    db.session.flush()
    return names


def expire_old(now: datetime | None = None) -> list[str]:
    """Bundles older than ``KEEP_DAYS`` expire (the originals stay in the store)."""
    now = now or utcnow()
    old = db.session.execute(
        select(EvidenceBundle).where(
            EvidenceBundle.status == "ready",
            EvidenceBundle.finished_at < now - timedelta(days=KEEP_DAYS),
        )
    ).scalars()
    return expire(list(old))


def expire_for_case(case_id: int) -> list[str]:
    """A purged case's bundles go too: they hold copies of its originals (and so may the
    bundles of its linked matter)."""
    matter_id = linking.matter_id_for_case(case_id)
    whose = EvidenceBundle.case_id == case_id
    if matter_id is not None:
        whose = whose | (EvidenceBundle.matter_id == matter_id)
    rows = db.session.execute(
        select(EvidenceBundle).where(whose, EvidenceBundle.status != "expired")
    ).scalars()
    return expire(list(rows))


def remove_files(names: list[str], min_age_seconds: float = 0) -> int:
    """Delete bundle files (and, when ``min_age_seconds`` is set, stale partial builds)."""
    directory = bundles_dir()
    removed = 0
    for name in names:
        removed += evidence_store.remove(directory / name)
    if min_age_seconds:
        for partial in directory.glob("bundle-*.part"):
            if evidence_store.older_than(partial, min_age_seconds):
                removed += evidence_store.remove(partial)
    return removed
