"""The README's pictures: a learner's roadmap and dashboard, as Chromium shows them.

The test checks what the pictures show and writes them to a temporary folder; `make screenshots`
runs it with SCREENSHOTS_DIR=docs/screenshots to refresh the committed ones.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roadmap import progress
from roadmap.models import Enrollment, Milestone, Track
from tests.conftest import log_in_browser
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def ada(roadmap):
    """Following ML Engineer with 6 hours a week: seven milestones done over six weeks, one in
    progress."""
    ada = UserFactory(username="ada", display_name="Ada", hours_per_week=6)
    Enrollment.objects.create(user=ada, track=Track.objects.get(slug="ml-engineer"))
    milestones = list(Milestone.objects.active().order_by("section__position", "position"))
    now = timezone.now()
    for days, milestone in zip((40, 33, 26, 19, 12, 5, 1), milestones, strict=False):
        when = now - datetime.timedelta(days=days)
        progress.set_status(user=ada, milestone=milestone, status="done", now=when)
    progress.set_status(user=ada, milestone=milestones[7], status="in_progress")
    progress.save_details(
        user=ada,
        milestone=milestones[7],
        note="Notebook draft on the wine data.",
        evidence_url="https://github.com/ada/wine-notebook",
    )
    return ada


def test_the_readmes_pictures_show_the_map_and_the_dashboard(browser, live_server, ada, tmp_path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=DESKTOP)
    log_in_browser(context, live_server, ada)
    page = context.new_page()

    page.goto(live_server.url)
    expect(page.get_by_role("navigation", name="Roadmap map")).to_be_visible()
    expect(page.locator("#bar-ml-engineer-text")).to_contain_text(
        "25 % · 7 of 30 milestones done · weighted"
    )
    page.evaluate("window.scrollTo(0, document.querySelector('#my-progress').offsetTop - 16)")
    page.screenshot(path=folder / "roadmap.png")

    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Your dashboard")).to_be_visible()
    card = page.get_by_role("article", name="ML Engineer", exact=True)
    expect(card).to_contain_text("at 6 h a week · finished around")
    expect(card).to_contain_text("At your pace of the last 4 weeks")
    page.screenshot(path=folder / "dashboard.png")
    context.close()

    for name in ("roadmap.png", "dashboard.png"):
        assert (folder / name).read_bytes().startswith(PNG)
