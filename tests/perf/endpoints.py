"""What the benchmark measures: one entry per endpoint, with its targets from DESIGN.md.

Paths are formatted with the ids ``flask seed-demo`` prints (``bench_case_id`` …). An endpoint
whose route is not in the app yet (its feature is on another branch) is skipped, saying so; a
feature that lands only has to make its route exist, or add its entry here.
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
        "/links/{linked_case_id}",
        "Linked matter page",
        rule="/links/<int:link_id>",
        needs="linking",
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
        needs="linking",
    ),
)

# Measured in-process rather than over HTTP; skipped until their feature is on main.
NOT_HTTP = {
    "deadline_sweep": ("Deadline sweep of 10,000 due reminders", "ladder"),
    "letter_finalise": ("Letter finalise (PDF + DOCX)", "letters"),
}
