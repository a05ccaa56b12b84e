"""Every content edit, through the admin's own forms and through load_roadmap, is recorded."""

import contextlib
import datetime
import threading
import time

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roadmap import admin_forms, changes, content
from roadmap.admin import TrackAdmin
from roadmap.content import DEFAULT_PATH
from roadmap.forms import NOT_A_WEB_ADDRESS
from roadmap.models import ContentChange, Milestone, Revision, Section, Track
from tests.conftest import LATEST, migrate
from tests.factories import (
    MilestoneFactory,
    ResourceFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)
from tests.page_forms import as_the_page_sends
from tests.test_admin import inline_management
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db
Kind = ContentChange.Kind


@pytest.fixture
def engineer():
    return TrackFactory(name="ML Engineer")


def logged():
    """The changelog, oldest first: (kind, summary, points)."""
    return [(c.kind, c.summary, c.points) for c in ContentChange.objects.order_by("at", "pk")]


def change_form(milestone):
    """The milestone's admin change form as the browser would post it back, unchanged."""
    resources = list(milestone.resources.all())
    memberships = list(milestone.memberships.all())
    data = {
        "section": milestone.section_id,
        "slug": milestone.slug,
        "title": milestone.title,
        "description": milestone.description,
        "position": milestone.position,
        "estimated_hours": milestone.estimated_hours,
        **inline_management("resources", total=len(resources), initial=len(resources)),
        **inline_management("memberships", total=len(memberships), initial=len(memberships)),
    }
    if milestone.is_archived:
        data["is_archived"] = "on"
    for i, resource in enumerate(resources):
        data |= {f"resources-{i}-{name}": getattr(resource, name) for name in ("title", "url")}
        data |= {f"resources-{i}-id": resource.pk, f"resources-{i}-milestone": milestone.pk}
        data[f"resources-{i}-position"] = resource.position
    for i, membership in enumerate(memberships):
        data |= {f"memberships-{i}-id": membership.pk, f"memberships-{i}-milestone": milestone.pk}
        data |= {f"memberships-{i}-track": membership.track_id}
        data[f"memberships-{i}-weight"] = membership.weight
    return data


def save(client, milestone, **changes):
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    response = client.post(url, change_form(milestone) | changes)
    assert response.status_code == 302, response.context["adminform"].errors
    milestone.refresh_from_db()


class TestTheAdmin:
    def test_adding_a_milestone_records_it_its_weight_and_its_resource(
        self, editor_client, engineer
    ):
        response = editor_client.post(
            reverse("admin:roadmap_milestone_add"),
            {
                "section": SectionFactory().pk,
                "slug": "win-a-medal",
                "title": "Win a Kaggle medal",
                "position": 0,
                "estimated_hours": 30,
                **inline_management("resources", total=1),
                "resources-0-position": 0,
                "resources-0-title": "Kaggle progression",
                "resources-0-url": "https://www.kaggle.com/progression",
                **inline_management("memberships", total=1),
                "memberships-0-track": engineer.pk,
                "memberships-0-weight": 4,
            },
        )
        assert response.status_code == 302
        milestone = Milestone.objects.get(slug="win-a-medal")
        assert logged() == [
            (Kind.ADDED, "Added “Win a Kaggle medal”", {}),
            (
                Kind.WEIGHT_ADDED,
                "“Win a Kaggle medal” counts 4 of 5 toward ML Engineer",
                {str(engineer.pk): 4},
            ),
            (Kind.RESOURCE_ADDED, "New resource for “Win a Kaggle medal”: Kaggle progression", {}),
        ]
        # One change, made at one time: the changelog reads it in this order.
        assert ContentChange.objects.values("at").distinct().count() == 1
        assert set(ContentChange.objects.values_list("milestone", flat=True)) == {milestone.pk}
        assert ContentChange.objects.get(kind=Kind.WEIGHT_ADDED).track == engineer

    def test_renaming_and_describing_a_milestone_are_an_entry_each(self, editor_client):
        """One entry for both told "Renamed from “Read two papers” and changed its description"
        after the title was put back: the news can leave out a rename undone, not half a line."""
        milestone = MilestoneFactory(title="Read a paper")
        save(editor_client, milestone, title="Read two papers", description="Slowly.")
        assert logged() == [
            (Kind.EDITED, "Renamed “Read a paper” to “Read two papers”", {}),
            (Kind.EDITED, "Changed the description of “Read two papers”", {}),
        ]

    def test_a_milestone_moved_to_another_section_is_an_edit(self, editor_client):
        """Its place on the roadmap, its number on the map and the section bars it counts in
        changed without a word in the changelog."""
        milestone = MilestoneFactory(title="Read a paper", section__title="Build a portfolio")
        later = SectionFactory(title="Join the community")
        save(editor_client, milestone, section=later.pk)
        assert logged() == [
            (
                Kind.EDITED,
                "“Read a paper” moved from “Build a portfolio” to “Join the community”",
                {},
            )
        ]

    def test_a_milestone_moved_goes_after_the_last_of_its_new_section(self, editor_client):
        """It kept its place number from the old section: it stood in the middle of the new
        one, tied with another, and came first in "Next up" ahead of what it follows."""
        milestone = MilestoneFactory(position=1)
        later = SectionFactory()
        MilestoneFactory(section=later, position=1)
        MilestoneFactory(section=later, position=5)
        save(editor_client, milestone, section=later.pk)
        assert milestone.position == 6
        # Its place given with the move is the editor's.
        save(editor_client, milestone, section=SectionFactory().pk, position=3)
        assert milestone.position == 3

    def test_a_move_between_sections_of_the_same_title_is_recorded(self, editor_client):
        """Section titles may repeat: the move was compared by title too, and not recorded."""
        milestone = MilestoneFactory(title="Read a paper", section__title="Extras")
        save(editor_client, milestone, section=SectionFactory(title="Extras").pk)
        assert logged() == [(Kind.EDITED, "“Read a paper” moved from “Extras” to “Extras”", {})]

    def test_a_move_between_long_titled_sections_fits_its_entry(self, editor_client):
        """Three titles of 200 characters made a summary of 622, over the 500 the changelog
        holds: a 500 on PostgreSQL (and an entry too long on SQLite)."""
        milestone = MilestoneFactory(title="M" * 200, section__title="A" * 200)
        editor_client.raise_request_exception = False
        save(editor_client, milestone, section=SectionFactory(title="B" * 200).pk)
        ((kind, summary, _),) = logged()
        assert kind == Kind.EDITED and len(summary) == 500
        assert summary.startswith(f"“{'M' * 200}” moved from “{'A' * 200}”")
        assert summary.endswith("…")

    def test_a_long_summary_is_cut_by_characters_as_stored_and_keeps_its_titles_as_written(
        self, editor_client
    ):
        """Cut by Django's Truncator, a combining mark counted as nothing (622 characters went
        through, a 500 on PostgreSQL), and every summary came back normalised: a title written
        with a decomposed "é" no longer matched, and the news said it again."""
        long = "q\u0303" * 100
        milestone = MilestoneFactory(title=long, section__title=long)
        save(editor_client, milestone, section=SectionFactory(title=long + " ").pk)
        ((_, summary, _),) = logged()
        assert len(summary) == 500 and summary.endswith("…")
        ContentChange.objects.all().delete()
        cafe = MilestoneFactory(title="Cafe\u0301 API", estimated_hours=4)
        save(editor_client, cafe, estimated_hours=6)
        assert logged() == [(Kind.EDITED, "“Cafe\u0301 API” now takes about 6 h, was 4 h", {})]

    def test_a_new_effort_estimate_is_an_edit_learners_are_told_of(self, editor_client):
        """It moves every learner's hours left and finish date."""
        milestone = MilestoneFactory(title="Read a paper", estimated_hours=6)
        save(editor_client, milestone, estimated_hours=7)
        assert logged() == [(Kind.EDITED, "“Read a paper” now takes about 7 h, was 6 h", {})]

    def test_each_edit_is_an_entry_of_its_own_even_within_a_minute(self, editor_client):
        """Merged into the entry before, a second edit moved it past the marks of learners who
        had dismissed the first: they were told it again."""
        milestone = MilestoneFactory(title="Read a paper")
        save(editor_client, milestone, title="Read two papers")
        first = ContentChange.objects.get()
        save(editor_client, milestone, description="Take notes.")
        assert [summary for _, summary, _ in logged()] == [
            "Renamed “Read a paper” to “Read two papers”",
            "Changed the description of “Read two papers”",
        ]
        assert ContentChange.objects.get(pk=first.pk).at == first.at  # as the feed gave it out

    def test_a_weight_changed_and_one_removed_in_the_inline(self, editor_client, engineer):
        milestone = MilestoneFactory(title="Ship an API")
        TrackMilestoneFactory(milestone=milestone, track=engineer, weight=2)
        scientist = TrackMilestoneFactory(milestone=milestone, track__name="Data Scientist").track
        save(editor_client, milestone, **{"memberships-0-weight": 5, "memberships-1-DELETE": "on"})
        assert logged() == [
            (
                Kind.WEIGHT_CHANGED,
                "“Ship an API” counts 5 of 5 toward ML Engineer, was 2",
                {str(engineer.pk): 3},
            ),
            (
                Kind.WEIGHT_REMOVED,
                "“Ship an API” no longer counts toward Data Scientist",
                {str(scientist.pk): -1},
            ),
        ]

    def test_a_resource_removed_and_one_renamed(self, editor_client):
        milestone = MilestoneFactory(title="Ship an API")
        ResourceFactory(milestone=milestone, title="FastAPI", url="https://a.example/", position=0)
        ResourceFactory(milestone=milestone, title="Old docs", url="https://b.example/", position=1)
        save(
            editor_client,
            milestone,
            **{"resources-0-DELETE": "on", "resources-1-title": "New docs"},
        )
        assert sorted(summary for _, summary, _ in logged()) == [
            "Resource removed from “Ship an API”: FastAPI",
            "“Ship an API” now lists its resource “Old docs” as “New docs”",
        ]

    def test_a_resources_new_link_is_one_edit_not_a_resource_added_and_removed(self, editor_client):
        """It read "New resource for “Ship an API”: FastAPI" beside "Resource removed from
        “Ship an API”: FastAPI"."""
        milestone = MilestoneFactory(title="Ship an API")
        ResourceFactory(milestone=milestone, title="FastAPI", url="https://fastapi.example/")
        save(editor_client, milestone, **{"resources-0-url": "https://fastapi.tiangolo.com/"})
        assert logged() == [
            (Kind.EDITED, "“Ship an API” now links its resource “FastAPI” to a new address", {})
        ]

    def test_a_resource_respaced_is_no_change(self, editor_client):
        """A second space or a pasted zero-width space in its title, shown the same, was told
        as "New resource …: FastAPI docs" beside "Resource removed …: FastAPI docs"."""
        milestone = MilestoneFactory(title="Ship an API")
        ResourceFactory(milestone=milestone, title="FastAPI docs", url="https://a.example/")
        save(editor_client, milestone, **{"resources-0-title": "FastAPI  docs \u200b"})
        assert milestone.resources.get().title == "FastAPI  docs \u200b"  # saved as typed
        assert logged() == []
        save(editor_client, milestone, **{"resources-0-title": "FastAPI guide"})
        assert [summary for _, summary, _ in logged()] == [
            "“Ship an API” now lists its resource “FastAPI docs” as “FastAPI guide”"
        ]

    def test_a_resource_renamed_is_one_edit_not_a_resource_added_and_removed(self, editor_client):
        """It read "New resource for “Ship an API”: FastAPI guide" beside "Resource removed
        from “Ship an API”: FastAPI docs", as if there were two resources where there is one."""
        milestone = MilestoneFactory(title="Ship an API")
        ResourceFactory(milestone=milestone, title="FastAPI docs", url="https://a.example/")
        save(editor_client, milestone, **{"resources-0-title": "FastAPI guide"})
        assert logged() == [
            (
                Kind.EDITED,
                "“Ship an API” now lists its resource “FastAPI docs” as “FastAPI guide”",
                {},
            )
        ]
        # Both new, a title and a link: another resource in its place.
        save(
            editor_client,
            milestone,
            **{"resources-0-title": "Docker docs", "resources-0-url": "https://b.example/"},
        )
        assert sorted(summary for _, summary, _ in logged()[1:]) == [
            "New resource for “Ship an API”: Docker docs",
            "Resource removed from “Ship an API”: FastAPI guide",
        ]

    @pytest.mark.parametrize(
        ("edits", "said"),
        [
            (
                {"resources-0-title": "B", "resources-1-title": "A"},
                ["now lists its resource “A” as “B”", "now lists its resource “B” as “A”"],
            ),
            # It read "links its resource “A” to a new address" beside "Resource removed: B".
            (
                {"resources-0-DELETE": "on", "resources-1-title": "A"},
                ["now lists its resource “B” as “A”", "Resource removed: A"],
            ),
        ],
        ids=["titles swapped", "renamed to the title of one removed"],
    )
    def test_a_link_kept_under_another_title_is_a_rename(self, editor_client, edits, said):
        milestone = MilestoneFactory(title="Ship an API")
        ResourceFactory(milestone=milestone, title="A", url="https://a.example/", position=0)
        ResourceFactory(milestone=milestone, title="B", url="https://b.example/", position=1)
        save(editor_client, milestone, **edits)
        assert (
            list(ContentChange.objects.order_by("at", "pk").values_list("detail", flat=True))
            == said
        )

    def test_a_new_link_beside_a_new_resource_of_the_same_title_says_both(self):
        """Every added and removed resource of a relinked title was left out: the new one too."""
        old = changes.State("Ship an API", resources=(("Docs", "https://a.example/"),))
        docs = (("Docs", "https://b.example/"), ("Docs", "https://c.example/"))
        new = changes.State("Ship an API", resources=docs)
        said = sorted(row.summary for row in changes._changes(1, old, new, {}, None))
        assert said == [
            "New resource for “Ship an API”: Docs",
            "“Ship an API” now links its resource “Docs” to a new address",
        ]

    def test_archiving_in_the_form_takes_its_weights_out(self, editor_client, engineer):
        milestone = TrackMilestoneFactory(
            track=engineer, weight=3, milestone__title="Blog"
        ).milestone
        save(editor_client, milestone, is_archived="on")
        assert logged() == [(Kind.ARCHIVED, "Archived “Blog”", {str(engineer.pk): -3})]

    def test_the_archive_actions_record_each_milestone_once(self, editor_client, engineer):
        blog = TrackMilestoneFactory(track=engineer, weight=3, milestone__title="Blog").milestone
        talk = MilestoneFactory(title="Talk", is_archived=True)
        url = reverse("admin:roadmap_milestone_changelist")
        for action in ("archive", "unarchive"):
            editor_client.post(url, {"action": action, "_selected_action": [blog.pk, talk.pk]})
        assert logged() == [
            (Kind.ARCHIVED, "Archived “Blog”", {str(engineer.pk): -3}),
            (Kind.UNARCHIVED, "Brought back “Blog”", {str(engineer.pk): 3}),
            (Kind.UNARCHIVED, "Brought back “Talk”", {}),
        ]

    def test_a_milestone_renamed_in_its_sections_inline_is_recorded(self, editor_client):
        milestone = MilestoneFactory(title="Read a paper")
        section = milestone.section
        response = editor_client.post(
            reverse("admin:roadmap_section_change", args=[section.pk]),
            {
                "slug": section.slug,
                "title": section.title,
                "intro": section.intro,
                "position": section.position,
                **inline_management("milestones", total=1, initial=1),
                "milestones-0-id": milestone.pk,
                "milestones-0-section": section.pk,
                "milestones-0-position": 0,
                "milestones-0-title": "Read a survey",
                "milestones-0-slug": milestone.slug,
                "milestones-0-estimated_hours": milestone.estimated_hours,
            },
        )
        assert response.status_code == 302
        assert logged() == [(Kind.EDITED, "Renamed “Read a paper” to “Read a survey”", {})]

    def test_saving_without_a_change_or_with_an_error_records_nothing(self, editor_client):
        milestone = TrackMilestoneFactory().milestone
        save(editor_client, milestone)
        url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
        refused = change_form(milestone) | {"title": "New", "memberships-0-weight": 9}
        response = editor_client.post(url, refused)
        assert response.status_code == 200
        assert logged() == []
        # The row's heading doesn't claim the number refused ("counts (weight 9) toward").
        assert "weight 9" not in response.text

    def test_a_title_with_runs_of_spaces_is_summed_up_on_one_line(self, editor_client):
        milestone = MilestoneFactory(title="Read")
        save(editor_client, milestone, title="Read   <b>a</b>   paper")
        assert logged() == [(Kind.EDITED, "Renamed “Read” to “Read <b>a</b> paper”", {})]

    def test_a_title_pasted_with_characters_that_show_nothing_is_no_rename(self, editor_client):
        """Learners read "Renamed from “Study the top solutions”" under the same title."""
        milestone = MilestoneFactory(title="Study the top solutions")
        save(editor_client, milestone, title="\u200bStudy\xa0the top  solutions \u200b\u2060")
        assert logged() == []
        save(editor_client, milestone, title="Study the best solutions\u200d")
        assert logged() == [
            (Kind.EDITED, "Renamed “Study the top solutions” to “Study the best solutions”", {})
        ]

    def test_a_title_with_a_space_that_shows_nothing_inside_it_is_no_rename(self, editor_client):
        """ "Renamed “Write unit tests” to “Write unit tests”": a zero-width space pasted
        between two words, and the changelog and the news told of a rename nobody could see."""
        milestone = MilestoneFactory(title="Write unit tests")
        save(editor_client, milestone, title="Write unit\u200b tests\u2060\ufeff for it")
        assert logged() == [
            (Kind.EDITED, "Renamed “Write unit tests” to “Write unit tests for it”", {})
        ]
        ContentChange.objects.all().delete()
        save(editor_client, milestone, title="Write unit tests for it")
        assert logged() == []

    def test_a_track_renamed_is_an_entry_that_links_its_two_names(self, editor_client, client):
        """Renamed, a track was never told: the changelog's older entries, and learners' news
        of milestones counting "toward MLOps Engineer", named a track nobody could find."""
        track = TrackFactory(slug="mlops", name="MLOps Engineer")
        url = reverse("admin:roadmap_track_change", args=[track.pk])
        fields = {"slug": "mlops", "summary": "", "position": 0}
        for name in ("ML  Platform Engineer", "ML Platform Engineer ", "ML Platform Engineer"):
            assert editor_client.post(url, fields | {"name": name}).status_code == 302
        assert logged() == [
            (Kind.TRACK_RENAMED, "Renamed the track “MLOps Engineer” to “ML Platform Engineer”", {})
        ]
        page = client.get(reverse("roadmap:changes")).text
        assert '<span class="tag">Track renamed</span>' in page
        assert '<a href="/?track=mlops">See it on the roadmap' in page
        new_summary = fields | {"name": "ML Platform Engineer", "summary": "New."}
        assert editor_client.post(url, new_summary).status_code == 302
        assert len(logged()) == 1  # another summary is no rename

    def test_a_section_renamed_is_an_entry_unless_no_learner_sees_it(self, editor_client, client):
        """A section renamed was never told: a learner looked for "Specialize" on the roadmap,
        and the changelog's "moved from “Specialize”" named a section nobody could find."""
        section = MilestoneFactory(section__title="Specialize").section
        drafts = MilestoneFactory(section__title="Later", is_archived=True).section

        def rename(section, title):
            url = reverse("admin:roadmap_section_change", args=[section.pk])
            fields = as_the_page_sends(editor_client, url, "section_form") | {"title": title}
            assert editor_client.post(url, fields).status_code == 302

        for title in ("Pick  a specialty", "Pick a specialty ", "Pick a specialty"):
            rename(section, title)
        rename(drafts, "Much later")  # on no learner's roadmap
        said = "Renamed the section “Specialize” to “Pick a specialty”"
        assert logged() == [(Kind.SECTION_RENAMED, said, {})]
        page = client.get(reverse("roadmap:changes")).text
        assert f'<span class="tag">Section renamed</span>\n        {said}\n' in page


class TestLoadRoadmap:
    def load(self, tmp_path, data):
        path = tmp_path / "roadmap.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        call_command("load_roadmap", str(path), stdout=open(tmp_path / "out", "w"))  # noqa: SIM115

    def test_the_first_load_is_the_roadmap_not_a_change_and_a_second_changes_nothing(self, roadmap):
        call_command("load_roadmap", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert logged() == []

    def test_a_track_added_reads_above_the_milestones_that_count_toward_it(self, roadmap, tmp_path):
        """One load is one change: "Added the track" came below what counts toward it."""
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        data["tracks"].append({"slug": "mlops", "name": "MLOps", "summary": ""})
        data["sections"][0]["milestones"][0]["tracks"]["mlops"] = 3
        self.load(tmp_path, data)
        page = Client().get(reverse("roadmap:changes")).text
        assert page.index("Added the track “MLOps”") < page.index("toward MLOps")

    def test_a_track_renamed_in_the_file_is_an_entry(self, roadmap, tmp_path):
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        old = data["tracks"][0]["name"]
        data["tracks"][0]["name"] = "Machine Learning Engineer"
        self.load(tmp_path, data)
        assert logged() == [
            (Kind.TRACK_RENAMED, f"Renamed the track “{old}” to “Machine Learning Engineer”", {})
        ]

    def test_every_kind_of_edit_in_the_file_is_recorded(self, roadmap, tmp_path):
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        first, second, third = data["sections"][0]["milestones"][:3]
        gone = data["sections"][0]["milestones"].pop(3)
        first["title"] = "Shortlist four datasets"
        first["tracks"]["ml-engineer"] = 5
        del first["tracks"]["research-scientist"]
        dropped = second["resources"].pop()["title"]
        third["resources"].append({"title": "pandas guide", "url": "https://pandas.pydata.org/"})
        data["sections"][0]["milestones"].append(
            {
                "slug": "new-one",
                "title": "A new one",
                "estimated_hours": 3,
                "tracks": {"ml-engineer": 2},
            }
        )
        self.load(tmp_path, data)
        engineer = str(Milestone.objects.get(slug="new-one").tracks.get().pk)
        kinds = {(kind, summary) for kind, summary, _ in logged()}
        assert kinds == {
            (Kind.EDITED, f"Renamed “{CONTENT_TITLE}” to “Shortlist four datasets”"),
            (
                Kind.WEIGHT_CHANGED,
                "“Shortlist four datasets” counts 5 of 5 toward ML Engineer, was 2",
            ),
            (
                Kind.WEIGHT_REMOVED,
                "“Shortlist four datasets” no longer counts toward Research Scientist",
            ),
            (
                Kind.RESOURCE_REMOVED,
                f"Resource removed from “{second['title']}”: {dropped}",
            ),
            (Kind.RESOURCE_ADDED, f"New resource for “{third['title']}”: pandas guide"),
            (Kind.ARCHIVED, f"Archived “{gone['title']}”"),
            (Kind.ADDED, "Added “A new one”"),
            (Kind.WEIGHT_ADDED, "“A new one” counts 2 of 5 toward ML Engineer"),
        }
        assert ContentChange.objects.get(kind=Kind.WEIGHT_ADDED).points == {engineer: 2}

        data["sections"][0]["milestones"].insert(3, gone | {"title": "Back again"})
        self.load(tmp_path, data)
        back = ContentChange.objects.get(kind=Kind.UNARCHIVED)
        assert back.summary == "Brought back “Back again”"
        assert sum(back.points.values()) == sum(gone["tracks"].values())
        renamed = ContentChange.objects.filter(kind=Kind.EDITED, milestone=back.milestone)
        assert renamed.get().summary == f"Renamed “{gone['title']}” to “Back again”"

    def test_a_milestone_moved_is_recorded_and_a_section_renamed_is_no_move_of_its_own(
        self, roadmap, tmp_path
    ):
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        first, second = data["sections"][:2]
        moved = first["milestones"].pop(0)
        second["milestones"].append(moved)
        was, second["title"] = second["title"], "Go deeper"
        self.load(tmp_path, data)
        assert [(kind, summary) for kind, summary, _ in logged()] == [
            (Kind.SECTION_RENAMED, f"Renamed the section “{was}” to “Go deeper”"),
            (Kind.EDITED, f"“{moved['title']}” moved from “{first['title']}” to “Go deeper”"),
        ]


CONTENT_TITLE = "Shortlist three datasets from public repositories"


@pytest.mark.parametrize("how", ["its delete page", "the list's delete action"])
def test_deleting_a_track_is_one_entry_that_names_it(editor_client, engineer, how):
    """An entry for each milestone it counted toward flooded the changelog, the feed and every
    learner's news ("26 milestones changed"), though nobody followed it."""
    scientist = TrackFactory(name="Data Scientist")
    milestone = TrackMilestoneFactory(track=engineer, milestone__title="Ship").milestone
    TrackMilestoneFactory(track=scientist, milestone=milestone, weight=3)
    TrackMilestoneFactory(track=scientist, milestone__is_archived=True)  # not on the roadmap
    if how == "its delete page":
        url = reverse("admin:roadmap_track_delete", args=[scientist.pk])
        response = editor_client.post(url, {"post": "yes"})
    else:
        url = reverse("admin:roadmap_track_changelist")
        data = {"action": "delete_selected", "_selected_action": [scientist.pk], "post": "yes"}
        response = editor_client.post(url, data)
    assert response.status_code == 302
    assert list(Track.objects.all()) == [engineer]
    # Not "which counted toward 1 milestone": the milestones count toward the track.
    summary = "Deleted the track “Data Scientist”: 1 milestone counted toward it"
    assert logged() == [(Kind.TRACK_DELETED, summary, {})]
    assert ContentChange.objects.get().milestone is None  # no learner's news: nobody followed it
    url = reverse("admin:roadmap_track_delete", args=[TrackFactory(name="Empty").pk])
    editor_client.post(url, {"post": "yes"})
    assert logged()[-1][1] == "Deleted the track “Empty”: no milestone counted toward it"


def test_a_deleted_milestone_keeps_its_entries_in_the_changelog(editor_client):
    milestone = MilestoneFactory(title="Read a paper")
    save(editor_client, milestone, title="Read two papers")
    url = reverse("admin:roadmap_milestone_delete", args=[milestone.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Milestone.objects.exists()
    renamed, deleted = ContentChange.objects.order_by("pk")
    assert renamed.milestone is None
    assert renamed.summary == "Renamed “Read a paper” to “Read two papers”"
    assert (deleted.kind, deleted.summary) == (Kind.DELETED, "Deleted “Read two papers”")


@pytest.mark.django_db(transaction=True)
def test_two_loads_of_one_edit_at_once_record_it_once(roadmap, monkeypatch):
    """Two servers starting at once, or two editors saving: the second writer reads the roadmap
    as the first left it, not as both found it."""
    data = content.parse(DEFAULT_PATH.read_text())
    weights = data["sections"][0]["milestones"][0]["tracks"]
    track, weight = next(iter(weights.items()))
    weights[track] = 5 if weight != 5 else 1
    read_state, calls, first = changes.state, threading.local(), threading.Lock()

    def slow_first_state(ids=None):
        found = read_state(ids)
        calls.count = getattr(calls, "count", 0) + 1
        # The first writer to read `after` dawdles before it commits: meanwhile the other has
        # read `before`, unless it must wait for the first to be done.
        if calls.count == 2 and first.acquire(blocking=False):
            time.sleep(0.5)
        return found

    monkeypatch.setattr(changes, "state", slow_first_state)
    assert run_at_once(lambda: content.load(data), lambda: content.load(data)) == []
    (change,) = ContentChange.objects.filter(kind=Kind.WEIGHT_CHANGED)
    assert list(change.points.values()) == [weights[track] - weight]  # the track's total moved


@pytest.mark.django_db(transaction=True)
def test_a_load_and_an_admin_save_of_a_track_at_once_take_turns(roadmap, monkeypatch):
    """The admin wrote its track's row first and took the revision's last; a load took them
    the other way round: on PostgreSQL each waited for the other until one was killed."""
    data = content.parse(DEFAULT_PATH.read_text())
    data["tracks"][0]["summary"] += " Edited in the file."
    track = Track.objects.get(slug=data["tracks"][0]["slug"])
    editor = Client()
    editor.force_login(UserFactory(is_staff=True, is_superuser=True))
    row_written, save_related = threading.Event(), TrackAdmin.save_related

    def slow_save_related(self, *args):
        row_written.set()
        time.sleep(0.5)  # its track's row written: meanwhile the load starts
        return save_related(self, *args)

    monkeypatch.setattr(TrackAdmin, "save_related", slow_save_related)
    fields = {"name": "Renamed", "slug": track.slug, "summary": "", "position": track.position}

    def save():
        url = reverse("admin:roadmap_track_change", args=[track.pk])
        assert editor.post(url, fields).status_code == 302

    def load():
        row_written.wait(5)
        content.load(data)

    assert run_at_once(save, load) == []
    track.refresh_from_db()
    assert track.summary.endswith("Edited in the file.")  # the load came second


@pytest.mark.django_db(transaction=True)
def test_two_first_loads_of_a_fresh_install_at_once_take_turns():
    """Two servers starting on a new database: the second finds the roadmap loaded. Also when
    the database was flushed since it was migrated, which took the content lock's row: the
    first to lock makes it."""
    Revision.objects.all().delete()  # as a flush leaves it
    data = content.parse(DEFAULT_PATH.read_text())
    assert run_at_once(lambda: content.load(data), lambda: content.load(data)) == []
    assert Milestone.objects.count() == len([m for s in data["sections"] for m in s["milestones"]])
    assert not ContentChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_migrating_marks_the_entries_of_drafts():
    """Made before drafts were marked: the changelog would have shown them."""
    apps = migrate([("roadmap", "0019_untick_keeps_the_day_done")])
    OldMilestone = apps.get_model("roadmap", "Milestone")
    OldChange = apps.get_model("roadmap", "ContentChange")
    section = apps.get_model("roadmap", "Section").objects.create(slug="part", title="Part")
    made = {}
    for slug, archived, kinds in [
        ("draft", True, ["added", "edited"]),
        ("archived-later", True, ["added", "archived"]),
        ("from-before-the-log", True, ["edited"]),
        ("on-the-roadmap", False, ["added"]),
    ]:
        made[slug] = OldMilestone.objects.create(
            section=section, slug=slug, title=slug, is_archived=archived, estimated_hours=2
        )
        for kind in kinds:
            OldChange.objects.create(kind=kind, milestone=made[slug], summary=f"{kind} {slug}")
    try:
        migrate(LATEST)
        drafts = ContentChange.objects.filter(draft=True).values_list("summary", flat=True)
        assert sorted(drafts) == ["added draft", "edited draft"]
    finally:
        ContentChange.objects.all().delete()
        Milestone.objects.all().delete()
        Section.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_migrating_gives_older_entries_what_the_news_says_after_the_link():
    """Made before entries kept it: the news took each summary apart by the title."""
    apps = migrate([("roadmap", "0021_changelog_order_of_one_save")])
    OldChange = apps.get_model("roadmap", "ContentChange")
    section = apps.get_model("roadmap", "Section").objects.create(slug="part", title="Part")
    ship = apps.get_model("roadmap", "Milestone").objects.create(
        section=section, slug="ship", title="Ship an API", estimated_hours=2
    )
    ship.title = "Deploy an API"  # since the entries below, made under its older titles
    ship.save()
    at = timezone.now() - datetime.timedelta(days=2)
    for kind, summary in [
        ("added", "Added “Intro to “Ship an API””"),
        ("edited", "“Intro to “Ship an API”” now takes about 6 h, was 2 h"),
        ("edited", "Renamed “Intro to “Ship an API”” to “Ship an API”"),
        ("edited", "“Ship an API” now takes about 8 h, was 6 h"),
        ("resource_added", "New resource for “Ship an API”: FastAPI docs"),
        ("weight_removed", "“Ship an API” no longer counts toward ML Engineer"),
        ("edited", "Renamed “Ship an API” to “Deploy an API” and changed its description"),
        ("resource_removed", "Resource removed from “Deploy an API”: FastAPI docs"),
    ]:
        at += datetime.timedelta(minutes=1)
        OldChange.objects.create(kind=kind, milestone=ship, summary=summary, at=at)
    try:
        migrate(LATEST)
        assert list(ContentChange.objects.order_by("pk").values_list("detail", flat=True)) == [
            "",
            "now takes about 6 h, was 2 h",
            "Renamed from “Intro to “Ship an API””",
            "now takes about 8 h, was 6 h",
            "New resource: FastAPI docs",
            "no longer counts toward ML Engineer",
            "Renamed from “Ship an API” and changed its description",
            "Resource removed: FastAPI docs",
        ]
    finally:
        ContentChange.objects.all().delete()
        Milestone.objects.all().delete()
        Section.objects.all().delete()


def opened_page(client, milestone):
    """The milestone's admin page as it was opened: what its form posts back, unchanged."""
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    return as_the_page_sends(client, url, "milestone_form")


def meanwhile(monkeypatch, another_save):
    """`another_save` commits while this request waits for the content lock (once)."""
    lock, done = changes.lock, []

    def waited():
        if not done:
            done.append(another_save())
        lock()

    monkeypatch.setattr(changes, "lock", waited)


class TestTwoEditorsOnASectionsPage:
    """A section's page shows its milestones' rows: saved after another editor changed one of
    them, or the section, it put back what that save had changed, without a word."""

    def test_what_the_page_did_not_change_stays_as_another_save_left_it(self, editor_client):
        milestone = MilestoneFactory(title="Ship an API", description="Old.")
        section = milestone.section
        url = reverse("admin:roadmap_section_change", args=[section.pk])
        opened = as_the_page_sends(editor_client, url, "section_form")
        Milestone.objects.filter(pk=milestone.pk).update(
            title="Deploy an API", description="New.", is_archived=True, estimated_hours=9
        )
        Section.objects.filter(pk=section.pk).update(title="Renamed meanwhile")
        response = editor_client.post(url, opened | {"intro": "Mine."})
        assert response.status_code == 302
        milestone.refresh_from_db(), section.refresh_from_db()
        assert (milestone.title, milestone.description) == ("Deploy an API", "New.")
        assert (milestone.is_archived, milestone.estimated_hours) == (True, 9)
        assert (section.title, section.intro) == ("Renamed meanwhile", "Mine.")

    def test_a_row_changed_on_the_page_and_since_is_refused(self, editor_client):
        milestone = MilestoneFactory(title="Ship an API")
        url = reverse("admin:roadmap_section_change", args=[milestone.section_id])
        opened = as_the_page_sends(editor_client, url, "section_form")
        assert opened["initial-milestones-0-title"] == "Ship an API"  # what the page showed
        Milestone.objects.filter(pk=milestone.pk).update(title="Deploy an API")
        response = editor_client.post(url, opened | {"milestones-0-title": "Mine"})
        assert response.status_code == 200
        # Named as it is now: on a list, the row in its place now may be another.
        said = "this milestone “Deploy an API” was changed after you opened this page"
        assert said in response.text
        milestone.refresh_from_db()
        assert milestone.title == "Deploy an API"
        unreadable = {"milestones-0-title": "Mine", "initial-milestones-0-title": "x" * 300}
        response = editor_client.post(url, opened | unreadable)
        assert said in response.text
        bad_number = {
            "milestones-0-estimated_hours": 3,
            "initial-milestones-0-estimated_hours": "x",
        }
        response = editor_client.post(url, opened | bad_number)
        assert "this page’s form was not as it was sent" in response.text
        # Opened again, it saves.
        opened = as_the_page_sends(editor_client, url, "section_form")
        response = editor_client.post(url, opened | {"milestones-0-title": "Mine"})
        assert response.status_code == 302
        milestone.refresh_from_db()
        assert milestone.title == "Mine"

    @pytest.mark.parametrize("model", ["section", "track"])
    def test_its_own_field_changed_on_the_page_and_since_is_refused(self, editor_client, model):
        """A section's intro (a track's summary) saved over another editor's was lost."""
        obj = SectionFactory(intro="Old.") if model == "section" else TrackFactory(summary="Old.")
        field = "intro" if model == "section" else "summary"
        url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
        opened = as_the_page_sends(editor_client, url, f"{model}_form")
        type(obj).objects.filter(pk=obj.pk).update(**{field: "Theirs."})
        response = editor_client.post(url, opened | {field: "Mine."})
        assert response.status_code == 200
        assert f"Nothing was saved: this {model} was changed after you opened" in response.text
        obj.refresh_from_db()
        assert getattr(obj, field) == "Theirs."
        opened = as_the_page_sends(editor_client, url, f"{model}_form")  # opened again, it saves
        assert editor_client.post(url, opened | {field: "Mine."}).status_code == 302
        obj.refresh_from_db()
        assert getattr(obj, field) == "Mine."

    @pytest.mark.parametrize("model", ["section", "track", "milestone"])
    def test_a_text_of_several_lines_is_saved_though_the_browser_sends_its_breaks_as_cr_lf(
        self, editor_client, model
    ):
        """Stored with LF, shown and sent back with CR LF: the page's own text was taken for
        another save's, and every edit of it refused."""
        field = {"section": "intro", "track": "summary", "milestone": "description"}[model]
        factory = {"section": SectionFactory, "track": TrackFactory, "milestone": MilestoneFactory}
        obj = factory[model](**{field: "Line one.\nLine two."})
        url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
        opened = as_the_page_sends(editor_client, url, f"{model}_form")
        assert opened[f"initial-{field}"] == "Line one.\r\nLine two."
        response = editor_client.post(url, opened | {field: "Line one.\r\nLine 2."})
        assert response.status_code == 302
        obj.refresh_from_db()
        assert getattr(obj, field).splitlines() == ["Line one.", "Line 2."]

    def test_a_row_deleted_while_the_save_waited_for_the_lock_is_said(
        self, editor_client, monkeypatch
    ):
        """Deleted between the page's read of its rows and the lock, it fell through to the
        site's generic "What you were saving was deleted" page."""
        milestone = MilestoneFactory(title="Ship an API")
        url = reverse("admin:roadmap_section_change", args=[milestone.section_id])
        opened = as_the_page_sends(editor_client, url, "section_form")
        meanwhile(monkeypatch, Milestone.objects.filter(pk=milestone.pk).delete)
        response = editor_client.post(url, opened | {"milestones-0-title": "Mine"})
        assert response.status_code == 200
        assert "a row of this page was deleted or moved elsewhere after you opened" in response.text

    def test_a_row_moved_to_another_section_since_is_said_not_asked_for_a_slug(self, editor_client):
        """It asked for a slug as a new row would, and once given one left it out of the save
        without a word."""
        milestone = MilestoneFactory(title="Ship an API")
        url = reverse("admin:roadmap_section_change", args=[milestone.section_id])
        opened = as_the_page_sends(editor_client, url, "section_form")
        Milestone.objects.filter(pk=milestone.pk).update(section=SectionFactory())
        for typed in ({}, {"milestones-0-slug": "typed-slug"}):
            response = editor_client.post(url, opened | {"milestones-0-title": "Mine"} | typed)
            assert response.status_code == 200
            assert "a row of this page was deleted or moved elsewhere" in response.text
        milestone.refresh_from_db()
        assert milestone.title == "Ship an API"
        assert not Milestone.objects.filter(slug="typed-slug").exists()


@pytest.mark.parametrize("model", ["track", "section", "milestone"])
def test_a_position_changed_in_a_content_list_is_saved(editor_client, model):
    """The list's form is not the page's: saving a position there was a 500."""
    factory = {"track": TrackFactory, "section": SectionFactory, "milestone": MilestoneFactory}
    obj = factory[model](position=1)
    url = reverse(f"admin:roadmap_{model}_changelist")
    data = {"form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": obj.pk}
    response = editor_client.post(url, data | {"form-0-position": 7, "_save": "Save"})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.position == 7


class TestAListOfPositions:
    """A content list with positions to change: each row showed, and sent back, where it was
    when the list was opened."""

    def opened(self, client, model="milestone"):
        url = reverse(f"admin:roadmap_{model}_changelist")
        return url, as_the_page_sends(client, url, "changelist-form") | {"_save": "Save"}

    def test_a_row_moved_elsewhere_meanwhile_stays_where_it_was_put(self, editor_client):
        """The list wrote back every row it showed, and undid a position set on a page."""
        first, second = MilestoneFactory(position=1), MilestoneFactory(position=2)
        url, opened = self.opened(editor_client)
        rows = {opened[f"form-{n}-id"]: n for n in range(2)}
        Milestone.objects.filter(pk=second.pk).update(position=77)  # its page, meanwhile
        response = editor_client.post(url, opened | {f"form-{rows[str(first.pk)]}-position": 5})
        assert response.status_code == 302
        first.refresh_from_db(), second.refresh_from_db()
        assert (first.position, second.position) == (5, 77)

    def test_a_row_moved_on_the_list_and_meanwhile_is_refused(self, editor_client):
        track = TrackFactory(position=1)
        url, opened = self.opened(editor_client, "track")
        Track.objects.filter(pk=track.pk).update(position=77)
        response = editor_client.post(url, opened | {"form-0-position": 5})
        assert response.status_code == 200
        said = f"this track “{track.name}” was changed after you opened this page"
        assert said in response.text
        track.refresh_from_db()
        assert track.position == 77

    def test_a_row_deleted_since_is_said(self, editor_client):
        """Its hidden id was refused: "Please correct the error below", with nothing marked."""
        section = SectionFactory(position=1)
        url, opened = self.opened(editor_client, "section")
        section.delete()
        response = editor_client.post(url, opened | {"form-0-position": 5})
        assert response.status_code == 200
        assert "a row of this page was deleted or moved elsewhere after you opened" in response.text


def test_a_list_saved_checks_only_the_rows_changed_on_it(
    editor_client, django_assert_max_num_queries
):
    """Each row of the list took the content lock and read itself back for the stale check,
    though a row left alone is not saved: two queries more a row."""
    tracks = [TrackFactory(position=n) for n in range(30)]
    url = reverse("admin:roadmap_track_changelist")
    opened = as_the_page_sends(editor_client, url, "changelist-form") | {"_save": "Save"}
    # The session, the editor, a savepoint, their permissions (two), the list's counts (two),
    # its rows, the lock and the changed row as it is now, one a row for its id (Django's
    # formset), a savepoint, the lock, the update, the row read back, the revision, the
    # content type, the admin's history and two releases: 19 + 30.
    with django_assert_max_num_queries(19 + len(tracks)):
        response = editor_client.post(url, opened | {"form-0-position": 99})
    assert response.status_code == 302
    assert Track.objects.filter(position=99).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_list_sent_is_checked_and_saved_in_one_transaction(client):
    """Its rows were checked under the content lock before the admin opened its transaction:
    every Save on a list was a 500 on PostgreSQL."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    milestone = MilestoneFactory(position=1)
    url = reverse("admin:roadmap_milestone_changelist")
    opened = as_the_page_sends(client, url, "changelist-form") | {"_save": "Save"}
    response = client.post(url, opened | {"form-0-position": 4})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.position == 4


@pytest.mark.parametrize("model", ["track", "section", "milestone"])
def test_a_page_saved_unchanged_while_its_object_was_deleted_says_so(
    editor_client, monkeypatch, model
):
    """Nothing changed, nothing was checked: the save read the deleted object back, a 500."""
    factory = {"track": TrackFactory, "section": SectionFactory, "milestone": MilestoneFactory}
    obj = factory[model]()
    url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
    opened = as_the_page_sends(editor_client, url, f"{model}_form")
    meanwhile(monkeypatch, type(obj).objects.filter(pk=obj.pk).delete)
    response = editor_client.post(url, opened)
    assert response.status_code == 200
    assert f"Nothing was saved: this {model} was deleted after you opened" in response.text


def test_a_page_sent_twice_saves_once_and_is_not_refused(editor_client):
    """A double click: the second found the first's summary, not the page's, and said "Nothing
    was saved"."""
    track = TrackFactory(summary="Old.")
    url = reverse("admin:roadmap_track_change", args=[track.pk])
    opened = as_the_page_sends(editor_client, url, "track_form") | {"summary": "Mine."}
    assert editor_client.post(url, opened).status_code == 302
    assert editor_client.post(url, opened).status_code == 302
    track.refresh_from_db()
    assert track.summary == "Mine."


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        # Two editors adding one slug at once: the second's insert broke the unique rule, a 500.
        ("milestone", "Milestone with this Slug already exists."),
        # A section and a milestone added at once with one slug: both saved, one anchor.
        ("section", "A section has this slug"),
    ],
)
def test_a_slug_taken_while_the_save_waited_for_the_lock_is_said_on_the_form(
    editor_client, monkeypatch, kind, said
):
    section = SectionFactory()
    data = {"section": section.pk, "slug": "win-a-medal", "title": "Win a medal"}
    data |= {"position": 0, "estimated_hours": 5, "description": ""}
    data |= inline_management("memberships") | inline_management("resources")
    factory = {"milestone": MilestoneFactory, "section": SectionFactory}[kind]
    meanwhile(monkeypatch, lambda: factory(slug="win-a-medal"))
    response = editor_client.post(reverse("admin:roadmap_milestone_add"), data)
    assert response.status_code == 200
    assert said in response.text
    assert Milestone.objects.filter(slug="win-a-medal").count() == (kind == "milestone")


def test_a_track_page_opened_before_a_rename_saves_no_rename_back(editor_client):
    """Saved with another summary only, a page opened before the track was renamed logged
    "Renamed the track “Beta” to “Alpha”", and named it "Alpha" in its message."""
    track = TrackFactory(name="Alpha")
    url = reverse("admin:roadmap_track_change", args=[track.pk])
    opened = as_the_page_sends(editor_client, url, "track_form")
    Track.objects.filter(pk=track.pk).update(name="Beta")
    response = editor_client.post(url, opened | {"summary": "New summary."}, follow=True)
    assert "Beta</a>” was changed successfully." in response.text
    track.refresh_from_db()
    assert (track.name, track.summary) == ("Beta", "New summary.")
    assert logged() == []


class TestTwoEditorsAtOnce:
    """Two tabs, or two editors, on one milestone: the second save never undoes the first
    without a word, nor fails with a 500."""

    def post(self, client, milestone, data):
        return client.post(reverse("admin:roadmap_milestone_change", args=[milestone.pk]), data)

    def test_a_field_changed_on_the_page_and_since_is_refused(self, editor_client):
        milestone = MilestoneFactory(title="Ship an API", estimated_hours=5)
        opened = opened_page(editor_client, milestone)  # the second tab
        save(editor_client, milestone, estimated_hours=7)  # the first tab saves
        response = self.post(editor_client, milestone, opened | {"estimated_hours": 9})
        assert response.status_code == 200  # the page again, saying why
        # Which field, said above and beside it: the page shows the editor's own value.
        assert (
            "Nothing was saved: this milestone was changed after you opened this page (its "
            "estimated hours). Reload the page to see it as it is now, then make your change "
            "again."
        ) in response.text
        assert response.context["adminform"].form.errors["estimated_hours"] == [
            "Changed by another save since you opened this page."
        ]
        milestone.refresh_from_db()
        assert milestone.estimated_hours == 7
        # Opened again, it saves.
        response = self.post(
            editor_client, milestone, opened_page(editor_client, milestone) | {"title": "x"}
        )
        assert response.status_code == 302

    def test_a_refused_page_names_the_milestone_as_it_is_saved(self, editor_client):
        """The heading, the window's title and the breadcrumbs gave it the title the refused
        form had, as if it were saved."""
        milestone = MilestoneFactory(title="Ship an API", estimated_hours=5)
        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, estimated_hours=7)
        mine = {"estimated_hours": 9, "title": "Deploy an API"}
        response = self.post(editor_client, milestone, opened | mine)
        assert response.status_code == 200
        assert "<h2>Ship an API</h2>" in response.text
        assert "<title>Error: Ship an API | Change milestone" in response.text
        breadcrumbs = response.text.split('<nav aria-label="Breadcrumbs">')[1].split("</nav>")[0]
        assert "Ship an API" in breadcrumbs
        assert "Deploy an API" not in response.text.split('name="title"')[0]
        assert 'value="Deploy an API"' in response.text  # what the editor typed, kept to fix

    def test_what_another_save_changed_since_is_kept_beside_the_pages_change(
        self, editor_client, engineer
    ):
        """Any change to the milestone since the page was opened refused the page's, though
        they had nothing in common; the section's and track's pages took them both."""
        milestone = TrackMilestoneFactory(track=engineer, weight=2).milestone
        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, estimated_hours=7, **{"memberships-0-weight": 4})
        response = self.post(editor_client, milestone, opened | {"description": "Mine."})
        assert response.status_code == 302
        milestone.refresh_from_db()
        assert (milestone.estimated_hours, milestone.description) == (7, "Mine.")
        assert milestone.memberships.get().weight == 4

    def test_a_page_sent_twice_saves_once_and_is_not_refused(self, editor_client):
        """The second found the first's changelog entry and said "Nothing was saved: this
        milestone was changed after you opened this page (Renamed …)", of the editor's own
        change."""
        milestone = MilestoneFactory(title="Ship an API")
        opened = opened_page(editor_client, milestone) | {"title": "Deploy an API"}
        assert self.post(editor_client, milestone, opened).status_code == 302
        assert self.post(editor_client, milestone, opened).status_code == 302
        assert [summary for _, summary, _ in logged()] == [
            "Renamed “Ship an API” to “Deploy an API”"
        ]

    def test_a_resource_moved_in_another_tab_stays_where_it_was_put(self, editor_client):
        """A resource's row was saved whole: a page opened before another moved it put it back
        where it was, without a word (its place is in no changelog entry to refuse it by)."""
        resource = ResourceFactory(position=0, url="https://example.com/old")
        milestone = resource.milestone
        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, **{"resources-0-position": 10})
        mine = {"resources-0-url": "https://example.com/new"}
        assert self.post(editor_client, milestone, opened | mine).status_code == 302
        resource.refresh_from_db()
        assert (resource.position, resource.url) == (10, "https://example.com/new")

        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, **{"resources-0-position": 20})
        response = self.post(editor_client, milestone, opened | {"resources-0-position": 30})
        assert response.status_code == 200
        said = f"Nothing was saved: this resource “{resource.title}” was changed after you opened"
        assert said in response.text
        resource.refresh_from_db()
        assert resource.position == 20

    def test_a_weight_removed_in_another_tab_is_said_not_an_error_nowhere(
        self, editor_client, engineer
    ):
        """ "Please correct the error below", with no error to be seen: the row was gone."""
        milestone = TrackMilestoneFactory(track=engineer).milestone
        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, **{"memberships-0-DELETE": "on"})
        response = self.post(editor_client, milestone, opened | {"title": "Renamed"})
        assert "a row of this page was deleted or moved elsewhere after you opened" in response.text
        milestone.refresh_from_db()
        assert milestone.title != "Renamed"

    def test_a_row_gone_with_its_track_since_the_page_opened_is_said_not_an_error_nowhere(
        self, editor_client
    ):
        """A track deleted (with its weights) while a milestone's page was open: each save of
        that page said "Please correct the errors below", with no error to be seen, the gone
        row dropped from the page; no changelog entry named the milestone to say it."""
        membership = TrackMilestoneFactory(track__name="Temp Track")
        milestone = membership.milestone
        opened = opened_page(editor_client, milestone)
        membership.track.delete()
        response = self.post(editor_client, milestone, opened | {"description": "Mine."})
        assert response.status_code == 200
        assert (
            "Nothing was saved: a row of this page was deleted or moved elsewhere after you opened "
            "it (by another editor, or with its track). Reload the page, then make your change "
            "again."
        ) in response.text
        milestone.refresh_from_db()
        assert milestone.description != "Mine."

    def test_the_same_track_added_in_two_tabs_is_refused_not_a_500(self, editor_client, engineer):
        milestone = MilestoneFactory()
        opened = opened_page(editor_client, milestone)
        added = inline_management("memberships", total=1) | {
            "memberships-0-track": engineer.pk,
            "memberships-0-weight": 3,
        }
        save(editor_client, milestone, **added)
        response = self.post(editor_client, milestone, opened | added)
        assert response.status_code == 200
        assert (
            "This milestone counts toward ML Engineer already: another save made it so since you "
            "opened this page (or this page was sent twice)."
        ) in response.text
        assert milestone.memberships.count() == 1


class TestRowsOfTwoEditorsAtOnce:
    """A milestone's weights and resources, on a page opened before another save changed
    them (or sent twice)."""

    def post(self, client, milestone, data):
        return client.post(reverse("admin:roadmap_milestone_change", args=[milestone.pk]), data)

    @pytest.fixture
    def tracks(self):
        return [TrackFactory(name=name) for name in ("T1", "T2", "T3")]

    def test_a_track_another_save_moved_a_row_to_is_refused_not_a_500(self, editor_client, tracks):
        """The unique rule (track, milestone) was broken on saving: a 500."""
        t1, t2, t3 = tracks
        milestone = TrackMilestoneFactory(track=t1, weight=2).milestone
        TrackMilestoneFactory(track=t3, milestone=milestone, weight=1)
        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, **{"memberships-0-track": t2.pk})  # the other tab
        added = {"memberships-TOTAL_FORMS": "3", "memberships-2-track": t2.pk}
        for mine in (added | {"memberships-2-weight": 3}, {"memberships-1-track": t2.pk}):
            response = self.post(editor_client, milestone, opened | mine)
            assert response.status_code == 200
            assert "This milestone counts toward T2 already" in response.text
        rows = milestone.memberships.order_by("track__name").values_list("track__name", "weight")
        assert list(rows) == [("T2", 2), ("T3", 1)]

    def test_a_row_moved_keeps_the_weight_another_save_gave_it(self, editor_client, tracks):
        """Moved, the row was written whole, as the page showed it: the other's weight went."""
        t1, t2, _ = tracks
        milestone = TrackMilestoneFactory(track=t1, weight=2).milestone
        opened = opened_page(editor_client, milestone)
        save(editor_client, milestone, **{"memberships-0-weight": 4})
        response = self.post(editor_client, milestone, opened | {"memberships-0-track": t2.pk})
        assert response.status_code == 302
        assert list(milestone.memberships.values_list("track", "weight")) == [(t2.pk, 4)]

    def test_two_rows_of_one_track_on_a_page_are_refused_at_the_row_given_it(
        self, editor_client, tracks
    ):
        """Django's check said "Please correct the duplicate data for track." above the table:
        no field was marked, and a screen reader's user found no error to fix."""
        t1, t2, _ = tracks
        milestone = TrackMilestoneFactory(track=t1, weight=2).milestone
        TrackMilestoneFactory(track=t2, milestone=milestone, weight=1)
        opened = opened_page(editor_client, milestone)
        for mine in (
            {"memberships-TOTAL_FORMS": "3", "memberships-2-track": t2.pk},
            {"memberships-0-track": t2.pk},  # the first row, changed, is the one said
        ):
            response = self.post(editor_client, milestone, opened | mine)
            assert response.status_code == 200
            said = "Another row on this page counts toward T2: give each track one row."
            assert "duplicate" not in response.text
            formset = next(
                inline.formset
                for inline in response.context["inline_admin_formsets"]
                if inline.formset.prefix == "memberships"
            )
            wrong = [i for i, form in enumerate(formset.forms) if form.errors]
            assert wrong == [2 if "memberships-2-track" in mine else 0]
            field = formset.forms[wrong[0]]["track"]
            assert field.errors == [said]
            assert 'aria-invalid="true"' in str(field)
        assert sorted(milestone.memberships.values_list("track__name", "weight")) == [
            ("T1", 2),
            ("T2", 1),
        ]

    def test_a_new_resource_sent_twice_is_added_once(self, editor_client):
        milestone = MilestoneFactory()
        opened = opened_page(editor_client, milestone)
        mine = {"resources-0-title": "Docs", "resources-0-url": "https://example.com/docs"}
        assert self.post(editor_client, milestone, opened | mine).status_code == 302
        response = self.post(editor_client, milestone, opened | mine)
        assert response.status_code == 200
        assert "This milestone has a resource with this link already" in response.text
        assert milestone.resources.count() == 1

    def test_one_link_in_two_new_resources_of_one_page_is_refused(self, editor_client):
        milestone = MilestoneFactory()
        opened = opened_page(editor_client, milestone)
        twice = {
            "resources-0-title": "Docs",
            "resources-0-url": "https://example.com/docs",
            "resources-1-title": "The docs again",
            "resources-1-url": "https://example.com/docs",
            "resources-TOTAL_FORMS": 2,
        }
        response = self.post(editor_client, milestone, opened | twice)
        assert response.status_code == 200
        assert "Another resource on this page has this link" in response.text
        assert not milestone.resources.exists()

    def test_a_resources_link_changed_to_anothers_on_the_page_is_refused(self, editor_client):
        milestone = MilestoneFactory()
        ResourceFactory(milestone=milestone, url="https://example.com/a", position=0)
        ResourceFactory(milestone=milestone, url="https://example.com/b", position=1)
        opened = opened_page(editor_client, milestone)
        response = self.post(
            editor_client, milestone, opened | {"resources-1-url": "https://example.com/a"}
        )
        assert response.status_code == 200
        assert "Another resource on this page has this link" in response.text
        links = milestone.resources.values_list("url", flat=True)
        assert sorted(links) == ["https://example.com/a", "https://example.com/b"]

    def test_a_rows_link_changed_to_one_added_since_is_refused(self, editor_client):
        milestone = MilestoneFactory()
        ResourceFactory(milestone=milestone, url="https://a.example/", position=0)
        opened = opened_page(editor_client, milestone)
        ResourceFactory(milestone=milestone, url="https://b.example/", position=1)  # meanwhile
        response = self.post(
            editor_client, milestone, opened | {"resources-0-url": "https://b.example/"}
        )
        assert response.status_code == 200
        assert "This milestone has a resource with this link already" in response.text
        links = sorted(milestone.resources.values_list("url", flat=True))
        assert links == ["https://a.example/", "https://b.example/"]

    def test_two_rows_that_shared_a_link_before_leave_the_milestone_editable(self, editor_client):
        """Every save of it was refused, for a row the editor never touched."""
        milestone = MilestoneFactory(description="Old.")
        for position in (0, 1):
            ResourceFactory(milestone=milestone, url="https://d.example/", position=position)
        opened = opened_page(editor_client, milestone)
        assert (
            self.post(editor_client, milestone, opened | {"description": "New."}).status_code == 302
        )
        milestone.refresh_from_db()
        assert milestone.description == "New."

    def test_a_row_deleted_beside_a_row_refused_is_not_told_it_shares_a_link(self, editor_client):
        milestone = MilestoneFactory()
        for position in (0, 1):
            ResourceFactory(milestone=milestone, url="https://d.example/", position=position)
        ResourceFactory(milestone=milestone, url="https://o.example/", position=2)
        opened = opened_page(editor_client, milestone)
        mine = {"resources-1-DELETE": "on", "resources-2-url": "not a link"}
        response = self.post(editor_client, milestone, opened | mine)
        assert response.status_code == 200
        assert NOT_A_WEB_ADDRESS in response.text
        assert "Another resource on this page has this link" not in response.text


@pytest.mark.django_db(transaction=True)
def test_of_two_saves_at_once_from_pages_opened_before_either_the_second_is_refused(monkeypatch):
    """Each found nothing newer than its page before either saved (PostgreSQL), and the second
    put back what the first had changed."""
    # With no content lock's row, as after a flush: the first to lock makes it.
    editor = UserFactory(is_staff=True, is_superuser=True)
    milestone = MilestoneFactory(title="Ship an API", estimated_hours=5)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(editor)
    opened = [opened_page(client, milestone) for client in clients]
    both_checked = threading.Barrier(2, timeout=2)  # the second waits for the first's lock
    clean = admin_forms.ContentForm.clean

    def checked_then_wait(self):
        cleaned = clean(self)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return cleaned

    monkeypatch.setattr(admin_forms.ContentForm, "clean", checked_then_wait)
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    codes = []
    posts = [
        lambda: codes.append(clients[0].post(url, opened[0] | {"estimated_hours": 7}).status_code),
        lambda: codes.append(clients[1].post(url, opened[1] | {"estimated_hours": 9}).status_code),
    ]
    assert run_at_once(*posts) == []
    assert sorted(codes) == [200, 302]
    milestone.refresh_from_db()
    assert milestone.estimated_hours in (7, 9)
    assert logged()[0][1].startswith(f"“Ship an API” now takes about {milestone.estimated_hours} h")


@pytest.mark.parametrize(
    ("edit", "after"),
    [
        # The DS row moved to RS, the RS row deleted: saved in the order of the rows, the moved
        # one took a track still held (a 500).
        ({"DS": ("track", "RS"), "RS": ("DELETE", "on")}, {"ML": 5, "RS": 2}),
        ({"ML": ("track", "DS"), "DS": ("track", "ML")}, {"ML": 2, "DS": 5}),  # swapped
    ],
    ids=["moved where a row is deleted", "two swapped"],
)
def test_weights_moved_between_tracks_save(editor_client, edit, after):
    tracks = {name: TrackFactory(name=name) for name in ("ML", "DS", "RS")}
    milestone = MilestoneFactory()
    for name, weight in (("ML", 5), ("DS", 2), ("RS", 1)):
        TrackMilestoneFactory(track=tracks[name], milestone=milestone, weight=weight)
    rows = [m.track.name for m in milestone.memberships.all()]
    posted = {}
    for name, (field, value) in edit.items():
        posted[f"memberships-{rows.index(name)}-{field}"] = getattr(tracks.get(value), "pk", value)
    save(editor_client, milestone, **posted)
    weights = {m.track.name: m.weight for m in milestone.memberships.all()}
    assert weights == after | ({"RS": 1} if "RS" not in edit else {})
    if "RS" not in edit:  # swapped: each row's weight now counts toward the other track
        assert {(kind, summary) for kind, summary, _ in logged()} >= {
            (Kind.WEIGHT_CHANGED, f"“{milestone.title}” counts 2 of 5 toward ML, was 5"),
            (Kind.WEIGHT_CHANGED, f"“{milestone.title}” counts 5 of 5 toward DS, was 2"),
        }
