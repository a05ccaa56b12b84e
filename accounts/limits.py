"""How often one client may sign up or ask for password-reset mail: counted per hour in Django's
cache (shared by every process and server with REDIS_URL, else per process; not while Redis is
down).

The client's address is read as django-axes reads it for the login lockout (django-ipware and
AXES_PROXY_COUNT), so a client can't pass for another by writing an X-Forwarded-For header.
"""

import hashlib
import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache

HOUR = 3600


def client_address(request):
    return get_client_ip_address(request) or "unknown"


def over_limit(scope, key, per_hour):
    """Count one more `scope` (a sign-up, a reset request) by `key` (a client or email address)
    in this clock hour; True once there were more than `per_hour`."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    name = f"limit:{scope}:{digest}:{int(time.time()) // HOUR}"
    if cache.add(name, 1, HOUR):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # evicted between the two calls
            cache.add(name, 1, HOUR)
            count = 1
    # While Redis can't be reached the cache answers nothing (its errors are taken as misses):
    # nothing is counted then, rather than everyone refused.
    return count is not None and count > per_hour
