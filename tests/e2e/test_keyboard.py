"""A learner who uses only the keyboard can skip the header, tick a milestone and follow a track.

Nothing here clicks: focus moves with Tab, and Space or Enter does the rest. Where focus is gets
checked after every step that could lose it.
"""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from roadmap import changes, progress
from roadmap.models import Enrollment, Milestone, Progress, Status, Track
from tests.conftest import log_in_browser, settled
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABS_ENOUGH = 60


def focused(page):
    """What has focus, as a short description for failure messages."""
    return page.evaluate(
        "() => { const e = document.activeElement; if (!e) return 'nothing';"
        " const text = (e.textContent || '').trim().slice(0, 40);"
        " return `${e.tagName.toLowerCase()}#${e.id} ${text}`; }"
    )


def tab_to(page, target):
    """Press Tab until `target` has focus, as a keyboard user would; return what had focus on
    the way there."""
    visited = []
    for _ in range(TABS_ENOUGH):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return visited
        visited.append(focused(page))
    raise AssertionError(f"Tab never reached {target}; focus went through {visited}")


def press_to_tick(page, key):
    """Press `key` on the focused checkbox and wait for the tick's answer."""
    with page.expect_response(lambda response: "/status/" in response.url and response.ok):
        page.keyboard.press(key)


def test_the_skip_link_comes_first_and_skips_the_header(page, live_server, roadmap, user):
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/#main")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), focused(page)


def test_the_map_can_be_skipped_in_one_step(page, live_server, roadmap, user):
    """Without it, a keyboard user tabs through 30 milestone links before the first checkbox."""
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    skip = page.get_by_role("navigation", name="Roadmap map").get_by_role(
        "link", name="Skip the map"
    )
    tab_to(page, skip)
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    # Landed on something seen and named: an empty element, it said nothing and showed nothing.
    end = page.get_by_text("End of the map")
    expect(end).to_be_focused()
    expect(end).to_be_visible()
    page.keyboard.press("Tab")  # past the map: the first link of "Next up"
    assert page.evaluate("document.activeElement.closest('#next-up') !== null"), focused(page)


def test_a_milestone_is_ticked_with_the_space_bar_and_keeps_focus(page, live_server, roadmap, user):
    first = Milestone.objects.active().order_by("section__position", "position", "pk").first()
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    bars = page.locator("#my-progress .bar-text")
    expect(bars).to_have_count(3)
    for bar in bars.all():
        expect(bar).to_have_text(
            re.compile(r"^0 % · 0 of \d+ milestones done · weighted: 0 of \d+\spoints$")
        )
    page.evaluate("window.sameDocument = true")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    checkbox = page.get_by_role("checkbox", name=first.title, exact=True)
    expect(checkbox).to_have_attribute("id", f"done-{first.slug}")
    passed = tab_to(page, checkbox)
    assert not [element for element in passed if element.startswith("input")], passed
    expect(checkbox).not_to_be_checked()

    press_to_tick(page, "Space")

    expect(checkbox).to_be_checked()
    expect(page.locator(f"#state-{first.slug}")).to_have_text(re.compile(r"^Done on "))
    for bar in bars.all():
        expect(bar).to_have_text(
            re.compile(r"^\d+ % · 1 of \d+ milestones done · weighted: \d of \d+\spoints$")
        )
    expect(checkbox).to_be_focused()
    assert page.evaluate("window.sameDocument") is True
    assert Progress.objects.get(user=user, milestone=first).status == Status.DONE

    settled(page)

    press_to_tick(page, "Space")

    expect(checkbox).not_to_be_checked()
    for bar in bars.all():
        expect(bar).to_have_text(
            re.compile(r"^0 % · 0 of \d+ milestones done · weighted: 0 of \d+\spoints$")
        )
    expect(checkbox).to_be_focused()
    assert Progress.objects.get(user=user, milestone=first).status == Status.NOT_STARTED


def test_enter_on_a_checkbox_ticks_it_like_space(page, live_server, roadmap, user):
    """Enter on a focused checkbox would submit its form without JavaScript's help and reload
    the page; here it ticks the milestone in place, and focus stays on the checkbox."""
    first = Milestone.objects.active().order_by("section__position", "position", "pk").first()
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    page.evaluate("window.sameDocument = true")
    checkbox = page.get_by_role("checkbox", name=first.title, exact=True)
    checkbox.focus()

    press_to_tick(page, "Enter")

    expect(checkbox).to_be_checked()
    expect(checkbox).to_be_focused()
    assert page.evaluate("window.sameDocument") is True
    assert Progress.objects.get(user=user, milestone=first).status == Status.DONE
    settled(page)
    press_to_tick(page, "Enter")
    expect(checkbox).not_to_be_checked()
    expect(checkbox).to_be_focused()


def test_the_in_progress_button_of_a_milestone_ticked_elsewhere_leaves_focus_on_its_box(
    page, live_server, roadmap, user
):
    """The answer has no in-progress button for a done milestone: focus fell to the page's
    body, and a screen reader lost its place."""
    first = Milestone.objects.active().order_by("section__position", "position", "pk").first()
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    progress.set_status(user=user, milestone=first, status=Status.DONE)  # in another tab
    button = page.get_by_role("button", name=f"Mark in progress: {first.title}")
    button.focus()
    with page.expect_response(lambda response: "/status/" in response.url and response.ok):
        page.keyboard.press("Enter")
    checkbox = page.get_by_role("checkbox", name=first.title, exact=True)
    expect(checkbox).to_be_checked()
    expect(page.locator(f"#status-{first.slug}")).to_contain_text("It was ticked elsewhere")
    expect(checkbox).to_be_focused()
    assert Progress.objects.get(user=user, milestone=first).status == Status.DONE


def test_focus_comes_back_to_the_note_link_after_saving_or_cancelling(
    page, live_server, roadmap, user
):
    first = Milestone.objects.active().order_by("section__position", "position", "pk").first()
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    milestone = page.locator(f"#{first.slug}")
    add = milestone.get_by_role("link", name=f"Add a note or evidence for {first.title}")
    tab_to(page, add)
    page.keyboard.press("Enter")
    expect(milestone.get_by_label("Note")).to_be_focused()
    page.keyboard.type("Picked the UCI wine data.")
    tab_to(page, milestone.get_by_role("button", name="Save note and evidence"))
    page.keyboard.press("Enter")
    edit = milestone.get_by_role("link", name=f"Edit note and evidence for {first.title}")
    expect(edit).to_be_focused()
    settled(page)

    page.keyboard.press("Enter")
    expect(milestone.get_by_label("Note")).to_be_focused()
    tab_to(page, milestone.get_by_role("link", name="Cancel"))
    page.keyboard.press("Enter")
    expect(edit).to_be_focused()


def test_escape_on_the_notes_own_page_stays_on_it(page, live_server, roadmap, user):
    """The note's own page (a new tab, or no JavaScript at first) is a page, not an editor in
    the roadmap: Escape, pressed to close a list of suggestions, left it for the roadmap."""
    first = Milestone.objects.active().order_by("section__position", "position", "pk").first()
    log_in_browser(page.context, live_server, user)
    address = live_server.url + reverse("roadmap:details", args=[first.slug])
    page.goto(address)
    note = page.get_by_label("Note")
    note.click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)  # time for a navigation to start, had Escape followed Cancel
    expect(page).to_have_url(address)
    expect(note).to_be_focused()


def test_a_learner_logs_in_and_follows_a_track_with_the_keyboard_alone(
    page, live_server, roadmap, user
):
    # A second followed track: the last one followed can't be unfollowed.
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="data-scientist"))
    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/")
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # Until the page has loaded, htmx isn't there yet and Enter would post the plain form.
    page.wait_for_url(f"{live_server.url}/dashboard/", wait_until="load")
    expect(page).to_have_title("Dashboard · Next Steps")
    page.evaluate("window.sameDocument = true")

    card = page.get_by_role("article", name="ML Engineer", exact=True)
    follow = card.get_by_role("button", name="Follow ML Engineer", exact=True)
    tab_to(page, follow)
    with page.expect_response(lambda response: "/follow/" in response.url and response.ok):
        page.keyboard.press("Enter")

    unfollow = card.get_by_role("button", name="Unfollow ML Engineer", exact=True)
    expect(unfollow).to_be_focused()
    expect(card.get_by_role("heading", name="Next up")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    assert Enrollment.objects.filter(user=user, track__slug="ml-engineer").exists()

    settled(page)

    with page.expect_response(lambda response: "/unfollow/" in response.url and response.ok):
        page.keyboard.press("Enter")

    expect(follow).to_be_focused()
    assert not Enrollment.objects.filter(user=user, track__slug="ml-engineer").exists()
    # Said in the page's messages (the plan has a live region of its own).
    said = page.get_by_role("status").filter(has_text="follow")
    expect(said).to_have_text("You no longer follow ML Engineer.")


def test_focus_stays_on_the_control_used_when_the_roadmap_is_swapped(
    page, live_server, roadmap, user
):
    """A focus link, "Hide done milestones" and "Dismiss" replace the roadmap's body: focus fell
    to the page, and a keyboard user started again from the top, some fifty Tabs away."""
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="ml-engineer"))
    done = Milestone.objects.active().filter(tracks__slug="data-scientist").first()
    # Something to hide: done an hour ago (one just ticked stays, to untick a slip).
    an_hour_ago = timezone.now() - timedelta(hours=1)
    progress.set_status(user=user, milestone=done, status=Status.DONE, now=an_hour_ago)
    user.changes_seen_at = timezone.now() - timedelta(days=3)
    user.save(update_fields=["changes_seen_at"])
    with transaction.atomic():  # as every writer of content does
        before = changes.state()
        Milestone.objects.filter(slug="deploy-a-prediction-api").update(title="Deploy an API")
        changes.record(before, changes.state())
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)

    focus_links = page.get_by_role("navigation", name="Focus on a career track")
    scientist = focus_links.get_by_role("link", name="Data Scientist")
    tab_to(page, scientist)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/?track=data-scientist")
    settled(page)
    expect(focus_links.get_by_role("link", name="Data Scientist")).to_be_focused()

    hide = page.get_by_role("button", name=re.compile("Hide done milestones"))
    tab_to(page, hide)
    page.keyboard.press("Enter")
    show = page.get_by_role("button", name=re.compile("Show done milestones"))
    expect(show).to_be_focused()
    settled(page)

    dismiss = page.get_by_role("button", name="Dismiss these changes")
    dismiss.focus()
    page.keyboard.press("Enter")
    expect(dismiss).to_have_count(0)
    settled(page)
    expect(focus_links.get_by_role("link", name="Data Scientist")).to_be_focused()


INDICATOR = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  const colours = [s.outlineStyle !== 'none' ? s.outlineColor : null]
    .concat((s.boxShadow.match(/rgba?\\([^)]*\\)/g) || []));
  let back = e, bg = 'rgba(0, 0, 0, 0)';
  while (back && /rgba\\(.*, 0\\)$/.test(bg)) {
    bg = getComputedStyle(back).backgroundColor;
    back = back.parentElement;
  }
  return {colours: colours.filter(Boolean), background: bg, what: e.tagName + '#' + e.id};
}"""


def luminance(colour):
    red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", colour)[:3])
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_stands_out_from_what_is_behind_it(page, live_server, roadmap, user):
    """The yellow ring measured 1.8:1 on the white cards and the grey page (WCAG asks 3:1 of a
    focus indicator): faint for a learner who sees poorly."""
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    for _ in range(30):
        page.keyboard.press("Tab")
        ring = page.evaluate(INDICATOR)
        best = max(contrast(colour, ring["background"]) for colour in ring["colours"])
        assert best >= 3, ring


def test_the_skip_link_puts_no_ring_around_the_whole_page(page, live_server, roadmap, user):
    """The focus ring's dark inner ring framed the whole column once the skip link had moved
    focus to it."""
    log_in_browser(page.context, live_server, user)
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    main = page.locator("main")
    expect(main).to_be_focused()
    assert main.evaluate("e => getComputedStyle(e).outlineStyle") == "none"
    assert main.evaluate("e => getComputedStyle(e).boxShadow") == "none"


def test_the_skip_link_leads_to_what_the_last_step_said(page, live_server, roadmap, user):
    """A message after a plain form (here, the profile saved) stood between the header and the
    main content: "Skip to content", the landmarks and the headings all went past it."""
    log_in_browser(page.context, live_server, user)
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_label("Display name").fill("Ada L.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Your profile is saved.")).to_be_visible()

    page.get_by_role("link", name="Skip to content").focus()  # focus starts at the message
    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_be_focused()
    first = main.locator(":scope > *").first  # the message area, first in the main content
    expect(first).to_have_text("Your profile is saved.")
    expect(first.locator(":scope > *").first).to_have_attribute("role", "status")


def not_covered(page, element):
    """Whether `element` is what the user sees at its centre (not under the sticky error)."""
    return page.evaluate(
        """e => { const r = e.getBoundingClientRect();
                  const seen = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                  return e === seen || e.contains(seen); }""",
        element.element_handle(),
    )


@pytest.mark.parametrize("size", [None, {"width": 320, "height": 256}], ids=["desk", "zoom 400 %"])
def test_an_error_said_at_the_top_does_not_cover_the_control_in_use(
    learner_page, live_server, user, size
):
    """The error stays at the top of the window: a failed tick's box near the top was left under
    it, out of sight, although it had the focus. At 400 % zoom, its text squeezed beside its
    Dismiss button made it most of the window, over the box."""
    page = learner_page
    if size:
        page.set_viewport_size(size)
    page.goto(live_server.url)
    second = Milestone.objects.active().order_by("section__position", "position", "pk")[1]
    box = page.get_by_role("checkbox", name=second.title, exact=True)
    box.focus()
    to_the_top = "b => window.scrollBy(0, b.getBoundingClientRect().top - 30)"
    page.evaluate(to_the_top, box.element_handle())
    page.route(f"**/milestones/{second.slug}/status/", lambda route: route.abort())
    box.press("Space")
    expect(page.locator("#flash")).to_contain_text("Could not reach the server")
    expect(box).not_to_be_checked()  # undone
    expect(box).to_be_focused()
    expect(box).to_be_in_viewport(ratio=1)
    assert not_covered(page, box)
    banner = page.locator(".flash-area").bounding_box()
    assert banner["y"] + banner["height"] <= box.bounding_box()["y"]  # all of it below


def test_an_error_said_at_the_top_can_be_dismissed_back_to_the_control_in_use(
    learner_page, live_server, user
):
    """The error stayed at the top of the window, over the page, until the next request: read,
    it could not be put away."""
    page = learner_page
    page.goto(live_server.url)
    milestone = Milestone.objects.active().order_by("section__position", "position", "pk")[0]
    box = page.get_by_role("checkbox", name=milestone.title, exact=True)
    page.route(f"**/milestones/{milestone.slug}/status/", lambda route: route.abort())
    box.focus()
    box.press("Space")
    expect(page.locator("#flash")).to_contain_text("Could not reach the server")
    # Said at once, as an error is, and without "Dismiss" (the button is beside the live region).
    expect(page.locator("#flash")).to_have_attribute("aria-live", "assertive")
    expect(page.locator("#flash").get_by_role("button")).to_have_count(0)
    page.get_by_role("button", name="Dismiss this message").click()
    expect(page.locator("#flash")).to_be_empty()
    expect(page.locator("#flash")).to_be_hidden()
    expect(page.get_by_role("button", name="Dismiss this message")).to_have_count(0)
    expect(page.locator("#flash")).to_have_attribute("aria-live", "polite")
    expect(box).to_be_focused()


def test_the_message_area_stays_a_live_region_after_a_request_empties_it(
    learner_page, live_server, user
):
    """Emptied by a request, it left the page (display: none), and so the accessibility tree:
    a message put in it next (an error, a follow's confirmation) came back already said, and a
    screen reader heard nothing."""
    page = learner_page
    page.goto(live_server.url)
    first, second = Milestone.objects.active().order_by("section__position", "position", "pk")[:2]
    page.get_by_role("checkbox", name=first.title, exact=True).check()
    expect(page.locator("#progress-announcement")).to_contain_text("Marked done")
    flash = page.locator("#flash")
    expect(flash).to_be_empty()
    assert flash.evaluate("e => getComputedStyle(e).display") != "none"
    page.route(f"**/milestones/{second.slug}/status/", lambda route: route.abort())
    # Clicked, not checked: the failed tick is undone at once, before a check() could see it.
    page.get_by_role("checkbox", name=second.title, exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Could not reach the server")).to_be_visible()


def test_a_folded_done_milestone_is_among_the_headings_once(page, live_server, roadmap, user):
    """Folded, a done milestone's heading was inside the closed card: moving by headings skipped
    every done milestone. Opened, its card's own heading is the one."""
    done = Milestone.objects.active().first()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    progress.set_status(user=user, milestone=done, status=Status.DONE, now=an_hour_ago)
    log_in_browser(page.context, live_server, user)
    page.goto(f"{live_server.url}/?track=all")
    heading = page.get_by_role("heading", name=done.title, exact=True, level=3)
    expect(heading).to_have_count(1)
    card = page.locator(f"#{done.slug}")
    card.locator("summary").click()
    expect(card.get_by_role("checkbox")).to_be_visible()
    expect(heading).to_have_count(1)
    expect(card.locator("article").get_by_role("heading", name=done.title)).to_have_count(1)
