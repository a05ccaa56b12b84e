import logging
import os

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from config.outages import OutageFilter
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# inside one unless told that this process knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    from django.conf import settings

    # Hashed names need `collectstatic` first; the tests serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if os.environ.get("CHROMIUM_PATH"):
        args["executable_path"] = os.environ["CHROMIUM_PATH"]
    return args


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch):
    """Each test starts from its own database, so nothing rendered for another may be reused.

    The content revision is read again when a change says so (`content_changed`), not once a
    second: on a slow machine a second passed within a query budget and cost it a query.
    """
    from django.core.cache import cache

    from roadmap import snapshot
    from roadmap.snapshot import forget_revision

    monkeypatch.setattr(snapshot, "REVISION_TTL", 3600)
    cache.clear()
    forget_revision()
    yield
    forget_revision()


@pytest.fixture
def roadmap(db):
    """The real roadmap from roadmap/content/roadmap.yaml."""
    call_command("load_roadmap", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def learner_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(client):
    """A member of the "Content editors" group, logged in: staff, not a superuser."""
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Content editors"))
    client.force_login(editor)
    return client


def log_in_browser(context, live_server, user):
    """Give a browser context the session of a logged-in user, as if they had logged in."""
    session_client = Client()
    session_client.force_login(user)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": session_client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.fixture
def learner_page(page, live_server, user, roadmap):
    log_in_browser(page.context, live_server, user)
    return page


def settled(page):
    """Wait for htmx to finish a swap: until it settles, the new controls are plain HTML, and a
    key pressed then would post the form (or follow the link) without htmx."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)


LATEST = None  # every app at its newest migration


def migrate(target):
    """Migrate the test database to `target` (LATEST: the newest); the models of that state."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    target = target or executor.loader.graph.leaf_nodes()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def console_handler():
    return next(h for h in logging.getLogger().handlers if h.get_name() == "console")


@pytest.fixture
def logged(monkeypatch):
    """The lines the app's log prints during the test: its console handler, after its filters."""
    console = console_handler()
    for outage_filter in console.filters:
        if isinstance(outage_filter, OutageFilter):
            monkeypatch.setattr(outage_filter, "last", {})  # no outage seen yet
    lines = []
    monkeypatch.setattr(console, "emit", lambda record: lines.append(console.format(record)))
    return lines
