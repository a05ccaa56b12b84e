"""gunicorn's settings for `make serve` and the benchmark: what it believes of a request's headers.

Only a proxy at an address in FORWARDED_ALLOW_IPS (default 127.0.0.1, the proxy on this machine)
may say that a request came over https (X-Forwarded-Proto). No client, and no proxy, can set the
script prefix or the path through a header (gunicorn's SCRIPT_NAME and PATH_INFO headers): the
URLs the app makes, and the ones it keeps for everyone, are under FORCE_SCRIPT_NAME alone.
"""

import os

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
forwarder_headers = ""
# gunicorn takes a SCRIPT_NAME from its environment too, and answers a request for any path
# outside it with a bare 500: the app's prefix is FORCE_SCRIPT_NAME, with the proxy taking it off.
raw_env = ["SCRIPT_NAME="]
