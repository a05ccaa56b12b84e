"""SESSION_ENGINE: the cache, written through to the database (see accounts.sessions)."""

from django.contrib.sessions.backends import cached_db

from . import PreparedRead


class SessionStore(PreparedRead, cached_db.SessionStore):
    pass
