import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from roadmap.models import Enrollment
from tests.conftest import log_in_browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "analytical-engine-1843"


def test_a_visitor_signs_up_chooses_a_track_logs_out_and_logs_back_in(page, live_server, roadmap):
    page.goto(live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")

    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password confirmation").fill("short")
    page.get_by_role("button", name="Create my account").click()
    # Said under the password, the field to change, and the cursor is there.
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    expect(page.get_by_label("Password confirmation")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("This password is too short.")).to_be_visible()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Which career tracks do you want to follow?"
    )
    welcome = page.get_by_text("Welcome, ada! Your account is ready.")
    expect(welcome).to_be_visible()
    # The message is as wide as the page's column, not the whole width of the wider pages.
    message, column = welcome.bounding_box(), page.locator("main .narrow").bounding_box()
    assert (message["x"], message["width"]) == (column["x"], column["width"])
    page.get_by_role("checkbox", name="Data Scientist").check()
    page.get_by_role("button", name="Save and go to the roadmap").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Saved. You follow: Data Scientist.")).to_be_visible()
    user = get_user_model().objects.get(username="ada")
    assert list(Enrollment.objects.filter(user=user).values_list("track__slug", flat=True)) == [
        "data-scientist"
    ]

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="ada")).to_be_visible()
    nav.get_by_role("button", name="Log out").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)

    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(nav.get_by_role("link", name="ada")).to_be_visible()
    nav.get_by_role("link", name="ada").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_role("region", name="Tracks you follow")).to_contain_text("Data Scientist")


def test_signing_up_from_a_milestone_lands_on_it_even_outside_the_tracks_chosen(
    page, live_server, roadmap
):
    """It counts toward ML Engineer and Data Scientist; the learner follows Research Scientist,
    whose view of the roadmap doesn't show it: they landed at the top of a page without it."""
    page.goto(live_server.url)
    card = page.locator("#deploy-a-prediction-api")
    card.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("checkbox", name="Research Scientist").check()
    page.get_by_role("button", name="Save my tracks").click()

    expect(page).to_have_url(f"{live_server.url}/?track=all#deploy-a-prediction-api")
    checkbox = page.get_by_role("checkbox", name="Serve the trained model behind a simple web API")
    expect(checkbox).to_be_in_viewport()


def test_a_forms_error_box_stands_apart_from_the_first_label(page, live_server, user):
    """The box of "Please enter a correct username and password." touched "Username"."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    alert = page.get_by_role("alert").filter(has_text="Please enter a correct username")
    box = alert.bounding_box()
    label = page.locator("label[for=id_username]").bounding_box()
    assert label["y"] - (box["y"] + box["height"]) >= 8


# Chromium says some clocks by an old name (Asia/Calcutta, Europe/Kiev): the list has the current.
@pytest.mark.parametrize(
    ("browsers", "listed", "said"),
    [
        ("Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo"),
        ("Asia/Kolkata", "Asia/Kolkata", "Asia/Kolkata"),
        ("Europe/Kyiv", "Europe/Kyiv", "Europe/Kyiv"),
        ("Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh", "Asia/Ho Chi Minh"),
        ("Europe/Oslo", "Europe/Oslo", "Europe/Oslo"),  # one clock with Berlin's: not Berlin
    ],
)
def test_the_profile_offers_the_browsers_time_zone_to_a_learner_on_the_sites(
    browser, live_server, roadmap, user, browsers, listed, said
):
    """An account made without JavaScript, or before there were zones, read the site's days with
    nothing to say that the browser knew better."""
    context = browser.new_context(timezone_id=browsers)
    tab = context.new_page()
    log_in_browser(context, live_server, user)
    tab.goto(f"{live_server.url}/accounts/profile/")
    zone = tab.get_by_label("Time zone")
    expect(zone).to_have_value("")
    tab.get_by_role("button", name=f"Use your browser’s time zone: {said}").click()
    expect(zone).to_have_value(listed)
    expect(zone).to_be_focused()
    tab.get_by_role("button", name="Save profile").click()
    expect(tab.get_by_text("Your profile is saved.")).to_be_visible()
    user.refresh_from_db()
    assert user.time_zone == listed
    # Chosen, the zone is the learner's: nothing more is offered.
    expect(tab.get_by_role("button", name=re.compile("Use your browser"))).to_have_count(0)
    context.close()


def test_the_profile_offers_no_time_zone_that_is_the_sites_already(
    browser, live_server, roadmap, user
):
    context = browser.new_context(timezone_id="UTC")  # the site's (settings.TIME_ZONE)
    tab = context.new_page()
    log_in_browser(context, live_server, user)
    tab.goto(f"{live_server.url}/accounts/profile/")
    expect(tab.get_by_label("Time zone")).to_have_value("")
    expect(tab.get_by_role("button", name=re.compile("Use your browser"))).to_have_count(0)
    context.close()


def test_sign_up_takes_the_browsers_time_zone_and_the_profile_changes_it(
    browser, live_server, roadmap
):
    context = browser.new_context(timezone_id="Asia/Tokyo")
    tab = context.new_page()
    tab.goto(f"{live_server.url}/accounts/signup/")
    tab.get_by_label("Username").fill("ada")
    tab.get_by_label("Email address").fill("ada@example.com")
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_label("Password confirmation").fill(PASSWORD)
    tab.get_by_role("button", name="Create my account").click()
    expect(tab.get_by_text("Welcome, ada! Your account is ready.")).to_be_visible()

    tab.goto(f"{live_server.url}/accounts/profile/")
    zone = tab.get_by_label("Time zone")
    expect(zone).to_have_value("Asia/Tokyo")
    zone.select_option(label="America/Sao Paulo")
    tab.get_by_role("button", name="Save profile").click()
    expect(tab.get_by_text("Your profile is saved.")).to_be_visible()
    expect(tab.get_by_label("Time zone")).to_have_value("America/Sao_Paulo")
    assert get_user_model().objects.get(username="ada").time_zone == "America/Sao_Paulo"
    context.close()


def test_hours_out_of_range_on_the_profile_get_the_apps_message(learner_page, live_server, user):
    """The browser's own bubble ("Value must be greater than or equal to 1."), where the
    dashboard's same field says what the app takes, and keeps it in sight."""
    page = learner_page
    page.goto(f"{live_server.url}/accounts/profile/")
    hours = page.get_by_label("Hours a week")
    hours.fill("0")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Give a whole number of hours a week from 1 to 80.")).to_be_visible()
    expect(hours).to_have_attribute("aria-invalid", "true")
    user.refresh_from_db()
    assert user.hours_per_week is None


def test_what_a_save_said_is_where_focus_starts_on_the_page_it_led_to(
    learner_page, live_server, user
):
    """ "Your profile is saved." arrived in the live region already filled: a screen reader
    never read it, and the page's title doesn't say it."""
    page = learner_page
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_focused()
    page.keyboard.press("Tab")  # on into the page, from the top of its content
    assert page.evaluate("document.activeElement.closest('main') !== null")
