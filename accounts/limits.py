"""How often one client may sign up or ask for password-reset mail: counted per hour in Django's
cache (shared by every process and server with REDIS_URL, else per process; not while Redis is
down).

The client's address is read by django-ipware as configured for django-axes (AXES_PROXY_COUNT),
which counts failed logins by the same function, so a client can't pass for another by writing an
X-Forwarded-For header.
"""

import hashlib
import ipaddress
import time
import unicodedata

from axes.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from ipware.ip import get_client_ip

HOUR = 3600


def client_address(request):
    """The client as the lockout and the limits count it (AXES_CLIENT_IP_CALLABLE): its IPv4
    address, or the /64 network of its IPv6 one, written as the network's first address (a client
    usually holds a whole /64, and could use a new address for every try)."""
    address, _ = get_client_ip(
        request,
        proxy_order=settings.AXES_IPWARE_PROXY_ORDER,
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
        proxy_trusted_ips=settings.AXES_IPWARE_PROXY_TRUSTED_IPS,
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    )
    if not address:  # no REMOTE_ADDR (gunicorn on a unix socket): django-axes stores none
        return None
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ip.ipv4_mapped or ipaddress.ip_network((ip, 64), strict=False).network_address)
    return address


def login_username(request, credentials):
    """The username a failed login counts against (AXES_USERNAME_CALLABLE): the account's own,
    whatever the case it was typed in (UserManager.get_by_natural_key), so that "Ada" and "ADA"
    aren't five guesses more each at ada's password. A name no account has is counted in lower
    case, so that it locks as soon as an account's would: counted as typed, its spellings got
    more tries, which told that no account has it."""
    typed = (credentials or request.POST).get("username") or ""
    try:
        return get_user_model().objects.get_by_natural_key(typed).username
    except get_user_model().DoesNotExist:
        return typed.lower()


def mail_over_limit(address):
    """Count one more mail to `address` (a password reset, the notice of a new address) in this
    clock hour, whoever asks; True once there were more than PASSWORD_RESET_MAILS_PER_ADDRESS.
    The address is folded as Django's reset form matches it to accounts (to it a long s, U+017F,
    is an "s"), so one mailbox is counted once however it is written."""
    folded = unicodedata.normalize("NFKC", address).casefold()
    return over_limit("mail", folded, settings.PASSWORD_RESET_MAILS_PER_ADDRESS)


def over_limit(scope, key, per_hour):
    """Count one more `scope` (a sign-up, a reset request) by `key` (a client or email address)
    in this clock hour; True once there were more than `per_hour`."""
    digest = hashlib.sha256((key or "unknown").encode()).hexdigest()
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
