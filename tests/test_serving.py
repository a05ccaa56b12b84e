"""`make serve`'s gunicorn, run on 127.0.0.1 as the Makefile starts it: what it believes of a
request's forwarded headers. Only the proxy may say a request came over https, and nobody, not
even the proxy, sets the script prefix that every link is made under."""

import http.client
import os
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_command(port):
    """The gunicorn command line of `make serve`, on `port` with one worker."""
    printed = subprocess.run(
        [shutil.which("make"), "-n", "serve", f"BIND=127.0.0.1:{port}", "WEB_CONCURRENCY=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    command = printed[printed.index(".venv/bin/gunicorn") :].replace("\\\n", " ")
    return shlex.split(command.splitlines()[0])


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def start(roadmap, tmp_path):
    """Start `make serve`'s gunicorn with these environment variables; return its port."""
    servers = []

    def start(**env):
        port = free_port()
        log = open(tmp_path / f"gunicorn-{port}.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            serve_command(port),
            cwd=ROOT,
            env={
                "PATH": os.environ["PATH"],
                "DEBUG": "1",  # static files from the source folders: no collectstatic needed
                "SECRET_KEY": "test-only",
                "ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": database_url(),
                "SECURE_SSL_REDIRECT": "1",
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append((server, log))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert server.poll() is None, Path(log.name).read_text()
            try:
                if get(port, "/healthz", {"X-Forwarded-Proto": "https"})[0] == 200:
                    return port
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 30 s")

    yield start
    for server, log in servers:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def get(port, path, headers, source="127.0.0.1"):
    """(status, headers, body) of a GET sent from the address `source`."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        client.close()


HTTPS = {"X-Forwarded-Proto": "https"}


def test_no_header_sets_the_script_prefix_of_anyones_links(start):
    port = start(SCRIPT_NAME="/set-in-the-environment")
    status, _, page = get(port, "/", {**HTTPS, "SCRIPT_NAME": "/evil"})
    assert status == 200
    assert "/evil" not in page
    assert 'href="/accounts/signup/?next=/%3Ftrack%3Dall%23explore-public-datasets"' in page
    status, _, page = get(port, "/", HTTPS)
    assert "/evil" not in page
    assert "/set-in-the-environment" not in page
    # A path outside the prefix a header names was a bare 500 from gunicorn.
    for path, expected in (("/evil/", 404), ("/evil/accounts/login/", 404), ("/healthz", 200)):
        status, headers, _ = get(port, path, {**HTTPS, "SCRIPT_NAME": "/evil"})
        assert status == expected
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_only_the_proxy_address_may_say_a_request_came_over_https(start):
    port = start()
    assert get(port, "/", HTTPS, source="127.0.0.1")[0] == 200
    status, headers, _ = get(port, "/", HTTPS, source="127.0.0.2")
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_the_proxy_addresses_are_configured_with_forwarded_allow_ips(start):
    port = start(FORWARDED_ALLOW_IPS="127.0.0.2,127.0.0.3")
    assert get(port, "/", HTTPS, source="127.0.0.2")[0] == 200
    assert get(port, "/", HTTPS, source="127.0.0.1")[0] == 301


def test_a_request_for_another_host_is_a_400_and_one_line_in_the_log(start, tmp_path):
    """Anyone can send one: a traceback each buried the log. The line says which host, what a
    deployment that forgot one in ALLOWED_HOSTS needs to know."""
    port = start()
    assert get(port, "/", {**HTTPS, "Host": "evil.example"})[0] == 400
    assert get(port, "/healthz", HTTPS)[0] == 200  # the 400's lines are written by now
    log = (tmp_path / f"gunicorn-{port}.log").read_text()
    assert '"GET / HTTP/1.1" 400' in log
    assert "Invalid HTTP_HOST header: 'evil.example'" in log
    assert "Traceback" not in log


def test_the_icon_a_browser_asks_for_on_its_own_is_the_sites(client):
    """A browser showing the feed or a badge asks for /favicon.ico: a 404 in the log each time."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/img/favicon")
    assert response["Location"].endswith(".svg")
