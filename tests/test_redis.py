"""With REDIS_URL set, the cache and sessions use Redis; without it, nothing needs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client
from django_redis import get_redis_connection

from config.settings import redis_cache

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db


def test_redis_url_switches_the_cache_and_sessions_to_redis():
    env = {**os.environ, "REDIS_URL": REDIS_URL, "SECRET_KEY": "x" * 60}
    result = subprocess.run(
        [sys.executable, "manage.py", "diffsettings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "'BACKEND': 'django_redis.cache.RedisCache'" in result.stdout
    assert "'IGNORE_EXCEPTIONS': True" in result.stdout
    assert "'SOCKET_TIMEOUT': 0.1" in result.stdout
    assert "SESSION_ENGINE = 'django.contrib.sessions.backends.cached_db'" in result.stdout


@pytest.fixture
def redis_settings(settings):
    settings.CACHES = {"default": redis_cache(REDIS_URL)}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_a_learners_session_lives_in_redis_and_in_the_database(redis_settings, user, roadmap):
    from django.contrib.sessions.models import Session

    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Your progress" in response.text
    keys = get_redis_connection("default").keys("*")
    assert any(b"django.contrib.sessions.cached_db" in key for key in keys)
    assert Session.objects.filter(session_key=client.session.session_key).exists()
