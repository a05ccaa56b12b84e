import os
import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from roadmap import focus, progress
from roadmap.models import Milestone, Progress, Status, Track
from tests.conftest import log_in_browser, settled

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MILESTONE = "Serve the trained model behind a simple web API"
SLUG = "deploy-a-prediction-api"
EARLIER = timezone.now() - focus.JUST_DONE - timedelta(minutes=1)  # a tick that isn't a slip


def engineer_bar(page):
    return page.locator("#my-progress").get_by_text("ML Engineer").locator("..")


def test_ticking_updates_the_track_bars_without_a_reload_and_persists(
    learner_page, live_server, user
):
    page = learner_page
    page.goto(live_server.url)
    expect(engineer_bar(page)).to_contain_text("0 % · 0 of")
    page.evaluate("window.sameDocument = true")

    checkbox = page.get_by_role("checkbox", name=MILESTONE)
    checkbox.check()

    expect(engineer_bar(page)).to_contain_text("· 1 of")
    expect(engineer_bar(page)).not_to_contain_text("0 % · 0 of")
    expect(page.get_by_role("checkbox", name=MILESTONE)).to_be_checked()
    expect(page.get_by_role("checkbox", name=MILESTONE)).to_be_focused()
    assert page.evaluate("window.sameDocument") is True
    assert Progress.objects.get(user=user).status == Status.DONE

    page.reload()
    # Done, it is one line: its title and the day; just ticked, it is still open for a slip.
    summary = page.locator(f"#{SLUG} summary")
    expect(summary).to_contain_text(MILESTONE)
    expect(summary).to_contain_text("Done on")
    expect(engineer_bar(page)).to_contain_text("· 1 of")
    expect(page.get_by_role("checkbox", name=MILESTONE)).to_be_checked()

    page.get_by_role("checkbox", name=MILESTONE).uncheck()
    expect(engineer_bar(page)).to_contain_text("0 % · 0 of")
    milestone = page.locator(f"#{SLUG}")
    # Named with the milestone: a screen reader's list of buttons tells the thirty apart.
    mark = milestone.get_by_role("button", name=f"Mark in progress: {MILESTONE}", exact=True)
    mark.click()
    expect(page.locator(f"#state-{SLUG}")).to_have_text("In progress")
    unmark = f"Not in progress any more: {MILESTONE}"
    expect(milestone.get_by_role("button", name=unmark, exact=True)).to_be_focused()
    assert Progress.objects.get(user=user).status == Status.IN_PROGRESS
    milestone.get_by_role("button", name=unmark, exact=True).click()
    expect(page.locator(f"#state-{SLUG}")).to_have_text("Not started")
    expect(mark).to_be_focused()


def test_a_tick_says_where_it_is_what_it_did_to_the_tracks(learner_page, live_server, user):
    """The bars moved at the page's top, out of sight (about 1,500 px above on a phone): at the
    milestone nothing said what the tick had done. Said at the last one ticked alone."""
    page = learner_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/?track=all")
    first, second = page.locator("li.milestone").all()[:2]
    first.get_by_role("checkbox").check()
    said = first.locator(".tick-said")
    expect(said).to_have_text(re.compile(r"^ML Engineer now \d+\xa0% · Data Scientist now "))
    percent = re.search(r"ML Engineer now (\d+)", said.inner_text()).group(1)
    expect(engineer_bar(page)).to_contain_text(f"{percent} %")

    second.get_by_role("checkbox").check()

    expect(second.locator(".tick-said")).to_contain_text("ML Engineer now")
    expect(page.locator(".tick-said")).to_have_count(1)
    # In progress moves no percentage: nothing said of them at the milestone.
    third = page.locator("li.milestone").nth(2)
    third.get_by_role("button", name=re.compile("^Mark in progress")).click()
    expect(third.locator("[id^=state-]")).to_have_text("In progress")
    expect(page.locator(".tick-said")).to_have_count(0)
    page.reload()
    expect(page.locator(".tick-said")).to_have_count(0)
    assert errors == []  # htmx said "oobErrorNoTarget" when no older line was there to go


def test_a_note_and_an_evidence_link_are_saved_inline(learner_page, live_server, user):
    page = learner_page
    page.goto(f"{live_server.url}/#{SLUG}")
    milestone = page.locator(f"#{SLUG}")
    milestone.get_by_role("link", name="Add a note or evidence").click()
    expect(milestone.get_by_label("Note")).to_be_focused()

    milestone.get_by_label("Evidence link").fill("javascript:alert(1)")
    milestone.get_by_role("button", name="Save note and evidence").click()
    expect(
        milestone.get_by_text(
            "Enter a web address (http or https), such as https://github.com/you/project."
        )
    ).to_be_visible()
    # Focus goes to the field that is wrong, which a screen reader reads with its error.
    evidence = milestone.get_by_label("Evidence link")
    expect(evidence).to_be_focused()
    expect(evidence).to_have_attribute("aria-invalid", "true")
    assert not Progress.objects.exists()

    milestone.get_by_label("Note").fill("FastAPI + Docker, served on Fly.")
    milestone.get_by_label("Evidence link").fill("https://github.com/me/wine-api")
    milestone.get_by_role("button", name="Save note and evidence").click()
    expect(milestone.locator(".saved-details")).to_contain_text(
        "Your note: FastAPI + Docker, served on Fly."
    )
    expect(milestone.get_by_role("link", name="https://github.com/me/wine-api")).to_have_attribute(
        "rel", "nofollow noopener ugc"
    )
    row = Progress.objects.get(user=user)
    assert row.evidence_url == "https://github.com/me/wine-api"

    page.reload()
    expect(page.locator(f"#{SLUG} .saved-details")).to_contain_text("FastAPI + Docker")

    # Opened again from the keyboard, the caret is after the note: typing adds to it.
    milestone.get_by_role("link", name="Edit note and evidence").focus()
    page.keyboard.press("Enter")
    expect(milestone.get_by_label("Note")).to_be_focused()
    page.keyboard.type(" Then Kubernetes.")
    milestone.get_by_role("button", name="Save note and evidence").click()
    expect(milestone.locator(".saved-details")).to_contain_text(
        "Your note: FastAPI + Docker, served on Fly. Then Kubernetes."
    )


def test_a_link_or_a_note_too_long_is_refused_whole_not_cut(learner_page, live_server, user):
    """The fields' maxlength cut a pasted notebook link to 500 characters: "Note saved", and
    the link saved was broken."""
    page = learner_page
    page.goto(f"{live_server.url}/#{SLUG}")
    milestone = page.locator(f"#{SLUG}")
    milestone.get_by_role("link", name="Add a note or evidence").click()
    link = "https://colab.research.google.com/drive/abc?" + "x" * 560
    milestone.get_by_label("Note").fill("n" * 2001)
    milestone.get_by_label("Evidence link").fill(link)
    expect(milestone.get_by_label("Evidence link")).to_have_value(link)
    milestone.get_by_role("button", name="Save note and evidence").click()
    expect(milestone.get_by_text("Keep the note to 2000 characters (it has 2001).")).to_be_visible()
    expect(milestone.get_by_text("Keep the link to 500 characters (it has 604).")).to_be_visible()
    expect(milestone.get_by_label("Note")).to_have_accessible_description(
        "Keep the note to 2000 characters (it has 2001). Up to 2000 characters."
    )
    assert not Progress.objects.exists()


def test_everything_works_without_javascript(browser, live_server, user, roadmap):
    context = browser.new_context(java_script_enabled=False)
    log_in_browser(context, live_server, user)
    page = context.new_page()
    page.goto(live_server.url)
    milestone = page.locator(f"#{SLUG}")

    page.get_by_role("checkbox", name=MILESTONE).check()
    milestone.get_by_role("button", name="Save").first.click()
    expect(page).to_have_url(f"{live_server.url}/#{SLUG}")  # back to the page it came from
    expect(milestone.locator("summary")).to_contain_text("Done on")
    expect(engineer_bar(page)).to_contain_text("· 1 of")
    # Folded, but open just after its tick: a slip can be unticked at once.
    expect(page.get_by_role("checkbox", name=MILESTONE)).to_be_checked()
    milestone.locator("summary").click()  # it folds and opens without JavaScript too
    expect(page.get_by_role("checkbox", name=MILESTONE)).not_to_be_visible()
    milestone.locator("summary").click()

    milestone.get_by_role("link", name="Add a note or evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Note and evidence")
    page.get_by_label("Evidence link").fill("ftp://example.com/x")
    page.get_by_role("button", name="Save note and evidence").click()
    expect(
        page.get_by_text(
            "Enter a web address (http or https), such as https://github.com/you/project."
        )
    ).to_be_visible()

    page.get_by_label("Note").fill("Works without scripts too.")
    page.get_by_label("Evidence link").fill("https://example.com/notebook")
    page.get_by_role("button", name="Save note and evidence").click()
    expect(page).to_have_url(f"{live_server.url}/#{SLUG}")  # the roadmap's view it came from
    expect(page.locator(f"#{SLUG} .saved-details")).to_contain_text("Works without scripts too.")
    row = Progress.objects.get(user=user)
    assert (row.status, row.note) == (Status.DONE, "Works without scripts too.")
    context.close()


def test_without_javascript_what_a_save_did_is_said_in_sight_of_the_milestone(
    browser, live_server, user, roadmap
):
    """Back at the milestone, far down the page, the learner saw no word of the save: its message
    was at the top of the page, out of sight."""
    context = browser.new_context(java_script_enabled=False)
    log_in_browser(context, live_server, user)
    page = context.new_page()
    page.goto(live_server.url)
    page.get_by_role("checkbox", name=MILESTONE).check()
    page.locator(f"#{SLUG}").get_by_role("button", name="Save").first.click()
    expect(page).to_have_url(f"{live_server.url}/#{SLUG}")
    said = page.get_by_text(f"Marked done: {MILESTONE}.")
    expect(said).to_be_in_viewport()
    box = page.get_by_role("checkbox", name=MILESTONE)
    expect(box).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0  # far down the page, at the milestone
    # Above the milestone, not over it.
    assert said.bounding_box()["y"] + said.bounding_box()["height"] <= box.bounding_box()["y"]
    # On a window too low for it to stay (400 % zoom), the milestone is what is in sight: the
    # message, which would hide a third of it, stays at the top of the page.
    page.set_viewport_size({"width": 320, "height": 256})
    page.get_by_role("checkbox", name=MILESTONE).uncheck()
    page.locator(f"#{SLUG}").get_by_role("button", name="Save").first.click()
    said = page.get_by_text(f"Marked not started: {MILESTONE}.")
    expect(said).to_be_attached()
    expect(said).not_to_be_in_viewport()
    expect(box).to_be_in_viewport(ratio=1)
    context.close()


# What the page's live region is given after it has loaded, as a screen reader hears it.
FLASH_SAID = """document.addEventListener("DOMContentLoaded", () => {
    const flash = document.getElementById("flash");
    window.flashSaid = [];
    new MutationObserver(() => window.flashSaid.push(flash.textContent.trim()))
        .observe(flash, {childList: true, characterData: true, subtree: true});
})"""


def test_a_note_saved_on_its_own_page_says_so_in_sight_of_the_milestone(
    learner_page, live_server, user
):
    """The note's own page is a plain form, with JavaScript too (opened in a new tab, say): back
    at the milestone far down the page, its "Note saved" was at the top, out of sight."""
    page = learner_page
    page.add_init_script(FLASH_SAID)
    page.goto(f"{live_server.url}/milestones/{SLUG}/details/")
    page.get_by_label("Note").fill("Served on Fly.")
    page.get_by_role("button", name="Save note and evidence").click()
    expect(page).to_have_url(re.compile(rf"#{SLUG}$"))
    # Read out too, with focus left at the milestone: it arrived in the live region with the
    # page, which a screen reader doesn't read out, until the page put it there again.
    page.wait_for_function(
        "said => window.flashSaid.includes(said)", arg=f"Note saved: {MILESTONE}."
    )
    assert page.evaluate("document.activeElement === document.body")  # Tab goes on from it
    said = page.get_by_text(f"Note saved: {MILESTONE}.")
    expect(said).to_be_in_viewport()
    note = page.locator(f"#{SLUG} .saved-details")
    expect(note).to_be_in_viewport()
    assert said.bounding_box()["y"] + said.bounding_box()["height"] <= note.bounding_box()["y"]
    # Opened again, the caret is after the note, as in the editor on the roadmap: what was
    # typed went in front of it ("Then Kubernetes.Served on Fly.").
    page.goto(f"{live_server.url}/milestones/{SLUG}/details/")
    expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.type(" Then Kubernetes.")
    expect(page.get_by_label("Note")).to_have_value("Served on Fly. Then Kubernetes.")


@pytest.mark.parametrize("debug", [False, True], ids=["served", "under make run"])
def test_a_tick_the_server_refuses_is_undone_and_the_reason_shows_where_the_learner_is(
    learner_page, live_server, user, settings, debug
):
    """Far down the page, a tick refused (here: the session and its CSRF cookie are gone) left
    the box ticked, and said why only at the top of the page, out of sight. With DEBUG on, the
    refusal replaced the whole page."""
    settings.DEBUG = debug
    page = learner_page
    page.goto(f"{live_server.url}/?track=all")
    last = page.locator("form.status input[type=checkbox]").last
    last.scroll_into_view_if_needed()
    page.context.clear_cookies()

    last.click()  # not check(): the page may undo it before Playwright looks

    message = page.get_by_text("Your session has expired or the page is out of date.")
    expect(message).to_be_in_viewport()
    expect(last).not_to_be_checked()
    expect(last).to_be_focused()
    assert not Progress.objects.filter(user=user).exists()


def test_on_a_window_too_low_for_it_a_refused_ticks_message_is_not_pinned(
    learner_page, live_server
):
    """At 400 % zoom the message stayed at the top of the window, over half of it, until the
    next request, as the message of a save without JavaScript does not."""
    page = learner_page
    page.set_viewport_size({"width": 320, "height": 256})
    page.goto(f"{live_server.url}/?track=all")
    form = page.locator("form.status").last
    page.route(f"**{form.get_attribute('action')}", lambda route: route.fulfill(status=500))
    box = form.get_by_role("checkbox")
    box.scroll_into_view_if_needed()
    box.click()
    message = page.get_by_text("Something went wrong on our side (error 500).")
    expect(message).to_be_attached()  # said (assertive), at the top of the page
    expect(box).not_to_be_checked()
    expect(box).to_be_focused()
    expect(message).not_to_be_in_viewport()
    expect(box).to_be_in_viewport(ratio=1)


def test_a_refused_tick_stays_said_while_another_tick_finishes(learner_page, live_server, user):
    """Two ticked in a row, the first saved a little late, the second refused: the refresh that
    follows the first tick emptied the message, and the second box was unticked without a word."""
    import time

    page = learner_page
    page.goto(f"{live_server.url}/?track=all")
    first, second = page.locator("form.status").all()[:2]

    def late(route):
        response = route.fetch()
        time.sleep(0.8)
        route.fulfill(response=response)

    page.route(f"**{first.get_attribute('action')}", late)
    page.route(f"**{second.get_attribute('action')}", lambda route: route.fulfill(status=500))
    # Until the refresh of the roadmap's tools that follows the first tick, once it is saved.
    tools = "roadmap-tools"
    with page.expect_response(lambda answer: answer.request.headers.get("hx-target") == tools):
        first.get_by_role("checkbox").click()
        second.get_by_role("checkbox").click()
    page.wait_for_timeout(200)  # its answer swapped in
    message = page.get_by_text("Something went wrong on our side (error 500).")
    expect(first.get_by_role("checkbox")).to_be_checked()
    expect(message).to_be_visible()
    expect(second.get_by_role("checkbox")).not_to_be_checked()


def test_a_tick_on_its_way_says_saving_until_it_is_saved(learner_page, live_server, user):
    """On a slow connection the box showed ticked for seconds beside "Not started" and "Mark in
    progress", as if nothing were being done."""
    page = learner_page
    page.goto(f"{live_server.url}/?track=all")
    form = page.locator("form.status").first
    held = []
    page.route(f"**{form.get_attribute('action')}", lambda route: held.append(route))
    state = form.locator("[id^=state-]")

    def shown():
        return state.evaluate(
            "line => getComputedStyle(line).visibility === 'visible' ? line.textContent"
            " : getComputedStyle(line, '::before').content"
        )

    assert shown() == "Not started"
    button = form.get_by_role("button", name=re.compile("Mark in progress"))

    def place():  # in its form (the page scrolls to the box ticked)
        box, around = button.bounding_box(), form.bounding_box()
        return box["x"] - around["x"], box["y"] - around["y"]

    where = place()
    form.get_by_role("checkbox").check()
    expect(form).to_have_class(re.compile(r"\bhtmx-request\b"))
    assert shown() == '"Saving…"'
    assert place() == where  # "Saving…" beside the hidden state pushed it along
    while not held:  # the request, held on its way
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(state).to_contain_text("Done on")
    expect(form).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    assert state.evaluate("line => getComputedStyle(line).visibility") == "visible"


def test_a_milestones_controls_wait_while_its_tick_is_saving(learner_page, live_server, user):
    """On a slow connection a second click while the tick was saving unticked the box beside
    "Saving…"; the click was never sent, and the saved tick came back: the untick was lost
    without a word. Until the tick is saved its controls say they are unavailable, and a click
    changes nothing; then they work again."""
    page = learner_page
    page.goto(f"{live_server.url}/?track=all")
    form = page.locator("form.status").first
    box = form.get_by_role("checkbox")
    held = []
    page.route(f"**{form.get_attribute('action')}", lambda route: held.append(route))
    box.check()
    while not held:  # the tick, held on its way
        page.wait_for_timeout(20)
    expect(box).to_have_attribute("aria-disabled", "true")
    # An untick (a slip of the mouse, a change of mind), "in progress": clicked all the same,
    # past what Playwright would wait for (an enabled control), as a user may.
    box.click(force=True)
    expect(box).to_be_checked()
    form.get_by_role("button", name=re.compile("Mark in progress")).click(force=True)
    box.press("Enter")
    expect(box).to_be_checked()
    held[0].continue_()
    expect(form.locator("[id^=state-]")).to_contain_text("Done on")
    page.unroute(f"**{form.get_attribute('action')}")
    assert len(held) == 1  # nothing else was sent, or queued to be
    assert Progress.objects.get(user=user).status == Status.DONE

    box = page.locator("form.status").first.get_by_role("checkbox")
    expect(box).not_to_have_attribute("aria-disabled", "true")
    box.uncheck()  # saved, the untick is taken
    expect(page.locator("form.status").first.locator("[id^=state-]")).to_have_text("Not started")
    assert Progress.objects.get(user=user).status == Status.NOT_STARTED


@pytest.mark.parametrize("answer", ["refused", "lost"])
def test_a_tick_that_fails_gives_its_controls_back(learner_page, live_server, user, answer):
    """Held while the tick was saving, the controls are free again once it fails (an error, a
    connection lost), with the box as it was: a click then is sent."""
    page = learner_page
    page.goto(f"{live_server.url}/?track=all")
    form = page.locator("form.status").first
    box = form.get_by_role("checkbox")
    url = f"**{form.get_attribute('action')}"
    held = []
    page.route(url, lambda route: held.append(route))
    box.check()
    while not held:
        page.wait_for_timeout(20)
    expect(box).to_have_attribute("aria-disabled", "true")
    if answer == "refused":
        held[0].fulfill(status=500, body="Server error")
    else:
        held[0].abort()
    expect(box).not_to_be_checked()
    expect(box).not_to_have_attribute("aria-disabled", "true")
    page.unroute(url)
    box.check()
    expect(form.locator("[id^=state-]")).to_contain_text("Done on")
    assert Progress.objects.get(user=user).status == Status.DONE


def test_unticking_a_folded_done_milestone_changes_its_one_line_too(
    learner_page, live_server, user
):
    """The folded line kept saying "Done on …", in green, over a card that said "Not started"."""
    page = learner_page
    milestone = Milestone.objects.get(slug=SLUG)
    progress.set_status(user=user, milestone=milestone, status=Status.DONE, now=EARLIER)
    page.goto(f"{live_server.url}/?track=all")
    milestone = page.locator(f"#{SLUG}")
    summary = milestone.locator("summary")
    expect(summary).to_contain_text("Done on")
    done_colour = milestone.evaluate("li => getComputedStyle(li).borderLeftColor")

    summary.click()
    page.get_by_role("checkbox", name=MILESTONE).uncheck()
    expect(page.locator(f"#state-{SLUG}")).to_have_text("Not started")
    expect(summary).to_have_text(re.compile(r"Not started$"), use_inner_text=True)
    expect(summary).not_to_contain_text("Done", use_inner_text=True)
    assert milestone.evaluate("li => getComputedStyle(li).borderLeftColor") != done_colour

    milestone.get_by_role("button", name="Mark in progress").click()
    expect(summary).to_have_text(re.compile(r"In progress$"), use_inner_text=True)
    page.get_by_role("checkbox", name=MILESTONE).check()
    expect(summary).to_contain_text("Done on", use_inner_text=True)
    expect(summary).not_to_contain_text("In progress", use_inner_text=True)


def test_an_open_done_milestone_shows_its_title_and_day_once(learner_page, live_server, user):
    """Open, its one line repeated the title and "Done on …" right above the card's own
    heading and state: two lines more per milestone on a phone. Open, it says "Show less"."""
    page = learner_page
    milestone = Milestone.objects.get(slug=SLUG)
    progress.set_status(user=user, milestone=milestone, status=Status.DONE, now=EARLIER)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/?track=all")
    card = page.locator(f"#{SLUG}")
    summary = card.locator("summary")
    expect(summary).to_contain_text("Done on", use_inner_text=True)
    folded = summary.bounding_box()["height"]

    summary.click()
    expect(summary.get_by_text("Show less")).to_be_visible()
    expect(page.get_by_role("heading", name=MILESTONE)).to_be_visible()
    assert summary.bounding_box()["height"] < folded  # the title no longer takes two lines
    # A screen reader hears which milestone it folds.
    expect(summary).to_have_accessible_name(re.compile(rf"^Show less +{MILESTONE} +Done on"))

    summary.click()
    expect(summary.get_by_text("Show less")).to_be_hidden()
    assert summary.bounding_box()["height"] == folded


def test_without_javascript_enter_on_a_ticked_checkbox_saves_it_done(browser, live_server, user):
    """Enter submits a form with its first button: Save, not "Mark in progress"."""
    call_command("load_roadmap", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    engineer = Track.objects.get(name="ML Engineer")
    context = browser.new_context(java_script_enabled=False)
    log_in_browser(context, live_server, user)
    page = context.new_page()
    page.goto(f"{live_server.url}/?track={engineer.slug}")
    checkbox = page.get_by_role("checkbox", name=MILESTONE)
    checkbox.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/?track={engineer.slug}#{SLUG}")
    expect(page.locator(f"#{SLUG} summary")).to_contain_text("Done on")
    assert Progress.objects.get(user=user).status == Status.DONE
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_without_javascript_the_save_button_keeps_the_controls_in_line(
    browser, live_server, user, width
):
    """The Save button a page without JavaScript has sat under the checkbox and pushed the
    state a column to the right of where it is with JavaScript."""
    call_command("load_roadmap", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    progress.set_status(user=user, milestone=Milestone.objects.get(slug=SLUG), status=Status.DONE)
    lefts = {}
    for scripts in (True, False):
        context = browser.new_context(
            java_script_enabled=scripts, viewport={"width": width, "height": 800}
        )
        log_in_browser(context, live_server, user)
        page = context.new_page()
        page.goto(f"{live_server.url}/?track=all#{SLUG}")
        first = page.get_by_role("button", name=f"Save: {MILESTONE}") if not scripts else None
        state = page.locator(f"#state-{SLUG}")
        lefts[scripts] = (first or state).bounding_box()["x"]
        if not scripts:  # beside Save, on its line
            assert state.bounding_box()["y"] == pytest.approx(first.bounding_box()["y"], abs=12)
        context.close()
    assert lefts[False] == pytest.approx(lefts[True], abs=1)


def test_without_javascript_the_page_says_each_milestone_saves_on_its_own(
    browser, live_server, user
):
    """Two boxes ticked and one Save pressed kept only that one, without a word."""
    call_command("load_roadmap", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    for scripts in (True, False):
        context = browser.new_context(java_script_enabled=scripts)
        log_in_browser(context, live_server, user)
        page = context.new_page()
        page.goto(live_server.url)
        hint = page.get_by_text("Each milestone saves on its own")
        if scripts:  # a tick saves at once
            expect(hint).to_be_hidden()
        else:
            expect(hint).to_be_visible()
            expect(hint).to_have_text(
                "Each milestone saves on its own: press Save beside a box you tick before you"
                " tick another."
            )
        context.close()


def test_a_tab_left_open_when_another_logs_in_as_someone_else_changes_nothing(
    learner_page, live_server, user
):
    """The other tab's login: this tab, still showing the first learner's name and note, opened
    the second one's note in its editor, and saved what was typed into the second's account."""
    from tests.factories import UserFactory

    page = learner_page
    page.goto(f"{live_server.url}/?track=all")
    other = UserFactory(username="someone-else")
    log_in_browser(page.context, live_server, other)  # in another tab of this browser

    page.get_by_role("link", name=f"Add a note or evidence for {MILESTONE}").click()
    alert = page.locator("#flash")
    expect(alert).to_contain_text("another account than the one logged in now")
    expect(page.get_by_role("textbox", name="Note")).to_have_count(0)

    checkbox = page.get_by_role("checkbox", name=MILESTONE)
    checkbox.click()  # not check(): the page undoes the tick, maybe before Playwright looks
    expect(alert).to_contain_text("Nothing was changed: copy what you typed")
    expect(checkbox).not_to_be_checked()
    assert not Progress.objects.exists()

    page.reload()  # as the account logged in now
    expect(page.get_by_role("link", name="someone-else")).to_be_visible()


def first_editor_with(page, live_server, typed):
    """The whole roadmap's first milestone card, its note editor open with `typed` in it."""
    page.goto(f"{live_server.url}/?track=all")
    first = Milestone.objects.active().order_by("section__position", "position", "pk").first()
    card = page.locator(f"#{first.slug}")
    card.get_by_role("link", name="Add a note or evidence").click()
    card.get_by_label("Note").fill(typed)
    settled(page)
    return card


def test_a_control_that_redraws_the_roadmap_asks_before_it_throws_away_a_note_being_typed(
    learner_page, live_server, user
):
    """A focus link, Hide done or Dismiss redraws the roadmap's body: an open note editor went
    with it, and what was typed in it, without a word (Cancel and Escape ask)."""
    page = learner_page
    card = first_editor_with(page, live_server, "Half a thought")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    focus_links = page.get_by_role("navigation", name="Focus on a career track")
    focus_links.get_by_role("link", name="ML Engineer").click()
    expect(card.get_by_label("Note")).to_have_value("Half a thought")
    assert asked == ["Throw away the changes to this note?"]
    assert page.url.endswith("/?track=all")
    page.once("dialog", lambda dialog: dialog.accept())
    focus_links.get_by_role("link", name="ML Engineer").click()
    expect(page).to_have_url(re.compile(r"\?track=ml-engineer$"))
    expect(page.get_by_label(re.compile(r"^Note on "))).to_have_count(0)


def test_the_notes_own_page_is_left_by_its_save_or_a_confirmed_cancel_without_more_questions(
    learner_page, live_server, user
):
    """Its Save is a plain form: leaving the page that way must not ask whether to leave it."""
    page = learner_page
    milestone = Milestone.objects.active().first()
    editor = f"{live_server.url}/milestones/{milestone.slug}/details/"
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.goto(editor)
    page.get_by_label(re.compile(r"^Note on ")).fill("Saved on its own page")
    page.get_by_role("button", name="Save note and evidence").click()
    expect(page).not_to_have_url(editor)
    assert Progress.objects.get(user=user, milestone=milestone).note == "Saved on its own page"
    page.goto(editor)
    page.get_by_label(re.compile(r"^Note on ")).fill("Thrown away")
    page.get_by_role("link", name="Cancel").click()
    expect(page).not_to_have_url(editor)
    assert asked == ["confirm"]  # asked once, by Cancel: not again by the page as it goes
    assert Progress.objects.get(user=user, milestone=milestone).note == "Saved on its own page"


def test_a_note_typed_again_after_a_cancel_that_failed_is_guarded_again(
    learner_page, live_server, user
):
    """Thrown away by Cancel, whose request failed: the editor stayed, and what was typed in it
    next went without a question when the learner left the page."""
    page = learner_page
    card = first_editor_with(page, live_server, "First try")
    page.route("**/details/?show=saved", lambda route: route.fulfill(status=500))
    page.once("dialog", lambda dialog: dialog.accept())  # Cancel: throw it away
    card.get_by_role("link", name="Cancel").click()
    expect(page.locator("#flash")).to_contain_text("Something went wrong")
    card.get_by_label("Note").fill("Second try, worth keeping")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(card.get_by_label("Note")).to_have_value("Second try, worth keeping")


def test_leaving_the_page_with_a_note_typed_asks_first(learner_page, live_server, user):
    """A tick after the session ended sends the page to the login page: a note being typed in
    another milestone's editor went with it, without a word (as did a link, or closing the tab)."""
    page = learner_page
    card = first_editor_with(page, live_server, "Half a thought")
    second = Milestone.objects.active().order_by("section__position", "position", "pk")[1]
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    import_module(settings.SESSION_ENGINE).SessionStore(key).delete()  # the session ends
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    box = page.get_by_role("checkbox", name=second.title, exact=True)
    box.click()
    expect(card.get_by_label("Note")).to_have_value("Half a thought")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith("/?track=all")
    # Stayed: the tick, not saved, is undone and said (it stood ticked, as if saved).
    expect(box).not_to_be_checked()
    expect(page.locator("#flash")).to_contain_text(
        "Your session had ended: that change was not saved. Log in and make it again."
    )
    # Sent, it may go: the draft waits for the login (no question).
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    card.get_by_role("button", name="Save note and evidence").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert asked == ["beforeunload"]
