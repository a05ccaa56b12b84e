import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "PATH": os.environ["PATH"],
    "SECRET_KEY": "x7#kPq!2vL9@wZ4^mN8&rT1*yB6%cF3$hJ5(dG0)sA_eU+iO=lK-pQ",
    "ALLOWED_HOSTS": "nextsteps.example.com",
    "DATABASE_URL": "sqlite:////tmp/next-steps-check.sqlite3",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_in_production_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage("diffsettings", "--all", env=PRODUCTION)
    assert "DEBUG = False" in result.stdout
    for line in (
        "SESSION_COOKIE_SECURE = True",
        "CSRF_COOKIE_SECURE = True",
        "SESSION_COOKIE_HTTPONLY = True",
        "SECURE_SSL_REDIRECT = True",
        "SECURE_HSTS_SECONDS = 31536000",
    ):
        assert line in result.stdout
    # The scheme is gunicorn's to say, believing only FORWARDED_ALLOW_IPS (tests/test_serving.py):
    # this would believe any client's X-Forwarded-Proto.
    assert "SECURE_PROXY_SSL_HEADER = None" in result.stdout


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_session(django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
    assert "sessionid" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_production_static_urls_are_hashed(tmp_path, settings):
    import re

    from django.core.management import call_command
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    storage = CompressedManifestStaticFilesStorage()
    url = storage.url("css/app.css")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url)
    assert (tmp_path / url.removeprefix("/static/")).is_file()
    with pytest.raises(ValueError):
        storage.url("css/missing.css")


def test_production_uses_djangos_own_database_backend_and_sessions():
    env = {**PRODUCTION, "DATABASE_URL": "postgres://next_steps@db.internal:5432/next_steps"}
    result = manage("diffsettings", env=env)
    assert result.returncode == 0, result.stderr
    assert "'ENGINE': 'django.db.backends.postgresql'" in result.stdout
    assert "SESSION_ENGINE" not in result.stdout  # Django's default, the database
    assert "django.contrib.auth.middleware.AuthenticationMiddleware" in result.stdout
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in result.stdout


def test_an_open_database_connection_that_goes_unanswered_fails_after_the_connect_timeout():
    """Only a new connection had a timeout: on one kept open (CONN_MAX_AGE), a database host
    gone silent (a lost network path) held every request for the kernel's retransmissions,
    about 15 minutes. libpq's tcp_user_timeout, in milliseconds, closes it after as long as a
    connection may take."""
    env = {**PRODUCTION, "DATABASE_URL": "postgres://next_steps@db.internal:5432/next_steps"}
    result = manage("diffsettings", env={**env, "DB_CONNECT_TIMEOUT": "5"})
    assert result.returncode == 0, result.stderr
    assert "'OPTIONS': {'connect_timeout': 5, 'tcp_user_timeout': 5000}" in result.stdout


def test_options_in_the_database_url_are_kept():
    url = "postgres://next_steps@db.internal:5432/next_steps?sslmode=require"
    result = manage("diffsettings", env={**PRODUCTION, "DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "'sslmode': 'require'" in result.stdout


@pytest.mark.django_db
def test_a_server_error_is_the_apps_own_page_with_a_way_back(client, monkeypatch):
    from roadmap import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "get_snapshot", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
    assert '<a href="/">Back to the roadmap</a>' in response.text
    assert 'rel="stylesheet"' in response.text
