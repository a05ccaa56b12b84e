import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from roadmap.models import Enrollment, Track
from tests.conftest import log_in_browser
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
TICKED = [
    "Serve the trained model behind a simple web API",
    "Shortlist three datasets from public repositories",
]


def engineer_card(page):
    return page.get_by_role("article", name="ML Engineer", exact=True)


def engineer_bar(page):
    return page.get_by_role("progressbar", name="ML Engineer completion", exact=True)


def chart(page):
    return page.get_by_role("img", name=re.compile("^Milestones done per week"))


def test_a_learner_ticks_milestones_watches_the_dashboard_and_shares_a_portfolio(
    page, browser, live_server, roadmap
):
    learner = UserFactory(username="ada")
    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_title("Dashboard · Next Steps")
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(engineer_bar(page)).to_have_attribute("value", "0")
    expect(engineer_card(page)).to_contain_text("0 % · 0 of")
    expect(chart(page)).to_have_count(0)  # no empty chart: what fills it
    expect(page.get_by_text("No milestone done in the last 12 weeks")).to_be_visible()

    engineer_card(page).get_by_role("button", name="Follow ML Engineer").click()
    expect(engineer_card(page).get_by_role("button", name="Unfollow ML Engineer")).to_be_focused()
    next_up = engineer_card(page).get_by_role("heading", name="Next up")
    expect(next_up).to_be_visible()

    page.get_by_role("link", name="Roadmap", exact=True).click()
    for title in TICKED:
        with page.expect_response(lambda r: "/status/" in r.url and r.ok):
            page.get_by_role("checkbox", name=title).check()
        expect(page.get_by_role("checkbox", name=title)).to_be_checked()

    page.get_by_role("link", name="Dashboard").click()
    engineer = Track.objects.with_completion(learner).get(slug="ml-engineer")
    assert engineer.done_count == 2
    assert engineer.percent > 0
    expect(engineer_bar(page)).to_have_attribute("value", str(engineer.percent))
    expect(engineer_card(page)).to_contain_text(
        f"{engineer.percent} % · 2 of {engineer.total_count} milestones · "
        f"weighted: {engineer.done_weight} of {engineer.total_weight} points"
    )
    expect(chart(page)).to_have_accessible_name(re.compile(": 2 in total, 2 this week"))
    expect(chart(page).locator("rect")).to_have_count(1)
    expect(page.get_by_text("Current streak: 1 week")).to_be_visible()
    next_up_links = engineer_card(page).locator("ol.next-up").get_by_role("link")
    expect(next_up_links).to_have_count(3)
    for title in TICKED:
        expect(next_up_links.filter(has_text=title)).to_have_count(0)

    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_label("Public progress page").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()

    page.get_by_role("link", name="Dashboard").click()
    share = page.get_by_role("region", name="Share your progress")
    expect(share.get_by_role("link", name="/u/ada/")).to_have_attribute("href", "/u/ada/")
    expect(share.get_by_role("img", name=f"ML Engineer · {engineer.percent} %")).to_be_visible()
    audit = Axe().run(page, options=WCAG_AA)
    assert audit.violations_count == 0, audit.generate_report()

    visitor = browser.new_context()
    stranger = visitor.new_page()
    stranger.goto(f"{live_server.url}/u/ada/")
    expect(stranger.get_by_role("heading", level=1)).to_have_text("ada’s progress")
    expect(stranger.get_by_role("link", name="Dashboard")).to_have_count(0)
    expect(engineer_bar(stranger)).to_have_attribute("value", str(engineer.percent))
    done = stranger.get_by_role("region", name="Milestones done")
    for title in TICKED:
        expect(done.get_by_role("link", name=title)).to_have_attribute(
            "href", re.compile(r"^/\?track=all#[\w-]+$")
        )

    response = stranger.goto(f"{live_server.url}/u/ada/badge.svg?track=ml-engineer")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(response.body())  # noqa: S314 (our own server's output)
    assert svg.get("aria-label") == f"ML Engineer · {engineer.percent} %"
    visitor.close()


def test_following_and_unfollowing_work_without_javascript(browser, live_server, roadmap, user):
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="data-scientist"))
    context = browser.new_context(java_script_enabled=False)
    log_in_browser(context, live_server, user)
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/")
    cards = page.get_by_role("article")
    expect(cards.first).to_have_accessible_name("Data Scientist")
    researcher = page.get_by_role("article", name="Research Scientist")

    researcher.get_by_role("button", name="Follow Research Scientist").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/#track-research-scientist")
    expect(page.get_by_text("You now follow Research Scientist.")).to_be_visible()
    expect(cards.nth(1)).to_have_accessible_name("Research Scientist")
    expect(researcher.get_by_role("heading", name="Next up")).to_be_visible()
    assert Enrollment.objects.filter(user=user, track__slug="research-scientist").exists()

    researcher.get_by_role("button", name="Unfollow Research Scientist").click()
    expect(page.get_by_text("You no longer follow Research Scientist.")).to_be_visible()
    expect(researcher.get_by_role("button", name="Follow Research Scientist")).to_be_visible()
    assert not Enrollment.objects.filter(user=user, track__slug="research-scientist").exists()

    # The one track followed now: its Unfollow, refused if pressed, says why it does nothing.
    scientist = page.get_by_role("article", name="Data Scientist")
    unfollow = scientist.get_by_role("button", name="Unfollow Data Scientist")
    expect(unfollow).to_have_attribute("aria-disabled", "true")
    expect(unfollow).to_have_accessible_description(
        "Your only track: follow another to unfollow this one."
    )
    expect(unfollow).to_be_disabled()  # aria-disabled: to assistive technology too
    assert Enrollment.objects.filter(user=user, track__slug="data-scientist").exists()
    context.close()


def test_how_a_percentage_is_worked_out_opens_from_the_roadmap(learner_page, live_server):
    page = learner_page
    page.goto(live_server.url)
    page.get_by_role("link", name="How each percentage is worked out").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/#how-computed")
    explanation = page.locator("#how-computed")
    expect(explanation).to_be_visible()  # the folded explanation opens at its link
    expect(explanation).to_be_in_viewport()
    # Its question too, which was just above the window: what is this text?
    expect(page.get_by_text("How is this computed?")).to_be_in_viewport()


def test_in_dark_forced_colours_the_chart_and_the_focus_in_use_stay_readable(
    learner_page, live_server, user
):
    """The chart's colours were fixed in the SVG: in a dark high-contrast theme its counts were
    near-black on black, its bars and labels hardly visible. And the focus link in use differed
    from the others by its filled background alone, which the system's colours take away."""
    from roadmap import progress
    from roadmap.models import Milestone

    progress.set_status(user=user, milestone=Milestone.objects.first(), status="done")
    page = learner_page
    page.emulate_media(forced_colors="active", color_scheme="dark")
    page.goto(live_server.url + "/dashboard/")
    text = page.evaluate("getComputedStyle(document.body).color")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert text != background
    figure = chart(page)
    for selector, prop in (("text.count", "fill"), ("text.axis", "fill"), ("line", "stroke")):
        colour = figure.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")
        assert colour == text, (selector, colour)
    bar = figure.locator("rect").first.evaluate("e => getComputedStyle(e).fill")
    assert bar not in (background, "rgb(31, 78, 140)")

    page.goto(live_server.url + "/?track=all")
    focus = page.get_by_role("navigation", name=re.compile("focus", re.I))

    def look(link):
        return link.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.borderTopWidth, s.borderTopStyle, s.textDecorationLine].join(' '); }"
        )

    current = focus.locator("a[aria-current]")
    other = focus.locator("a:not([aria-current])").first
    assert look(current) != look(other)


def test_a_badges_markdown_is_copied_with_one_press(learner_page, live_server, user):
    """The Markdown was in a narrow field, cut off, to select and copy by hand."""
    user.public_profile = True
    user.save()
    user.enrollments.create(track=Track.objects.get(slug="ml-engineer"))
    page = learner_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + "/dashboard/")
    field = page.get_by_role("textbox", name="Markdown for the ML Engineer badge")
    copy = page.get_by_role("button", name="Copy the Markdown for the ML Engineer badge")
    width = field.bounding_box()["width"]
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == field.input_value()
    assert field.bounding_box()["width"] == width  # "Copied" took room from the field
    copied = page.get_by_role("button", name="Copied the Markdown for the ML Engineer badge")
    expect(copied).to_be_focused()  # the button itself, its word changed
    expect(page.get_by_role("status").filter(has_text="Copied")).to_have_text(
        "Copied the Markdown for the ML Engineer badge."
    )


def test_a_copy_the_browser_refuses_leaves_the_markdown_selected_and_says_so(
    learner_page, live_server, user
):
    user.public_profile = True
    user.save()
    user.enrollments.create(track=Track.objects.get(slug="ml-engineer"))
    page = learner_page
    page.goto(live_server.url + "/dashboard/")
    page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error()); }")
    page.get_by_role("button", name="Copy the Markdown for the ML Engineer badge").click()
    field = page.get_by_role("textbox", name="Markdown for the ML Engineer badge")
    expect(field).to_be_focused()
    assert field.evaluate("f => f.selectionStart === 0 && f.selectionEnd === f.value.length")
    expect(page.locator("#copy-said")).to_have_text(
        "Not copied: the Markdown is selected, to copy with your keyboard."
    )


def test_without_javascript_there_is_no_copy_button(browser, live_server, roadmap):
    learner = UserFactory(public_profile=True)
    learner.enrollments.create(track=Track.objects.get(slug="ml-engineer"))
    context = browser.new_context(java_script_enabled=False)
    log_in_browser(context, live_server, learner)
    page = context.new_page()
    page.goto(live_server.url + "/dashboard/")
    expect(page.get_by_role("textbox", name="Markdown for the ML Engineer badge")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Copy"))).to_have_count(0)
    context.close()


def test_what_a_follow_said_at_the_top_goes_at_the_next_change(learner_page, live_server, user):
    """What a follow said ("You now follow Data Scientist.") stayed at the top of the dashboard,
    out of sight, after later changes it had nothing to do with."""
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="ml-engineer"))
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("button", name="Follow Data Scientist").click()
    # Seen under the button, in the card (it was only at the page's top, out of sight) ...
    card = page.get_by_role("article", name="Data Scientist", exact=True)
    expect(card.get_by_text("You now follow Data Scientist.")).to_be_in_viewport()
    # ... and heard from the flash area, which shows nothing.
    flash = page.locator("#flash")
    expect(flash).to_have_text("You now follow Data Scientist.")
    expect(flash.get_by_text("You now follow Data Scientist.")).not_to_be_in_viewport()
    hours = page.get_by_label("Hours a week you can give")
    hours.fill("6")
    hours.press("Enter")
    expect(page.locator("#hours-status")).to_have_text("Planned at 6 h a week.")
    expect(flash).to_be_empty()


def test_what_a_card_said_goes_when_another_card_says_something(learner_page, live_server, user):
    """ "Target date cleared.", "You now follow Research Scientist." and "You no longer follow
    Data Scientist." stayed in three cards at once, each of an older step."""
    for slug in ("ml-engineer", "data-scientist"):
        Enrollment.objects.create(user=user, track=Track.objects.get(slug=slug))
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    engineer = engineer_card(page)
    date = engineer.get_by_label("Target date for ML Engineer")
    date.fill((timezone.localdate() + datetime.timedelta(weeks=30)).isoformat())
    date.press("Enter")
    expect(engineer.get_by_role("button", name="Clear target for ML Engineer")).to_be_visible()
    engineer.get_by_role("button", name="Clear target for ML Engineer").click()
    expect(engineer.get_by_text("Target date cleared.")).to_be_visible()
    page.get_by_role("button", name="Follow Research Scientist").click()
    research = page.get_by_role("article", name="Research Scientist", exact=True)
    expect(research.get_by_text("You now follow Research Scientist.")).to_be_visible()
    expect(engineer.get_by_text("Target date cleared.")).to_have_count(0)
    page.get_by_role("button", name="Unfollow Data Scientist").click()
    scientist = page.get_by_role("article", name="Data Scientist", exact=True)
    expect(scientist.get_by_text("You no longer follow Data Scientist.")).to_be_visible()
    expect(research.get_by_text("You now follow Research Scientist.")).to_have_count(0)
    # Unfollowed with its target date, which went with it: said until the page is left.
    research.get_by_label("Target date for Research Scientist").fill(
        (timezone.localdate() + datetime.timedelta(weeks=40)).isoformat()
    )
    research.get_by_role("button", name="Set target for Research Scientist").click()
    expect(research.get_by_text("To finish by")).to_be_visible()
    research.get_by_role("button", name="Unfollow Research Scientist").click()
    lost = research.get_by_text("You no longer follow Research Scientist. Its target date")
    expect(lost).to_be_visible()
    hours = page.get_by_label("Hours a week you can give")
    hours.fill("6")
    hours.press("Enter")
    expect(page.locator("#hours-status")).to_have_text("Planned at 6 h a week.")
    expect(lost).to_be_visible()
    # Followed again at once, as the message offers: the date is back.
    research.get_by_role("button", name="Follow Research Scientist").click()
    expect(
        research.get_by_text("You now follow Research Scientist. Its target date")
    ).to_contain_text("is back.")
    expect(research.get_by_text("To finish by")).to_be_visible()


def test_a_follow_pressed_at_the_windows_edge_keeps_its_button_in_sight(
    learner_page, live_server, user
):
    """Following puts the plan and the target date above the button: the card grew, and the
    focused button (and what it said) ended below the window."""
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="ml-engineer"))
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    button = page.get_by_role("button", name="Follow Data Scientist")
    button.focus()
    page.evaluate(
        "b => window.scrollBy(0, b.getBoundingClientRect().bottom - window.innerHeight + 4)",
        button.element_handle(),
    )
    button.press("Enter")
    unfollow = page.get_by_role("button", name="Unfollow Data Scientist")
    expect(unfollow).to_be_focused()
    expect(unfollow).to_be_in_viewport()
    card = page.get_by_role("article", name="Data Scientist", exact=True)
    expect(card.get_by_text("You now follow Data Scientist.")).to_be_in_viewport()
