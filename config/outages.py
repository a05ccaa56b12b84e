"""What the app does while its database or Redis can't be reached.

A page that needs the database answers 503 with a page of the app's own (an htmx request gets a
short text the page shows), `/readyz` tells a load balancer whether this server can reach what it
needs, and an outage is logged as one line per kind and interval, with a count, instead of a
traceback per request. Redis errors never reach a request: the cache ignores them (settings.py).
"""

import logging
import sqlite3
import threading
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_redis import get_redis_connection
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

DATABASE_ERRORS = (DatabaseError, InterfaceError)  # unreachable, or a file that is no database
CACHE_ERRORS = (ConnectionInterrupted, RedisError)
# SQLite's BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL and NOTADB.
SQLITE_OUTAGES = {5, 6, 8, 10, 11, 13, 14, 15, 26}
RETRY_AFTER = 10  # seconds: a database restart takes a few
UNAVAILABLE = (
    "The service is briefly unavailable. Nothing you saved is lost: try again in a moment."
)
NOT_SAVED = (
    "The service is briefly unavailable, so your last change may not have been saved. Nothing you "
    "saved before is lost: reload the page in a moment to check."
)

logger = logging.getLogger(__name__)


def is_outage(error):
    """Whether a database error means the database can't be reached, rather than being this
    request's own: a deadlock, a lock or statement timeout keep their 500 and traceback.
    The driver's error (Django's `__cause__`) tells them apart. PostgreSQL's SQLSTATE: none (the
    server never answered), class 08 (the connection) or 57P (shutting down, starting up).
    SQLite's error code: the file busy past the timeout, or one it can't open, read or write,
    or that is no database."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        # Its primary code; none when Python raised it, not SQLite ("Could not decode").
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in SQLITE_OUTAGES
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


class DatabaseUnavailableMiddleware:
    """A request that needed an unreachable database gets 503 and `Retry-After`, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        return unavailable(request, exception)


def page_not_found(request, exception):
    """Django's 404 page (handler404), whose header asks for the learner: while the database
    can't be reached, the 503 a page gets, not a 500 from the handler itself."""
    try:
        return defaults.page_not_found(request, exception)
    except DATABASE_ERRORS as error:
        return unavailable_or_raise(request, error)


def unavailable_or_raise(request, error):
    """The outage's answer to a database error caught outside a view (where the middleware
    doesn't see it); any other error goes on up."""
    if not is_outage(error):
        raise error
    return unavailable(request, error)


def unavailable(request, error):
    logger.error("Database unavailable", exc_info=error)
    if request.htmx:
        text = UNAVAILABLE if request.method in ("GET", "HEAD") else NOT_SAVED
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    else:  # rendered without the request: the page must not need the session or the user
        response = HttpResponse(render_to_string("503.html"))
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER)
    return response


@require_safe
@never_cache
def readyz(request):
    """503 while this server can't reach the database, or Redis when configured."""
    checks = {"database": database_answers}
    if settings.REDIS_URL:
        checks["cache"] = cache_answers
    down = [name for name, answers in checks.items() if not answers()]
    body = "".join(f"{name} unavailable\n" for name in down) or "ok"
    return HttpResponse(body, content_type="text/plain; charset=utf-8", status=503 if down else 200)


def database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS:
        logger.error("Readiness: database unavailable", exc_info=True)
        return False
    return True


def cache_answers():
    """Asks Redis itself: the cache would take an error for a miss. Within REDIS_TIMEOUT."""
    try:
        get_redis_connection("default").ping()
    except CACHE_ERRORS:
        logger.error("Readiness: cache unavailable", exc_info=True)
        return False
    return True


class OutageFilter(logging.Filter):
    """A logging filter: one line per kind of outage (database, cache) and interval, saying how
    many more were held back; every other record passes as it is, traceback and all.

    The 503 answers themselves aren't logged again: their cause is.
    """

    def __init__(self, interval=60):
        super().__init__()
        self.interval = interval
        self.lock = threading.Lock()
        self.last = {}  # kind -> (when its last line was let through, records held back since)

    def filter(self, record):
        if record.name == "django.request" and getattr(record, "status_code", None) == 503:
            return False
        error = record.exc_info[1] if record.exc_info else None
        if is_outage(error):
            kind = "database"
        elif isinstance(error, CACHE_ERRORS):
            kind = "cache"
        else:
            return True
        now = time.monotonic()
        with self.lock:
            shown, held = self.last.get(kind, (None, 0))
            if shown is not None and now - shown < self.interval:
                self.last[kind] = (shown, held + 1)
                return False
            self.last[kind] = (now, 0)
        message = record.getMessage()
        record.msg = "%s outage: %s: %s (%d more since the last line about it)"
        record.args = (kind, message, " ".join(str(error).split()), held)
        record.exc_info = record.exc_text = record.stack_info = None
        return True


class OneLine(logging.Filter):
    """A logging filter that drops the traceback of a request refused with a 4xx (another host,
    a page an editor may not open): any client can cause one, and its line says all there is to
    say. A server error keeps its traceback."""

    def filter(self, record):
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = record.exc_text = record.stack_info = None
        return True
