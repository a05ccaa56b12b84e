"""The PostgreSQL backend's health check (config/postgresql): a connection reused by the next
request costs no `SELECT 1` while the server is quiet, and one the server ended is replaced
before the request uses it. PostgreSQL only: CI runs the suite on SQLite and on PostgreSQL."""

import time

import psycopg
import pytest
from django.db import close_old_connections, connection, connections

from accounts.models import User
from config.postgresql.base import server_has_spoken

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL backend"),
    # Outside a test transaction: a request starts with an idle connection.
    pytest.mark.django_db(transaction=True),
]


def next_request():
    """What Django does when a request starts: close_old_connections (request_started)."""
    close_old_connections()


@pytest.fixture
def usable_checks(monkeypatch):
    """Every `SELECT 1` health check Django runs on the connection."""
    calls = []
    original = type(connections["default"]).is_usable

    def is_usable(self):
        calls.append(self.connection.info.backend_pid)
        return original(self)

    monkeypatch.setattr(type(connections["default"]), "is_usable", is_usable)
    return calls


def test_a_quiet_connection_is_reused_without_a_round_trip(usable_checks):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    for _ in range(3):
        next_request()
        assert User.objects.count() == 0
    assert connection.connection.info.backend_pid == pid  # the same connection, reused
    assert usable_checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(usable_checks):
    connection.ensure_connection()
    ended = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    keys = ("dbname", "user", "password", "host", "port")
    with psycopg.connect(**{key: params[key] for key in keys if params.get(key)}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [ended])
    deadline = time.monotonic() + 5
    while not server_has_spoken(connection.connection) and time.monotonic() < deadline:
        time.sleep(0.01)

    next_request()
    assert User.objects.count() == 0  # no "terminating connection" error reaches the page
    assert connection.connection.info.backend_pid != ended
    assert usable_checks == [ended]  # the server spoke, so Django's SELECT 1 looked


def test_a_connection_inside_a_transaction_is_not_taken_for_quiet():
    connection.ensure_connection()
    assert not server_has_spoken(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            assert server_has_spoken(connection.connection)
        finally:
            cursor.execute("ROLLBACK")
