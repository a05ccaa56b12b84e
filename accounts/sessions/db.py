"""SESSION_ENGINE: sessions in the database (see accounts.sessions)."""

from django.contrib.sessions.backends import db

from . import PreparedRead


class SessionStore(PreparedRead, db.SessionStore):
    pass
