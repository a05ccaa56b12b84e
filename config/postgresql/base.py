"""Django's PostgreSQL backend, with a health check that needs no round trip while the server
is quiet.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request that
reuses a connection: one more round trip on every page. A server that ends a connection
(restart, failover, `idle_session_timeout`, `pg_terminate_backend`) sends the client an error
and closes the socket, so an idle connection whose socket has nothing to read is still open. Only
when the server has said something, or the socket can't be checked, does Django's `SELECT 1` run.
A connection lost without a word (a cable pulled, a firewall that forgot it) goes unnoticed
until the request's own query fails, where `SELECT 1` would have failed first and been replaced:
that request errs, and Django closes the connection when it ends. CONN_MAX_AGE (60 s by default)
replaces every connection long before a firewall's idle timeout (minutes) forgets it.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


def server_has_spoken(connection):
    """True when the idle psycopg `connection` has input waiting or is not plainly open."""
    if connection.closed or connection.info.transaction_status != pq.TransactionStatus.IDLE:
        return True
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            hasattr(select, "poll")
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and not server_has_spoken(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
