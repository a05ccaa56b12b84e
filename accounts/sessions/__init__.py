"""Session engines: Django's database and cached-database engines, reading the session row through
a compiled-once statement (config.prepared) instead of building an ORM query on every request.

Every logged-in request reads its session; the ORM's `objects.get()` cost about 190 µs of CPU
for a 12 µs statement. Writes (log in, log out, changes) still go through Django's own code.
"""

import re

from django.contrib.sessions.models import Session
from django.utils import timezone

from config.prepared import Prepared

_by_key = Prepared(
    lambda session_key: Session.objects.filter(session_key=session_key),
    session_key="\x00session-key-placeholder",
)


# What Django's session keys are made of; anything else in a cookie names no session (and a NUL
# would make PostgreSQL refuse the query).
KEY = re.compile(r"[a-z0-9]+")


class PreparedRead:
    """Overrides `_get_session_from_db` of Django's db.SessionStore (and so cached_db's)."""

    def _get_session_from_db(self):
        # An expired row counts as missing, as in Django's own `expire_date__gt=now` lookup.
        key = self.session_key
        found = _by_key.run(session_key=key) if key and KEY.fullmatch(key) else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
