"""Settings for Next Steps. Every deploy-time value comes from the environment.

Defaults are production-safe: DEBUG is off and SECRET_KEY must be given unless DEBUG is on.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Set the SECRET_KEY environment variable "
            "to a long random string, or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts",
    "roadmap",
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PrivateWhenPersonalMiddleware",
    "config.middleware.SessionCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.UnreadableFormMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.OtherAccountMiddleware",
    "accounts.middleware.HtmxLoginRedirectMiddleware",
    "accounts.middleware.DeletedAccountMiddleware",
    "accounts.middleware.TimeZoneMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.outages.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "config.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that accepts connections and never answers fails a request (503) after
    # this many seconds instead of holding the worker until gunicorn's timeout; so does one that
    # stops acknowledging what is sent on a connection kept open (a lost network path), instead
    # of after the kernel's retransmissions, about 15 minutes (libpq's tcp_user_timeout, in ms).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3))
    options.setdefault("tcp_user_timeout", int(options["connect_timeout"]) * 1000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN, so two
    # concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    # A file, not shared-cache memory, so that tests with threads lock the way production does;
    # one per test process, so that test runs side by side don't share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"next-steps-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "roadmap:index"
LOGOUT_REDIRECT_URL = "roadmap:index"

TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False  # English only: no translation lookups on every date and message

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Redis is a cache that can fail: an answer slower than REDIS_TIMEOUT (or none) counts as a miss,
# never an error, so a Redis that is down or hung costs speed, not availability. Sessions are read
# from Redis and written through to the database, so that a Redis restart logs nobody out and a
# Redis outage falls back to the database. Without a shared cache, sessions stay in the database
# alone: a cache per process would keep a logged-out session alive in the other processes.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "") or 0.1)


def redis_cache(url):
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            "IGNORE_EXCEPTIONS": True,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True  # counted, one line per outage: config/outages.py
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Email: the console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Next Steps <noreply@localhost>")

# Security: production-safe unless DEBUG is on (with Django's own defaults: nosniff,
# same-origin referrers, X-Frame-Options DENY, HttpOnly session cookie).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Whether a request came over https is the server's to say (request.is_secure() reads the WSGI
# scheme): `make serve`'s gunicorn believes X-Forwarded-Proto from FORWARDED_ALLOW_IPS only
# (config/gunicorn.conf.py). SECURE_PROXY_SSL_HEADER would believe it from any client.

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# django-axes: lock a username from one address, for a while, not an address forever. A password
# asked again of a logged-in learner (password change, account deletion) counts as a login.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = [
    "old_password",
    "new_password1",
    "new_password2",
    "csrfmiddlewaretoken",
]

# The client's address, for the lockout and the rate limits (django-ipware, as django-axes reads
# it). Each of the AXES_PROXY_COUNT proxies in front appends the address it got the request from
# to X-Forwarded-For, so the client's is that many places from the right: whatever stands left of
# it, the client wrote. Without a proxy, only the connection's own address counts.
proxy_count = env_int("AXES_PROXY_COUNT", 0)
if proxy_count:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = proxy_count - 1  # the proxies named in the header: not the last
    IPWARE_STRICT = False  # more addresses than proxies: the client's own X-Forwarded-For
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# An IPv6 client is counted by its /64 network (accounts/limits.py).
AXES_CLIENT_IP_CALLABLE = "accounts.limits.client_address"
AXES_USERNAME_CALLABLE = "accounts.limits.login_username"  # in any case: the account's

# How much of what people do is kept, and for how long; how often one client may sign up or ask
# for password-reset mail (per hour, in the cache: shared by every process with REDIS_URL).
LOGIN_HISTORY_DAYS = env_int("LOGIN_HISTORY_DAYS", 30)
AXES_DISABLE_ACCESS_LOG = LOGIN_HISTORY_DAYS == 0
SIGNUPS_PER_HOUR = env_int("SIGNUPS_PER_HOUR", 10)
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 10)
PASSWORD_RESET_MAILS_PER_ADDRESS = 3  # per hour, to one email address, from anyone

# Served under a path prefix (https://example.com/next-steps/): the proxy takes the prefix off and
# the app puts it in front of every URL it makes. No request header can set one
# (config/gunicorn.conf.py).
FORCE_SCRIPT_NAME = os.environ.get("FORCE_SCRIPT_NAME") or None

# Browser features the app never uses, refused to every page (config/middleware.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # An outage is one line per kind and minute, with a count, not a traceback per request; a
    # request refused with a 4xx (another Host, a page an editor may not open) is its line.
    "filters": {
        "outages": {"()": "config.outages.OutageFilter", "interval": 60},
        "one_line": {"()": "config.outages.OneLine"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["outages", "one_line"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "propagate": False},  # not Django's too
    },
}
