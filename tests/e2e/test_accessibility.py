"""Every page, as a visitor, a learner and the public would see it: no axe-core violations at
WCAG 2.1 AA, and nothing refused by the Content-Security-Policy."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import Count
from django.urls import reverse
from playwright.sync_api import expect

from roadmap import progress
from roadmap.models import Milestone, Status, Track
from tests.conftest import log_in_browser
from tests.factories import EnrollmentFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def audit(page, url):
    """Open the page, run axe, and fail on violations or on anything the CSP refused."""
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert refused == [], f"{url}: {refused}"  # the page's own: axe applies styles of its own
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{url}\n{results.generate_report()}"


VISITOR_PAGES = ["roadmap:index", "login", "signup", "password_reset"]
LEARNER_PAGES = [
    "roadmap:index",
    "roadmap:dashboard",
    "profile",
    "choose_tracks",
    "my_data",
    "password_change",
    "delete_account",
]


@pytest.mark.parametrize("name", VISITOR_PAGES)
def test_visitor_pages_are_accessible(page, live_server, roadmap, name):
    audit(page, live_server.url + reverse(name))


@pytest.mark.parametrize("name", LEARNER_PAGES)
def test_learner_pages_are_accessible(page, live_server, roadmap, user, name):
    for milestone in Milestone.objects.all()[:3]:
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
    log_in_browser(page.context, live_server, user)
    audit(page, live_server.url + reverse(name))


def test_the_dashboard_with_a_plan_is_accessible(page, live_server, roadmap, user):
    user.hours_per_week = 6
    user.save()
    EnrollmentFactory(
        user=user, track=Track.objects.get(slug="ml-engineer"), target_date="2099-01-01"
    )
    log_in_browser(page.context, live_server, user)
    audit(page, live_server.url + reverse("roadmap:dashboard"))


def test_the_note_page_is_accessible(page, live_server, roadmap, user):
    log_in_browser(page.context, live_server, user)
    audit(page, live_server.url + reverse("roadmap:details", args=["enter-a-kaggle-competition"]))


def test_the_public_page_is_accessible(page, live_server, roadmap, user):
    user.public_profile = True
    user.save()
    progress.set_status(user=user, milestone=Milestone.objects.first(), status=Status.DONE)
    audit(page, live_server.url + reverse("roadmap:public_page", args=[user.username]))


def test_the_admin_login_is_accessible(page, live_server):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused to" in m.text else None)
    page.goto(live_server.url + "/admin/login/")
    # Found by its heading, as on every other page (it had none).
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    assert refused == []


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/roadmap/milestone/",
        "/admin/roadmap/milestone/<pk>/change/",
        "/admin/roadmap/progress/add/",
        "/admin/roadmap/enrollment/add/",
    ],
)
def test_the_admin_pages_an_editor_works_in_are_accessible(page, live_server, roadmap, url):
    """The breadcrumbs' links differed from the current page's name by colour alone; a date's
    and a time's boxes had no name ("Date:" and "Time:" beside them named neither)."""
    editor = UserFactory(is_staff=True, is_superuser=True)
    log_in_browser(page.context, live_server, editor)
    milestone = Milestone.objects.first()
    audit(page, live_server.url + url.replace("<pk>", str(milestone.pk)))


def test_the_admins_inline_links_and_filters_are_told_apart_and_easy_to_hit(
    page, live_server, roadmap
):
    """A section's "View on site" links differed from the text around them by colour alone, and
    the list's filters were 20 px tall, stacked without a gap."""
    editor = UserFactory(is_staff=True, is_superuser=True)
    log_in_browser(page.context, live_server, editor)
    section = Milestone.objects.first().section
    page.goto(f"{live_server.url}/admin/roadmap/section/{section.pk}/change/")
    view = page.get_by_role("link", name="View on site").first
    decoration = view.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert decoration == "underline"
    page.goto(f"{live_server.url}/admin/roadmap/milestone/")
    filters = page.locator("#changelist-filter li a")
    heights = [box["height"] for box in (link.bounding_box() for link in filters.all())]
    assert heights and min(heights) >= 24, heights


def test_a_row_added_to_an_inline_takes_the_cursor_and_its_place_names_it(
    page, live_server, roadmap
):
    """The cursor stayed on "Add another Resource", the row before it out of Tab's way; every
    added row was "new row", and its "Remove" put the cursor at the page's top."""
    editor = UserFactory(is_staff=True, is_superuser=True)
    log_in_browser(page.context, live_server, editor)
    milestone = Milestone.objects.annotate(n=Count("resources")).filter(n=2).first()
    page.goto(f"{live_server.url}/admin/roadmap/milestone/{milestone.pk}/change/")
    add = page.get_by_role("button", name="Add another Resource")
    expect(page.get_by_role("button", name="Remove Resource, row 3")).to_have_count(1)  # blank row
    add.click()  # the page's blank row is row 3: these are rows 4 and 5
    expect(page.get_by_role("spinbutton", name="Position, row 4")).to_be_focused()
    add.click()
    expect(page.get_by_role("spinbutton", name="Position, row 5")).to_be_focused()
    page.get_by_role("textbox", name="Title, row 5").fill("Kept")

    page.get_by_role("button", name="Remove Resource, row 4").click()

    expect(add).to_be_focused()
    expect(page.get_by_role("textbox", name="Title, row 4")).to_have_value("Kept")
    expect(page.get_by_role("button", name="Remove Resource, row 4")).to_have_count(1)


def test_the_blank_rows_remove_is_named_when_the_admin_sets_its_rows_up_late(
    page, live_server, roadmap
):
    """Django's inlines.js gives the blank rows their Remove in a jQuery ready handler, which runs
    in a timer after DOMContentLoaded; on a busy machine the page's load event came first, and
    the blank row's Remove went unnamed. Here every timer waits 300 ms, so the load comes first."""
    page.add_init_script(
        "const wait = window.setTimeout;"
        "window.setTimeout = (f, ms, ...rest) => wait(f, Math.max(ms || 0, 300), ...rest);"
    )
    editor = UserFactory(is_staff=True, is_superuser=True)
    log_in_browser(page.context, live_server, editor)
    milestone = Milestone.objects.annotate(n=Count("resources")).filter(n=2).first()
    page.goto(f"{live_server.url}/admin/roadmap/milestone/{milestone.pk}/change/")
    expect(page.get_by_role("button", name="Remove Resource, row 3")).to_have_count(1)


def test_a_milestones_title_is_seen_whole_in_the_admin(page, live_server, roadmap):
    """Its field was 20 characters wide, under a description as wide as the page: "Write a
    problem statement with a metri…"."""
    editor = UserFactory(is_staff=True, is_superuser=True)
    log_in_browser(page.context, live_server, editor)
    page.set_viewport_size({"width": 1280, "height": 800})
    milestone = max(Milestone.objects.all(), key=lambda m: len(m.title))
    page.goto(f"{live_server.url}/admin/roadmap/milestone/{milestone.pk}/change/")
    title = page.get_by_role("textbox", name="Title:")
    assert title.evaluate("e => e.scrollWidth <= e.clientWidth"), milestone.title
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("query", ["?track=research-scientist", "?track=all"])
def test_the_focused_and_hidden_roadmap_states_are_accessible(
    page, live_server, roadmap, user, query
):
    for milestone in Milestone.objects.all()[:3]:
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
    progress.set_status(user=user, milestone=Milestone.objects.all()[5], status="in_progress")
    log_in_browser(page.context, live_server, user)
    audit(page, live_server.url + "/" + query)
    user.hide_done = True
    user.save()
    audit(page, live_server.url + "/" + query)
    page.locator(f"#{Milestone.objects.all()[5].slug}").get_by_role(
        "link", name="Add a note or evidence"
    ).click()
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def test_the_controls_each_milestone_repeats_name_their_milestone(page, live_server, roadmap, user):
    """A screen reader's list of links or buttons had thirty "Sign up" and thirty "log in"
    for a visitor, and for a learner a "Save note and evidence" and a "Cancel" per open
    editor, with nothing to tell them apart."""
    kaggle, paper = (
        Milestone.objects.get(slug=slug).title
        for slug in ("enter-a-kaggle-competition", "read-a-paper-summary-first")
    )
    page.goto(live_server.url + "/?track=all")
    expect(page.get_by_role("link", name="Sign up", exact=True)).to_have_count(1)  # the header's
    expect(page.get_by_role("link", name="Log in", exact=True)).to_have_count(1)
    for title in (kaggle, paper):
        expect(page.get_by_role("link", name=f"Sign up to tick off: {title}")).to_have_count(1)
        expect(page.get_by_role("link", name=f"Log in to tick off: {title}")).to_have_count(1)

    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url + "/?track=all")
    for title in (kaggle, paper):
        page.get_by_role("link", name=f"Add a note or evidence for {title}").click()
        expect(
            page.get_by_role("button", name=f"Save note and evidence for {title}")
        ).to_be_visible()
        expect(
            page.get_by_role("link", name=f"Cancel editing the note for {title}")
        ).to_be_visible()
    expect(page.get_by_role("button", name="Save note and evidence", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Cancel", exact=True)).to_have_count(0)


def test_what_each_track_repeats_names_its_track(page, live_server, roadmap, user):
    """The dashboard's by-section tables had a "Build a Strong Portfolio" link per track, each
    to another address, and the career tracks a "30 milestones count toward it" each."""
    for slug in ("ml-engineer", "data-scientist"):
        EnrollmentFactory(user=user, track=Track.objects.get(slug=slug))
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url + reverse("roadmap:dashboard"))
    for name in ("ML Engineer", "Data Scientist"):
        link = page.get_by_role("link", name=f"Build a Strong Portfolio for {name}", exact=True)
        expect(link).to_have_count(1)
    page.goto(live_server.url + "/?track=all")
    tracks = page.get_by_role("region", name="Career tracks")
    for name in ("ML Engineer", "Data Scientist", "Research Scientist"):
        summary = tracks.locator("summary").filter(has_text=re.compile(f": {name}$"))
        expect(summary).to_have_count(1)


def test_the_activity_chart_is_named_once(page, live_server, roadmap, user):
    """Named by its title through aria-labelledby, the chart had the same text as its
    description too: a screen reader read it twice."""
    milestone = Milestone.objects.active().first()
    progress.set_status(user=user, milestone=milestone, status=Status.DONE)  # a chart to show
    log_in_browser(page.context, live_server, user)
    page.goto(f"{live_server.url}{reverse('roadmap:dashboard')}")
    expect(page.get_by_role("img", name=re.compile("^Milestones done per week"))).to_have_count(1)
    # As Chromium gives it to a screen reader (Playwright computes a description of its own).
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    (chart,) = (node for node in tree["nodes"] if node.get("role", {}).get("value") == "image")
    assert chart["name"]["value"].startswith("Milestones done per week")
    assert "description" not in chart or not chart["description"]["value"]
