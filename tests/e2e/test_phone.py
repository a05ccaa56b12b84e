"""On a phone (390 by 844): one line of header, targets a thumb can hit, and the note editor that
Escape closes."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roadmap import progress
from roadmap.models import Milestone, Progress, Status, Track
from tests.conftest import log_in_browser, settled
from tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TARGETS = (
    ".site-header a, .site-header button, .focus a, .map a.node, form.status button:visible,"
    " .edit-details, .hide-done button, form.status label.tick, .resources a"
)


@pytest.fixture
def phone(browser, live_server, roadmap, user):
    first = Milestone.objects.active().order_by("section__position", "position").first()
    progress.set_status(user=user, milestone=first, status=Status.DONE)
    context = browser.new_context(viewport=PHONE, has_touch=True)
    log_in_browser(context, live_server, user)
    page = context.new_page()
    yield page
    context.close()


def test_the_header_is_one_line(phone, live_server):
    phone.goto(live_server.url)
    header = phone.locator(".site-header").bounding_box()
    brand = phone.get_by_role("link", name="Next Steps").bounding_box()
    log_out = phone.get_by_role("button", name="Log out").bounding_box()
    assert header["height"] <= 60, header
    assert abs(brand["y"] - log_out["y"]) < 20, (brand, log_out)
    assert log_out["x"] + log_out["width"] <= PHONE["width"]


def test_every_control_is_at_least_44_pixels(phone, live_server, user):
    third = Milestone.objects.active().order_by("section__position", "position")[2]
    an_hour_ago = timezone.now() - timedelta(hours=1)  # not just ticked: "Hide done" hides it
    progress.set_status(user=user, milestone=third, status=Status.DONE, now=an_hour_ago)
    phone.goto(live_server.url)
    boxes = phone.locator(TARGETS).evaluate_all(
        "elements => elements.filter(e => e.offsetParent !== null).map(e => {"
        " const r = e.getBoundingClientRect();"
        " return [e.textContent.trim().slice(0, 30), Math.round(r.width), Math.round(r.height)]; })"
    )
    assert len(boxes) > 60, boxes
    assert any(text.startswith("Hide done milestones") for text, _, _ in boxes), boxes
    small = [box for box in boxes if box[1] < 44 or box[2] < 44]
    assert small == [], small


@pytest.mark.parametrize(
    ("path", "targets"),
    [
        ("/", ".invite a, .site-header a"),  # a visitor's
        ("/dashboard/", ".breakdown th a"),
        ("/accounts/profile/", "select"),
        ("/accounts/data/", "input[type=file]"),
        ("/u/<username>/", ".done-list a.evidence"),
    ],
)
def test_the_other_pages_targets_are_44_pixels_tall_too(
    browser, live_server, roadmap, user, path, targets
):
    """Sign up and log in on each milestone were 16 px tall, a resource's link or a section's
    on the dashboard 19 to 38, the time zone menu 37."""
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    user.public_profile = True
    user.save()
    first = Milestone.objects.active().first()
    progress.set_status(user=user, milestone=first, status=Status.DONE)
    Progress.objects.filter(user=user).update(evidence_url="https://github.com/me/it")
    context = browser.new_context(viewport=PHONE, has_touch=True)
    if path != "/":
        log_in_browser(context, live_server, user)
    page = context.new_page()
    page.goto(live_server.url + path.replace("<username>", user.username))
    heights = page.locator(targets).evaluate_all(
        "elements => elements.filter(e => e.offsetParent !== null)"
        ".map(e => Math.round(e.getBoundingClientRect().height))"
    )
    context.close()
    assert heights, targets
    assert min(heights) >= 44, heights


def test_tapping_a_milestones_title_does_not_tick_it_only_its_box_does(phone, live_server, user):
    """The title was the checkbox's label: a tap to read it marked the milestone done."""
    second = Milestone.objects.active().order_by("section__position", "position")[1]
    phone.goto(live_server.url)
    card = phone.locator(f"#{second.slug}")
    heading = card.get_by_role("heading", name=second.title)
    heading.tap(position={"x": 200, "y": 10})
    # Its first letter too: the browser snaps a tap to a target close by.
    first_letter = heading.evaluate(
        "h => { const r = document.createRange();"
        " r.selectNodeContents([...h.childNodes].find(n => n.nodeType === 3 && n.data.trim()));"
        " const box = r.getClientRects()[0]; return [box.left + 2, box.top + box.height / 2]; }"
    )
    phone.touchscreen.tap(*first_letter)
    phone.wait_for_timeout(500)
    checkbox = card.get_by_role("checkbox", name=second.title)
    expect(checkbox).not_to_be_checked()
    assert not user.progress.filter(milestone=second).exists()
    checkbox.tap()
    expect(checkbox).to_be_checked()


def test_nothing_scrolls_sideways(phone, live_server):
    for path in ("/", "/dashboard/"):
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)


def test_escape_closes_the_note_editor_asking_first_if_typed_in_and_focus_goes_back(
    phone, live_server
):
    second = Milestone.objects.active().order_by("section__position", "position")[1]
    phone.goto(live_server.url)
    card = phone.locator(f"#{second.slug}")
    card.get_by_role("link", name="Add a note or evidence").click()
    note = card.get_by_label("Note")
    expect(note).to_be_focused()
    settled(phone)  # else Escape follows Cancel's own link: this page, at the milestone
    phone.keyboard.press("Escape")  # nothing typed: it closes
    expect(card.get_by_label("Note")).to_have_count(0)
    link = card.get_by_role("link", name="Add a note or evidence")
    expect(link).to_be_focused()

    link.click()
    card.get_by_label("Note").fill("Half a thought")
    settled(phone)
    # What was typed is thrown away only when the learner says so: an Escape pressed by
    # mistake lost it all.
    asked = []
    phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    phone.keyboard.press("Escape")
    expect(card.get_by_label("Note")).to_have_value("Half a thought")
    assert asked == ["Throw away the changes to this note?"]
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.keyboard.press("Escape")
    expect(card.get_by_label("Note")).to_have_count(0)
    expect(link).to_be_focused()

    # Sent back refused, all of it is unsaved: the Cancel button asks too.
    link.click()
    # Once the editor has put the cursor in its note: a field filled before went on being
    # typed into the note (a test's speed, not a learner's).
    expect(card.get_by_label("Note")).to_be_focused()
    card.get_by_label("Note").fill("A whole thought")
    card.get_by_label("Evidence link").fill("ftp://example.com/x")
    settled(phone)  # else Save posts the form without htmx, to the note's own page
    card.get_by_role("button", name="Save note and evidence").click()
    expect(
        card.get_by_text(
            "Enter a web address (http or https), such as https://github.com/you/project."
        )
    ).to_be_visible()
    asked.clear()
    phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    card.get_by_role("link", name="Cancel").click()
    expect(card.get_by_label("Note")).to_have_value("A whole thought")
    assert asked == ["Throw away the changes to this note?"]


def test_a_long_display_name_neither_widens_the_page_nor_wraps_the_header(phone, live_server, user):
    user.display_name, user.public_profile = "Ada" * 26, True  # one 78-letter word
    user.save()
    for viewport in (PHONE, {"width": 1280, "height": 800}):
        phone.set_viewport_size(viewport)
        for path in ("/", "/dashboard/", f"/u/{user.username}/"):
            phone.goto(live_server.url + path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (viewport, path, width)
            assert phone.locator(".site-header").bounding_box()["height"] <= 60, (viewport, path)
    expect(phone.get_by_role("link", name=user.display_name)).to_be_visible()


def test_a_milestone_titled_with_one_long_word_neither_widens_the_page_nor_the_map(
    phone, live_server, user
):
    """The admin takes a title of 200 letters without a space (a paste): its map node widened
    its column over the next, and the roadmap and the public page scrolled sideways."""
    first = Milestone.objects.active().order_by("section__position", "position").first()
    Milestone.objects.filter(pk=first.pk).update(title="Supercalifragilistic" * 10)
    user.public_profile = True
    user.save()
    for viewport in (PHONE, {"width": 1280, "height": 800}):
        phone.set_viewport_size(viewport)
        for path in ("/?track=all", f"/u/{user.username}/"):
            phone.goto(live_server.url + path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (viewport, path, width)
            parts = phone.locator(".map-part").all()
            boxes = [part.bounding_box() for part in parts]
            for left, right in itertools.pairwise(boxes):  # side by side, or one under the other
                assert left["x"] + left["width"] <= right["x"] or (
                    left["y"] + left["height"] <= right["y"]
                ), (viewport, path)


def test_the_note_editors_buttons_have_their_words_on_one_line(phone, live_server):
    second = Milestone.objects.active().order_by("section__position", "position")[1]
    phone.goto(live_server.url)
    card = phone.locator(f"#{second.slug}")
    card.get_by_role("link", name="Add a note or evidence").click()
    middles = [
        control.evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " const box = r.getClientRects()[0]; return box.top + box.height / 2; }"
        )
        for control in (
            card.get_by_role("button", name="Save note and evidence"),
            card.get_by_role("link", name="Cancel"),
        )
    ]
    assert abs(middles[0] - middles[1]) < 1, middles


def test_at_320_pixels_wide_nothing_scrolls_sideways(phone, live_server, user):
    """WCAG's reflow width (a 1280 px screen at 400 %): the header ran 15 px past the edge,
    "Log out" cut off, and the dashboard's track cards 50 px, their tables out of sight; the
    public page 657 px wide on a phone, from a long evidence link."""
    user.public_profile = True
    user.save()
    long_link = (
        "https://nbviewer.org/github/maya/housing/blob/main/notebooks/analysis-of-prices.ipynb"
    )
    Progress.objects.filter(user=user).update(evidence_url=long_link)
    phone.set_viewport_size({"width": 320, "height": 640})
    public = f"/u/{user.username}/"
    for path in ("/", "/dashboard/", "/accounts/profile/", "/accounts/data/", "/changes/", public):
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
        log_out = phone.get_by_role("button", name="Log out").bounding_box()
        assert log_out["x"] + log_out["width"] <= 320, path


@pytest.mark.parametrize("width", [320, 390])
def test_a_folded_milestones_date_and_the_log_in_link_are_not_split_over_two_lines(
    phone, browser, live_server, user, width
):
    """A date split as "Done on 30 Nov", then "2026" on the next line; a link as "log / in"."""
    Progress.objects.filter(user=user).update(completed_at=timezone.now() - timedelta(days=3))
    phone.set_viewport_size({"width": width, "height": 800})
    phone.goto(live_server.url + "/?track=all")
    dates = phone.locator(".milestone.is-done summary .when-done")  # "Done on 30 Nov 2026"
    expect(dates).to_have_count(1)
    assert dates.first.evaluate("e => e.getClientRects().length") == 1
    context = browser.new_context(viewport={"width": width, "height": 800})
    visitor = context.new_page()
    visitor.goto(live_server.url)
    log_in = visitor.locator(".cta").get_by_role("link", name="log in", exact=True)
    assert log_in.evaluate("e => e.getClientRects().length") == 1
    # The sign-up button beside it still wraps within the column.
    assert visitor.evaluate("document.documentElement.scrollWidth") <= width
    sign_up = visitor.get_by_role("link", name="Sign up to track your progress").bounding_box()
    assert sign_up["x"] + sign_up["width"] <= width - 8  # inside main's padding
    context.close()


@pytest.mark.parametrize("width", [320, 360, 390])
def test_with_wcag_text_spacing_on_a_phone_nothing_scrolls_sideways(
    browser, live_server, roadmap, user, width
):
    """WCAG 1.4.12: a reader's own line, letter and word spacing. The public address on the
    profile ran 32 px past the edge, the dashboard's tables 9 px; on phones 353 to 389 px wide,
    "Log out" was cut off the header and the dashboard's points ran out of their cards."""
    spacing = (
        "* { line-height: 1.5 !important; letter-spacing: .12em !important;"
        " word-spacing: .16em !important; } p { margin-bottom: 2em !important; }"
    )
    first = Milestone.objects.active().order_by("section__position", "position").first()
    progress.set_status(user=user, milestone=first, status=Status.DONE)
    context = browser.new_context(viewport={"width": width, "height": 640}, bypass_csp=True)
    log_in_browser(context, live_server, user)
    page = context.new_page()
    for path in ("/", "/dashboard/", "/accounts/profile/", "/accounts/data/", "/changes/"):
        page.goto(live_server.url + path)
        page.add_style_tag(content=spacing)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        log_out = page.get_by_role("button", name="Log out").bounding_box()
        assert log_out["x"] + log_out["width"] <= width, path
    context.close()


def test_a_map_node_is_found_by_the_number_a_phone_shows_of_it(phone, live_server):
    """On a phone a node shows only its number (a done one, its tick too): a speech user's "tap 3"
    found nothing, its name being the title alone (WCAG 2.5.3)."""
    third = Milestone.objects.active().order_by("section__position", "position")[2]
    phone.goto(live_server.url)
    roadmap_map = phone.get_by_role("navigation", name="Roadmap map")
    node = roadmap_map.get_by_role("link", name=f"3. {third.title}: not started", exact=True)
    expect(node).to_be_visible()
    assert node.evaluate("e => getComputedStyle(e, '::before').content") == '"3" / ""'
    expect(node.locator(".node-title")).to_have_css("width", "1px")  # the title is not shown
    # A done one shows its number with its tick: it showed the tick alone.
    first = Milestone.objects.active().order_by("section__position", "position").first()
    done = roadmap_map.get_by_role("link", name=f"1. {first.title}: done", exact=True)
    assert done.evaluate("e => getComputedStyle(e, '::before').content") == '"✓1" / ""'


def test_a_badges_markdown_is_one_line_to_copy(phone, live_server, user):
    """The Markdown of a badge broke inside its address, over three lines on a phone."""
    user.public_profile = True
    user.save()
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    phone.goto(live_server.url + "/dashboard/")
    field = phone.get_by_role("textbox", name="Markdown for the ML Engineer badge")
    page_address = f"{live_server.url}/u/{user.username}/"
    address = f"{page_address}badge.svg?track=ml-engineer"
    expect(field).to_have_value(f"[![ML Engineer progress]({address})]({page_address})")
    expect(field).to_have_attribute("readonly", "")
    assert field.bounding_box()["height"] < 50  # one line, scrolled within the field
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("javascript", [True, False])
def test_each_in_progress_button_sits_under_its_state_in_line_with_it(
    browser, live_server, roadmap, user, javascript
):
    """The "Not in progress any more" button wrapped to the card's edge, under the checkbox, where
    "Mark in progress" sat beside its state (and without JavaScript, both did: there the state is
    beside Save, and the button under Save)."""
    second = Milestone.objects.active().order_by("section__position", "position")[1]
    progress.set_status(user=user, milestone=second, status=Status.IN_PROGRESS)
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    log_in_browser(context, live_server, user)
    phone = context.new_page()
    phone.goto(live_server.url + "/?track=all")
    for milestone in Milestone.objects.active().order_by("section__position", "position")[1:3]:
        state = phone.locator(f"#state-{milestone.slug}").bounding_box()
        button = phone.locator(f"#progress-{milestone.slug}").bounding_box()
        if javascript:
            left = state["x"]
        else:
            left = phone.get_by_role("button", name=f"Save: {milestone.title}").bounding_box()["x"]
        assert button["x"] == left, milestone.title
        assert button["y"] >= state["y"] + state["height"], milestone.title
