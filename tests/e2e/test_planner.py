import datetime
import math
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roadmap import dashboard_views
from roadmap.models import Enrollment, Milestone, Track
from tests.conftest import log_in_browser
from tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def planning(page, live_server, user, hours):
    """The hours field of the dashboard of `user`, who plans `hours` a week."""
    user.hours_per_week = hours
    user.save()
    page.goto(f"{live_server.url}/dashboard/")
    return page.get_by_label("Hours a week you can give")


def finish_at(hours, per_week):
    day = timezone.localdate() + datetime.timedelta(days=math.ceil(hours * 7 / per_week))
    return f"{day.day} {day:%B %Y}"


def test_a_learner_sets_hours_and_watches_the_finish_date_move(learner_page, live_server, user):
    page = learner_page
    engineer = Track.objects.get(slug="ml-engineer")
    EnrollmentFactory(user=user, track=engineer)
    hours = sum(Milestone.objects.filter(tracks=engineer).values_list("estimated_hours", flat=True))
    page.goto(f"{live_server.url}/dashboard/")
    card = page.get_by_role("article", name="ML Engineer", exact=True)
    expect(card).to_contain_text(f"{hours} h of work left.")
    expect(card).to_contain_text("No plan yet")

    field = page.get_by_label("Hours a week you can give")
    field.fill("5")
    field.press("Tab")  # left, the field sends itself
    expect(card).to_contain_text(f"at 5 h a week · finished around {finish_at(hours, 5)}")
    expect(page.get_by_text("Planned at 5 h a week.", exact=True)).to_be_visible()
    # Said once to a screen reader, with the finish date the card shows.
    said = page.get_by_role("status").filter(has_text="Planned at 5 h a week.")
    expect(said).to_contain_text(f"ML Engineer: finished around {finish_at(hours, 5)}")
    field.fill("20")
    field.press("Enter")
    expect(card).to_contain_text(f"at 20 h a week · finished around {finish_at(hours, 20)}")
    expect(field).to_be_focused()  # the field stays where the learner types

    field.fill("81")
    field.press("Enter")
    expect(page.locator("#hours-status")).to_contain_text("from 1 to 80.")
    expect(card).to_contain_text(f"at 20 h a week · finished around {finish_at(hours, 20)}")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("20")
    field.press("Enter")
    expect(page.get_by_text("Planned at 20 h a week.", exact=True)).to_be_visible()
    expect(field).not_to_have_attribute("aria-invalid", "true")
    # Emptied and left, the field changes nothing: the plan stays, and its status says how
    # to remove it.
    field.fill("")
    field.press("Tab")
    status = page.locator("#hours-status")
    expect(status).to_contain_text("press Update plan with it empty to remove the plan")
    expect(status).to_contain_text("Planned at 20 h a week.")
    expect(card).to_contain_text(f"at 20 h a week · finished around {finish_at(hours, 20)}")
    user.refresh_from_db()
    assert user.hours_per_week == 20
    field.fill("20")

    target = timezone.localdate() + datetime.timedelta(weeks=10)
    date_field = card.get_by_label("Target date for ML Engineer")
    clear = card.get_by_role("button", name="Clear target for ML Engineer")
    expect(clear).to_have_count(0)  # no target yet, nothing to clear
    # Typed a digit at a time, a date field holds whole dates on the way (the year 0002): they
    # are not sent, only the date the learner sets, with Enter or the button.
    date_field.press_sequentially(target.strftime("%m%d"))
    date_field.press_sequentially(target.strftime("%Y"), delay=1200)  # a slow typist's year
    expect(card).not_to_contain_text("Nothing was changed.")
    expect(date_field).to_have_value(target.isoformat())
    date_field.press("Enter")
    needed = math.ceil(hours * 7 / 70)
    expect(card).to_contain_text(
        f"To finish by {target.day} {target:%B %Y}: {needed} h a week", timeout=10_000
    )
    assert Enrollment.objects.get(user=user, track=engineer).target_date == target
    expect(clear).to_be_visible()

    # A refused date: the cursor goes back to the field, in view above the message that moved it.
    date_field.fill("2001-01-01")
    card.get_by_role("button", name="Set target for ML Engineer").click()
    expect(card).to_contain_text("Nothing was changed.")
    expect(date_field).to_be_focused()
    expect(date_field).to_be_in_viewport()

    clear.click()
    expect(card).not_to_contain_text("To finish by")
    expect(card.get_by_label("Target date for ML Engineer")).to_have_value("")
    # Nothing left to clear: the button goes, and the cursor is in the date field.
    expect(clear).to_have_count(0)
    expect(date_field).to_be_focused()
    assert Enrollment.objects.get(user=user, track=engineer).target_date is None
    user.refresh_from_db()
    assert user.hours_per_week == 20

    # Submitted empty, the field removes the plan.
    field.fill("")
    field.press("Enter")
    expect(page.locator("#hours-status")).to_contain_text("No plan yet")
    expect(card).not_to_contain_text("h a week · finished around")
    user.refresh_from_db()
    assert user.hours_per_week is None


def test_without_javascript_the_hours_form_still_plans(browser, live_server, user, roadmap):
    context = browser.new_context(java_script_enabled=False)
    log_in_browser(context, live_server, user)
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Hours a week you can give").fill("8")
    page.get_by_role("button", name="Update plan").click()
    expect(page.get_by_text("Your plan is updated.")).to_be_visible()
    card = page.get_by_role("article", name="ML Engineer", exact=True)
    expect(card).to_contain_text("at 8 h a week · finished around")
    context.close()


def test_a_date_fields_calendar_button_shows_the_sites_focus_ring(learner_page, live_server, user):
    """Focus on the button inside the field matched no :focus-visible: only the browser's thin
    ring showed where it was."""
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    date = page.get_by_label("Target date for ML Engineer")
    date.focus()
    for _ in range(3):  # day, month, year, then the calendar button
        page.keyboard.press("Tab")
    assert date.evaluate("e => e === document.activeElement")  # inside it, in its shadow
    ring = date.evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
    )
    assert ring == ["solid", "3px"]


def test_a_refused_target_date_offers_nothing_to_clear(learner_page, live_server, user):
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    learner_page.goto(f"{live_server.url}/dashboard/")
    card = learner_page.get_by_role("article", name="ML Engineer", exact=True)
    card.get_by_label("Target date for ML Engineer").fill("2001-01-01")
    card.get_by_role("button", name="Set target for ML Engineer").click()
    expect(card).to_contain_text("Nothing was changed.")
    expect(card.get_by_role("button", name="Clear target for ML Engineer")).to_have_count(0)


def test_a_refused_date_is_put_back_when_new_hours_redraw_its_plan(learner_page, live_server, user):
    """New hours redraw every plan, without the refusal: the date field still showed the date
    refused, marked invalid, with nothing left to say why."""
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    learner_page.goto(f"{live_server.url}/dashboard/")
    card = learner_page.get_by_role("article", name="ML Engineer", exact=True)
    date = card.get_by_label("Target date for ML Engineer")
    target = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    date.fill(target)
    card.get_by_role("button", name="Set target for ML Engineer").click()
    expect(card).to_contain_text("To finish by")
    date.fill("2001-01-01")
    card.get_by_role("button", name="Set target for ML Engineer").click()
    expect(card).to_contain_text("Nothing was changed.")
    expect(date).to_have_attribute("aria-invalid", "true")
    hours = learner_page.get_by_label("Hours a week you can give")
    hours.fill("9")
    hours.press("Enter")
    expect(card).to_contain_text("at 9 h a week")
    expect(card).not_to_contain_text("Nothing was changed.")
    expect(date).not_to_have_attribute("aria-invalid", "true")
    expect(date).to_have_value(target)  # the date the plan is for
    expect(card.get_by_role("button", name="Clear target for ML Engineer")).to_be_visible()
    # A date typed since the refusal is the learner's next try: new hours leave it.
    date.fill("2001-01-01")
    card.get_by_role("button", name="Set target for ML Engineer").click()
    expect(date).to_have_attribute("aria-invalid", "true")
    later = (timezone.localdate() + datetime.timedelta(days=120)).isoformat()
    date.fill(later)
    expect(date).not_to_have_attribute("aria-invalid", "true")
    hours.fill("10")
    hours.press("Enter")
    expect(card).to_contain_text("at 10 h a week")
    expect(date).to_have_value(later)


# What #plan-said is filled with, each time: what a screen reader is given to read.
SAID = """() => {
    const said = document.getElementById("plan-said");
    window.said = [];
    new MutationObserver(() => window.said.push(said.textContent))
        .observe(said, {childList: true, characterData: true, subtree: true});
}"""


def listening(page, live_server, user):
    """The dashboard of `user`, who follows ML Engineer, recording what #plan-said is given."""
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    page.goto(f"{live_server.url}/dashboard/")
    page.evaluate(SAID)
    return page


def test_a_refusal_that_takes_focus_to_its_field_is_said_once_there(
    learner_page, live_server, user
):
    """A date refused from its button took focus to the field, which read the error as its
    description, while #plan-said read it out again."""
    page = listening(learner_page, live_server, user)
    date = page.get_by_label("Target date for ML Engineer")
    date.fill("2001-01-01")
    page.get_by_role("button", name="Set target for ML Engineer").click()
    expect(date).to_be_focused()
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#target-ml-engineer-help")).to_contain_text("after today")
    page.wait_for_timeout(900)  # past the announcement's pause
    assert page.evaluate("window.said") == []


def test_hours_emptied_and_left_are_said(learner_page, live_server, user):
    """The status under the field said how to remove the plan; a screen reader, on the next
    control by then, heard nothing."""
    page = learner_page
    field = planning(page, live_server, user, 6)
    page.evaluate(SAID)
    field.fill("")
    field.press("Tab")
    expect(page.locator("#plan-said")).to_contain_text(
        "press Update plan with it empty to remove the plan"
    )


def test_hours_typed_and_submitted_at_once_are_said_once(learner_page, live_server, user):
    """The field's own request (it is left, or Enter changes it) repeated the submit's: a screen
    reader heard the plan twice."""
    page = listening(learner_page, live_server, user)
    field = page.get_by_label("Hours a week you can give")
    field.fill("7")
    field.press("Enter")
    expect(page.locator("#plan-said")).to_contain_text("Planned at 7 h a week.")
    page.wait_for_timeout(1200)  # any second answer in
    said = page.evaluate("window.said")
    assert len(said) == 1 and said[0].startswith("Planned at 7 h a week. ML Engineer: finished")


def test_hours_stepped_with_the_arrows_are_each_saved_and_said_once_they_stop(
    learner_page, live_server, user
):
    """Each step of the arrows saved the plan and had it read out (about 110 characters): four
    presses, four plans. Each is still saved at once; the plan is said once the steps stop."""
    user.hours_per_week = 6
    user.save()
    page = listening(learner_page, live_server, user)
    field = page.get_by_label("Hours a week you can give")
    field.focus()
    for _ in range(4):
        field.press("ArrowUp")
        page.wait_for_timeout(150)
    expect(page.locator("#hours-status")).to_have_text("Planned at 10 h a week.")
    expect(page.locator("#plan-said")).to_contain_text("Planned at 10 h a week.")
    page.wait_for_timeout(1200)  # any later answer in
    said = page.evaluate("window.said")
    assert len(said) == 1 and said[0].startswith("Planned at 10 h a week. ML Engineer: finished")
    user.refresh_from_db()
    assert user.hours_per_week == 10


def test_a_refused_number_left_for_another_field_leaves_the_cursor_there(
    learner_page, live_server, user
):
    """The field sends itself as it is left: its refusal took the cursor back from the date
    field the learner had moved to, and what they typed next went into the hours."""
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    field = page.get_by_label("Hours a week you can give")
    field.fill("81")
    date = page.get_by_label("Target date for ML Engineer")
    date.click()
    expect(page.locator("#hours-status")).to_contain_text("from 1 to 80.")
    expect(field).to_have_attribute("aria-invalid", "true")
    page.wait_for_timeout(300)
    expect(date).to_be_focused()


def test_a_refused_number_typed_back_to_the_plan_is_said(learner_page, live_server, user):
    """600 refused, then 60 (the plan's hours) again: the error went, but nothing said so."""
    page = learner_page
    field = planning(page, live_server, user, 60)
    field.fill("600")
    field.press("Enter")
    expect(page.locator("#plan-said")).to_contain_text("The plan stays at 60 h a week.")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.press("Backspace")
    field.press("Enter")
    expect(page.locator("#plan-said")).to_have_text("Planned at 60 h a week.")
    expect(field).not_to_have_attribute("aria-invalid", "true")


def test_a_number_typed_slowly_is_planned_once_it_is_whole(learner_page, live_server, user):
    """A pause between two digits planned, and read out, the first digit alone: 1 h a week."""
    page = listening(learner_page, live_server, user)
    field = page.get_by_label("Hours a week you can give")
    field.press_sequentially("15", delay=1_000)  # a digit a second, as a switch or voice user types
    page.wait_for_timeout(1_000)
    user.refresh_from_db()
    assert user.hours_per_week is None  # nothing planned while typing
    assert page.evaluate("window.said") == []
    field.press("Tab")  # done typing: the field sends itself
    expect(page.locator("#plan-said")).to_contain_text("Planned at 15 h a week.")
    said = page.evaluate("window.said")
    assert len(said) == 1 and said[0].startswith("Planned at 15 h a week. ML Engineer: finished")
    user.refresh_from_db()
    assert user.hours_per_week == 15
    # Stepped with the arrow keys, the plan follows each step.
    field.focus()
    field.press("ArrowUp")
    expect(page.locator("#plan-said")).to_contain_text("Planned at 16 h a week.")
    expect(field).to_be_focused()


def test_hours_typed_and_left_for_another_page_at_once_are_saved(learner_page, live_server, user):
    """Sent half a second after the change, they were lost when the learner went on at once."""
    learner_page.goto(f"{live_server.url}/dashboard/")
    learner_page.get_by_label("Hours a week you can give").fill("17")
    learner_page.get_by_role("link", name="Roadmap", exact=True).first.click()
    expect(learner_page).to_have_url(f"{live_server.url}/")
    user.refresh_from_db()
    assert user.hours_per_week == 17


def test_hours_typed_then_saved_with_the_button_are_sent_once(learner_page, live_server, user):
    """Clicking "Update plan" left the field, which sent itself, and the button's request then
    cancelled that one: htmx logged two errors in the console for an ordinary save."""
    page = learner_page
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    errors, posts = [], []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Hours a week you can give").fill("8")
    page.get_by_role("button", name="Update plan").click()
    expect(page.get_by_text("Planned at 8 h a week.", exact=True)).to_be_visible()
    page.wait_for_timeout(300)
    assert errors == []
    assert len(posts) == 1
    user.refresh_from_db()
    assert user.hours_per_week == 8


def test_a_target_date_is_said_alone_not_with_the_whole_plan(learner_page, live_server, user):
    """The plan was a live region: a date set read out the hours left, the finish date and the
    pace as well, and a refused one had its reason somewhere in the middle of all that."""
    page = listening(learner_page, live_server, user)
    card = page.get_by_role("article", name="ML Engineer", exact=True)
    date = card.get_by_label("Target date for ML Engineer")
    target = timezone.localdate() + datetime.timedelta(weeks=10)
    date.fill(target.isoformat())
    date.press("Enter")
    said = page.locator("#plan-said")
    expect(said).to_have_text(
        re.compile(rf"^ML Engineer: To finish by {target.day} {target:%B %Y}: \d+ h a week\.$")
    )
    date.fill("2001-01-01")
    date.press("Enter")
    expect(said).to_contain_text("ML Engineer: Choose a target date after today")
    assert "of work left" not in said.text_content()
    expect(page.locator("[aria-live] .plan, .plan[aria-live]")).to_have_count(0)
    assert len(page.evaluate("window.said")) == 2


def test_a_target_date_said_is_not_left_to_read_once_its_track_is_unfollowed(
    learner_page, live_server, user
):
    """What a date did stayed in the plan's status line: a screen reader going through the page
    after Unfollow still found "To finish by …" there, of a target the card said was cleared."""
    for slug in ("ml-engineer", "data-scientist"):
        EnrollmentFactory(user=user, track=Track.objects.get(slug=slug))
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    card = page.get_by_role("article", name="Data Scientist", exact=True)
    date = card.get_by_label("Target date for Data Scientist")
    date.fill((timezone.localdate() + datetime.timedelta(weeks=30)).isoformat())
    date.press("Enter")
    said = page.locator("#plan-said")
    expect(said).to_contain_text("Data Scientist: To finish by")
    card.get_by_role("button", name="Unfollow Data Scientist").click()
    expect(card).to_contain_text("You no longer follow Data Scientist. Its target date")
    expect(said).to_be_empty()


def test_hours_emptied_while_the_last_are_on_their_way_leave_the_page_saying_them(
    learner_page, live_server, user, monkeypatch
):
    """The emptied field's request cancelled the one of the hours before: those were saved,
    the page kept saying the plan before them."""

    class SlowHoursForm(dashboard_views.HoursForm):
        def is_valid(self):
            if self.data.get("hours_per_week") == "7":
                time.sleep(1.5)  # still on its way when the field is emptied
            return super().is_valid()

    monkeypatch.setattr(dashboard_views, "HoursForm", SlowHoursForm)
    page = learner_page
    field = planning(page, live_server, user, 5)
    field.fill("7")
    field.press("Tab")  # left: the field sends 7
    field.focus()
    field.fill("")
    field.press("Tab")  # left again, emptied, while 7 is on its way
    expect(page.locator("#hours-status")).to_contain_text("Planned at 7 h a week.", timeout=5000)
    user.refresh_from_db()
    assert user.hours_per_week == 7
