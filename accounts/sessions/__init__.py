"""Session engines: Django's database and cached-database engines on `accounts.Session`, a
session row that names its user, read with that user in one compiled-once query
(config.prepared).

Every logged-in request reads its session and then its user: two queries through the ORM cost
about 350 µs of CPU for two statements of about 12 µs each on SQLite, and two round trips on
PostgreSQL. Here the session row and its user's row come back together; the user is handed to
the authentication backend (accounts.backends) for this request only, through
`accounts.middleware.AuthenticationMiddleware`, and goes through every check Django makes
(active account, password-change invalidation). An app may have the user's rows of one relation
come back with them too (read_with_session: roadmap, the learner's progress). Writes go through
Django's own code.
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


# The rows of one relation of the user that an app reads on every logged-in request, read with
# the session instead (see read_with_session): the related name and the columns.
_read_with_session = {"relation": None, "columns": ()}


def read_with_session(relation, columns):
    """Have every session read also bring the user's rows of `relation` (a related name on the
    user model), these `columns` of each, the first of which is never NULL: one round trip
    fewer for an app that reads them on every logged-in request. Call once, from an
    AppConfig.ready(), before any session is read; `take_rows_read_with_session` gives them."""
    if _by_key.compiled:
        raise RuntimeError("Sessions have been read already: call read_with_session at startup")
    _read_with_session.update(relation=relation, columns=tuple(columns))


def take_rows_read_with_session(user):
    """The rows read with this request's session (read_with_session), if they are `user`'s, as
    a list of tuples, once: None outside a request, for another user, for a session that came
    from the cache, on a second call, and after drop_rows_read_with_session()."""
    store = current_store.get()
    preloaded = getattr(store, "preloaded_user", None)
    if preloaded is None or preloaded.pk != user.pk:
        return None
    rows, store.preloaded_rows = store.preloaded_rows, None
    return rows


def drop_rows_read_with_session():
    """Forget this request's rows read with its session: called by whatever writes them, so
    that a read after the write goes to the database."""
    store = current_store.get()
    if store is not None:
        store.preloaded_rows = None


def _session_with_user(session_key):
    from accounts.models import Session

    relation, columns = _read_with_session["relation"], _read_with_session["columns"]
    return Session.objects.filter(session_key=session_key).values_list(
        "session_data",
        "expire_date",
        *[f"user__{name}" for name in _user_fields()],
        *[f"user__{relation}__{column}" for column in columns],
    )


_by_key = Prepared(_session_with_user, session_key="\x00session-key-placeholder")


class PreparedRead:
    """Mixed into Django's db.SessionStore (and so cached_db's)."""

    preloaded_user = None
    preloaded_rows = None

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
            end = 2 + len(_user_fields())
            session_data, expire_date, *user = found[0][:end]
            if user[0] is not None:
                self.preloaded_user = get_user_model().from_db("default", _user_fields(), user)
                if _read_with_session["relation"]:
                    # One answer row per related row, or one with NULLs when there is none.
                    self.preloaded_rows = [row[end:] for row in found if row[end] is not None]
            return self.model(session_key=key, session_data=session_data, expire_date=expire_date)
        self._session_key = None
        return None
