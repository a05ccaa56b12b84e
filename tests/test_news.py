"""A returning learner is told what changed on the roadmap since they last caught up."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from roadmap import changes, content, models, news, progress
from roadmap.content import DEFAULT_PATH
from roadmap.models import ContentChange, Milestone, Section, Status, Track
from roadmap.snapshot import content_changed, get_snapshot
from tests.factories import (
    ContentChangeFactory,
    EnrollmentFactory,
    ProgressFactory,
    ResourceFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)
from tests.test_admin import inline_management
from tests.test_changes import save

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("roadmap:dashboard")
SEEN = reverse("roadmap:changes_seen")
DAYS_AGO = datetime.timedelta(days=3)
DISMISSED = "Dismissed: you are up to date with the roadmap’s changes."


@pytest.fixture
def engineer():
    return TrackFactory(name="ML Engineer")


@pytest.fixture
def learner(user, engineer):
    """Back after three days: follows ML Engineer, has done one milestone worth 2 of 4."""
    EnrollmentFactory(user=user, track=engineer)
    done = TrackMilestoneFactory(track=engineer, weight=2, milestone__title="Clean the data")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    ProgressFactory(
        user=user, milestone=done.milestone, status=Status.DONE, completed_at=an_hour_ago
    )
    TrackMilestoneFactory(track=engineer, weight=2, milestone__title="Ship an API")
    user.changes_seen_at = timezone.now() - DAYS_AGO
    user.save(update_fields=["changes_seen_at"])
    return user


@pytest.fixture
def editor():
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Content editors"))
    editor_client = Client()
    editor_client.force_login(editor)
    return editor_client


def add_milestone(editor, title, track, weight, **extra):
    """Add a milestone through the admin's add form, counting `weight` toward `track`."""
    response = editor.post(
        reverse("admin:roadmap_milestone_add"),
        {
            "section": SectionFactory().pk,
            "slug": slugify(title) or "hostile",
            "title": title,
            "position": 0,
            "estimated_hours": 5,
            **inline_management("resources"),
            **inline_management("memberships", total=1),
            "memberships-0-track": track.pk,
            "memberships-0-weight": weight,
            **extra,
        },
    )
    assert response.status_code == 302


def news_of(page):
    start = page.find('<section class="news card"')
    return page[start : page.index("</section>", start)] if start >= 0 else ""


REMOVED = {"resources-0-DELETE": "on"}
FASTAPI_AGAIN = inline_management("resources", total=1) | {
    "resources-0-title": "FastAPI",
    "resources-0-url": "https://fastapi.example/",
    "resources-0-position": 0,
}


def news_of_resource_edits(client, learner, editor, engineer, *edits):
    """The news of the learner after `edits` of the resource "FastAPI" of "Ship an API", which
    they saw."""
    ship = engineer.milestones.get(title="Ship an API")
    ResourceFactory(milestone=ship, title="FastAPI", url="https://fastapi.example/")
    learner.changes_seen_at = timezone.now()
    learner.save()
    for edit in edits:
        save(editor, ship, **edit)
    client.force_login(learner)
    return news_of(client.get("/").text)


def seen_form(page):
    """The dismiss form's fields as the page has them."""
    section = news_of(page)
    until = section.split('name="until" value="', 1)[1].split('"', 1)[0]
    return {"until": until, "next": "/"}


class TestSinceYourLastVisit:
    def test_a_new_milestone_in_a_followed_track_is_told_with_how_far_it_moves_the_learner(
        self, client, learner, editor, engineer
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        since = (timezone.now() - DAYS_AGO).strftime("%-d %b")
        assert f"Roadmap changes since {since}" in section
        assert "<li>1 new milestone, counting toward ML Engineer</li>" in section
        assert (
            "<li>These changes took your ML Engineer completion down 25 percentage points"
            in section
        )
        assert '>Win a Kaggle medal</a> <span class="tag">New</span>' in section
        assert 'aria-labelledby="news-title"' in section

    def test_a_news_link_leads_to_the_milestone_where_the_page_shows_it(
        self, client, learner, editor, engineer
    ):
        """Every link led to the whole roadmap (`/?track=all#…`): the learner's focus on the
        tracks they follow was gone after one click, and stayed gone after dismissing."""
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        add_milestone(editor, "Read a vision paper", TrackFactory(name="Vision"), 2)
        client.force_login(learner)
        followed, other = (Milestone.objects.get(title__startswith=t) for t in ("Win", "Read"))
        section = news_of(client.get("/").text)
        assert f'<a href="#{followed.slug}">Win a Kaggle medal</a>' in section
        assert f'<a href="/?track=all#{other.slug}">Read a vision paper</a>' in section
        section = news_of(client.get("/?track=all").text)
        assert f'<a href="#{other.slug}">Read a vision paper</a>' in section
        section = news_of(client.get(DASHBOARD).text)  # another page: to the roadmap's
        assert f'<a href="/?track=all#{followed.slug}">Win a Kaggle medal</a>' in section

    def test_a_milestone_added_archived_and_put_on_the_roadmap_later_is_new_not_back(
        self, client, learner, editor, engineer
    ):
        """An editor's draft (added archived) was told, once out, as "back on the roadmap" to
        learners who had never seen it, and not as counting toward their tracks."""
        add_milestone(editor, "Win a Kaggle medal", engineer, 4, is_archived="on")
        draft = Milestone.objects.get(title="Win a Kaggle medal")
        client.force_login(learner)
        assert news_of(client.get("/").text) == ""  # a draft is no news
        learner.changes_seen_at = timezone.now()  # and the learner is up to date
        learner.save(update_fields=["changes_seen_at"])
        editor.post(
            reverse("admin:roadmap_milestone_changelist"),
            {"action": "unarchive", "_selected_action": [draft.pk]},
        )
        section = news_of(client.get("/").text)
        assert "<li>1 new milestone, counting toward ML Engineer</li>" in section
        assert '>Win a Kaggle medal</a> <span class="tag">New</span>' in section
        assert "back on the roadmap" not in section.lower()
        assert "completion down 25 percentage points" in section
        summaries = list(ContentChange.objects.order_by("pk").values_list("summary", flat=True))
        assert summaries[-1] == "Put “Win a Kaggle medal” on the roadmap for the first time"
        assert len(summaries) == 1  # the draft's own entries went
        # Archived and brought back again later, it is back.
        for action in ("archive", "unarchive"):
            editor.post(
                reverse("admin:roadmap_milestone_changelist"),
                {"action": action, "_selected_action": [draft.pk]},
            )
        assert ContentChange.objects.latest("pk").summary == "Brought back “Win a Kaggle medal”"

    def test_the_new_milestone_is_tagged_new_on_the_roadmap_and_others_are_not(
        self, client, learner, editor, engineer
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        milestone = Milestone.objects.get(title="Win a Kaggle medal")
        client.force_login(learner)
        page = client.get("/").text
        card = page[page.index(f'id="{milestone.slug}"') :]
        card = card[: card.index("</li>")]
        assert 'New<span class="visually-hidden"> since your last visit</span>' in card
        assert page.count('class="change-tag"') == 1

    def test_a_weight_change_says_by_how_much(self, client, learner, editor):
        save(editor, learner.progress.get().milestone, **{"memberships-0-weight": 4})
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<li>1 milestone changed</li>" in section
        assert (
            "<li>These changes took your ML Engineer completion up 16 percentage points" in section
        )
        assert '>Clean the data</a> <span class="tag">Changed</span>' in section

    def test_a_weight_changed_twice_is_one_line_under_its_tracks_name_now(
        self, client, learner, editor, engineer
    ):
        """ "counts 4 of 5 toward ML Engineer, was 2; counts 5 of 5 toward ML Engineer, was 4",
        under a name the track no longer had."""
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, **{"memberships-0-weight": 4})
        save(editor, ship, **{"memberships-0-weight": 5})
        Track.objects.filter(pk=engineer.pk).update(name="MLOps Engineer")
        content_changed()
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "Changed</span>: counts 5 of 5 toward MLOps Engineer, was 2</li>" in section

    def test_new_milestones_toward_none_of_the_followed_tracks_say_so(
        self, client, learner, editor
    ):
        """ "3 new milestones", without a word, to a learner who follows one track: the same
        news said "…; 1 toward none of your tracks" to one following two."""
        other = TrackFactory(name="Research Scientist")
        for title in ("Read a paper", "Reproduce a paper"):
            add_milestone(editor, title, other, 3)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<li>2 new milestones, counting toward none of your tracks</li>" in section
        learner.enrollments.all().delete()  # following none, none is theirs to say so of
        section = news_of(client.get("/").text)
        assert "<li>2 new milestones</li>" in section

    def test_a_followed_track_renamed_is_news_and_named_back_none(
        self, client, learner, editor, engineer
    ):
        """Its followers found a track of another name on their pages, without a word."""
        url = reverse("admin:roadmap_track_change", args=[engineer.pk])
        fields = {"slug": engineer.slug, "summary": "", "position": 0}
        client.force_login(learner)
        for name, told in (("MLOps Engineer", True), ("ML Engineer", False)):
            assert editor.post(url, fields | {"name": name}).status_code == 302
            section = news_of(client.get("/").text)
            line = "<li>The career track ML Engineer, which you follow, is called <a"
            assert (line in section) is told
            assert ("MLOps Engineer</a> now</li>" in section) is told

    @pytest.mark.parametrize(
        ("then", "told"),
        [
            (
                {"memberships-0-weight": 5},
                '>Ship an API</a> <span class="tag">Changed</span>: now takes about 60 h, was 4 h;'
                " counts 5 of 5 toward ML Engineer, was 2</li>",
            ),
            (
                {"title": "Deploy an API"},
                '>Deploy an API</a> <span class="tag">Changed</span>: now takes about 60 h, was'
                " 4 h; Renamed from “Ship an API”</li>",  # not "“Ship an API” now takes …"
            ),
        ],
        ids=["and its weight", "and its title"],
    )
    def test_a_changed_milestone_says_what_changed(
        self, client, learner, editor, engineer, then, told
    ):
        """A "Changed" tag alone sent the learner to the changelog to find out what."""
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, estimated_hours=60)
        save(editor, ship, **then)
        client.force_login(learner)
        assert told in news_of(client.get("/").text)

    def test_edits_undone_since_the_last_visit_are_no_news(self, client, learner, editor, engineer):
        """Renamed and renamed back, the milestone was told "Changed: Renamed from “Ship an
        API”; Renamed from “Deploy an API”" under the title it had all along, and a weight put
        back as it was was told twice."""
        ship = engineer.milestones.get(title="Ship an API")
        other = SectionFactory(title="Elsewhere")
        hours, section = ship.estimated_hours, ship.section_id
        save(editor, ship, title="Deploy an API", **{"memberships-0-weight": 5})
        save(editor, ship, estimated_hours=hours + 3, section=other.pk)
        resource = {"resources-0-title": "Docs", "resources-0-url": "https://example.com/d"}
        resource["resources-0-position"] = 0
        save(editor, ship, **inline_management("resources", total=1), **resource)
        save(editor, ship, **{"resources-0-DELETE": "on"})
        save(editor, ship, title="Ship an API", **{"memberships-0-weight": 2})
        save(editor, ship, estimated_hours=hours, section=section)
        client.force_login(learner)
        for page in ("/", DASHBOARD):
            assert news_of(client.get(page).text) == ""
        # One thing not put back is told alone: the title went back, the hours did not.
        save(editor, ship, title="Deploy an API")
        save(editor, ship, estimated_hours=hours + 1)
        save(editor, ship, title="Ship an API")
        assert (
            '>Ship an API</a> <span class="tag">Changed</span>: now takes about'
            f" {hours + 1} h, was {hours} h</li>"
        ) in news_of(client.get("/").text)

    def test_edits_one_after_another_are_told_from_the_mark_to_now(
        self, client, learner, editor, engineer
    ):
        """Told step by step: "now takes about 9 h, was 8 h; now takes about 10 h, was 9 h;
        now takes about 12 h, was 10 h", and two renames, for one estimate and one title."""
        ship = engineer.milestones.get(title="Ship an API")
        ship.estimated_hours = 8
        ship.save(update_fields=["estimated_hours"])
        for hours, title in ((9, "Deploy an API"), (10, "Serve an API"), (12, "Serve a model")):
            save(editor, ship, estimated_hours=hours, title=title, description=f"{hours} h.")
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert (
            '>Serve a model</a> <span class="tag">Changed</span>: Renamed from “Ship an API”; '
            "New description; now takes about 12 h, was 8 h</li>"
        ) in section

    def test_what_is_told_of_edits_undone_is_what_holds_now(
        self, client, learner, editor, engineer
    ):
        ship = engineer.milestones.get(title="Ship an API")
        home, other = ship.section, SectionFactory(title=ship.section.title)  # the same title
        client.force_login(learner)

        def told():
            section = news_of(client.get("/").text)
            return section.split('<span class="tag">Changed</span>: ', 1)[1].split("</li>")[0]

        # A title put back with a new description: only the description is news.
        save(editor, ship, title="Deploy an API")
        save(editor, ship, title="Ship an API", description="New text.")
        assert told() == "New description"
        # A move to a section of the same title is news; away and back, none, though the
        # section it left was renamed meanwhile.
        save(editor, ship, section=other.pk)
        assert told() == f"New description; moved from “{home.title}” to “{other.title}”"
        Section.objects.filter(pk=home.pk).update(title="Renamed home")
        save(editor, ship, section=home.pk)
        assert told() == "New description"
        # A resource given another link in two saves is news; one added, removed and added
        # again is new, once.
        docs = {"resources-0-title": "Docs", "resources-0-position": 0}
        one_row = inline_management("resources", total=1)
        save(editor, ship, **one_row, **docs, **{"resources-0-url": "https://a.example/"})
        save(editor, ship, **{"resources-0-DELETE": "on"})
        save(editor, ship, **one_row, **docs, **{"resources-0-url": "https://a.example/"})
        assert told() == "New description; New resource: Docs"
        ContentChange.objects.filter(kind__startswith="resource").delete()
        save(editor, ship, **{"resources-0-DELETE": "on"})
        save(editor, ship, **one_row, **docs, **{"resources-0-url": "https://b.example/"})
        assert told() == "New description; now links its resource “Docs” to a new address"

    def test_links_and_descriptions_put_back_are_no_news_and_older_entries_are_told(
        self, client, learner, editor, engineer
    ):
        ship = engineer.milestones.get(title="Ship an API")
        client.force_login(learner)
        docs = inline_management("resources", total=1) | {
            "resources-0-title": "Docs",
            "resources-0-position": 0,
        }

        def relink(url):
            save(editor, ship, **{"resources-0-url": url})

        # Added, given another link, removed: nothing is left of it.
        save(editor, ship, **docs, **{"resources-0-url": "https://a.example/"})
        relink("https://b.example/")
        save(editor, ship, **{"resources-0-DELETE": "on"})
        # A description changed and put back.
        description = ship.description
        save(editor, ship, description="Other text.")
        save(editor, ship, description=description)
        assert news_of(client.get("/").text) == ""
        # A link changed and put back, on a resource the learner saw.
        ResourceFactory(milestone=ship, title="Guide", url="https://guide.example/", position=0)
        learner.changes_seen_at = timezone.now()
        learner.save(update_fields=["changes_seen_at"])
        ship.refresh_from_db()
        relink("https://other.example/")
        relink("https://guide.example/")
        assert news_of(client.get("/").text) == ""
        # Two resources of one title, the first removed: the title's link is news.
        save(
            editor,
            ship,
            **inline_management("resources", total=2, initial=1),
            **{
                "resources-1-title": "Guide",
                "resources-1-url": "https://two.example/",
                "resources-1-position": 1,
            },
        )
        save(editor, ship, **{"resources-0-DELETE": "on"})
        assert "now links its resource “Guide” to a new address" in news_of(client.get("/").text)
        # Added and removed: nothing; unless told step by step, as an entry from before the
        # changelog kept what it changed is.
        ship.resources.all().delete()
        learner.changes_seen_at = timezone.now()
        learner.save(update_fields=["changes_seen_at"])
        ship.refresh_from_db()
        copy = {"resources-0-title": "Copy", "resources-0-url": "https://copy.example/"}
        save(editor, ship, **(docs | copy))
        save(editor, ship, **{"resources-0-DELETE": "on"})
        assert news_of(client.get("/").text) == ""
        ContentChange.objects.update(before=None)
        assert "Resource removed: Copy" in news_of(client.get("/").text)

    def test_spaces_in_a_title_are_no_rename_and_its_lines_leave_it_out(
        self, client, learner, editor, engineer
    ):
        """A second space between two words (a page shows one) was told as "Renamed “Ship an
        API” to “Ship an API”", and the title was said again in each of its lines."""
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, title="Ship  an API")
        save(editor, ship, estimated_hours=60)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "Changed</span>: now takes about 60 h, was 4 h</li>" in section
        assert "Renamed" not in section

    def test_a_moved_milestone_is_told_without_its_title_again(
        self, client, learner, editor, engineer
    ):
        """Its line named it again after its link: "Ship an API Changed: Moved “Ship an API"
        from …"."""
        ship = engineer.milestones.get(title="Ship an API")
        was = ship.section.title
        save(editor, ship, section=SectionFactory(title="Join the community").pk)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert f"Changed</span>: moved from “{was}” to “Join the community”</li>" in section

    def test_a_resources_new_link_is_told_without_the_title_again(
        self, client, learner, editor, engineer
    ):
        """It read "Ship an API Changed: New link for the resource “FastAPI” of “Ship an API”"."""
        relinked = {"resources-0-url": "https://fastapi.tiangolo.com/"}
        section = news_of_resource_edits(client, learner, editor, engineer, relinked)
        line = "Changed</span>: now links its resource “FastAPI” to a new address</li>"
        assert line in section

    def test_a_resource_renamed_is_told_from_its_title_at_the_last_visit_to_its_title_now(
        self, client, learner, editor, engineer
    ):
        renames = [{"resources-0-title": title} for title in ("FastAPI docs", "FastAPI guide")]
        section = news_of_resource_edits(client, learner, editor, engineer, *renames)
        line = "Changed</span>: now lists its resource “FastAPI” as “FastAPI guide”</li>"
        assert line in section
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, **{"resources-0-title": "FastAPI"})  # back as it was: no news
        assert news_of(client.get("/").text) == ""

    @pytest.mark.parametrize(
        ("edits", "told"),
        [
            ([{"resources-0-title": "FastAPI docs"}, REMOVED], ["Resource removed: FastAPI"]),
            (
                [
                    {"resources-0-title": "FastAPI docs"},
                    {"resources-0-title": "FastAPI guide"},
                    REMOVED,
                ],
                ["Resource removed: FastAPI"],
            ),
            ([{"resources-0-title": "FastAPI docs"}, REMOVED, FASTAPI_AGAIN], []),
            (
                [
                    REMOVED,
                    FASTAPI_AGAIN | {"resources-0-title": "FastAPI docs"},
                    {"resources-0-title": "FastAPI"},
                ],
                [],
            ),
        ],
    )
    def test_a_resource_renamed_and_removed_or_put_back_is_told_as_it_differs_now(
        self, client, learner, editor, engineer, edits, told
    ):
        """Renames were told by link, and additions and removals by title, each on its own:
        "renames its resource “FastAPI” to “FastAPI docs”; Resource removed: FastAPI docs", and
        a resource put back as it was was news of a removal and an addition."""
        section = news_of_resource_edits(client, learner, editor, engineer, *edits)
        assert re.findall(r"</span>: ([^<]*)</li>", section) == (
            [f"{'; '.join(told)}"] if told else []
        )

    def test_resource_entries_kept_as_before_renames_were_told_are_read_as_ever(
        self, client, learner, engineer
    ):
        """Their links were kept by title: {"resource": [title, [[url, ±1], …]]}."""
        ship = engineer.milestones.get(title="Ship an API")
        learner.changes_seen_at = timezone.now()
        learner.save(update_fields=["changes_seen_at"])
        for url, move in (("https://a.example/", -1), ("https://b.example/", 1)):
            kind = (
                ContentChange.Kind.RESOURCE_ADDED
                if move > 0
                else ContentChange.Kind.RESOURCE_REMOVED
            )
            before = {"resource": ["Docs", [[url, move]]]}
            ContentChangeFactory(
                milestone=ship, kind=kind, detail="(as it was said)", before=before
            )
        content_changed()
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "Changed</span>: now links its resource “Docs” to a new address</li>" in section

    def test_a_resource_added_and_one_removed_are_told_without_the_title_again(
        self, client, learner, editor, engineer
    ):
        """ "Ship an API Changed: New resource for “Ship an API”: Docker docs; Resource removed
        from “Ship an API”: FastAPI": the title three times in one line, on a phone a screen."""
        other = {"resources-0-title": "Docker docs", "resources-0-url": "https://docs.docker.com/"}
        section = news_of_resource_edits(client, learner, editor, engineer, other)
        line = "Changed</span>: New resource: Docker docs; Resource removed: FastAPI</li>"
        assert line in section

    def test_a_title_quoted_in_the_old_title_or_a_resource_stays(
        self, client, learner, editor, engineer
    ):
        """Only the title said by the link goes: "Renamed from “Intro to “Ship an API””"."""
        ship = engineer.milestones.get(title="Ship an API")
        Milestone.objects.filter(pk=ship.pk).update(title="Intro to “Ship an API”")
        ship.refresh_from_db()
        save(
            editor,
            ship,
            title="Ship an API",
            description="New text.",
            **inline_management("resources", total=1),
            **{
                "resources-0-title": "A review of “Ship an API”",
                "resources-0-url": "https://review.example/",
                "resources-0-position": 0,
            },
        )
        client.force_login(learner)
        section = news_of(client.get("/").text)
        line = (
            "Changed</span>: Renamed from “Intro to “Ship an API””; New description; "
            "New resource: A review of “Ship an API”</li>"
        )
        assert line in section

    def test_a_change_dismissed_is_not_told_again_after_another_edit_within_the_minute(
        self, client, learner, editor, engineer
    ):
        """The second edit was merged into the first's entry, which moved past the mark: the
        learner was told again of the description they had dismissed."""
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, description="With tests.")
        client.force_login(learner)
        page = client.get("/").text
        assert "New description" in news_of(page)
        client.post(SEEN, seen_form(page))
        assert news_of(client.get("/").text) == ""
        save(editor, ship, estimated_hours=8)
        section = news_of(client.get("/").text)
        assert "Changed</span>: now takes about 8 h, was 4 h</li>" in section

    def test_the_same_change_made_twice_is_said_once(self, client, learner, editor, engineer):
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, description="With tests.")
        save(editor, ship, description="With tests and a README.")  # an entry of its own
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "Changed</span>: New description</li>" in section

    def test_an_estimate_set_back_and_forth_ends_on_what_holds_now(
        self, client, learner, editor, engineer
    ):
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, estimated_hours=6)
        save(editor, ship, estimated_hours=4)
        save(editor, ship, estimated_hours=6)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        # What holds since it was last as the learner saw it: not the steps there and back.
        assert "Changed</span>: now takes about 6 h, was 4 h</li>" in section

    def test_a_change_made_since_the_snapshot_was_read_is_told_later_not_marked_seen(
        self, learner, editor, engineer
    ):
        """Another process serves the roadmap it read up to a second before: a rename saved
        meanwhile was compared with the title from before it, left out as no news, and then
        marked seen when the learner dismissed the news."""
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, estimated_hours=ship.estimated_hours + 1)
        before = get_snapshot(fresh=True)  # read just before the rename
        save(editor, ship, title="Deploy an API")
        rename = ship.changes.get(summary__startswith="Renamed")

        def told(snapshot):
            said = news.since_mark(learner, snapshot, {}, {engineer.pk})
            return said.until, [line for _, lines in said.changed for line in lines]

        until, lines = told(before)
        assert until < rename.at  # dismissing this news leaves the rename to tell
        assert lines == [
            f"now takes about {ship.estimated_hours} h, was {ship.estimated_hours - 1} h"
        ]
        assert told(get_snapshot(fresh=True)) == (
            rename.at,
            [lines[0], "Renamed from “Ship an API”"],
        )

    def test_a_change_committed_while_the_roadmap_was_read_is_told_as_it_is(
        self, learner, editor, engineer, monkeypatch
    ):
        """An undo committed between the snapshot's read of the latest change and its read of
        the roadmap: the rename before it was left out as undone and marked seen, and the undo
        told later as "Renamed from “Deploy an API”" under a title the learner had all along."""
        ship = engineer.milestones.get(title="Ship an API")
        save(editor, ship, estimated_hours=ship.estimated_hours + 1)
        save(editor, ship, title="Deploy an API")
        read = models.SectionQuerySet.with_active_milestones

        def undone_meanwhile(queryset):
            monkeypatch.setattr(models.SectionQuerySet, "with_active_milestones", read)
            save(editor, ship, title="Ship an API")
            return read(queryset)

        monkeypatch.setattr(models.SectionQuerySet, "with_active_milestones", undone_meanwhile)
        said = news.since_mark(learner, get_snapshot(fresh=True), {}, {engineer.pk})
        (told,) = [lines for _, lines in said.changed]
        assert told == [
            f"now takes about {ship.estimated_hours} h, was {ship.estimated_hours - 1} h"
        ]
        news.mark_seen(learner, said.until)  # dismissed
        learner.refresh_from_db()
        # Renamed and back: nothing to tell.
        assert news.since_mark(learner, get_snapshot(fresh=True), {}, {engineer.pk}) is None

    def test_a_thing_changed_there_and_back_by_way_of_a_third_is_told_as_one_change(
        self, client, learner, editor, engineer
    ):
        """Only a return to what the learner saw was left out: every step of a detour was
        told, "Renamed from “Deploy an API”" under the title Deploy an API."""
        ship = engineer.milestones.get(title="Ship an API")
        hours = ship.estimated_hours
        for title, more in [("Deploy an API", 1), ("Serve an API", 2), ("Deploy an API", 1)]:
            save(editor, ship, title=title, estimated_hours=hours + more)
        client.force_login(learner)
        assert (
            '>Deploy an API</a> <span class="tag">Changed</span>: Renamed from “Ship an API”; '
            f"now takes about {hours + 1} h, was {hours} h</li>"
        ) in news_of(client.get("/").text)
        # On from there, and away again: the way it went, without the loop, in one.
        save(editor, ship, title="Launch an API", estimated_hours=hours)
        assert (
            '>Launch an API</a> <span class="tag">Changed</span>: Renamed from “Ship an API”</li>'
        ) in news_of(client.get("/").text)

    def test_what_a_change_moved_says_nothing_a_later_tick_makes_untrue(
        self, client, learner, editor, engineer
    ):
        """Told as history ("went from 33 % to 20 %"), the numbers were worked out again from
        today's ticks: after one more tick the news named a "from" the learner never had."""
        TrackMilestoneFactory(track=engineer, weight=2, milestone__title="Give a talk")
        save(editor, learner.progress.get().milestone, **{"memberships-0-weight": 1})  # 2/6 → 1/5
        ship = engineer.milestones.get(title="Ship an API")
        ProgressFactory(
            user=learner, milestone=ship, status=Status.DONE, completed_at=timezone.now()
        )
        client.force_login(learner)
        page = client.get(DASHBOARD).text
        assert "<strong>60 %</strong>" in page  # 3 of 5 points
        section = news_of(page)
        # Under the old weights what is done now would be 4 of 6 points: the change cost 6.
        assert (
            "<li>These changes took your ML Engineer completion down 6 percentage points" in section
        )
        assert "66 %" not in section

    def test_a_milestone_brought_back_from_the_archive_is_told_as_back(
        self, client, learner, editor, engineer
    ):
        paper = TrackMilestoneFactory(
            track=engineer, weight=4, milestone__title="Read a paper", milestone__is_archived=True
        ).milestone
        editor.post(
            reverse("admin:roadmap_milestone_changelist"),
            {"action": "unarchive", "_selected_action": [paper.pk]},
        )
        client.force_login(learner)
        page = client.get("/").text
        section = news_of(page)
        assert "<li>1 milestone back on the roadmap</li>" in section
        assert "changed</li>" not in section
        # A tag of its own, not a "Back" that reads like a link back.
        assert '>Read a paper</a> <span class="tag">Back on the roadmap</span>' in section
        card = page[page.index(f'id="{paper.slug}"') :]
        tag = 'Back on the roadmap<span class="visually-hidden"> since your last visit</span>'
        assert tag in card[:3000]
        assert "completion down 25 percentage points" in section  # it counts again

    def test_a_milestone_brought_back_and_renamed_says_its_old_title(
        self, client, learner, editor, engineer
    ):
        """Brought back under another title in one save, it said only "Back on the roadmap": the
        learner, who knew it by its old title, could not tell it was the one archived."""
        paper = TrackMilestoneFactory(
            track=engineer, weight=4, milestone__title="Read a paper", milestone__is_archived=True
        ).milestone
        save(editor, paper, title="Summarize a paper", is_archived="")
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<li>1 milestone back on the roadmap</li>" in section
        assert (
            '>Summarize a paper</a> <span class="tag">Back on the roadmap</span>: '
            "Renamed from “Read a paper”</li>" in section
        )

    @pytest.mark.parametrize(
        ("archived_at_the_mark", "actions"),
        [(False, ("archive", "unarchive")), (True, ("unarchive", "archive"))],
        ids=["on the roadmap, archived and back", "archived, back and archived again"],
    )
    def test_a_milestone_that_came_and_went_since_the_mark_is_no_news(
        self, client, learner, editor, engineer, archived_at_the_mark, actions
    ):
        """It is where it was at the learner's last visit: on the roadmap, or off it."""
        milestone = TrackMilestoneFactory(
            track=engineer, weight=3, milestone__is_archived=archived_at_the_mark
        ).milestone
        url = reverse("admin:roadmap_milestone_changelist")
        for action in actions:
            editor.post(url, {"action": action, "_selected_action": [milestone.pk]})
        client.force_login(learner)
        assert news_of(client.get("/").text) == ""

    def test_a_done_milestone_that_changed_stays_on_a_roadmap_that_hides_done_ones(
        self, client, learner, editor
    ):
        """Its link in the news must lead somewhere: until dismissed, it is shown, folded."""
        learner.hide_done = True
        learner.save(update_fields=["hide_done"])
        done = learner.progress.get().milestone
        save(editor, done, description="Now with a checklist.")
        client.force_login(learner)
        page = client.get("/").text
        assert f'<a href="#{done.slug}">{done.title}</a>' in news_of(page)  # shown: there
        assert f'<li class="milestone is-done" id="{done.slug}">' in page
        assert f'<a class="node node-done" id="node-{done.slug}"' in page
        # Shown, so not among those the button would show: it counted it too. None hidden: no
        # "(0)", which read as nothing to show.
        assert 'id="hide-done-toggle">Show done milestones</button>' in page
        client.post(SEEN, seen_form(page))
        page = client.get("/").text
        assert f'id="{done.slug}"' not in page  # hidden again once the news is dismissed
        assert "Show done milestones (1)" in page

    def test_a_mark_of_today_says_the_time(self, client, learner, engineer):
        """ "Roadmap changes since 2 Dec", on 2 Dec: since when?"""
        learner.changes_seen_at = timezone.localtime().replace(hour=0, minute=0, second=0)
        learner.save(update_fields=["changes_seen_at"])
        ContentChangeFactory(milestone=engineer.milestones.first())
        content_changed()
        client.force_login(learner)
        heading = news_of(client.get("/").text).split("</h2>")[0]
        assert heading.endswith("Roadmap changes since 00:00 today")

    def test_a_mark_of_another_year_says_the_year(self, client, learner, engineer):
        learner.changes_seen_at = timezone.now() - datetime.timedelta(days=400)
        learner.save(update_fields=["changes_seen_at"])
        ContentChangeFactory(milestone=engineer.milestones.first())
        content_changed()
        client.force_login(learner)
        since = timezone.localtime(learner.changes_seen_at)
        heading = news_of(client.get("/").text).split("</h2>")[0]
        assert heading.endswith(f"Roadmap changes since {since:%-d %b %Y}")

    def test_an_archived_milestone_and_a_changed_one_are_counted(
        self, client, learner, editor, engineer
    ):
        ship = engineer.milestones.get(title="Ship an API")
        clean = engineer.milestones.get(title="Clean the data")
        save(editor, ship, is_archived="on")
        save(editor, clean, description="With a script.")
        client.force_login(learner)
        section = news_of(client.get(DASHBOARD).text)
        # Nothing of the learner's on it: nothing to be told is kept.
        assert "<li>1 milestone was archived: Ship an API.</li>" in section
        assert "<li>1 milestone changed</li>" in section
        assert "These changes took your ML Engineer completion up 50 percentage points" in section
        assert 'class="change-tag"' not in client.get(DASHBOARD).text

    def test_what_the_learner_had_on_an_archived_milestone_is_said_to_be_kept(
        self, client, learner, editor, engineer
    ):
        """Said to every learner, it was untrue to one who had never touched the milestone."""
        ship = engineer.milestones.get(title="Ship an API")
        clean = engineer.milestones.get(title="Clean the data")  # done
        noted = TrackMilestoneFactory(track=engineer, milestone__title="Write it up").milestone
        ProgressFactory(user=learner, milestone=noted, note="Draft in my repo")
        for milestone in (ship, clean, noted):
            save(editor, milestone, is_archived="on")
        client.force_login(learner)
        section = news_of(client.get(DASHBOARD).text)
        data_page = f'<a href="{reverse("my_data")}">your data page</a>'
        assert (
            "<li>3 milestones were archived: Ship an API, Clean the data, Write it up. What you "
            f"ticked or wrote on Clean the data and Write it up is kept on {data_page}.</li>"
        ) in section
        save(editor, ship, is_archived="")
        section = news_of(client.get(DASHBOARD).text)
        assert f"What you ticked or wrote on them is kept on {data_page}.</li>" in section

    def test_a_new_milestone_ticked_then_archived_is_told(self, client, learner, editor, engineer):
        """Added since the mark, it was no news that it went: but the learner had seen it, and
        ticked it, and their percentage fell with nothing to say why."""
        add_milestone(editor, "Review a paper", engineer, 5)
        review = Milestone.objects.get(title="Review a paper")
        progress.set_status(user=learner, milestone=review, status=Status.DONE)
        save(editor, review, is_archived="on")
        client.force_login(learner)
        section = news_of(client.get(DASHBOARD).text)
        assert "<li>1 milestone was archived: Review a paper. What you ticked or wrote on it" in (
            section
        )
        # One added and archived since, never touched, is still no news.
        add_milestone(editor, "Write a survey", engineer, 2)
        save(editor, Milestone.objects.get(title="Write a survey"), is_archived="on")
        assert "Write a survey" not in news_of(client.get(DASHBOARD).text)

    @pytest.mark.parametrize("archived_first", [True, False])
    def test_a_deleted_milestone_is_told_with_its_title(
        self, client, learner, editor, engineer, archived_first
    ):
        """Deleted (only one nobody has progress on can be), a milestone took its link from its
        changelog entries: the news said only that ML Engineer went up 50 points, with no why."""
        ship = engineer.milestones.get(title="Ship an API")
        if archived_first:
            save(editor, ship, is_archived="on")
        response = editor.post(
            reverse("admin:roadmap_milestone_delete", args=[ship.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        client.force_login(learner)
        section = news_of(client.get(DASHBOARD).text)
        assert "<li>1 milestone was deleted: Ship an API.</li>" in section
        assert "archived" not in section  # said once, as what it is now
        assert "These changes took your ML Engineer completion up 50 percentage points" in section

    def test_a_milestone_deleted_and_added_again_since_is_told_as_new_alone(
        self, client, learner, editor, engineer
    ):
        """Deleted in the admin, then back from the roadmap's file: the news said "1 milestone
        was deleted: Ship an API" and showed "Ship an API" as New."""
        ship = engineer.milestones.get(title="Ship an API")
        editor.post(reverse("admin:roadmap_milestone_delete", args=[ship.pk]), {"post": "yes"})
        add_milestone(editor, "Ship an API", engineer, 2)
        client.force_login(learner)
        section = news_of(client.get(DASHBOARD).text)
        assert "<li>1 new milestone, counting toward ML Engineer</li>" in section
        assert "Ship an API" in section
        assert "deleted" not in section

    def test_a_milestone_added_and_deleted_since_is_not_told(
        self, client, learner, editor, engineer
    ):
        """Never seen by the learner: nothing went from their roadmap."""
        add_milestone(editor, "A slip of the editor", engineer, 1)
        slip = Milestone.objects.get(title="A slip of the editor")
        response = editor.post(
            reverse("admin:roadmap_milestone_delete", args=[slip.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        client.force_login(learner)
        assert "deleted" not in news_of(client.get(DASHBOARD).text)

    def test_new_milestones_are_counted_once_with_the_tracks_they_count_toward(
        self, client, learner, editor, engineer
    ):
        scientist = TrackFactory(name="Data Scientist")
        EnrollmentFactory(user=learner, track=scientist)
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        medal = Milestone.objects.get(title="Win a Kaggle medal")
        TrackMilestoneFactory(track=scientist, milestone=medal, weight=1)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<li>1 new milestone, counting toward ML Engineer and Data Scientist</li>" in section
        add_milestone(editor, "Ship a second API", engineer, 1)
        add_milestone(editor, "Write a paper", TrackFactory(name="Research Scientist"), 5)
        section = news_of(client.get("/").text)
        # Counted in words: "Data Scientist (1)" was unclear beside a name with brackets of its own.
        assert (
            "<li>3 new milestones: 2 count toward ML Engineer and 1 toward Data Scientist;"
            " 1 toward none of your tracks</li>"
        ) in section

    def test_one_point_less_is_one_percentage_point(self, client, learner, editor, engineer):
        for _ in range(24):  # with the learner's two, 124 points, all done: 100 %
            TrackMilestoneFactory(track=engineer, weight=5)
        for milestone in engineer.milestones.exclude(progress__user=learner):
            ProgressFactory(
                user=learner, milestone=milestone, status=Status.DONE, completed_at=timezone.now()
            )
        add_milestone(editor, "Win a Kaggle medal", engineer, 1)  # 124 of 125: 99 %
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "completion down 1 percentage point.</li>" in section

    def test_after_a_tick_the_news_comes_again_with_the_next_up_box(
        self, client, learner, editor, engineer
    ):
        """By how much a change moved a track is for what is done now: after a tick further down
        the page, the box said the number from before it until a reload."""
        save(editor, learner.progress.get().milestone, **{"memberships-0-weight": 4})
        client.force_login(learner)
        ship = engineer.milestones.get(title="Ship an API")
        ProgressFactory(
            user=learner, milestone=ship, status=Status.DONE, completed_at=timezone.now()
        )
        # What the tick's answer makes htmx ask for again (progress-changed).
        box = client.get("/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roadmap-tools").text
        section = box[box.index('<section class="news card"') :]
        assert section.startswith('<section class="news card" id="news" hx-swap-oob="true"')
        assert "percentage point" not in section  # all done: the change moves nothing now
        assert "hx-swap-oob" not in client.get("/").text

    def test_a_page_without_news_has_the_place_news_coming_after_a_tick_goes(self, client, user):
        """Else htmx finds no element for it: the news of a change made since the page opened
        was lost until a reload."""
        client.force_login(user)
        assert '<div id="news" hidden></div>' in client.get("/").text
        box = client.get("/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roadmap-tools").text
        assert '<div id="news" hx-swap-oob="true" hidden></div>' in box  # news dismissed elsewhere

    def test_a_deleted_track_nobody_followed_is_no_news(self, client, learner, editor, engineer):
        scientist = TrackFactory(name="Research Scientist")
        for milestone in engineer.milestones.all():
            TrackMilestoneFactory(track=scientist, milestone=milestone, weight=3)
        url = reverse("admin:roadmap_track_delete", args=[scientist.pk])
        assert editor.post(url, {"post": "yes"}).status_code == 302
        client.force_login(learner)
        page = client.get("/").text
        assert not news_of(page)
        assert 'class="change-tag"' not in page

    def test_a_new_milestone_elsewhere_is_counted_but_moves_nothing(self, client, learner, editor):
        add_milestone(editor, "Write a paper", TrackFactory(name="Research Scientist"), 5)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<li>1 new milestone, counting toward none of your tracks</li>" in section
        assert "percentage point" not in section

    def test_a_learner_who_signed_up_after_the_change_is_told_nothing(
        self, client, editor, engineer
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        newcomer = UserFactory()
        client.force_login(newcomer)
        assert news_of(client.get("/").text) == ""
        assert news_of(client.get(DASHBOARD).text) == ""

    def test_a_hostile_title_is_shown_as_text(self, client, learner, editor, engineer):
        add_milestone(editor, '<img src=x onerror="alert(1)">', engineer, 1)
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<img" not in section
        assert "&lt;img src=x" in section


class TestNewTracks:
    def test_a_new_career_track_is_told_with_a_link_to_focus_on_it(self, client, learner, editor):
        """A track added showed only as milestones that "count 4 of 5 toward" a name the
        learner had never seen."""
        response = editor.post(
            reverse("admin:roadmap_track_add"),
            {"slug": "applied-scientist", "name": "Applied <Scientist>", "position": 9},
        )
        assert response.status_code == 302
        assert ContentChange.objects.get().summary == "Added the track “Applied <Scientist>”"
        client.force_login(learner)
        for page in ("/", DASHBOARD):
            section = news_of(client.get(page).text)
            assert (
                '<li>A new career track: <a href="/?track=applied-scientist">'
                "Applied &lt;Scientist&gt;</a></li>"
            ) in section

    def test_a_track_added_by_a_load_is_told_and_the_first_load_is_no_news(self, db):
        data = content.parse(DEFAULT_PATH.read_text())
        content.load(data)
        assert not ContentChange.objects.exists()  # the roadmap itself, on a fresh install
        data["tracks"].append({"slug": "mlops", "name": "MLOps Engineer", "summary": ""})
        content.load(data)
        [change] = ContentChange.objects.all()
        assert change.kind == ContentChange.Kind.TRACK_ADDED
        assert change.track.slug == "mlops"

    def test_a_track_added_and_deleted_since_is_no_news(self, client, learner, editor):
        track = TrackFactory(name="Fleeting")
        changes.record_new_track(track)
        track.delete()
        content_changed()
        client.force_login(learner)
        assert "Fleeting" not in news_of(client.get("/").text)


class TestDismissing:
    def test_it_works_without_javascript_and_the_tags_go_too(
        self, csrf_client, learner, editor, engineer
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        csrf_client.force_login(learner)
        page = csrf_client.get(DASHBOARD).text
        token = csrf_client.cookies["csrftoken"].value
        form = seen_form(page) | {"csrfmiddlewaretoken": token, "next": DASHBOARD}
        response = csrf_client.post(SEEN, form)
        assert response.status_code == 302
        assert response["Location"] == DASHBOARD
        page = csrf_client.get(DASHBOARD).text
        assert news_of(page) == ""
        assert f'<p class="message success">{DISMISSED}</p>' in page  # said: not just gone
        page = csrf_client.get("/").text
        assert news_of(page) == "" and 'class="change-tag"' not in page

    def test_by_htmx_the_roadmap_comes_back_without_the_news(
        self, client, learner, editor, engineer
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        client.force_login(learner)
        form = seen_form(client.get("/").text)
        htmx = {"HX-Request": "true", "HX-Target": "roadmap-body"}
        response = client.post(SEEN, form, headers=htmx, follow=True)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="roadmap-body">')
        assert "Win a Kaggle medal" in response.text
        assert news_of(response.text) == "" and 'class="change-tag"' not in response.text
        # Shown where the learner is (the flash area at the page's top was out of sight), and
        # said once in the page's live region (a screen reader heard nothing).
        body = response.text.split('<div id="roadmap-body">')[1].split('<nav class="focus"')[0]
        assert f'<p class="message success">{DISMISSED}</p>' in body
        said = f'<div id="progress-announcement" hx-swap-oob="innerHTML">{DISMISSED}</div>'
        assert said in response.text
        assert response.text.count(DISMISSED) == 2
        assert '<div hx-swap-oob="innerHTML:#flash"></div>' in response.text  # older news gone
        assert DISMISSED not in client.get("/").text

    def test_a_change_made_after_the_page_was_shown_is_still_told(
        self, client, learner, editor, engineer
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        client.force_login(learner)
        form = seen_form(client.get("/").text)
        ContentChangeFactory(milestone=engineer.milestones.get(title="Ship an API"))
        content_changed()
        client.post(SEEN, form)
        section = news_of(client.get("/").text)
        assert "<li>1 milestone changed</li>" in section
        assert "Win a Kaggle medal" not in section

    def test_the_next_news_is_dated_from_when_the_learner_caught_up(
        self, client, learner, engineer
    ):
        """Dismissing marks the changes shown as seen, up to the latest of them (a month old
        here): the next news says since the day of the dismissal, not since that change."""
        learner.changes_seen_at = timezone.now() - datetime.timedelta(days=40)
        learner.save(update_fields=["changes_seen_at"])
        old = timezone.now() - datetime.timedelta(days=30)
        ContentChangeFactory(milestone=engineer.milestones.first(), at=old)
        content_changed()
        client.force_login(learner)
        assert client.post(SEEN, seen_form(client.get("/").text)).status_code == 302
        ContentChangeFactory(milestone=engineer.milestones.last())
        content_changed()
        heading = news_of(client.get("/").text).split("</h2>")[0]
        assert re.search(r"Roadmap changes since \d\d:\d\d today$", heading)  # of the dismissal

    def test_news_made_while_the_page_was_open_is_dated_from_before_it(
        self, client, learner, engineer
    ):
        """Dismissing marks what the page showed: a change made meanwhile (another tab) is the
        next news, which must not say it is since a day after that change."""
        milestone = engineer.milestones.first()
        ContentChangeFactory(milestone=milestone, at=timezone.now() - datetime.timedelta(days=2))
        content_changed()
        client.force_login(learner)
        form = seen_form(client.get("/").text)
        ContentChangeFactory(milestone=milestone, at=timezone.now() - datetime.timedelta(days=1))
        content_changed()
        assert client.post(SEEN, form).status_code == 302
        heading = news_of(client.get("/").text).split("</h2>")[0]
        learner.refresh_from_db()
        since = timezone.localtime(learner.changes_seen_at)  # the change the page showed
        assert heading.endswith(f"Roadmap changes since {since:%-d %b}"), heading

    def test_a_change_the_news_does_not_tell_of_leaves_it_dated_from_the_dismissal(
        self, client, learner, engineer
    ):
        """An archived milestone deleted while the dismissed page was open: nothing to tell."""
        now = timezone.now()
        learner.changes_seen_at = now - datetime.timedelta(days=10)
        learner.changes_dismissed_at = now - datetime.timedelta(days=5)
        learner.save(update_fields=["changes_seen_at", "changes_dismissed_at"])
        ContentChangeFactory(
            kind=ContentChange.Kind.DELETED,
            milestone=None,
            summary="Deleted “Old”",
            points={},
            at=now - datetime.timedelta(days=7),
        )
        ContentChangeFactory(
            milestone=engineer.milestones.first(), at=now - datetime.timedelta(days=1)
        )
        content_changed()
        client.force_login(learner)
        section = news_of(client.get("/").text)
        assert "<li>1 milestone changed</li>" in section
        dismissed = timezone.localtime(learner.changes_dismissed_at)
        assert section.split("</h2>")[0].endswith(f"Roadmap changes since {dismissed:%-d %b}")

    @pytest.mark.parametrize(
        "until, message",
        [
            ("", "Say up to when the changes were seen."),
            ("yesterday", "That is not a date and time"),
            ("2026-13-45T99:99:99", "That is not a date and time"),
            ("9" * 5000, "That is not a date and time"),
            ("2026-11-03T10:00:00+99:00", "That is not a date and time"),
        ],
    )
    def test_a_hostile_mark_is_a_400_that_says_why(self, client, learner, until, message):
        client.force_login(learner)
        response = client.post(SEEN, {"until": until})
        assert response.status_code == 400
        assert message in response.text
        learner.refresh_from_db()
        assert learner.changes_seen_at < timezone.now() - DAYS_AGO / 2

    def test_the_mark_moves_to_now_never_back_and_not_past_a_change_not_shown(
        self, client, learner, engineer
    ):
        client.force_login(learner)
        before = learner.changes_seen_at
        ContentChangeFactory(milestone=engineer.milestones.first())
        content_changed()
        for until in ("0001-01-01T00:00:00+14:00", "1970-01-01T00:00:00Z"):
            assert client.post(SEEN, {"until": until}).status_code == 302
            learner.refresh_from_db()
            assert learner.changes_seen_at == before
        assert client.post(SEEN, {"until": "9999-12-31T23:59:59-12:00"}).status_code == 302
        learner.refresh_from_db()
        assert timezone.now() - datetime.timedelta(minutes=1) < learner.changes_seen_at
        assert learner.changes_seen_at <= timezone.now()

    def test_a_mark_with_any_offset_python_reads_is_stored_as_the_same_moment(
        self, client, learner
    ):
        """ISO 8601 allows offsets up to ±23:59; PostgreSQL holds up to ±15:59."""
        client.force_login(learner)
        until = timezone.now() - datetime.timedelta(minutes=1)
        local = until.astimezone(datetime.timezone(-datetime.timedelta(hours=23, minutes=59)))
        assert client.post(SEEN, {"until": local.isoformat()}).status_code == 302
        learner.refresh_from_db()
        assert learner.changes_seen_at == until

    def test_next_off_the_site_goes_to_the_roadmap(self, client, learner):
        client.force_login(learner)
        response = client.post(
            SEEN, {"until": timezone.now().isoformat(), "next": "//evil.example/"}
        )
        assert response["Location"] == reverse("roadmap:index")

    def test_it_needs_a_post_a_login_and_the_csrf_token(self, client, csrf_client, learner):
        until = {"until": timezone.now().isoformat()}
        assert client.post(SEEN, until)["Location"].startswith(reverse("login"))
        client.force_login(learner)
        seen = learner.changes_seen_at
        assert client.get(SEEN).status_code == 302  # to the roadmap, nothing dismissed
        learner.refresh_from_db()
        assert learner.changes_seen_at == seen
        assert client.put(SEEN).status_code == 405
        csrf_client.force_login(learner)
        assert csrf_client.post(SEEN, until).status_code == 403


class TestVisits:
    def test_a_visit_is_recorded_at_most_once_an_hour(self, client, learner):
        client.force_login(learner)
        client.get("/")
        learner.refresh_from_db()
        first = learner.last_visit_at
        assert first is not None
        client.get(DASHBOARD)
        learner.refresh_from_db()
        assert learner.last_visit_at == first
        learner.last_visit_at = first - datetime.timedelta(hours=1, seconds=1)
        learner.save(update_fields=["last_visit_at"])
        client.get(DASHBOARD)
        learner.refresh_from_db()
        assert learner.last_visit_at > first

    def test_of_two_requests_at_once_one_writes(self, learner):
        stale = type(learner).objects.get(pk=learner.pk)
        news.note_visit(learner)
        learner.refresh_from_db()
        written = learner.last_visit_at
        news.note_visit(stale)  # read before the first wrote: its UPDATE matches no row
        learner.refresh_from_db()
        assert learner.last_visit_at == written

    def test_recording_a_visit_does_not_dismiss_the_news(self, client, learner, editor, engineer):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        client.force_login(learner)
        client.get("/")
        type(learner).objects.filter(pk=learner.pk).update(last_visit_at=None)
        assert "Win a Kaggle medal" in news_of(client.get("/").text)


class TestQueries:
    @pytest.mark.parametrize("url", ["/", "/?track=all", DASHBOARD])
    def test_news_costs_one_query_whatever_the_number_of_changes(
        self, client, learner, editor, engineer, url, django_assert_max_num_queries
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        client.force_login(learner)
        client.get(url)  # the snapshot, and the visit of this hour
        # The session, the user, their progress rows, the tracks they follow, the changes
        # since their mark.
        with django_assert_max_num_queries(5):
            assert "Win a Kaggle medal" in news_of(client.get(url).text)
        for _ in range(20):
            ContentChangeFactory(milestone=engineer.milestones.get(title="Ship an API"))
        add_milestone(editor, "Give a talk", engineer, 1)
        client.get(url)
        with django_assert_max_num_queries(5):
            assert "Give a talk" in news_of(client.get(url).text)

    def test_an_up_to_date_learner_pays_no_query_for_it(
        self, client, learner, editor, engineer, django_assert_max_num_queries
    ):
        add_milestone(editor, "Win a Kaggle medal", engineer, 4)
        learner.changes_seen_at = timezone.now()
        learner.save(update_fields=["changes_seen_at"])
        client.force_login(learner)
        client.get("/")
        # The session, the user, their progress rows, the tracks they follow.
        for url in ("/", DASHBOARD):
            with django_assert_max_num_queries(4):
                assert news_of(client.get(url).text) == ""

    @pytest.mark.parametrize("untold", ["a track deleted", "an archived milestone edited"])
    def test_a_change_nobody_is_told_of_costs_no_query(
        self, client, learner, editor, engineer, untold, django_assert_max_num_queries
    ):
        """Neither is news to anyone, yet the news's query ran on every page view: with no
        news shown there was nothing to dismiss, so the learner's mark never moved past it."""
        shelved = TrackMilestoneFactory(
            track=engineer, milestone__title="Shelved", milestone__is_archived=True
        ).milestone
        learner.changes_seen_at = timezone.now()
        learner.save(update_fields=["changes_seen_at"])
        if untold == "a track deleted":
            old = TrackFactory(name="Old Track")
            url = reverse("admin:roadmap_track_delete", args=[old.pk])
            assert editor.post(url, {"post": "yes"}).status_code == 302
        else:
            save(editor, shelved, title="Shelved for good", description="Not this year.")
        assert ContentChange.objects.filter(at__gt=learner.changes_seen_at).exists()
        client.force_login(learner)
        client.get("/")
        # The session, the user, their progress rows, the tracks they follow.
        for url in ("/", DASHBOARD):
            with django_assert_max_num_queries(4):
                assert news_of(client.get(url).text) == ""
        save(editor, shelved, is_archived="")  # back on the roadmap: that is news
        assert "Shelved" in news_of(client.get("/").text)


class TestDeletedMilestones:
    def test_a_milestone_added_by_mistake_then_deleted_moves_no_percentage(
        self, client, learner, editor, engineer
    ):
        add_milestone(editor, "Added by mistake", engineer, 4)
        mistake = Milestone.objects.get(title="Added by mistake")
        url = reverse("admin:roadmap_milestone_delete", args=[mistake.pk])
        assert editor.post(url, {"post": "yes"}).status_code == 302
        client.force_login(learner)
        page = client.get(DASHBOARD).text
        assert "<strong>50 %</strong>" in page  # 2 of 4 points, as before the mistake
        assert "percentage point" not in news_of(page)

    def test_deleting_a_milestone_that_counts_is_recorded_and_told(
        self, client, learner, editor, engineer
    ):
        ship = Milestone.objects.get(title="Ship an API")
        url = reverse("admin:roadmap_milestone_delete", args=[ship.pk])
        assert editor.post(url, {"post": "yes"}).status_code == 302
        client.force_login(learner)
        page = client.get(DASHBOARD).text
        assert "<strong>100 %</strong>" in page  # 2 of 2 points now
        assert "completion up 50 percentage points" in news_of(page)
        assert ContentChange.objects.filter(summary="Deleted “Ship an API”").exists()


def test_dismissing_from_a_refused_target_date_page_goes_back_to_a_page(
    client, learner, editor, engineer
):
    add_milestone(editor, "Win a Kaggle medal", engineer, 4)
    client.force_login(learner)
    url = reverse("roadmap:set_target", args=[engineer.slug])
    refused = client.post(url, {"target_date": "not a date"})  # without JavaScript
    assert refused.status_code == 422
    form = news_of(refused.text)
    data = {
        "until": form.split('name="until" value="', 1)[1].split('"', 1)[0],
        "next": form.split('name="next" value="', 1)[1].split('"', 1)[0],
    }
    response = client.post(SEEN, data, follow=True)
    assert response.status_code == 200, response.redirect_chain
    assert response.redirect_chain == [(DASHBOARD, 302)]


def test_a_change_recorded_before_a_dismissal_but_committed_after_it_is_still_told(client):
    """An editor's change is timed when it is recorded, before its transaction commits: a
    learner who dismisses the news in between must still be told of it."""
    learner = UserFactory(changes_seen_at=timezone.now() - DAYS_AGO)
    shown = ContentChangeFactory(at=timezone.now() - datetime.timedelta(hours=1))
    recorded_at = timezone.now()  # the editor's change, its transaction still open
    client.force_login(learner)
    assert client.post(SEEN, {"until": shown.at.isoformat(), "next": "/"}).status_code == 302
    ContentChangeFactory(milestone__title="Read two papers", at=recorded_at)  # committed now
    content_changed()
    learner.refresh_from_db()
    told = news.since_mark(learner, get_snapshot(fresh=True), {}, set())
    assert told is not None
    assert [m.title for m, _ in told.changed] == ["Read two papers"]


def test_a_track_added_since_says_it_is_new_not_that_it_went_up_a_hundred_points(
    client, learner, editor
):
    """It had no percentage before: from "nothing counts toward it" to 100 % is no move."""
    done = learner.progress.get().milestone
    editor.post(
        reverse("admin:roadmap_track_add"), {"slug": "mlops", "name": "MLOps", "position": 9}
    )
    mlops = Track.objects.get(slug="mlops")
    memberships = {"memberships-TOTAL_FORMS": 2, "memberships-1-track": mlops.pk}
    save(editor, done, **memberships, **{"memberships-1-weight": 3})
    client.force_login(learner)
    client.post(reverse("roadmap:follow_track", args=["mlops"]))
    section = news_of(client.get(DASHBOARD).text)
    assert "A new career track" in section
    assert "MLOps completion" not in section


def test_a_track_whose_milestones_were_all_archived_is_not_said_to_have_gone_down(
    client, learner, editor
):
    """The card says "No milestone counts toward it yet": it has no percentage now."""
    ids = list(Milestone.objects.values_list("pk", flat=True))
    changelist = reverse("admin:roadmap_milestone_changelist")
    editor.post(changelist, {"action": "archive", "_selected_action": ids})
    client.force_login(learner)
    page = client.get(DASHBOARD).text
    assert "No milestone counts toward it yet." in page
    section = news_of(page)
    assert "2 milestones were archived" in section
    assert "ML Engineer completion" not in section


def test_a_weight_toward_a_track_deleted_since_is_no_news(client, learner, editor):
    """The milestone no longer counts toward it: "counts 4 of 5 toward Old Track" is untrue."""
    old = TrackFactory(name="Old Track")
    milestone = learner.progress.get().milestone
    TrackMilestoneFactory(track=old, milestone=milestone, weight=2)
    learner.changes_seen_at = timezone.now() - DAYS_AGO  # after the weight was added
    learner.save(update_fields=["changes_seen_at"])
    place = [m.track_id for m in milestone.memberships.all()].index(old.pk)
    save(editor, milestone, **{f"memberships-{place}-weight": 4})
    response = editor.post(reverse("admin:roadmap_track_delete", args=[old.pk]), {"post": "yes"})
    assert response.status_code == 302
    client.force_login(learner)
    assert "Old Track" not in news_of(client.get("/").text)
