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


@pytest.mark.parametrize("width", [1280, 390])
def test_the_error_that_stays_in_sight_hides_no_control_a_keyboard_reaches(
    learner_page, live_server, monkeypatch, width
):
    """The error stays at the top of the window until the next request: Shift+Tab back up the
    page put the focused button under it, out of sight."""
    page = learner_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url)

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(progress, "set_status", unreachable)
    checkbox = page.get_by_role("checkbox", name=MILESTONE)
    checkbox.focus()
    page.keyboard.press("Space")
    alert = page.get_by_text(NOT_SAVED)
    expect(alert).to_be_visible()
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate("document.activeElement.getBoundingClientRect().top")
        below = alert.bounding_box()["y"] + alert.bounding_box()["height"]
        assert focused >= below, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
