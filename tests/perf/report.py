"""The benchmark's verdicts against DESIGN.md's targets, and its Markdown table."""

from __future__ import annotations

from typing import Any

from tests.perf.endpoints import (
    ENDPOINTS,
    IN_PROCESS,
    LETTER_FINALISE_P50_MS,
    MATCH_QUERY_P95_MS,
    SWEEP_REMINDERS,
    SWEEP_SECONDS,
)

RSS_LIMIT_MB = 150


def _check(check: str, value: Any, limit: str, ok: bool) -> dict[str, Any]:
    return {"check": check, "value": value, "limit": limit, "ok": ok}


def evaluate(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per target: what was measured, the limit, and whether it was met."""
    floor_rps = result["floor_db"]["rps"]
    checks: list[dict[str, Any]] = []
    for endpoint in ENDPOINTS:
        measured = result["endpoints"].get(endpoint.name)
        if measured is None:
            continue
        if endpoint.p95_ms is not None:
            checks.append(
                _check(
                    f"{endpoint.name} p95",
                    measured["p95_ms"],
                    f"<= {endpoint.p95_ms} ms",
                    measured["p95_ms"] <= endpoint.p95_ms,
                )
            )
        if endpoint.floor_share is not None:
            # Against floor B measured either side of the page (bench.py), when it was.
            beside = measured.get("floor_db_rps") or floor_rps
            share = measured["rps"] / beside if beside else 0.0
            checks.append(
                _check(
                    f"{endpoint.name} rps / floor B",
                    round(share, 3),
                    f">= {endpoint.floor_share:.0%}",
                    share >= endpoint.floor_share,
                )
            )
    checks += _in_process_checks(result["endpoints"])
    rss = result.get("worker_rss_mb")
    if rss is not None:
        checks.append(_check("web worker RSS", rss, f"<= {RSS_LIMIT_MB} MB", rss <= RSS_LIMIT_MB))
    return checks


def _in_process_checks(endpoints: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    match = endpoints.get("identifier_match_query")
    if match is not None:
        checks.append(
            _check(
                f"identifier match query p95 ({match['identifiers']:,} identifiers)",
                match["p95_ms"],
                f"<= {MATCH_QUERY_P95_MS:g} ms",
                match["p95_ms"] <= MATCH_QUERY_P95_MS,
            )
        )
    letter = endpoints.get("letter_finalise")
    if letter is not None:
        checks.append(
            _check(
                "letter finalise p50",
                letter["p50_ms"],
                f"<= {LETTER_FINALISE_P50_MS:g} ms",
                letter["p50_ms"] <= LETTER_FINALISE_P50_MS,
            )
        )
    sweep = endpoints.get("deadline_sweep")
    if sweep is not None:
        checks.append(
            _check(
                f"deadline sweep of {sweep['reminders']:,} reminders",
                sweep["seconds"],
                f"<= {SWEEP_SECONDS:g} s for {SWEEP_REMINDERS:,}",
                sweep["seconds"] <= SWEEP_SECONDS and sweep["reminders"] >= SWEEP_REMINDERS,
            )
        )
    return checks


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _in_process_row(label: str, m: dict[str, Any], target: str) -> str:
    queries = "—" if m.get("queries") is None else str(m["queries"])
    rate = "—" if m.get("rps") is None else f"{m['rps']:,.0f}"
    if "seconds" in m:  # the sweep: one run, its total time
        label = f"{label}: {m['seconds']:.2f} s in all"
        rate += " reminders/s"
    if "cpu_p50_ms" in m:  # the clock against this process's own CPU (letter finalise)
        label = f"{label}; CPU p50 {m['cpu_p50_ms']:.1f} ms"
    return (
        f"| {label} (in-process) | {_ms(m['p50_ms'])} | {_ms(m['p95_ms'])} "
        f"| {_ms(m['p99_ms'])} | {rate} | — | {queries} | — | {target} |"
    )


def _row(label: str, m: dict[str, Any], floor_rps: float, target: str) -> str:
    if m.get("requests") == 0:  # every request outlasted the run: nothing to take a p50 of
        queries = "—" if m.get("queries") is None else str(m["queries"])
        return (
            f"| {label} | no request finished in the run | | | 0 | 0% | {queries} "
            f"| {m['alone_p95_ms']:.1f} | {target} |"
        )
    beside = m.get("floor_db_rps")
    if beside:
        share = f"{m['rps'] / beside:.0%} of {beside:,.0f}"
    else:
        share = f"{m['rps'] / floor_rps:.0%}" if floor_rps else "—"
    queries = "—" if m.get("queries") is None else str(m["queries"])
    return (
        f"| {label} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | {m['p99_ms']:.1f} "
        f"| {m['rps']:,.0f} | {share} | {queries} | {m['alone_p95_ms']:.1f} | {target} |"
    )


def _target(endpoint: Any) -> str:
    parts = []
    if endpoint.p95_ms is not None:
        parts.append(f"p95 ≤ {endpoint.p95_ms:g} ms")
    if endpoint.floor_share is not None:
        parts.append(f"≥ {endpoint.floor_share:.0%} of B")
    return ", ".join(parts) or "—"


def markdown(results: dict[str, Any], passes: list[dict[str, Any]]) -> str:
    settings = results["settings"]
    lines = [
        f"Advocate benchmark: {results['cases']:,} cases; {settings['server']}; "
        f"{settings['load_generator']}, {settings['connections']} connections, "
        f"{settings['seconds']} s per endpoint; {settings['cpus']} CPUs "
        f"(load average at the end {settings['load_average_at_end'][0]}). Percentiles are at "
        'that concurrency, queueing included; "p95 ms alone" is the same request sent one '
        "at a time.",
        "",
    ]
    for result in passes:
        floor_rps = result["floor_db"]["rps"]
        counts = result["counts"]
        lines += [
            f"### {result['database']} — seeded in {result['seed_seconds']} s "
            f"({counts.get('cases', 0):,} cases, {counts.get('incidents', 0):,} incidents, "
            f"{counts.get('timeline_entries', 0):,} timeline entries)",
            "",
            "| endpoint | p50 ms | p95 ms | p99 ms | rps | rps / floor B (beside) | queries "
            "| p95 ms alone | target |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
            _row("Floor A: bare Flask JSON", result["floor"], floor_rps, "—"),
            _row("Floor B: one row by primary key", result["floor_db"], floor_rps, "—"),
        ]
        for endpoint in ENDPOINTS:
            if endpoint.name in result["endpoints"]:
                lines.append(
                    _row(
                        endpoint.label,
                        result["endpoints"][endpoint.name],
                        floor_rps,
                        _target(endpoint),
                    )
                )
        for item in IN_PROCESS:
            if item.name in result["endpoints"]:
                lines.append(
                    _in_process_row(item.label, result["endpoints"][item.name], item.target)
                )
        lines.append("")
        between = result["floor_db"].get("between_rps")
        if between:
            lines.append(
                f"Floor B was measured again between the pages ({min(between):,.0f} to "
                f"{max(between):,.0f} rps); each page's share is of the higher of the two "
                "measurements either side of it."
            )
        lines.append(
            f"Web worker RSS after the run: {result.get('worker_rss_mb')} MB (target ≤ "
            f"{RSS_LIMIT_MB} MB); peak {result.get('worker_peak_rss_mb')} MB, which includes "
            "Argon2's 64 MiB working memory (start-up dummy hash, each login)."
        )
        missed = [c for c in result["targets"] if not c["ok"]]
        lines.append(
            "Targets: all met."
            if not missed
            else "Targets missed: "
            + "; ".join(f"{c['check']} = {c['value']} (want {c['limit']})" for c in missed)
            + "."
        )
        labels = {e.name: e.label for e in ENDPOINTS} | {i.name: i.label for i in IN_PROCESS}
        if result["skipped"]:
            lines.append(
                "Not measured yet: "
                + "; ".join(f"{labels.get(k, k)} ({v})" for k, v in result["skipped"].items())
                + "."
            )
        lines.append("")
    million = results.get("identifier_match_1m")
    if million:
        hit, miss = million["hit"], million["miss"]
        worst = max(hit["p95_ms"], miss["p95_ms"])
        lines += [
            f"Identifier match at {million['identifiers']:,} stored identifiers (PostgreSQL, "
            f"the one indexed query add-identifier runs): p50 {hit['p50_ms']} ms / p95 "
            f"{hit['p95_ms']} ms for a value held elsewhere, p50 {miss['p50_ms']} ms / p95 "
            f"{miss['p95_ms']} ms for a new one (target ≤ 1 ms: "
            f"{'met' if worst <= 1.0 else 'missed'}).",
            "",
        ]
    return "\n".join(lines)
