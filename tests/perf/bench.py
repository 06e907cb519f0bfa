"""``make bench``: Advocate at real scale, measured against two floors in the same run.

For each database (PostgreSQL started from its binaries on loopback, then SQLite): migrate, seed
``CASES`` cases with ``flask seed-demo``, serve the app with gunicorn (2 workers, gthread, no
debug), drive each endpoint with wrk for ``SECONDS`` at a fixed concurrency from another
process, and read the SQL statements per request from the ``X-Query-Count`` header
(``ADVOCATE_COUNT_QUERIES=true``). The floors (tests/perf/floor_app.py) are served and driven
the same way, by a second gunicorn running beside the app's; floor B is measured again for a
third of ``SECONDS`` between the pages, and each page's ratio is of the higher of the two
measurements either side of it.
Writes .bench/results.json and .bench/results.md and prints the table.

Environment: CASES (100000), SECONDS (20), BENCH_CONNECTIONS (16), BENCH_THREADS (gunicorn
threads per worker, 4), BENCH_DATABASES ("postgresql,sqlite"), BENCH_MILLION (the match query
at 1,000,000 identifiers as well; on by default from CASES=100000).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from tests.perf.endpoints import ENDPOINTS, IN_PROCESS, Endpoint
from tests.perf.report import evaluate, markdown
from tests.services import create_database, start_postgres

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".bench"
LUA = Path(__file__).with_name("wrk.lua")
WORKERS = 2
# Before each measurement, every gunicorn thread must have run the request a few times (its
# connection prepares a statement at the fifth run): this many requests, 16 at a time, or a
# second at most. A second of wrk did the same for slow pages and ran on for fast ones.
WARMUP_REQUESTS_PER_CONNECTION = 4
WARMUP_SECONDS = 1.0
# Flask-Login's "strong" session protection ties a session to the client's address and
# User-Agent, so the login, the probes and wrk must all send the same one.
USER_AGENT = "advocate-bench/1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Settings:
    cases: int
    seconds: int
    connections: int
    threads: int
    databases: list[str]
    million: bool  # also time the match query at 1,000,000 identifiers (~2 minutes)

    @classmethod
    def from_env(cls) -> Settings:
        cases = int(os.environ.get("CASES") or 100_000)
        return cls(
            cases=cases,
            seconds=int(os.environ.get("SECONDS") or 20),
            connections=int(os.environ.get("BENCH_CONNECTIONS") or 16),
            threads=int(os.environ.get("BENCH_THREADS") or 4),
            databases=(os.environ.get("BENCH_DATABASES") or "postgresql,sqlite").split(","),
            million=(os.environ.get("BENCH_MILLION") or "").lower() in ("1", "true", "yes")
            or cases >= 100_000,
        )


# --- tools ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk from Debian; installed with apt-get when missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("Installing wrk with apt-get …")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
            subprocess.run(install, capture_output=True, check=False)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("The benchmark needs wrk: sudo apt-get install wrk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "advocate", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def last_error(server_log: Path, lines: int = 40) -> str:
    """The end of the last traceback the server wrote, for a run that met unexpected statuses
    (the log goes with the run's temporary folder)."""
    text = server_log.read_text(errors="replace")
    start = text.rfind("Traceback")
    if start < 0:
        return "  (no traceback in the server's log)"
    return "\n".join("    " + line for line in text[start:].splitlines()[:lines])


@contextmanager
def gunicorn(
    env: dict[str, str], target: str, threads: int, ready_path: str, connections: int = 16
) -> Iterator[Served]:
    """Serve a WSGI app as production would here: 2 workers, gthread, no debug, no reload.

    Each worker takes at most its share of the load generator's connections. wrk opens all of
    them at once and keeps them open, and a gthread worker serves every request of each
    connection it accepted: left to themselves the workers split the 16 unevenly, at times
    16 to 0, and the run then measured one worker on one core at half the throughput (floor
    B at 583 rps with one worker busy and the other idle, against ~1,250 rps when split).
    Many browsers arriving over time, or a proxy in front, spread the same way."""
    port = free_port()
    logfile = open(Path(env["ADVOCATE_DATA_DIR"]) / f"gunicorn-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--worker-connections",
            str(per_worker(connections)),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            target,
        ],
        env=env,
        cwd=ROOT,
        stdout=logfile,
        stderr=logfile,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + ready_path, timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    logfile.flush()
                    raise SystemExit(
                        f"gunicorn {target} did not start; see {logfile.name}"
                    ) from None
                time.sleep(0.2)
        yield Served(base, process, Path(logfile.name))
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        logfile.close()


def floor_beside(floor_runs: list[float]) -> float:
    """The floor a page is read against: the higher of floor B's two runs either side of it,
    so a dip in the floor (the machine, or once the server) never flatters a page."""
    return max(floor_runs[-2:])


def per_worker(connections: int) -> int:
    """Each worker's share of the load generator's connections, rounded up."""
    return max(1, -(-connections // WORKERS))


def worker_memory_mb(process: subprocess.Popen[bytes]) -> tuple[float, float]:
    """Resident memory of the largest gunicorn worker after the load (VmRSS) and its peak
    (VmHWM), in MB. The peak includes Argon2's 64 MiB working memory: each worker hashes a
    dummy password at start-up and verifies one at every login."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    now, peak = 0, 0
    for pid in children.read_text().split() if children.exists() else []:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = max(now, int(line.split()[1]))
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return round(now / 1024, 1), round(peak / 1024, 1)


# --- HTTP -----------------------------------------------------------------------------------


def login(base: str, email: str, password: str) -> str:
    """Log in through the form, as a browser does; returns the session cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on the login page"
    form = {"email": email, "password": password, "csrf_token": match.group(1)}
    landed = opener.open(base + "/login", urllib.parse.urlencode(form).encode())
    if urllib.parse.urlsplit(landed.geturl()).path.startswith("/login"):
        raise SystemExit(f"Could not log in as {email}")
    cookie = next(c for c in jar if c.name == "advocate_session")
    return f"{cookie.name}={cookie.value}"


def headers_for(endpoint: Endpoint, cookie: str, token: str) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT}
    if endpoint.auth == "session":
        headers["Cookie"] = cookie
    elif endpoint.auth == "token":
        headers["Authorization"] = f"Bearer {token}"
    if endpoint.body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def probe(url: str, endpoint: Endpoint, headers: dict[str, str]) -> tuple[int, int | None]:
    """One request: its status and its SQL statement count."""
    unique = f"probe-{secrets.token_hex(4)}"
    body = endpoint.body.replace("{n}", unique).encode() if endpoint.body else None
    request = urllib.request.Request(url, data=body, headers=headers, method=endpoint.method)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        response.read()
    count = response.headers.get("X-Query-Count")
    return response.status, int(count) if count is not None else None


def warm_up(url: str, endpoint: Endpoint, headers: dict[str, str], connections: int) -> None:
    deadline = time.monotonic() + WARMUP_SECONDS

    def one_connection() -> None:
        for _ in range(WARMUP_REQUESTS_PER_CONNECTION):
            if time.monotonic() > deadline:
                return
            probe(url, endpoint, headers)

    with ThreadPoolExecutor(max_workers=connections) as pool:
        for done in [pool.submit(one_connection) for _ in range(connections)]:
            done.result()


def json_result(command: list[str], env: dict[str, str], what: str) -> dict[str, Any]:
    """Run a measuring process; what it measured is the last line of its output that is JSON."""
    out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"{what} failed:\n{out.stdout}\n{out.stderr}")
    result: dict[str, Any] = json.loads(line)
    return result


def wrk(
    url: str, seconds: int, connections: int, headers: dict[str, str], endpoint: Endpoint
) -> dict[str, Any]:
    command = [
        ensure_wrk(),
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = {
        **os.environ,
        "BENCH_EXPECT": str(endpoint.expect),
        "BENCH_METHOD": endpoint.method,
        "BENCH_BODY": endpoint.body or "",
        "BENCH_RUN": secrets.token_hex(4),
    }
    raw = json_result([*command, url], env, f"wrk on {url}")
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    return {
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "rps": round(rps, 1),
        "requests": raw["requests"],
        "bad_status": raw["bad_status"],
        "first_bad_status": raw["first_bad_status"],
        "socket_errors": raw["socket_errors"],
    }


def measure(
    base: str, endpoint: Endpoint, info: dict[str, Any], settings: Settings, cookie: str, token: str
) -> dict[str, Any]:
    url = base + endpoint.path.format(**info)
    headers = headers_for(endpoint, cookie, token)
    status, _ = probe(url, endpoint, headers)
    if status != endpoint.expect:
        raise SystemExit(f"{endpoint.name}: {url} answered {status}, expected {endpoint.expect}")
    warm_up(url, endpoint, headers, settings.connections)
    result = wrk(url, settings.seconds, settings.connections, headers, endpoint)
    # The same requests one at a time: the time the server takes, without the queueing that
    # a concurrency above the number of workers adds to every percentile. One request first,
    # answered only once the workers have worked off what the run above left queued; its
    # statements are the page's count (a worker's first request of a page also reads what
    # the worker then keeps, the knowledge base).
    _, queries = probe(url, endpoint, headers)
    result["queries"] = queries
    alone = wrk(url, max(1, settings.seconds // 4), 1, headers, endpoint)
    result["alone_p50_ms"], result["alone_p95_ms"] = alone["p50_ms"], alone["p95_ms"]
    if result["bad_status"] or result["socket_errors"]:
        log(
            f"  ! {endpoint.name}: {result['bad_status']} unexpected statuses (the first was "
            f"{result['first_bad_status']}), {result['socket_errors']} socket errors"
        )
    log(
        f"  {endpoint.name:18} p50 {result['p50_ms']:7.2f} ms  p95 {result['p95_ms']:7.2f} ms"
        f"  {result['rps']:8.1f} rps  {queries} queries  (alone: p95 {result['alone_p95_ms']} ms)"
    )
    return result


# --- one pass per database --------------------------------------------------------------------


POSTGRES_SETTINGS = {
    # Storage here is SSD, as on any server Advocate would run on; the default (4) describes
    # spinning disks and steers the planner to read whole tables instead of using indexes.
    "random_page_cost": "1.1",
}


def tune_postgres(base_url: str) -> None:
    import psycopg

    url = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        for name, value in POSTGRES_SETTINGS.items():
            connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")  # type: ignore[arg-type]
        connection.execute("SELECT pg_reload_conf()")


@contextmanager
def environment(database: str, workdir: Path) -> Iterator[dict[str, str] | None]:
    """The ADVOCATE_* environment of a fresh installation on that database."""
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True)
    server = None
    if database == "postgresql":
        server = start_postgres(workdir / "pg")
        if server is None:
            yield None
            return
        tune_postgres(server.url)
        create_database(server.url, "advocate")
        url = f"{server.url}/advocate"
    else:
        url = f"sqlite:///{data_dir / 'advocate.sqlite'}"
    env = {
        **os.environ,
        "ADVOCATE_DATA_DIR": str(data_dir),
        "ADVOCATE_DATABASE_URL": url,
        "ADVOCATE_SECRET_KEY": secrets.token_urlsafe(32),
        "ADVOCATE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ADVOCATE_BLIND_INDEX_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ADVOCATE_BROKER_URL": "memory://",
        "ADVOCATE_COUNT_QUERIES": "true",
        # The load generator is one client address: the API's per-address limit (600 a
        # minute by default) would turn the identifier match into a benchmark of 429s.
        "ADVOCATE_API_RATE_LIMIT": "10000000 per minute",
        "ADVOCATE_PRODUCTION": "false",  # plain HTTP on loopback; everything else as deployed
        "PYTHONPATH": str(ROOT),
    }
    try:
        yield env
    finally:
        if server is not None:
            server.stop()


def app_facts(env: dict[str, str], info: dict[str, Any]) -> tuple[set[str], str]:
    """The app's URL rules, and a surname to search for (the benchmark client's)."""
    script = (
        "import json; from sqlalchemy import select; from advocate import create_app;"
        "from advocate.extensions import db; from advocate.models import Client;"
        "app = create_app();\n"
        "with app.app_context():\n"
        f"    name = db.session.execute(select(Client.full_name).where(Client.id == "
        f"{int(info['bench_client_id'])})).scalar_one()\n"
        "print(json.dumps({'rules': [r.rule for r in app.url_map.iter_rules()], 'name': name}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    return set(facts["rules"]), facts["name"].split()[-1]


def run_pass(database: str, settings: Settings) -> dict[str, Any]:
    log(
        f"== {database}: {settings.cases:,} cases, {settings.seconds} s per endpoint, "
        f"{settings.connections} connections"
    )
    with (
        tempfile.TemporaryDirectory(prefix="advocate-bench-") as tmp,
        environment(database, Path(tmp)) as env,
    ):
        if env is None:
            log(f"  skipped: {database} binaries not installed")
            return {"database": database, "skipped": "server binaries not installed"}
        flask(env, "db", "upgrade")
        started = time.monotonic()
        seeded = flask(env, "seed-demo", "--cases", str(settings.cases))
        seed_seconds = round(time.monotonic() - started, 1)
        info = json.loads(seeded.strip().splitlines()[-1])
        log(f"  seeded in {seed_seconds} s: {info['counts']}")
        token = flask(env, "tokens", "create", info["busy_caseworker"]).strip().splitlines()[-1]
        # Seeding leaves the files it wrote in the page cache (the bench's PostgreSQL runs with
        # fsync=off); write them out now rather than under the first measurements.
        os.sync()
        rules, surname = app_facts(env, info)
        info["search_name"] = surname
        result: dict[str, Any] = {
            "database": database,
            "cases": settings.cases,
            "seed_seconds": seed_seconds,
            "counts": info["counts"],
            "endpoints": {},
            "skipped": {},
        }
        # Floor B, which every ratio divides by, is measured again between the pages, by a
        # floor server left running beside the app, so that a page's ratio is read against the
        # floor of its own minute. Of the measurements just before and just after a page the
        # higher is kept, so that a slow floor run cannot flatter the page. (Its halvings
        # within a run were the workers' uneven split of the connections: see gunicorn().)
        with (
            gunicorn(
                env, FLOOR_APP, settings.threads, "/floor", settings.connections
            ) as served_floor,
            gunicorn(
                env, "advocate:create_app()", settings.threads, "/login", settings.connections
            ) as served,
        ):
            for floor in FLOORS:
                result[floor.name] = measure(served_floor.base, floor, info, settings, "", "")
            floor_url = served_floor.base + FLOORS[1].path.format(**info)

            def floor_now() -> float:
                warm_up(floor_url, FLOORS[1], {}, settings.connections)
                run = wrk(floor_url, pair_seconds(settings), settings.connections, {}, FLOORS[1])
                return float(run["rps"])

            floor_runs = [floor_now()]
            cookie = login(served.base, info["busy_caseworker"], info["password"])
            for endpoint in ENDPOINTS:
                rule = endpoint.rule or endpoint.path
                if rule not in rules:
                    reason = f"no route {rule} in the app"
                    result["skipped"][endpoint.name] = reason
                    log(f"  {endpoint.name:18} skipped: {reason}")
                    continue
                measured = measure(served.base, endpoint, info, settings, cookie, token)
                floor_runs.append(floor_now())
                measured["floor_db_rps_around"] = floor_runs[-2:]
                measured["floor_db_rps"] = floor_beside(floor_runs)
                if measured["bad_status"]:
                    log(last_error(served.log))
                result["endpoints"][endpoint.name] = measured
            memory = worker_memory_mb(served.process)
            result["worker_rss_mb"], result["worker_peak_rss_mb"] = memory
        log(f"  web worker RSS {result['worker_rss_mb']} MB, peak {result['worker_peak_rss_mb']}")
        result["floor_db"]["between_rps"] = floor_runs
        log(f"  floor_db between the pages: {floor_runs} rps")
        in_process(env, result)
        return result


FLOORS = (
    Endpoint("floor", "/floor", "Floor A: bare Flask JSON", auth="none"),
    Endpoint(
        "floor_db", "/floor/db/{bench_case_id}", "Floor B: one row by primary key", auth="none"
    ),
)


FLOOR_APP = "tests.perf.floor_app:create_app()"


def pair_seconds(settings: Settings) -> int:
    """How long floor B runs between the pages: long enough to average over a few thousand
    requests, short enough to add little to a run."""
    return max(1, settings.seconds // 3)


def in_process(env: dict[str, str], result: dict[str, Any]) -> None:
    """The sweep, letter finalise and the match query, against the same database (after the
    HTTP runs: it adds rows). The match query goes with the identifier_match endpoint."""
    measured = json_result(
        [sys.executable, "-m", "tests.perf.inprocess"], env, "tests.perf.inprocess"
    )
    for item in IN_PROCESS:
        m = measured[item.name]
        result["endpoints"][item.name] = m
        if item.name == "identifier_match_query" and "identifier_match" in result["endpoints"]:
            result["endpoints"]["identifier_match"]["match_query"] = m
    match = measured["identifier_match_query"]
    letter = measured["letter_finalise"]
    sweep = measured["deadline_sweep"]
    log(
        f"  {'match query':18} p50 {match['p50_ms']:7.3f} ms  p95 {match['p95_ms']:7.3f} ms"
        f"  over {match['identifiers']:,} identifiers (up to {match['holders_max']} holders)"
    )
    log(
        f"  {'letter_finalise':18} p50 {letter['p50_ms']:7.2f} ms  p95 {letter['p95_ms']:7.2f} ms"
        f"  {letter['queries']} queries  ({letter['rounds']} rounds; CPU p50"
        f" {letter['cpu_p50_ms']} ms)"
    )
    log(
        f"  {'deadline_sweep':18} {sweep['reminders']:,} reminders in {sweep['seconds']} s"
        f"  {sweep['queries']} queries"
    )


def million_identifiers() -> dict[str, Any]:
    """The match query against 1,000,000 stored identifiers, on a PostgreSQL of its own
    (tests/perf/bench_identifier_match.py): the target is stated at that size."""
    log("== identifier match at 1,000,000 identifiers")
    summary = json_result(
        [sys.executable, "-m", "tests.perf.bench_identifier_match", "--json"],
        {k: v for k, v in os.environ.items() if k != "ADVOCATE_DATABASE_URL"},
        "bench_identifier_match",
    )
    for label in ("hit", "miss"):
        timing = summary[label]
        log(f"  {label:4} p50 {timing['p50_ms']:.3f} ms  p95 {timing['p95_ms']:.3f} ms")
    return summary


def million_check(summary: dict[str, Any]) -> dict[str, Any]:
    worst = max(summary["hit"]["p95_ms"], summary["miss"]["p95_ms"])
    return {
        "check": f"identifier match query p95 at {summary['identifiers']:,} identifiers",
        "value": worst,
        "limit": "<= 1 ms",
        "ok": worst <= 1.0,
    }


def main() -> None:
    settings = Settings.from_env()
    ensure_wrk()
    OUT.mkdir(exist_ok=True)
    passes = [run_pass(database, settings) for database in settings.databases]
    ran = [p for p in passes if "skipped" not in p or "endpoints" in p]
    if not ran:
        raise SystemExit("No database pass could run.")
    for one in ran:
        one["targets"] = evaluate(one)
    primary = dict(ran[0])
    results: dict[str, Any] = {
        **primary,
        "settings": {
            "seconds": settings.seconds,
            "connections": settings.connections,
            "server": (
                f"gunicorn, {WORKERS} workers, gthread, {settings.threads} threads, "
                f"{per_worker(settings.connections)} connections a worker"
            ),
            "postgresql_settings": POSTGRES_SETTINGS,
            "load_generator": "wrk -t2",
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    for other in ran[1:]:
        results[other["database"]] = other
    if settings.million:
        results["identifier_match_1m"] = million_identifiers()
        results["targets"] = [*results["targets"], million_check(results["identifier_match_1m"])]
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results, ran)
    (OUT / "results.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
