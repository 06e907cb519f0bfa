"""The evidence locker: intake with provenance, custody events, integrity checks, retention.

Every function takes a case already loaded through ``access.get_case`` (the one scoping
function), flushes and never commits. Custody events are audit events on the evidence item:
``evidence.uploaded``, ``evidence.described``, ``evidence.viewed``, ``evidence.downloaded``,
``evidence.exported`` and ``evidence.purged``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from advocate.extensions import db
from advocate.models import PLATFORMS, AuditEvent, Case, Evidence, Incident, User
from advocate.models.base import utcnow
from advocate.models.evidence import evidence_label
from advocate.models.records import PLATFORM_ALIASES
from advocate.services import (
    audit,
    clock,
    evidence_bundle,
    evidence_email,
    evidence_sniff,
    evidence_store,
    evidence_thumbs,
    organisations,
    timeline,
)
from advocate.services.errors import NotFound, ValidationFailed
from advocate.services.statements import lines_and_count

CLOCK_SLACK = timedelta(minutes=5)
CUSTODY_LIMIT = 200
UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]+')


@dataclass
class Capture:
    """Provenance recorded with a piece of evidence, as the guide asks for it."""

    source_url: str = ""
    username: str = ""
    platform: str = ""
    captured_at: datetime | None = None
    captured_by: str = ""
    full_conversation: bool = False
    account_visible: bool = False
    datetime_visible: bool = False
    url_recorded: bool = False
    note: str = ""
    incident_id: int | None = None


@dataclass
class Added:
    evidence: Evidence
    already_in_case: bool = False


def sanitise_filename(name: str | None) -> str:
    """A name fit to show and to put in a bundle: the last path part, no control or path
    characters, at most 200 characters. It is never used to find the file."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_NAME_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def _check_capture(case: Case, capture: Capture) -> Capture:
    problems: dict[str, list[str]] = {}
    url = capture.source_url.strip()
    if url and not url.lower().startswith(("http://", "https://")):
        problems["source_url"] = ["Enter a web address starting with http:// or https://."]
    elif len(url) > 2000:
        problems["source_url"] = ["That web address is too long (2,000 characters at most)."]
    platform = capture.platform.strip().lower()
    platform = PLATFORM_ALIASES.get(platform, platform)
    if platform and platform not in PLATFORMS:
        problems["platform"] = [f"Unknown platform; use one of {', '.join(PLATFORMS)}."]
    captured_at = clock.as_aware(capture.captured_at) if capture.captured_at else None
    if captured_at and captured_at > utcnow() + CLOCK_SLACK:
        problems["captured_at"] = ["That is in the future; enter when it was captured."]
    if len(capture.username) > 500:
        problems["username"] = ["500 characters at most."]
    if len(capture.captured_by) > 200:
        problems["captured_by"] = ["200 characters at most."]
    if len(capture.note) > 20_000:
        problems["note"] = ["20,000 characters at most."]
    if capture.incident_id is not None:
        found = db.session.execute(
            select(Incident.id).where(
                Incident.id == capture.incident_id, Incident.case_id == case.id
            )
        ).scalar_one_or_none()
        if found is None:
            problems["incident_id"] = ["That incident is not on this case."]
    if problems:
        raise ValidationFailed("The evidence could not be saved.", problems)
    return Capture(
        source_url=url,
        username=capture.username.strip(),
        platform=platform,
        captured_at=captured_at,
        captured_by=capture.captured_by.strip(),
        full_conversation=capture.full_conversation,
        account_visible=capture.account_visible,
        datetime_visible=capture.datetime_visible,
        url_recorded=capture.url_recorded or bool(url),
        note=capture.note.strip(),
        incident_id=capture.incident_id,
    )


def _row(case: Case, capture: Capture, by: User, **values: Any) -> Evidence:
    return Evidence(
        case_id=case.id,
        incident_id=capture.incident_id,
        source_url=capture.source_url,
        perpetrator_username=capture.username or None,
        platform=capture.platform,
        captured_at=capture.captured_at,
        captured_by=capture.captured_by,
        full_conversation=capture.full_conversation,
        account_visible=capture.account_visible,
        datetime_visible=capture.datetime_visible,
        url_recorded=capture.url_recorded,
        note=capture.note or None,
        uploaded_by_id=by.id,
        uploaded_at=utcnow(),
        **values,
    )


def unsupported_message() -> str:
    return (
        "That kind of file is not accepted. Upload screenshots or photos, screen recordings, "
        "PDFs, saved web pages (HTML or MHTML), email originals (.eml) or plain text."
    )


def add_file(
    case: Case, stream: IO[bytes], filename: str | None, capture: Capture, *, by: User
) -> Added:
    """Take a file in: hash while copying, sniff, store by content, then add the row.

    The same bytes already on this case are not stored twice (``already_in_case``); the same
    bytes on another case get their own row and share the stored file.
    """
    capture = _check_capture(case, capture)
    incoming = evidence_store.receive(stream)
    try:
        media_type = evidence_sniff.sniff(incoming.head)
        if media_type is None:
            raise ValidationFailed.on("file", unsupported_message())
        existing = db.session.execute(
            select(Evidence)
            .where(Evidence.case_id == case.id, Evidence.sha256 == incoming.sha256)
            .limit(1)
        ).scalar_one_or_none()
        if existing is not None:
            incoming.discard()
            return Added(existing, already_in_case=True)
        headers = (
            evidence_email.parse(incoming.temp_path) if media_type == "message/rfc822" else None
        )
        stored_before = evidence_store.path_for(evidence_store.key_for(incoming.sha256)).exists()
        key = evidence_store.commit(incoming)
    except BaseException:
        incoming.discard()
        raise
    item = _row(
        case,
        capture,
        by,
        sha256=incoming.sha256,
        size=incoming.size,
        media_type=media_type,
        original_filename=sanitise_filename(filename),
        storage_key=key,
        email_headers=headers,
    )
    db.session.add(item)
    db.session.flush()
    timeline.add(
        case,
        "evidence",
        f"Evidence added: {item.label} ({evidence_sniff.describe(media_type)})",
        object_id=item.id,
        detail=item.note,
        actor=by,
    )
    audit.record(
        "evidence.uploaded",
        user=by,
        object_type="evidence",
        object_id=item.id,
        case_id=case.id,
        details={
            "sha256": item.sha256,
            "size": item.size,
            "media_type": media_type,
            "filename": item.original_filename,
            "file_already_stored": stored_before,
        },
    )
    return Added(item)


def add_description(case: Case, description: str, capture: Capture, *, by: User) -> Evidence:
    """Record what the content showed without storing it (New Zealand: objectionable content
    must not be stored, sent or shared)."""
    if not description.strip():
        raise ValidationFailed.on("description", "Describe what the content showed.")
    capture = _check_capture(case, Capture(**{**capture.__dict__, "note": description}))
    item = _row(case, capture, by, description_only=True, media_type="")
    db.session.add(item)
    db.session.flush()
    timeline.add(
        case,
        "evidence",
        "Evidence described (content not stored)",
        object_id=item.id,
        detail=item.note,
        actor=by,
    )
    audit.record(
        "evidence.described",
        user=by,
        object_type="evidence",
        object_id=item.id,
        case_id=case.id,
        details={"description_only": True},
    )
    return item


def get_evidence(case: Case, evidence_id: int) -> Evidence:
    item = db.session.execute(
        select(Evidence).where(Evidence.id == evidence_id, Evidence.case_id == case.id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound("No such evidence.")
    return item


def list_evidence(case: Case, limit: int | None = None) -> list[Evidence]:
    """Newest first."""
    statement = (
        select(Evidence)
        .options(joinedload(Evidence.uploaded_by))
        .where(Evidence.case_id == case.id)
        .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
    )
    if limit:
        statement = statement.limit(limit)
    return list(db.session.execute(statement).scalars())


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """An item as the case page's panel lists it (plain columns: nothing decrypted)."""

    id: int
    description_only: bool
    original_filename: str | None
    uploaded_at: datetime

    @property
    def label(self) -> str:
        return evidence_label(self.id, self.description_only, self.original_filename)


_LATEST_EVIDENCE = (
    select(
        Evidence.id,
        Evidence.description_only,
        Evidence.original_filename,
        Evidence.uploaded_at,
        func.count().over(),
    )
    .where(Evidence.case_id == bindparam("case_id"))
    .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
    .limit(bindparam("limit"))
)


def latest_evidence(case: Case, limit: int) -> tuple[list[EvidenceLine], int]:
    """The newest few items and how many the case holds, in one statement (the count rides
    along as a window over the same rows)."""
    return lines_and_count(_LATEST_EVIDENCE, {"case_id": case.id, "limit": limit}, EvidenceLine)


def record_view(item: Evidence, *, by: User) -> None:
    audit.record(
        "evidence.viewed", user=by, object_type="evidence", object_id=item.id, case_id=item.case_id
    )


def open_download(item: Evidence, *, by: User) -> IO[bytes]:
    """The original, opened for streaming, with the download on the custody trail."""
    if item.storage_key is None:
        raise NotFound("This entry is a description only; no file was stored.")
    try:
        handle = evidence_store.open_original(item.storage_key)
    except FileNotFoundError:
        raise NotFound(
            "The stored file is missing. Tell an administrator: run the evidence verify check."
        ) from None
    audit.record(
        "evidence.downloaded",
        user=by,
        object_type="evidence",
        object_id=item.id,
        case_id=item.case_id,
        details={"sha256": item.sha256},
    )
    return handle


def download_name(item: Evidence) -> str:
    return item.original_filename or f"evidence-{item.id}"


def thumbnail(item: Evidence) -> Any:
    if not item.is_image or not item.sha256 or not item.storage_key:
        return None
    return evidence_thumbs.ensure(item.sha256, item.storage_key)


@dataclass
class CustodyEvent:
    at: datetime
    action: str
    who: str
    ip: str
    details: dict[str, Any]


CUSTODY_LABELS = {
    "evidence.uploaded": "Uploaded",
    "evidence.described": "Described (content not stored)",
    "evidence.viewed": "Viewed",
    "evidence.downloaded": "Downloaded",
    "evidence.exported": "Exported in a bundle",
    "evidence.purged": "Purged (retention period ended)",
}


def custody(item: Evidence) -> tuple[list[CustodyEvent], int]:
    """The item's custody events, oldest first (the latest ``CUSTODY_LIMIT``), and the total."""
    conditions = (
        AuditEvent.case_id == item.case_id,
        AuditEvent.object_type == "evidence",
        AuditEvent.object_id == item.id,
    )
    total = db.session.execute(select(func.count(AuditEvent.id)).where(*conditions)).scalar_one()
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .limit(CUSTODY_LIMIT)
    ).all()
    events = [
        CustodyEvent(
            at=event.at,
            action=CUSTODY_LABELS.get(event.action, event.action),
            who=name or "Advocate (system)",
            ip=event.ip,
            details=event.details or {},
        )
        for event, name in reversed(rows)
    ]
    return events, int(total)


# --- integrity -----------------------------------------------------------------------------


@dataclass
class Problem:
    key: str
    kind: str  # "altered" or "missing"
    evidence_ids: list[int]
    found_sha256: str = ""


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for an administrator: what failed, and what to run next."""
        altered = sum(1 for p in self.problems if p.kind == "altered")
        missing = len(self.problems) - altered
        return (
            f"Evidence check failed: {altered} stored file(s) altered and {missing} missing "
            f"of {self.checked}. Run `flask --app advocate evidence verify` for the list and "
            "restore them from backup."
        )


def verify_store() -> VerifyReport:
    """Re-hash every stored file that a row names; report altered and missing files."""
    report = VerifyReport()
    rows = db.session.execute(
        select(Evidence.storage_key, Evidence.sha256, Evidence.id)
        .where(Evidence.storage_key.is_not(None))
        .order_by(Evidence.storage_key, Evidence.id)
        .execution_options(yield_per=1000)
    )
    current: str | None = None
    expected = ""
    ids: list[int] = []

    def check() -> None:
        if current is None:
            return
        report.checked += 1
        path = evidence_store.path_for(current)
        if not path.is_file():
            report.problems.append(Problem(current, "missing", list(ids)))
            return
        actual = evidence_store.hash_file(path)
        if actual != expected:
            report.problems.append(Problem(current, "altered", list(ids), actual))

    for key, sha256, evidence_id in rows:
        if key != current:
            check()
            current, expected, ids = key, sha256 or "", []
        ids.append(evidence_id)
    check()
    return report


def record_verify_failure(report: VerifyReport) -> None:
    """Put a failed verification on the audit trail (the weekly task calls this)."""
    audit.record(
        "evidence.verify_failed",
        object_type="evidence_store",
        details={
            "checked": report.checked,
            "altered": [p.key for p in report.problems if p.kind == "altered"],
            "missing": [p.key for p in report.problems if p.kind == "missing"],
            "evidence_ids": sorted({i for p in report.problems for i in p.evidence_ids}),
        },
    )


# --- housekeeping --------------------------------------------------------------------------


def _referenced(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    rows = db.session.execute(
        select(Evidence.storage_key).where(Evidence.storage_key.in_(keys)).distinct()
    ).scalars()
    return {key for key in rows if key}


@dataclass
class SweepReport:
    files: list[str] = field(default_factory=list)
    temp_files: int = 0
    thumbnails: int = 0


def sweep(min_age_seconds: float = 3600) -> SweepReport:
    """Remove stored files and thumbnails no committed row refers to, and stale temporary
    files. Only files older than ``min_age_seconds`` are touched, so an upload whose row has
    not committed yet keeps its file."""
    report = SweepReport()
    for path in list(evidence_store.stale_temp_files(min_age_seconds)):
        report.temp_files += evidence_store.remove(path)
    batch: list[tuple[str, Any]] = []

    def flush_batch() -> None:
        referenced = _referenced([key for key, _ in batch])
        for key, path in batch:
            # re-checked just before removal: an upload reusing the file refreshes its time
            if (
                key not in referenced
                and evidence_store.older_than(path, min_age_seconds)
                and evidence_store.remove(path)
            ):
                report.files.append(key)
        batch.clear()

    for key, path in evidence_store.stored_files():
        if evidence_store.older_than(path, min_age_seconds):
            batch.append((key, path))
        if len(batch) >= 500:
            flush_batch()
    flush_batch()
    thumbs = evidence_thumbs.root()
    if thumbs.exists():
        for path in thumbs.glob("*/*.png"):
            sha = path.stem
            if not evidence_store.SHA_RE.match(sha) or not evidence_store.older_than(
                path, min_age_seconds
            ):
                continue
            key = evidence_store.key_for(sha)
            if not _referenced([key]):
                report.thumbnails += evidence_store.remove(path)
    return report


def finish_purge(report: PurgeReport) -> list[str]:
    """After the purge commits: remove its bundles and the files no row refers to any more."""
    evidence_bundle.remove_files(report.bundle_files)
    return discard_unreferenced(report.keys)


def discard_unreferenced(keys: list[str]) -> list[str]:
    """Remove the stored files (and thumbnails) of these keys that no row refers to."""
    removed = []
    referenced = _referenced(keys)
    for key in keys:
        if key in referenced:
            continue
        sha = key.rsplit("/", 1)[-1]
        evidence_thumbs.remove(sha)
        if evidence_store.remove(evidence_store.path_for(key)):
            removed.append(key)
    return removed


@dataclass
class PurgeReport:
    evidence_ids: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    bundle_files: list[str] = field(default_factory=list)


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """Delete the evidence of cases closed for longer than the retention period.

    A case counts as closed since it was last updated (an edit after closing restarts the
    clock, so evidence is never purged early). Each purged item leaves an audit event with
    its hash, size and name as the tombstone; the case's bundles expire with it. The files go
    once the caller has committed (``finish_purge``).
    """
    now = now or utcnow()
    days = int(organisations.setting("retention_days"))
    cutoff = now - timedelta(days=days)
    report = PurgeReport()
    case_ids = list(
        db.session.execute(
            select(Case.id)
            .where(
                Case.status == "closed",
                Case.updated_at < cutoff,
                select(Evidence.id).where(Evidence.case_id == Case.id).exists(),
            )
            .order_by(Case.id)
        ).scalars()
    )
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        assert case is not None
        items = list(
            db.session.execute(select(Evidence).where(Evidence.case_id == case_id)).scalars()
        )
        for item in items:
            audit.record(
                "evidence.purged",
                object_type="evidence",
                object_id=item.id,
                case_id=case_id,
                details={
                    "sha256": item.sha256,
                    "size": item.size,
                    "media_type": item.media_type,
                    "filename": item.original_filename,
                    "uploaded_at": item.uploaded_at.isoformat(),
                    "retention_days": days,
                    "reason": "case closed longer than the retention period",
                },
            )
            if item.storage_key:
                report.keys.append(item.storage_key)
            report.evidence_ids.append(item.id)
            db.session.delete(item)
        report.bundle_files += evidence_bundle.expire_for_case(case_id)
        timeline.add(
            case,
            "evidence",
            f"{len(items)} evidence item(s) purged: the retention period of {days} days ended",
        )
        report.case_ids.append(case_id)
    db.session.flush()
    report.keys = sorted(set(report.keys))
    return report


def is_new_zealand_matter(case: Case) -> bool:
    return case.perpetrator_country == "NZ" or case.client.country == "NZ"
