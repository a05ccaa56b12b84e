"""Redis or the database falling over: slower answers or the app's own 503, never a 500."""

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import django.db
import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.urls import reverse

from config import outages
from config.outages import NOT_SAVED, UNAVAILABLE
from config.settings import redis_cache
from roadmap import snapshot
from roadmap.models import Progress, Status
from tests.conftest import console_handler
from tests.factories import PASSWORD, TrackMilestoneFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}
BOUND = 1.0  # seconds a request may take with Redis down or hung (REDIS_TIMEOUT is 0.1)
HANG = 5.0  # seconds the hung server holds a connection: an app without timeouts waits this long


def closed_port():
    """A port on 127.0.0.1 where nothing listens: a connection to it is refused."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


@contextmanager
def refused_redis():
    yield f"redis://127.0.0.1:{closed_port()}/0"


@contextmanager
def hung_server():
    """The port of a server that accepts connections and never answers, as a frozen Redis or
    PostgreSQL.

    It drops each connection after HANG seconds, so that an app without timeouts fails the
    test instead of hanging it.
    """
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    stop = threading.Event()

    def serve():
        held = []
        while not stop.is_set():
            with suppress(TimeoutError):
                held.append((time.monotonic(), server.accept()[0]))
            while held and (stop.is_set() or time.monotonic() - held[0][0] > HANG):
                held.pop(0)[1].close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


@contextmanager
def hung_redis():
    with hung_server() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=["refused", "hung"])
def broken_redis(request, settings):
    """Sessions and the cache in a Redis that refuses connections, or that hangs."""
    with hung_redis() if request.param == "hung" else refused_redis() as url:
        settings.REDIS_URL = url
        settings.CACHES = {"default": redis_cache(url)}
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        yield request.param


@contextmanager
def database_down():
    """Every query of this thread fails as it does when the database can't be reached."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        yield


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.django_db
class TestRedisDownOrHung:
    @pytest.fixture
    def milestone(self):
        return TrackMilestoneFactory(milestone__title="Ship a model behind an API").milestone

    def test_a_learners_roadmap_is_served_from_the_database(
        self, broken_redis, client, user, milestone
    ):
        client.force_login(user)
        client.get("/")  # the roadmap's content is read once per process, whatever Redis does
        response, took = timed(lambda: client.get("/"))
        assert response.status_code == 200
        assert "Ship a model behind an API" in response.text
        assert user.username in response.text
        assert took < BOUND

    def test_a_tick_is_saved(self, broken_redis, client, user, milestone):
        client.force_login(user)
        client.get("/")
        url = reverse("roadmap:set_status", args=[milestone.slug])
        response, took = timed(lambda: client.post(url, {"status": "done"}, **HTMX))
        assert response.status_code == 200
        assert Progress.objects.get(user=user, milestone=milestone).status == Status.DONE
        assert took < BOUND

    def test_a_learner_logs_in_and_out(self, broken_redis, client, user, milestone):
        credentials = {"username": user.username, "password": PASSWORD}
        response, took = timed(lambda: client.post(reverse("login"), credentials))
        assert response.status_code == 302
        assert took < 2 * BOUND  # hashing the password takes a few tenths of a second
        assert user.username in client.get("/").text
        session_key = client.cookies["sessionid"].value
        assert client.post(reverse("logout")).status_code == 302
        assert not Session.objects.filter(session_key=session_key).exists()
        assert "Log in" in client.get("/").text

    def test_readyz_says_the_cache_is_unavailable(self, broken_redis, client):
        response, took = timed(lambda: client.get("/readyz"))
        assert response.status_code == 503
        assert response.text == "cache unavailable\n"
        assert took < BOUND


@pytest.mark.django_db
def test_a_redis_outage_is_one_log_line_with_a_count(settings, client, user, logged, monkeypatch):
    with refused_redis() as url:
        settings.CACHES = {"default": redis_cache(url)}
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        client.force_login(user)
        for _ in range(5):
            assert client.get("/").status_code == 200
        assert len(logged) == 1
        assert "cache outage" in logged[0]
        assert "Traceback" not in logged[0]
        outage_filter = next(f for f in console_handler().filters if hasattr(f, "interval"))
        monkeypatch.setattr(outage_filter, "interval", 0)  # as if a minute had passed
        client.get("/")
    assert "cache outage" in logged[1]
    assert int(re.search(r"\((\d+) more since the last line", logged[1])[1]) >= 4


@pytest.mark.django_db
def test_readyz_answers_ok_when_the_database_and_redis_answer(settings, client):
    settings.REDIS_URL = REDIS_URL
    settings.CACHES = {"default": redis_cache(REDIS_URL)}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.text == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "error", [InterfaceError("connection already closed"), DatabaseError("file is not a database")]
)
def test_readyz_names_the_database_whatever_error_it_gives(client, monkeypatch, error):
    class Broken:
        def cursor(self):
            raise error

    monkeypatch.setattr(outages, "connection", Broken())
    response = client.get("/readyz")
    assert (response.status_code, response.text) == (503, "database unavailable\n")


@pytest.mark.django_db
def test_readyz_answers_a_load_balancer_over_plain_http(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/readyz")
    assert (response.status_code, response.text) == (200, "ok")
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_the_visitors_roadmap_is_served_from_memory_while_the_database_is_down(
    client, roadmap, monkeypatch
):
    assert client.get("/").status_code == 200  # this process has read the roadmap's content
    monkeypatch.setattr(snapshot, "REVISION_TTL", 0)  # the revision is due to be checked again
    with database_down():
        response = client.get("/")
    assert response.status_code == 200
    assert "Build a Strong Portfolio" in response.text
    assert "Sign up" in response.text


@pytest.mark.django_db
def test_a_bug_keeps_its_traceback_every_time(client, logged, monkeypatch):
    def broken(revision):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(snapshot, "build", broken)
    client.raise_request_exception = False
    for _ in range(2):
        assert client.get("/").status_code == 500
    assert len(logged) == 2
    assert all("Traceback" in line and "ZeroDivisionError: a bug" in line for line in logged)


@pytest.mark.django_db
def test_a_deadlock_is_an_error_with_its_traceback_not_an_outage(
    learner_client, logged, monkeypatch
):
    """PostgreSQL answered, and refused this request's statement: a 500 to look into."""

    class DeadlockDetected(Exception):  # as psycopg raises it
        sqlstate = "40P01"

    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected") from DeadlockDetected()

    monkeypatch.setattr(Progress.objects, "own", deadlock)
    learner_client.raise_request_exception = False
    response = learner_client.get(reverse("roadmap:dashboard"))
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert len(logged) == 1
    assert "Traceback" in logged[0] and "database outage" not in logged[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "code", "outage"),
    [
        ("OperationalError", 1, False),  # SQLITE_ERROR: "Expression tree is too large"
        ("OperationalError", None, False),  # Python's own: "Could not decode to UTF-8"
        ("OperationalError", 5, True),  # SQLITE_BUSY
        ("OperationalError", 14, True),  # SQLITE_CANTOPEN
        ("DatabaseError", 26, True),  # SQLITE_NOTADB: the file is not a database
        ("DatabaseError", 11 | (1 << 8), True),  # SQLITE_CORRUPT_VTAB, an extended code
    ],
)
def test_sqlites_own_errors_are_errors_and_only_an_unusable_file_is_an_outage(
    learner_client, logged, monkeypatch, kind, code, outage
):
    """SQLite gives no SQLSTATE: its error code tells a statement it refused from a database
    file that can't be used (busy, unopenable, not a database). Django raises its own error of
    the same name as the driver's."""
    cause = getattr(sqlite3, kind)("the database said no")
    if code is not None:
        cause.sqlite_errorcode = code

    def fail(*args, **kwargs):
        raise getattr(django.db, kind)(str(cause)) from cause

    monkeypatch.setattr(Progress.objects, "own", fail)
    learner_client.raise_request_exception = False
    response = learner_client.get(reverse("roadmap:dashboard"))
    assert response.status_code == (503 if outage else 500)
    assert ("Retry-After" in response) is outage
    assert len(logged) == 1
    assert ("database outage" in logged[0]) is outage
    assert ("Traceback" in logged[0]) is not outage


SESSION = {"sessionid": "a" * 32}
REQUESTS = {
    "roadmap": {"path": "/"},
    "dashboard": {"path": "/dashboard/", "cookies": SESSION},
    "tick": {
        "method": "POST",
        "path": "/milestones/ship-it/status/",
        "data": "status=done",
        "headers": {"HX-Request": "true"},
        "cookies": SESSION,
    },
    "details": {
        "path": "/milestones/ship-it/details/",
        "headers": {"HX-Request": "true"},
        "cookies": SESSION,
    },
    "missing": {"path": "/no-such-page/", "cookies": SESSION},
    "healthz": {"path": "/healthz"},
    "readyz": {"path": "/readyz"},
    "login": {"path": "/accounts/login/"},
}


def answers_with_database_at(port, requests, **extra_env):
    """The answers to `requests` from a process whose PostgreSQL is at `port`, and its log."""
    env = {
        **os.environ,
        **extra_env,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/next_steps",
        "SECRET_KEY": "test-only",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.database_down"],
        input=json.dumps(requests),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.fixture(scope="module")
def answered():
    """REQUESTS' answers from a process whose database refuses connections, and its log."""
    answers, log = answers_with_database_at(closed_port(), list(REQUESTS.values()))
    return dict(zip(REQUESTS, answers, strict=True)), log


def test_a_database_that_never_answers_fails_a_request_within_the_connect_timeout():
    """A host that takes the connection and says nothing (a frozen server, a lost network
    path): readiness and pages answer 503 after DB_CONNECT_TIMEOUT, not when the host lets go."""
    with hung_server() as port:
        answers, _ = answers_with_database_at(
            port, [REQUESTS["readyz"], REQUESTS["dashboard"]], DB_CONNECT_TIMEOUT="1"
        )
    readyz, page = answers
    assert readyz["status"] == 503
    assert "database unavailable" in readyz["body"]
    assert page["status"] == 503
    assert "Briefly unavailable" in page["body"]
    # Each waited about a second per connection attempt; the server holds one for HANG seconds.
    assert readyz["seconds"] < HANG - 2
    assert page["seconds"] < HANG - 2


class TestDatabaseRefusingConnections:
    """A process whose database refuses connections, from its first request on."""

    def test_a_page_is_the_apps_own_503_page(self, answered):
        page = answered[0]["roadmap"]
        assert page["status"] == 503
        assert page["headers"]["Retry-After"] == "10"
        assert page["headers"]["Content-Type"].startswith("text/html")
        assert "Briefly unavailable" in page["body"]
        assert "Nothing you saved is lost" in page["body"]
        assert 'href="/static/css/app.css"' in page["body"]
        assert 'href="/"' in page["body"]

    def test_a_learner_is_told_so_and_stays_logged_in(self, answered):
        page = answered[0]["dashboard"]
        assert page["status"] == 503
        assert "Briefly unavailable" in page["body"]
        assert "sessionid" not in page["cookies"]

    def test_a_learner_asking_for_a_page_that_isnt_there_is_told_so_too(self, answered):
        """The 404 page's header asks for the learner: it was a 500 ("Something went
        wrong"), as Django's 404 handler raised the database error."""
        page = answered[0]["missing"]
        assert page["status"] == 503
        assert page["headers"]["Retry-After"] == "10"
        assert "Briefly unavailable" in page["body"]

    def test_an_htmx_tick_gets_a_short_text_the_page_shows(self, answered):
        tick = answered[0]["tick"]
        assert tick["status"] == 503
        assert tick["headers"]["Content-Type"] == "text/plain; charset=utf-8"
        assert tick["headers"]["Retry-After"] == "10"
        assert tick["body"] == NOT_SAVED
        assert "may not have been saved" in tick["body"]

    def test_an_htmx_read_gets_a_short_text_too(self, answered):
        form = answered[0]["details"]
        assert form["status"] == 503
        assert form["headers"]["Content-Type"] == "text/plain; charset=utf-8"
        assert form["body"] == UNAVAILABLE

    def test_healthz_says_the_process_is_alive_and_readyz_that_it_is_not_ready(self, answered):
        assert (answered[0]["healthz"]["status"], answered[0]["healthz"]["body"]) == (200, "ok")
        readyz = answered[0]["readyz"]
        assert (readyz["status"], readyz["body"]) == (503, "database unavailable\n")

    def test_the_login_page_still_answers(self, answered):
        assert answered[0]["login"]["status"] == 200

    def test_the_outage_is_one_log_line(self, answered):
        log = answered[1]
        assert "Traceback" not in log
        assert "Service Unavailable" not in log  # the 503s are the outage's, logged as such
        outage = [line for line in log.splitlines() if "outage" in line]
        assert len(outage) == 1, log
        assert "database outage" in outage[0]
        assert "Connection refused" in outage[0]


@pytest.mark.django_db
@pytest.mark.parametrize("with_mark", [False, True])
def test_an_htmx_tick_from_a_learners_page_during_an_outage_is_a_503(client, user, with_mark):
    """A learner's page sends the mark of its account with each htmx request: checking it was
    the request's first read of the session and the user, before any view, and an unreachable
    database there was a bare 500."""
    milestone = TrackMilestoneFactory().milestone
    client.force_login(user)
    (mark,) = re.findall(r'"X-Account": "(\w+)"', client.get("/").text)
    headers = {"HX-Request": "true"} | ({"X-Account": mark} if with_mark else {})
    client.raise_request_exception = False
    with database_down():
        response = client.post(
            reverse("roadmap:set_status", args=[milestone.slug]),
            {"status": "done"},
            headers=headers,
        )
    assert response.status_code == 503
    assert response.text == NOT_SAVED
