import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from config.outages import NOT_SAVED
from roadmap import progress

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MILESTONE = "Serve the trained model behind a simple web API"


def test_a_tick_while_the_database_is_unreachable_says_it_may_not_be_saved(
    learner_page, live_server, monkeypatch
):
    page = learner_page
    page.goto(live_server.url)

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(progress, "set_status", unreachable)
    checkbox = page.get_by_role("checkbox", name=MILESTONE)
    checkbox.click()  # not check(): the page undoes the tick, maybe before Playwright looks
    expect(page.get_by_text(NOT_SAVED)).to_be_visible()
    expect(checkbox).not_to_be_checked()
