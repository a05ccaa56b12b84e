"""Session engines: Django's database and cached-database engines on `accounts.Session`, a
session row that names its user, read with that user in one compiled-once query
(config.prepared).

Every logged-in request reads its session and then its user: two queries through the ORM cost
about 350 µs of CPU for two statements of about 12 µs each on SQLite, and two round trips on
PostgreSQL. Here the session row and its user's row come back together; the user is handed to
the authentication backend (accounts.backends) for this request only, through
`accounts.middleware.AuthenticationMiddleware`, and goes through every check Django makes
(active account, password-change invalidation). Writes go through Django's own code.
"""

import functools
import re
from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils import timezone

from config.prepared import Prepared

# What Django's session keys are made of; anything else in a cookie names no session (and a NUL
# would make PostgreSQL refuse the query).
KEY = re.compile(r"[a-z0-9]+")

# The session store of the request being handled (set by accounts.middleware).
current_store = ContextVar("current_session_store", default=None)


@functools.cache
def _user_fields():
    """The user model's columns, as read with the session (worked out once, not per request)."""
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _session_with_user(session_key):
    from accounts.models import Session

    return Session.objects.filter(session_key=session_key).values_list(
        "session_data", "expire_date", *[f"user__{name}" for name in _user_fields()]
    )


_by_key = Prepared(_session_with_user, session_key="\x00session-key-placeholder")


class PreparedRead:
    """Mixed into Django's db.SessionStore (and so cached_db's)."""

    preloaded_user = None

    @classmethod
    def get_model_class(cls):
        from accounts.models import Session

        return Session

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            row.user_id = None
        return row

    def _get_session_from_db(self):
        # An expired row counts as missing, as in Django's own `expire_date__gt=now` lookup.
        key = self.session_key
        found = _by_key.run(session_key=key) if key and KEY.fullmatch(key) else []
        if found and found[0][1] > timezone.now():
            session_data, expire_date, *user = found[0]
            if user[0] is not None:
                self.preloaded_user = get_user_model().from_db("default", _user_fields(), user)
            return self.model(session_key=key, session_data=session_data, expire_date=expire_date)
        self._session_key = None
        return None
