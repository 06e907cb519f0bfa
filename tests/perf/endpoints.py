"""What the benchmark measures: one entry per endpoint, with its targets from DESIGN.md.

Paths are formatted with the ids ``flask seed-demo`` prints (``bench_case_id`` …). An endpoint
whose route is not in the app is skipped, saying so. What is not a request (the reminder
sweep, finalising a letter, the identifier match query on its own) is measured in-process
against the same database: ``IN_PROCESS``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    label: str
    method: str = "GET"
    auth: str = "session"  # "none", "session" (the busy caseworker's cookie) or "token"
    body: str | None = None  # JSON; "{n}" becomes a number unique to each request
    expect: int = 200
    rule: str = ""  # the Flask rule that must exist, when it is not plain ``path``
    needs: str = ""  # the branch that provides it, for the skip message
    p95_ms: float | None = None  # target: p95 at most this
    floor_share: float | None = None  # target: rps at least this share of floor B


ENDPOINTS = (
    Endpoint("login_page", "/login", "Login page", auth="none"),
    Endpoint("dashboard", "/", "Dashboard", p95_ms=50, floor_share=0.15),
    Endpoint(
        "case_list",
        "/cases/?status=active&harm=harassment",
        "Case list, filtered (status + harm)",
        rule="/cases/",
        p95_ms=50,
        floor_share=0.15,
    ),
    Endpoint(
        "case_search",
        "/cases/?q={search_name}",
        "Case list, searched (client surname)",
        rule="/cases/",
        p95_ms=50,
        floor_share=0.15,
    ),
    Endpoint(
        "case_page",
        "/cases/{bench_case_id}",
        "Case page (200-entry timeline, first page)",
        rule="/cases/<int:case_id>",
        p95_ms=30,
        floor_share=0.20,
    ),
    Endpoint(
        "client_page",
        "/clients/{bench_client_id}",
        "Client page",
        rule="/clients/<int:client_id>",
        p95_ms=50,
        floor_share=0.15,
    ),
    Endpoint(
        "linked_matter",
        "/links/matters/{linked_matter_id}",
        "Linked matter page",
        rule="/links/matters/<int:matter_id>",
        # DESIGN.md names no target for this page; held to the list pages' (a working page).
        p95_ms=50,
        floor_share=0.15,
    ),
    Endpoint(
        "identifier_match",
        "/api/v1/cases/{linked_case_id}/identifiers",
        "Identifier match (API add identifier)",
        method="POST",
        auth="token",
        body='{"kind": "email", "value": "bench-{n}@example.net"}',
        expect=201,
        rule="/api/v1/cases/<int:case_id>/identifiers",
    ),
)


@dataclass(frozen=True)
class InProcess:
    """Measured in-process (tests/perf/inprocess.py) against the same seeded database."""

    name: str
    label: str
    target: str


IN_PROCESS = (
    InProcess(
        "identifier_match_query",
        "Identifier match: the one indexed query (hits and misses)",
        "p95 ≤ 1 ms",
    ),
    InProcess("letter_finalise", "Letter finalise (PDF + DOCX, stored, hashed)", "p50 ≤ 50 ms"),
    InProcess("deadline_sweep", "Deadline sweep of 10,000 due reminders", "≤ 10 s in all"),
)
# Targets of the in-process measurements (DESIGN.md).
MATCH_QUERY_P95_MS = 1.0
LETTER_FINALISE_P50_MS = 50.0
SWEEP_SECONDS = 10.0
SWEEP_REMINDERS = 10_000
