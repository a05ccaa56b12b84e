"""Load benchmark: seed a database, serve the app the production way, measure it with wrk.

Steps, all from this one command (`make bench` runs it with the defaults):

1. A fresh database: the SQLite file bench/results/bench.db (recreated every run), or the
   PostgreSQL database in DATABASE_URL (flushed; its name must contain "bench"). Migrations,
   the real roadmap (`load_roadmap`), optionally synthetic milestones on top, then LEARNERS learners
   with about 40 % of the milestones touched, notes and evidence on some, a year of events, 10 %
   with a public page, and logged-in sessions for a sample of them (bench/seed.py).
2. `collectstatic`, `check --deploy`, and in-process requests to each endpoint: the SQL queries
   of one ("queries": must not grow with the learners or the milestones) and the median CPU time
   of 25 ("cpu ms": less affected by other work on the machine than requests/s).
3. gunicorn with config.wsgi on a free port of 127.0.0.1, configured as `make serve` does
   (config/gunicorn.conf.py): DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
   whitenoise, WEB_CONCURRENCY sync workers (default 4), no access log.
4. For each endpoint a warm-up, then a measured wrk run (16 connections, 2 threads) driven by
   bench/load.lua: every request sends X-Forwarded-Proto: https (production redirects plain http),
   learner requests carry the cookies of a random logged-in learner, the tick POST sends
   HX-Request, X-CSRFToken, an https Origin and Referer as a browser with htmx would.
5. /healthz once more, and a table of requests/s, p50, p99, errors, queries, CPU milliseconds
   per request (in-process, step 2) and the ratio to /healthz (the mean of its two runs: when
   they differ by more than 15 %, other work on the machine skewed the run, and it says so),
   against the targets, written as JSON to bench/results/<UTC time>-<database>-<learners>.json.

The run fails (exit status 1) when any answer is not the expected 200 (an error status, or a
redirect to the login page that would mean the benchmark measured the wrong thing), when a
socket error happens, or when an endpoint is missing. Missed targets fail it only with --strict.

Throughput must not depend on the amount of data: compare a run at 1,000 learners with one at
10,000 (or one with --extra-milestones 170, a roadmap of 200 milestones) with --compare.

Examples:
  make bench
  make bench LEARNERS=1000 DURATION=5
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/next_steps_bench make bench
  REDIS_URL=redis://127.0.0.1:6379/15 make bench   # cache and sessions in Redis: a scratch DB
  .venv/bin/python bench/run.py --learners 1000 --extra-milestones 170 --only dashboard
  .venv/bin/python bench/run.py --compare bench/results/A.json bench/results/B.json
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
RESULTS_DIR = BENCH_DIR / "results"
SQLITE_PATH = RESULTS_DIR / "bench.db"
LUA_SCRIPT = BENCH_DIR / "load.lua"
VENV_BIN = Path(sys.executable).parent

P99_TARGET_MS = 50
SCALE_TOLERANCE = 0.15


class Endpoint:
    def __init__(self, name, label, target=None, learner=False, method="GET"):
        self.name, self.label, self.target = name, label, target
        self.learner, self.method = learner, method


ENDPOINTS = [
    Endpoint("healthz", "/healthz (ceiling)"),
    Endpoint("visitor", "roadmap, visitor"),
    Endpoint("learner", "roadmap, learner", target=0.15, learner=True),
    Endpoint("tick", "tick (POST, htmx)", target=0.15, learner=True, method="POST"),
    Endpoint("dashboard", "dashboard", target=0.12, learner=True),
    Endpoint("public", "public page", target=0.15),
    Endpoint("badge", "badge", target=0.30),
]
BY_NAME = {e.name: e for e in ENDPOINTS}


def endpoint_names(value):
    unknown = [name for name in value.split(",") if name not in BY_NAME]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown endpoint {', '.join(unknown)}")
    return [BY_NAME[name] for name in value.split(",")]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learners", type=int, default=10_000, help="default: %(default)s")
    parser.add_argument(
        "--extra-milestones",
        type=int,
        default=0,
        metavar="N",
        help="add N synthetic active milestones to the real roadmap (170 makes 200)",
    )
    parser.add_argument(
        "--sessions", type=int, default=500, help="logged-in learners to draw from (default: 500)"
    )
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds measured per endpoint (default: 10)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2, help="seconds of warm-up per endpoint (default: 2)"
    )
    parser.add_argument("--connections", type=int, default=16, help="default: %(default)s")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default: 2)")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or 4),
        help="gunicorn sync workers (default: WEB_CONCURRENCY or 4)",
    )
    parser.add_argument(
        "--only",
        type=endpoint_names,
        default=ENDPOINTS,
        metavar="NAMES",
        help="comma-separated subset of: " + ", ".join(BY_NAME) + " (healthz is always run)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    parser.add_argument(
        "--seed-only",
        action="store_true",
        help="seed, write the load files and bench/results/load/env.sh (the settings that "
        "serve the seeded database), then stop: for profiling",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("SMALL.json", "LARGE.json"),
        help="compare two result files: throughput within 15 %% and the same queries",
    )
    return parser.parse_args(argv)


# --- configuration ---------------------------------------------------------------------------


def production_environment():
    """The environment of both this process and gunicorn: production settings, bench database."""
    env = dict(os.environ)
    # FORWARDED_ALLOW_IPS at its default, 127.0.0.1: wrk is the proxy that says "https".
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "FORWARDED_ALLOW_IPS",
        "DJANGO_SETTINGS_MODULE",
    ):
        env.pop(name, None)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
    return env


def check_database_url(url):
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres") and "bench" not in parts.path:
        sys.exit(
            f"Refusing to flush {parts.path.lstrip('/')!r}: the benchmark wipes its database, so "
            "its name must contain 'bench' (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "next_steps_bench; create it with psql -c 'CREATE DATABASE next_steps_bench')."
        )
    return "postgresql" if parts.scheme.startswith("postgres") else parts.scheme


def find_wrk():
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package.")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk")
    sys.exit("wrk is missing: install it (Debian: sudo apt-get install wrk) and run again.")


def cpu_busy(seconds=1.0):
    """The share of CPU time other work took over a second, or None where /proc is missing."""

    def sample():
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # idle + iowait

    try:
        total_a, idle_a = sample()
        time.sleep(seconds)
        total_b, idle_b = sample()
    except OSError:
        return None
    return round(1 - (idle_b - idle_a) / max(total_b - total_a, 1), 2)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- seeding and in-process checks -----------------------------------------------------------


def seed(args):
    from django.core.management import call_command

    from bench import seed as seeding

    started = time.perf_counter()
    seeding.prepare_database()
    result = seeding.seed_learners(
        learners=args.learners, extra_milestones=args.extra_milestones, sessions=args.sessions
    )
    seeding.analyze()
    print(f"Fresh database, roadmap and learners in {time.perf_counter() - started:.1f} s.")
    for line in result.lines():
        print(line)
    if not result.public_usernames:
        sys.exit("No learner has a public page: seed more learners.")
    paths = seeding.write_load_files(result, RESULTS_DIR / "load")
    call_command("collectstatic", interactive=False, verbosity=0)
    return result, paths


def write_settings_file(env):
    """The sessions are signed with this run's SECRET_KEY: serving or profiling them needs it."""
    names = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "LOG_LEVEL")
    path = RESULTS_DIR / "load" / "env.sh"
    path.write_text("".join(f"export {n}={shlex.quote(env[n])}\n" for n in names if n in env))
    return path


def storage_backends():
    from django.conf import settings

    return {"sessions": settings.SESSION_ENGINE, "cache": settings.CACHES["default"]["BACKEND"]}


def deploy_check():
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except SystemCheckError as exc:
        print(f"Warning: `manage.py check --deploy` is not clean:\n{exc}")


def paths_for(result):
    """One concrete request per endpoint, for the preflight and the query count."""
    session, public = result.sessions[0], result.public_usernames[0]
    return {
        "healthz": "/healthz",
        "visitor": "/",
        "learner": "/",
        "tick": f"/milestones/{result.milestone_slugs[0]}/status/",
        "dashboard": "/dashboard/",
        "public": f"/u/{public}/",
        "badge": f"/u/{public}/badge.svg?track=ml-engineer",
    }, session


def send(client, endpoint, path, n):
    """The n-th request to an endpoint: ticks alternate, so that every tick is a real change.
    Over https, as gunicorn says of the proxy's requests."""
    if endpoint.method == "POST":
        status = ("in_progress", "done")[n % 2]
        return client.post(
            path,
            f"status={status}",
            content_type="application/x-www-form-urlencoded",  # as htmx sends it
            headers={"hx-request": "true"},
            secure=True,
        )
    return client.get(path, secure=True)


def measure_in_process(endpoints, result, repeat=25):
    """Per endpoint, through the full middleware stack in this process: the SQL queries of one
    request, and the median CPU milliseconds of `repeat` requests. CPU time depends less than
    requests/s on what else the machine runs, so it shows a cost growing with the data where a
    busy machine blurs requests/s. (It leaves out PostgreSQL's work, in another process.)"""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    paths, session = paths_for(result)
    measured = {}
    for endpoint in endpoints:
        client = Client(headers={"host": "127.0.0.1"}, raise_request_exception=False)
        if endpoint.learner:
            client.cookies["sessionid"] = session.session_key
            client.cookies["csrftoken"] = session.csrf_secret
        path = paths[endpoint.name]
        send(client, endpoint, path, 0)  # Warm caches (content types, templates).
        with CaptureQueriesContext(connection) as queries:
            response = send(client, endpoint, path, 1)
        if response.status_code != 200:  # what would be measured is not the page
            sys.exit(f"{endpoint.name}: {path} answered {response.status_code} in-process")
        # Counted now: the next request's request_started signal empties the query log.
        count = len(queries)
        times = []
        for n in range(repeat):
            began = time.process_time()
            send(client, endpoint, path, n)
            times.append(time.process_time() - began)
        measured[endpoint.name] = {
            "queries": count,
            "cpu_ms": round(statistics.median(times) * 1000, 2),
        }
    connection.close()
    return measured


# --- serving ---------------------------------------------------------------------------------


def start_gunicorn(env, port, workers, log_path):
    log = open(log_path, "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--config",
            "config/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--error-logfile",
            "-",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            if fetch(port, "GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    sys.exit(f"gunicorn did not answer /healthz within 30 s; see {log_path}")


def stop(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fetch(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            method, path, body=body, headers={"X-Forwarded-Proto": "https", **(headers or {})}
        )
        response = conn.getresponse()
        location = response.getheader("Location") or response.getheader("HX-Redirect")
        return response.status, location, response.read()
    finally:
        conn.close()


def preflight(port, endpoints, result):
    """One request per endpoint as wrk will send it; the endpoints not worth measuring.

    A 404 means the endpoint does not exist yet; a redirect (HX-Redirect to the login page
    included) or a page without "Log out" means the session did not work, and the run would
    measure the wrong thing. Other errors are measured: the run counts them and fails.
    """
    paths, session = paths_for(result)
    cookie = {"Cookie": f"sessionid={session.session_key}; csrftoken={session.csrf_secret}"}
    problems = {}
    for endpoint in endpoints:
        headers = cookie if endpoint.learner else {}
        body = None
        if endpoint.method == "POST":
            headers = {
                **cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "X-CSRFToken": session.csrf_token,
                "Origin": f"https://127.0.0.1:{port}",
                "Referer": f"https://127.0.0.1:{port}/",
            }
            body = "status=done"
        status, location, content = fetch(
            port, endpoint.method, paths[endpoint.name], headers, body
        )
        if status == 404 or location:
            problems[endpoint.name] = f"{status}" + (f" to {location}" if location else "")
        elif endpoint.learner and endpoint.method == "GET" and b"Log out" not in content:
            problems[endpoint.name] = "200 but not logged in"
        elif status != 200:
            print(f"Warning: {endpoint.label} answered {status} before the run.")
    return problems


# --- load ------------------------------------------------------------------------------------


def run_wrk(wrk, args, port, endpoint, paths, seconds):
    command = [
        wrk,
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=5s",
        f"--script={LUA_SCRIPT}",
        f"http://127.0.0.1:{port}",
        "--",
        endpoint.name,
        str(port),
        paths["sessions.txt"],
        paths["public.txt"],
        paths["slugs.txt"],
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    sys.exit(f"wrk failed for {endpoint.name}:\n{done.stdout}\n{done.stderr}")


def row_for(endpoint, raw, in_process):
    seconds = raw["duration_us"] / 1e6
    statuses = {int(code): count for code, count in raw["statuses"].items()}
    bad_statuses = sum(n for code, n in statuses.items() if not 200 <= code < 400)
    socket_errors = sum(raw["socket_errors"].values())
    return {
        "endpoint": endpoint.name,
        "label": endpoint.label,
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "statuses": statuses,
        "errors": bad_statuses + socket_errors,
        # Redirects, and 200s served as if logged out: the benchmark measured the wrong thing.
        "wrong": sum(n for code, n in statuses.items() if 300 <= code < 400) + raw["logged_out"],
        "socket_errors": raw["socket_errors"],
        **in_process,
        "target_ratio": endpoint.target,
    }


def judge(rows):
    """Ratios to the ceiling, the mean of /healthz at the start and at the end of the run, and
    targets met or missed; returns how far the ceiling drifted in between."""
    first, last = (row["rps"] for row in rows if row["endpoint"].startswith("healthz"))
    healthz = (first + last) / 2
    for row in rows:
        row["ratio"] = round(row["rps"] / healthz, 3) if healthz else None
        misses = []
        if row["target_ratio"] is not None and row["ratio"] < row["target_ratio"]:
            misses.append("ratio")
        if row["p99_ms"] >= P99_TARGET_MS:
            misses.append("p99")
        row["met"] = not misses
        row["missed"] = misses
    return abs(first - last) / max(first, last, 1)


def table(rows, missing):
    header = (
        "endpoint",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "queries",
        "cpu ms",
        "ratio",
        "target",
        "met?",
    )
    lines = []
    for row in rows:
        target = f"≥{row['target_ratio']:.2f}, " if row["target_ratio"] else ""
        lines.append(
            (
                row["label"],
                f"{row['rps']:.0f}",
                f"{row['p50_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                str(row["errors"]) + (f" +{row['wrong']} wrong" if row["wrong"] else ""),
                "—" if row["queries"] is None else str(row["queries"]),
                f"{row['cpu_ms']:.1f}",
                f"{row['ratio']:.2f}",
                f"{target}p99<{P99_TARGET_MS}",
                "yes" if row["met"] else "NO (" + ", ".join(row["missed"]) + ")",
            )
        )
    for name, problem in missing.items():
        lines.append((BY_NAME[name].label, "—", "—", "—", problem, "—", "—", "—", "—", "NOT RUN"))
    return aligned(header, lines)


def aligned(header, lines):
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(len(header))]
    out = []
    for n, line in enumerate((header, *lines)):
        out.append(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(line)
            )
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def git_revision():
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return head + ("+changes" if dirty else "")


# --- comparing two runs ----------------------------------------------------------------------


def compare(small_path, large_path):
    small, large = (json.loads(Path(p).read_text()) for p in (small_path, large_path))
    print(
        f"A: {small['learners']} learners, {small['milestones']} milestones ({small_path})\n"
        f"B: {large['learners']} learners, {large['milestones']} milestones ({large_path})"
    )
    header = ("endpoint", "req/s A", "req/s B", "change", "ratio A", "ratio B")
    header += ("cpu ms A", "cpu ms B", "queries A", "queries B", "same cost?")
    lines = []
    failed = False
    rows_b = {row["endpoint"]: row for row in large["rows"]}
    for a in small["rows"]:
        b = rows_b.get(a["endpoint"])
        if b is None:
            continue
        change = b["rps"] / a["rps"] - 1
        same = abs(change) <= SCALE_TOLERANCE and a.get("queries") == b.get("queries")
        failed |= not same
        lines.append(
            (
                a["label"],
                f"{a['rps']:.0f}",
                f"{b['rps']:.0f}",
                f"{change:+.0%}",
                f"{a['ratio']:.2f}",
                f"{b['ratio']:.2f}",
                f"{a.get('cpu_ms', '—')}",
                f"{b.get('cpu_ms', '—')}",
                str(a.get("queries")),
                str(b.get("queries")),
                "yes" if same else "NO",
            )
        )
    print(aligned(header, lines))
    print(
        f"Same cost: requests/s within {SCALE_TOLERANCE:.0%} and the same number of queries. "
        "A busy machine moves requests/s by more than that: read the CPU milliseconds per "
        "request too, measured in-process, which it moves less."
    )
    return 1 if failed else 0


# --- main ------------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    endpoints = [BY_NAME["healthz"], *(e for e in args.only if e.name != "healthz")]
    env = production_environment()
    database = check_database_url(env["DATABASE_URL"])
    wrk = None if args.seed_only else find_wrk()

    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    os.chdir(BASE_DIR)
    import django

    django.setup()
    result, paths = seed(args)
    settings_file = write_settings_file(env)
    if args.seed_only:
        print(f"Load files and settings (source {settings_file.relative_to(BASE_DIR)}) written.")
        return 0
    deploy_check()
    in_process = measure_in_process(endpoints, result)
    stores = storage_backends()

    busy_before = cpu_busy()
    if busy_before is not None and busy_before > 0.2:
        print(f"Warning: CPUs {busy_before:.0%} busy before the run: other work skews results.")
    port = free_port()
    log_path = RESULTS_DIR / "load" / "gunicorn.log"
    server = start_gunicorn(env, port, args.workers, log_path)
    rows, missing = [], {}
    try:
        problems = preflight(port, endpoints, result)
        if "healthz" in problems:
            sys.exit(f"/healthz answered {problems['healthz']}; see {log_path}")
        for endpoint in endpoints:
            if endpoint.name in problems:
                missing[endpoint.name] = problems[endpoint.name]
                print(f"{endpoint.label}: {problems[endpoint.name]}, not measured")
                continue
            run_wrk(wrk, args, port, endpoint, paths, args.warmup)
            raw = run_wrk(wrk, args, port, endpoint, paths, args.duration)
            rows.append(row_for(endpoint, raw, in_process[endpoint.name]))
            print(f"{endpoint.label}: {rows[-1]['rps']:.0f} req/s, p99 {rows[-1]['p99_ms']:.1f} ms")
        # The ceiling once more: if it moved, other work on the machine moved the numbers too.
        raw = run_wrk(wrk, args, port, BY_NAME["healthz"], paths, args.duration)
        again = row_for(BY_NAME["healthz"], raw, in_process["healthz"])
        rows.append({**again, "endpoint": "healthz-again", "label": "/healthz (again)"})
    finally:
        stop(server)

    drift = judge(rows)
    print()
    print(
        f"{database}, {result.learners} learners, {result.milestones} milestones, "
        f"{args.workers} gunicorn workers, {args.connections} connections, "
        f"{args.duration:g} s per endpoint, {os.cpu_count()} CPUs, "
        f"sessions in {stores['sessions'].rsplit('.', 1)[-1]}"
    )
    print(table(rows, missing))
    noisy = drift > SCALE_TOLERANCE
    print(
        f"The ceiling moved {drift:.0%} between the start and the end of the run"
        + (": other work on the machine skewed it; run again when it is idle." if noisy else ".")
    )
    failed = bool(missing) or any(row["errors"] or row["wrong"] for row in rows)
    missed = [row["label"] for row in rows if not row["met"]]

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    grown = f"-{result.milestones}milestones" if args.extra_milestones else ""
    out = RESULTS_DIR / f"{stamp}-{database}-{result.learners}{grown}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "revision": git_revision(),
                "database": database,
                "learners": result.learners,
                "milestones": result.milestones,
                "progress_rows": result.progress,
                "events": result.events,
                "seed_seconds": round(result.seconds, 1),
                "nproc": os.cpu_count(),
                "cpu_busy_before": busy_before,
                "machine": platform.machine(),
                "python": platform.python_version(),
                **stores,
                "workers": args.workers,
                "connections": args.connections,
                "wrk_threads": args.threads,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "p99_target_ms": P99_TARGET_MS,
                "ceiling_drift": round(drift, 3),
                "noisy": noisy,
                "failed": failed,
                "not_run": missing,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nWrote {out.relative_to(BASE_DIR)}")
    if failed:
        print(
            "FAILED: some answers were not 200, or an endpoint could not be measured; "
            f"server errors are in {log_path.relative_to(BASE_DIR)}."
        )
        return 1
    if missed:
        print("Targets missed: " + ", ".join(missed))
        return 2 if args.strict else 0
    print("Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
