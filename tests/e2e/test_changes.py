import datetime
import re
import time

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from roadmap import changes, progress
from roadmap.admin import MilestoneAdmin
from roadmap.models import Milestone, Status, Track, TrackMilestone
from roadmap.snapshot import content_changed
from tests.conftest import log_in_browser
from tests.e2e.test_accessibility import audit
from tests.factories import ContentChangeFactory, EnrollmentFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Win a bronze medal in a Kaggle competition"
SLUG = "win-a-bronze-medal-in-a-kaggle-competition"  # the admin makes it from the title


def test_an_editor_adds_a_milestone_and_a_returning_learner_sees_it_marked_new(
    browser, learner_page, live_server, user
):
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    user.changes_seen_at = timezone.now() - datetime.timedelta(days=3)
    user.save(update_fields=["changes_seen_at"])
    editor = UserFactory(is_staff=True, is_superuser=True)

    admin = browser.new_context()
    log_in_browser(admin, live_server, editor)
    form = admin.new_page()
    form.goto(f"{live_server.url}/admin/roadmap/milestone/add/")
    form.get_by_label("Section:").select_option(label="Build a Strong Portfolio")
    form.get_by_label("Title:").fill(TITLE)
    form.get_by_label("Description:").fill("Finish in the top 40 % of a featured competition.")
    form.get_by_label("Estimated hours:").fill("30")
    # The admin's tabular inline names its columns in headers, not labels.
    form.locator("#id_memberships-0-track").select_option(label="ML Engineer")
    form.locator("#id_memberships-0-weight").fill("3")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(form.get_by_text(f"The milestone “{TITLE}” was added successfully.")).to_be_visible()
    admin.close()

    page = learner_page
    page.goto(live_server.url)
    news = page.get_by_role("region", name=re.compile("Roadmap changes since"))
    expect(news).to_contain_text("1 new milestone, counting toward ML Engineer")
    milestone = page.locator(f"#{SLUG}")
    expect(milestone.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(milestone.get_by_text("New since your last visit")).to_be_visible()
    news.get_by_role("link", name=TITLE).click()
    # To the milestone among the tracks the learner follows, as the page shows them.
    expect(page).to_have_url(f"{live_server.url}/#{SLUG}")
    expect(page.get_by_role("link", name="Tracks you follow")).to_have_attribute(
        "aria-current", "page"
    )

    page.evaluate("window.sameDocument = true")
    news.get_by_role("button", name="Dismiss these changes").click()
    expect(news).to_have_count(0)
    # Said where the news was, in sight: at the page's top it was off screen.
    dismissed = page.locator("#roadmap-body").get_by_text("Dismissed: you are up to date")
    expect(dismissed).to_be_in_viewport()
    expect(milestone.get_by_text("New since your last visit")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True
    page.reload()
    expect(page.locator(f"#{SLUG}")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Roadmap changes since"))).to_have_count(0)


@pytest.mark.parametrize("url", ["/", "/dashboard/", "/changes/"])
def test_the_news_and_the_changelog_are_accessible(learner_page, live_server, user, url):
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    with transaction.atomic():  # as every writer of content does
        before = changes.state()
        Milestone.objects.filter(slug="deploy-a-prediction-api").update(title="Deploy an API")
        Milestone.objects.filter(slug="write-about-what-you-learned").update(is_archived=True)
        changes.record(before, changes.state())
    content_changed()
    user.changes_seen_at = timezone.now() - datetime.timedelta(days=3)
    user.save(update_fields=["changes_seen_at"])
    audit(learner_page, live_server.url + url)
    if url == "/changes/":
        expect(learner_page.get_by_text("Renamed “Serve the trained model")).to_be_visible()
    else:
        shown = learner_page.get_by_role("region", name=re.compile("Roadmap changes since"))
        expect(shown).to_contain_text("1 milestone was archived: Publish a blog post")


def test_a_link_to_one_change_shows_which_entry_it_is(page, live_server):
    """The page may hold fifty entries of the same minute: the one linked to stands out."""
    linked, other = ContentChangeFactory.create_batch(2)
    page.goto(f"{live_server.url}/changes/{linked.pk}/")
    expect(page.locator(f"#change-{linked.pk}")).to_have_css("outline-style", "solid")
    expect(page.locator(f"#change-{other.pk}")).to_have_css("outline-style", "none")


def test_each_entry_of_the_changelog_is_ruled_off_from_the_next(page, live_server):
    """On a phone, entries of two or three lines ran together."""
    ContentChangeFactory.create_batch(2)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/changes/")
    for entry in page.locator(".changelog li").all():
        expect(entry).to_have_css("border-bottom-style", "solid")


def test_after_a_tick_the_news_says_how_far_the_change_moves_what_is_done_now(
    learner_page, live_server, user
):
    engineer = Track.objects.get(slug="ml-engineer")
    EnrollmentFactory(user=user, track=engineer)
    first, second = engineer.milestones.order_by("section__position", "position")[:2]
    progress.set_status(user=user, milestone=first, status=Status.DONE)
    with transaction.atomic():  # as every writer of content does
        before = changes.state()
        TrackMilestone.objects.filter(track=engineer, milestone=first).update(weight=5)
        changes.record(before, changes.state())
    content_changed()
    user.changes_seen_at = timezone.now() - datetime.timedelta(days=3)
    user.save(update_fields=["changes_seen_at"])
    page = learner_page
    page.goto(live_server.url)
    moved = page.locator("#news li", has_text="These changes took your ML Engineer completion")
    told = moved.inner_text()
    page.get_by_role("checkbox", name=second.title).check()
    expect(page.get_by_role("checkbox", name=second.title)).to_be_checked()
    expect(moved).not_to_have_text(told)  # worked out again with the tick, without a reload
    expect(page.get_by_role("checkbox", name=second.title)).to_be_focused()


def test_dismissing_the_news_on_the_dashboard_keeps_the_page(learner_page, live_server, user):
    """It posted the form and loaded the whole dashboard again: the page flashed, went back to
    its top, and focus was lost to the page's body."""
    EnrollmentFactory(user=user, track=Track.objects.get(slug="ml-engineer"))
    ContentChangeFactory(milestone=Milestone.objects.get(slug="deploy-a-prediction-api"))
    content_changed()
    user.changes_seen_at = timezone.now() - datetime.timedelta(days=3)
    user.save(update_fields=["changes_seen_at"])
    page = learner_page
    page.goto(f"{live_server.url}/dashboard/")
    page.evaluate("window.sameDocument = true")
    news = page.get_by_role("region", name=re.compile("Roadmap changes since"))
    expect(news).to_contain_text("1 milestone changed")
    news.get_by_role("button", name="Dismiss these changes").focus()
    page.keyboard.press("Enter")
    expect(news).to_have_count(0)
    expect(page.locator("#flash")).to_have_text(
        "Dismissed: you are up to date with the roadmap’s changes."
    )
    expect(page.get_by_role("heading", name="Your dashboard")).to_be_focused()
    assert page.evaluate("window.sameDocument") is True
    page.reload()
    expect(page.get_by_role("heading", name="Your dashboard")).to_be_visible()
    expect(news).to_have_count(0)


def test_a_section_saved_over_another_editors_change_keeps_it_or_says_why_not(
    browser, live_server, roadmap
):
    """A section's page showed its milestones' rows as they were when it opened: saved after
    another editor renamed one, it put the old title back, and the changelog told learners of
    a rename nobody made."""
    milestone = Milestone.objects.get(slug="deploy-a-prediction-api")
    above = Milestone.objects.filter(section=milestone.section, position__lt=milestone.position)

    def another_editor_saves(**fields):
        with transaction.atomic():  # as every writer of content does
            before = changes.state([milestone.pk])
            Milestone.objects.filter(pk=milestone.pk).update(**fields)
            changes.record(before, changes.state([milestone.pk]))

    editor = UserFactory(is_staff=True, is_superuser=True)
    admin = browser.new_context()
    log_in_browser(admin, live_server, editor)
    form = admin.new_page()
    url = f"{live_server.url}/admin/roadmap/section/{milestone.section_id}/change/"
    form.goto(url)
    another_editor_saves(title="Deploy a REST API", estimated_hours=7)
    form.get_by_label("Intro:").fill("Show what you can build.")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(form.get_by_text("was changed successfully")).to_be_visible()
    milestone.refresh_from_db()
    assert (milestone.title, milestone.estimated_hours) == ("Deploy a REST API", 7)
    assert milestone.section.intro == "Show what you can build."
    assert not milestone.changes.filter(summary__startswith="Renamed “Deploy a REST API”")

    form.goto(url)
    another_editor_saves(title="Deploy an API")
    form.locator(f"#id_milestones-{above.count()}-title").fill("Deploy your model as an API")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(
        form.get_by_text("this milestone “Deploy an API” was changed after you opened this page")
    ).to_be_visible()
    milestone.refresh_from_db()
    assert milestone.title == "Deploy an API"
    admin.close()


def test_a_milestone_page_saved_with_a_double_click_is_saved_once_and_said_so(
    browser, live_server, roadmap, monkeypatch
):
    milestone = Milestone.objects.get(slug="deploy-a-prediction-api")
    saved = MilestoneAdmin.changeform_view

    def slow_answer(self, request, *args, **kwargs):  # the page is still there for a 2nd click
        response = saved(self, request, *args, **kwargs)
        if request.method == "POST":
            time.sleep(0.5)  # after the save's transaction
        return response

    monkeypatch.setattr(MilestoneAdmin, "changeform_view", slow_answer)
    editor = UserFactory(is_staff=True, is_superuser=True)
    admin = browser.new_context()
    log_in_browser(admin, live_server, editor)
    form = admin.new_page()
    form.goto(f"{live_server.url}/admin/roadmap/milestone/{milestone.pk}/change/")
    form.get_by_label("Title:").fill("Deploy your model as an API")
    blank = milestone.resources.count()  # the row to add one
    form.get_by_label(f"Title, row {blank + 1}").fill("Serving with FastAPI")
    form.get_by_label(f"URL, row {blank + 1}").fill("https://example.com/fastapi-tutorial")
    # A hand's double click: the second sent the page again, refused (the resource was there
    # already, as the first had added it), and that refusal was all the editor saw.
    form.get_by_role("button", name="Save", exact=True).evaluate(
        "save => { save.click(); setTimeout(() => save.click(), 150); }"
    )
    expect(form.get_by_text("was changed successfully")).to_be_visible()
    expect(form.get_by_text("Please correct the error below.")).to_have_count(0)
    assert milestone.changes.filter(summary__startswith="Renamed").count() == 1
    assert milestone.resources.filter(url="https://example.com/fastapi-tutorial").count() == 1
    admin.close()
