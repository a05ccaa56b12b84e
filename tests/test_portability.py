import functools
import json
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts import records
from roadmap import exports, import_checks, imports, progress
from roadmap.models import (
    ContentChange,
    Enrollment,
    Milestone,
    Progress,
    ProgressEvent,
    Status,
)
from tests.factories import (
    PASSWORD,
    ContentChangeFactory,
    EnrollmentFactory,
    MilestoneFactory,
    ProgressFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db

User = get_user_model()
JAN = datetime(2025, 1, 10, 9, 30, 15, 123456, tzinfo=UTC)
TARGET = date(2027, 6, 30)
FEB = datetime(2025, 2, 3, 18, 5, 0, 654321, tzinfo=UTC)
NEXT_WEEK = (timezone.now() + timedelta(days=7)).replace(microsecond=0).isoformat()
IN_TWENTY_HOURS = (
    (timezone.now() + timedelta(hours=20)).replace(microsecond=0, tzinfo=None).isoformat()
)


@pytest.fixture
def world():
    """Two tracks, two sections, four milestones (one archived) and a learner who used them."""
    engineer = TrackFactory(slug="ml-engineer", name="ML Engineer", position=0)
    scientist = TrackFactory(slug="data-scientist", name="Data Scientist", position=1)
    portfolio = SectionFactory(slug="portfolio", title="Build a Portfolio", position=0)
    community = SectionFactory(slug="community", title="Join the Community", position=1)
    api = MilestoneFactory(
        section=portfolio, slug="deploy-an-api", title="Deploy an API", position=0
    )
    readme = MilestoneFactory(
        section=portfolio, slug="write-a-readme", title="Write a *README*", position=1
    )
    kaggle = MilestoneFactory(section=community, slug="enter-kaggle", title="Enter Kaggle")
    old = MilestoneFactory(section=community, slug="old-idea", title="Old idea", is_archived=True)
    TrackMilestoneFactory(track=engineer, milestone=api, weight=3)
    TrackMilestoneFactory(track=engineer, milestone=readme, weight=1)
    TrackMilestoneFactory(track=scientist, milestone=readme, weight=2)
    TrackMilestoneFactory(track=scientist, milestone=kaggle, weight=2)
    TrackMilestoneFactory(track=engineer, milestone=old, weight=5)

    learner = UserFactory(username="ada", display_name="Ada L.", hours_per_week=6)
    progress.set_status(user=learner, milestone=api, status=Status.IN_PROGRESS, now=JAN)
    progress.set_status(user=learner, milestone=api, status=Status.DONE, now=FEB)
    progress.save_details(
        user=learner,
        milestone=api,
        note="FastAPI in Docker.\nServed on Fly.",
        evidence_url="https://github.com/ada/api",
        now=FEB,
    )
    progress.set_status(user=learner, milestone=kaggle, status=Status.IN_PROGRESS, now=FEB)
    progress.save_details(
        user=learner, milestone=readme, note="Draft only", evidence_url="", now=JAN
    )
    progress.set_status(user=learner, milestone=old, status=Status.DONE, now=JAN)
    EnrollmentFactory(user=learner, track=engineer, since=JAN, target_date=TARGET)

    stranger = UserFactory(username="stranger")
    ProgressFactory(user=stranger, milestone=readme, note="stranger's secret note")
    progress.set_status(user=stranger, milestone=kaggle, status=Status.DONE, now=JAN)
    EnrollmentFactory(user=stranger, track=scientist)
    return {
        "learner": learner,
        "stranger": stranger,
        "engineer": engineer,
        "scientist": scientist,
        "milestones": {m.slug: m for m in (api, readme, kaggle, old)},
    }


def state(user):
    """What a learner's account holds, by slug, comparable across accounts."""
    return {
        "progress": {
            row.milestone.slug: (
                row.status,
                row.note,
                row.evidence_url,
                row.updated_at,
                row.completed_at,
            )
            for row in Progress.objects.filter(user=user).select_related("milestone")
        },
        "events": [
            (e.milestone.slug, e.from_status, e.to_status, e.at)
            for e in ProgressEvent.objects.filter(user=user).select_related("milestone")
        ],
        "tracks": {
            e.track.slug: e.since
            for e in Enrollment.objects.filter(user=user).select_related("track")
        },
        "targets": dict(
            Enrollment.objects.filter(user=user).values_list("track__slug", "target_date")
        ),
        "profile": (user.display_name, user.public_profile, user.hours_per_week),
    }


def upload(content, name="export.json"):
    if isinstance(content, dict | list):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def _iso(seconds):
    return (FEB + timedelta(seconds=seconds)).isoformat()


def post_import(client, content, what="progress"):
    return client.post(reverse("import_data"), {"file": upload(content), "what": what})


def flash(response):
    return [str(m) for m in messages.get_messages(response.wsgi_request)]


class TestExportJson:
    def test_it_downloads_everything_about_the_learner_and_nothing_about_others(
        self, client, world, django_assert_max_num_queries
    ):
        client.force_login(world["learner"])
        # session, user, progress with milestones, events with milestones, enrollments with tracks
        with django_assert_max_num_queries(5):
            response = client.get(reverse("export_json"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == 'attachment; filename="next-steps-ada.json"'
        assert "no-store" in response["Cache-Control"]
        data = json.loads(response.content)

        assert (data["format"], data["version"]) == ("next-steps-export", 1)
        assert datetime.fromisoformat(data["exported_at"]).tzinfo is not None
        profile = data["profile"]
        assert profile["username"] == "ada"
        assert profile["email"] == "ada@example.com"
        assert (profile["display_name"], profile["public_profile"]) == ("Ada L.", False)
        assert profile["hours_per_week"] == 6
        assert "date_joined" in profile
        assert "last_visit_at" in profile and "changes_seen_at" in profile
        assert "changes_dismissed_at" in profile
        assert data["followed_tracks"] == [
            {"track": "ml-engineer", "since": JAN.isoformat(), "target_date": "2027-06-30"}
        ]
        assert data["progress"] == [
            {
                "milestone": "deploy-an-api",
                "status": "done",
                "note": "FastAPI in Docker.\nServed on Fly.",
                "evidence_url": "https://github.com/ada/api",
                "updated_at": FEB.isoformat(),
                "completed_at": FEB.isoformat(),
                "archived": False,
            },
            {
                "milestone": "write-a-readme",
                "status": "not_started",
                "note": "Draft only",
                "evidence_url": "",
                "updated_at": JAN.isoformat(),
                "completed_at": None,
                "archived": False,
            },
            {
                "milestone": "enter-kaggle",
                "status": "in_progress",
                "note": "",
                "evidence_url": "",
                "updated_at": FEB.isoformat(),
                "completed_at": None,
                "archived": False,
            },
            {
                "milestone": "old-idea",
                "status": "done",
                "note": "",
                "evidence_url": "",
                "updated_at": JAN.isoformat(),
                "completed_at": JAN.isoformat(),
                "archived": True,
            },
        ]
        assert [(e["milestone"], e["from"], e["to"], e["at"]) for e in data["events"]] == [
            ("deploy-an-api", "not_started", "in_progress", JAN.isoformat()),
            ("old-idea", "not_started", "done", JAN.isoformat()),
            ("deploy-an-api", "in_progress", "done", FEB.isoformat()),
            ("enter-kaggle", "not_started", "in_progress", FEB.isoformat()),
        ]
        assert b"stranger" not in response.content
        assert b"data-scientist" not in response.content

    def test_a_visitor_is_sent_to_log_in(self, client):
        for name in ("export_json", "export_markdown", "my_data"):
            assert client.get(reverse(name))["Location"].startswith(reverse("login"))


class TestExportMarkdown:
    def test_it_is_a_checklist_with_ticks_evidence_and_track_percentages(self, client, world):
        client.force_login(world["learner"])
        response = client.get(reverse("export_markdown"))
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="next-steps-ada.md"'
        text = response.text
        assert text.startswith("# My Next Steps roadmap\n")
        # ML Engineer: API (3) done of API (3) + README (1); the archived milestone never counts.
        assert "Hours a week: 6.\n" in text
        assert (
            "- **ML Engineer**: 75 % (1 of 2 milestones done), target 30 June 2027, following\n"
            in text
        )
        assert "- **Data Scientist**: 0 % (0 of 2 milestones done), not followed\n" in text
        assert text.index("ML Engineer") < text.index("Data Scientist")  # followed first
        assert text.index("## Build a Portfolio") < text.index("## Join the Community")
        assert "- [x] Deploy an API · evidence: <https://github.com/ada/api>\n" in text
        assert "- [ ] Write a \\*README\\*\n" in text
        assert "- [ ] Enter Kaggle *(in progress)*\n" in text
        assert "stranger" not in text
        # Done, then taken off the roadmap: still the learner's, below the roadmap, in no track.
        off = "\n## Taken off the roadmap\n\n- [x] Old idea\n"
        assert text.endswith(off)
        assert text.count("Old idea") == 1

    def test_to_markdown_shows_a_fresh_learner_with_nothing_ticked(self, world):
        text = exports.to_markdown(UserFactory())
        assert "- [x]" not in text
        assert text.count("- [ ]") == 3
        assert "Hours a week: not set.\n" in text

    def test_a_track_of_one_milestone_says_it_in_the_singular(self):
        TrackMilestoneFactory(track__name="Solo")
        assert "- **Solo**: 0 % (0 of 1 milestone done), not followed" in exports.to_markdown(
            UserFactory()
        )

    def test_a_track_no_milestone_counts_toward_says_so_not_0_percent(self):
        """As its bar on the roadmap and its card on the dashboard and the public page say."""
        TrackFactory(name="MLOps")
        assert "- **MLOps**: no milestone counts toward it yet, not followed\n" in (
            exports.to_markdown(UserFactory())
        )


class TestMyDataPage:
    def test_it_explains_export_and_import_and_has_a_labelled_file_input(self, client, world):
        client.force_login(world["learner"])
        html = client.get(reverse("my_data")).text
        assert f'href="{reverse("export_json")}"' in html
        assert f'href="{reverse("export_markdown")}"' in html
        assert 'enctype="multipart/form-data"' in html
        # A file input is read as a button: "Export file" named one in the import's form.
        assert '<label for="id_file">File to import</label>' in html
        assert re.search(r'<input type="file" name="file"[^>]*id="id_file"', html)
        text = " ".join(html.split())
        # One of the two is archived: the roadmap's pages count one, and this page says why.
        assert (
            "2 milestones done (1 of them since taken off the roadmap), 1 in progress, "
            "notes or evidence on 2, and 4 history events"
        ) in text
        assert "<legend>What to import</legend>" in html
        assert re.search(r'<input type="radio" name="what" value="progress"[^>]*checked', html)
        # Everything the profile choice replaces is named, the hidden done milestones too, in a
        # sentence that doesn't end as if cut off ("…, replacing this account's").
        assert (
            "also puts the file&#x27;s followed tracks (with their target dates), display name,"
            " public page setting, hours a week, time zone and whether done milestones are hidden"
            " in place"
            " of this account&#x27;s</label>"
        ) in html
        # The explanation above the form says the same: it left out the hidden done ones.
        assert (
            "takes its display name, public page setting, hours a week, time zone and whether "
            "done milestones are hidden."
        ) in text

    def test_what_the_learner_did_and_wrote_on_archived_milestones_is_listed(
        self, client, world, django_assert_max_num_queries
    ):
        """Archived, a milestone left the roadmap with the learner's note: only the JSON file
        still showed it."""
        old = world["milestones"]["old-idea"]
        progress.save_details(
            user=world["learner"], milestone=old, note="Kept <b>this</b>", evidence_url=""
        )
        progress.save_details(
            user=world["stranger"], milestone=old, note="stranger's note", evidence_url=""
        )
        client.force_login(world["learner"])
        # session, user, the counts, the history's size, the rows on archived milestones
        with django_assert_max_num_queries(5):
            html = client.get(reverse("my_data")).text
        taken_off = html[html.index('id="archived-title"') :]
        assert "Old idea" in taken_off and "Done" in taken_off
        assert "Kept &lt;b&gt;this&lt;/b&gt;" in taken_off
        assert "stranger" not in html
        assert "Deploy an API" not in taken_off  # still on the roadmap

    def test_when_every_done_milestone_is_archived_it_says_so_in_plain_words(self, client):
        milestones = MilestoneFactory.create_batch(4)
        one, two, three = UserFactory(), UserFactory(), UserFactory()
        for learner, ticked in ((one, milestones[:1]), (two, milestones[:2]), (three, milestones)):
            for milestone in ticked:
                progress.set_status(user=learner, milestone=milestone, status=Status.DONE)

        def said(learner):
            client.force_login(learner)
            return " ".join(client.get(reverse("my_data")).text.split())

        Milestone.objects.filter(pk=milestones[0].pk).update(is_archived=True)
        assert "1 milestone done (since taken off the roadmap)," in said(one)
        assert "2 milestones done (1 of them since taken off the roadmap)," in said(two)
        Milestone.objects.filter(pk__in=[m.pk for m in milestones]).update(is_archived=True)
        assert "2 milestones done (both since taken off the roadmap)," in said(two)
        assert "4 milestones done (all since taken off the roadmap)," in said(three)

    def test_without_archived_progress_there_is_no_such_list(self, client, world):
        client.force_login(world["stranger"])
        assert 'id="archived-title"' not in client.get(reverse("my_data")).text

    def test_a_milestone_set_back_to_not_started_is_no_progress(self, client, world):
        fresh = UserFactory()
        api = world["milestones"]["deploy-an-api"]
        progress.set_status(user=fresh, milestone=api, status=Status.DONE)
        progress.set_status(user=fresh, milestone=api, status=Status.NOT_STARTED)
        client.force_login(fresh)
        text = " ".join(client.get(reverse("my_data")).text.split())
        assert "0 milestones done, 0 in progress, notes or evidence on 0, and 2 history" in text

    def test_a_get_of_the_import_goes_to_its_page(self, client, world):
        client.force_login(world["learner"])
        response = client.get(reverse("import_data"))  # to the page with the form
        assert (response.status_code, response["Location"]) == (302, reverse("my_data"))


class TestRoundTrip:
    def test_export_delete_and_import_into_a_new_account_brings_everything_back(
        self, client, world
    ):
        learner = world["learner"]
        before = state(learner)
        client.force_login(learner)
        exported = client.get(reverse("export_json")).content

        client.post(reverse("delete_account"), {"password": PASSWORD})
        assert not User.objects.filter(username="ada").exists()
        assert not Progress.objects.filter(note="Draft only").exists()

        client.post(
            reverse("signup"),
            {
                "username": "ada2",
                "email": "ada2@example.com",
                "password1": "analytical-engine-1843",
                "password2": "analytical-engine-1843",
            },
        )
        response = post_import(client, exported.decode(), what="everything")
        assert response["Location"] == reverse("my_data")
        # Whose file it is, said: an import into another account turned its public page on and
        # took the file's display name, without a word of where the file came from.
        assert flash(response)[-1] == (
            "The file is from another account, “ada”. Imported your progress on 4 milestones"
            " (2 done, 1 in progress, 1 not started) and 4"
            " history events. You follow ML Engineer. Display name: “Ada L.”. Public page: off."
            " Hours a week: 6. Time zone: the site’s. Done milestones on the roadmap: shown."
        )

        fresh = User.objects.get(username="ada2")
        assert state(fresh) == before
        assert state(world["stranger"])["progress"]["write-a-readme"][1] == (
            "stranger's secret note"
        )

    def test_importing_the_file_just_exported_says_there_was_nothing_new(self, client, world):
        """It said "Imported your progress on 4 milestones (2 done, 1 in progress)", though
        nothing changed."""
        learner = world["learner"]
        client.force_login(learner)
        data = json.loads(client.get(reverse("export_json")).content)
        (message,) = flash(post_import(client, data))
        assert message == (
            "Nothing new to import: your progress on 4 milestones and 4 history events in the "
            "file are already in your account. Your profile and followed tracks are unchanged."
        )
        # A file with one change imports that one, and says the rest was there.
        data["progress"][0]["note"] = "A new note"
        data["progress"][0]["updated_at"] = timezone.now().isoformat()
        message = flash(post_import(client, data))[-1]
        assert message.startswith("Imported your progress on 1 milestone ")
        assert " (1 done). The 4 history events in the file were already in your account. " in (
            message
        )
        assert "Your progress on 3 other milestones was already as in the file." in message
        changed = learner.progress.get(milestone__slug=data["progress"][0]["milestone"])
        assert changed.note == "A new note"

    def test_one_history_event_already_there_is_said_in_the_singular(self, world):
        """An older file whose row was kept, and its one event: "1 history event … are"."""
        learner, milestone = world["learner"], MilestoneFactory()
        progress.set_status(user=learner, milestone=milestone, status=Status.DONE)
        data = {
            **exports.export_data(learner),
            "progress": [
                r
                for r in exports.export_data(learner)["progress"]
                if r["milestone"] == milestone.slug
            ],
        }
        data["events"] = [e for e in data["events"] if e["milestone"] == milestone.slug]
        progress.save_details(user=learner, milestone=milestone, note="later", evidence_url="")
        summary = imports.import_data(user=learner, data=json.loads(json.dumps(data))).summary()
        assert summary.startswith(
            "Nothing new to import: 1 history event in the file is already in your account."
        )

    def test_progress_alone_is_not_said_with_0_history_events(self):
        summary = imports.ImportReport(progress=2, done=2, with_profile=True).summary()
        assert summary == "Imported your progress on 2 milestones (2 done)."

    def test_history_alone_is_not_said_as_progress_on_0_milestones(self, world):
        learner = world["learner"]
        data = json.loads(json.dumps(exports.export_data(learner)))
        ProgressEvent.objects.filter(user=learner).delete()
        summary = imports.import_data(user=learner, data=data).summary()
        assert summary.startswith(
            "Imported 4 history events. Your progress on 4 milestones was already as in the file."
        )

    def test_a_file_of_a_profile_alone_says_so(self, world):
        data = {**exports.export_data(UserFactory(display_name="Ada L")), "progress": []}
        data = json.loads(json.dumps({**data, "events": [], "profile": {"display_name": "Ada L"}}))
        summary = imports.import_data(user=world["learner"], data=data, with_profile=True).summary()
        assert summary.startswith("No progress or history was imported. The file follows no")
        assert "Display name: “Ada L”." in summary

    def test_a_file_of_the_account_itself_or_naming_no_account_is_not_said_to_be_another(
        self, world
    ):
        learner = world["learner"]
        for username in ("ADA", "x" * 151, "bad\u0000name", 7, ".."):
            data = json.loads(json.dumps(exports.export_data(learner)))
            data["profile"]["username"] = username
            summary = imports.import_data(user=learner, data=data).summary()
            assert "another account" not in summary, username

    def test_a_target_date_that_goes_with_a_track_the_file_does_not_follow_is_said(self):
        """The tracks page says so; the import, which follows what the file follows, did not."""
        engineer, scientist = TrackFactory(name="ML Engineer"), TrackFactory(name="Scientist")
        mine, theirs = UserFactory(), UserFactory()
        EnrollmentFactory(user=mine, track=engineer, target_date=date(2031, 1, 1))
        EnrollmentFactory(user=theirs, track=scientist)
        data = json.loads(json.dumps(exports.export_data(theirs)))
        summary = imports.import_data(user=mine, data=data, with_profile=True).summary()
        assert "You follow Scientist. The target date for ML Engineer, 1 January 2031, is " in (
            summary
        )

    def test_a_file_of_nothing_this_roadmap_has_does_not_say_imported(self, world):
        """It said "Imported your progress on 0 milestones and 0 history events"."""
        row = {"milestone": "not-here", "status": "done", "completed_at": "2025-01-01T00:00:00Z"}
        data = {"format": "next-steps-export", "version": 1, "progress": [row], "events": []}
        summary = imports.import_data(user=world["learner"], data=data).summary()
        assert summary.startswith("No progress or history was imported. ")
        assert "Not on this roadmap, so not imported: milestone not-here." in summary

    def test_importing_the_same_file_twice_adds_no_history_twice(self, world):
        learner = world["learner"]
        data = json.loads(json.dumps(exports.export_data(learner)))
        first = imports.import_data(user=learner, data=data)
        assert (first.events_added, first.events_present) == (0, 4)

        fresh = UserFactory()
        imports.import_data(user=fresh, data=data)
        again = imports.import_data(user=fresh, data=data)
        assert (again.events_added, again.events_present) == (0, 4)
        assert ProgressEvent.objects.filter(user=fresh).count() == 4
        assert ProgressEvent.objects.filter(user=learner).count() == 4
        assert state(fresh)["events"] == state(learner)["events"]

    def test_an_account_with_all_the_history_it_keeps_exports_a_file_that_imports_back(
        self, client, roadmap
    ):
        """On the chapter's roadmap, with the longest notes and links there can be: a note of
        2,000 characters outside the BMP is 8,000 bytes in the file."""
        learner = UserFactory()
        milestones = list(Milestone.objects.all())
        for milestone in milestones:
            ProgressFactory(
                user=learner,
                milestone=milestone,
                status=Status.IN_PROGRESS,
                note="\U0001f600" * 2000,
                evidence_url="https://example.com/" + "\U0001f600" * 480,
            )
        longest = max(milestones, key=lambda milestone: len(milestone.slug))
        ProgressEvent.objects.bulk_create(
            ProgressEvent(
                user=learner,
                milestone=longest,
                from_status=Status.NOT_STARTED,
                to_status=Status.IN_PROGRESS,
                at=JAN + timedelta(seconds=i),
            )
            for i in range(import_checks.MAX_HISTORY)
        )
        client.force_login(learner)
        exported = client.get(reverse("export_json")).content
        assert len(exported) < 1.25 * 1024 * 1024  # as SECURITY.md says

        fresh = UserFactory()
        client.force_login(fresh)
        assert post_import(client, exported.decode())["Location"] == reverse("my_data")
        assert ProgressEvent.objects.filter(user=fresh).count() == import_checks.MAX_HISTORY

    def test_a_file_with_more_history_than_an_account_keeps_is_refused(self, client, world):
        data = exports.export_data(world["learner"])
        events = [
            {"milestone": "enter-kaggle", "from": "not_started", "to": "done", "at": _iso(i)}
            for i in range(import_checks.MAX_HISTORY + 1)
        ]
        data["events"] = events
        fresh = UserFactory()
        client.force_login(fresh)
        response = post_import(client, json.dumps(data))
        assert response.status_code == 422
        assert (
            "Nothing was imported. With this file your history would hold 5,001 events;"
            " an account keeps at most 5,000."
        ) in response.text
        assert not ProgressEvent.objects.filter(user=fresh).exists()
        # Counted as the import counts them: a change listed twice (two files joined) once.
        data["events"] = [*events[:-1], events[0]]
        assert post_import(client, json.dumps(data))["Location"] == reverse("my_data")
        assert ProgressEvent.objects.filter(user=fresh).count() == import_checks.MAX_HISTORY

    def test_files_that_would_take_the_history_past_what_an_account_keeps_are_refused(self, world):
        """Each file within the limit, sent again and again with new moments, can't grow an
        account's history without end (its export would no longer import back)."""
        learner = world["learner"]
        before = state(learner)
        data = exports.export_data(learner)
        data["events"] = [
            {"milestone": "enter-kaggle", "from": "not_started", "to": "done", "at": _iso(i)}
            for i in range(import_checks.MAX_HISTORY - 3)  # the learner has 4 already
        ]
        with pytest.raises(
            import_checks.ImportRejected,
            match=r"With this file your history would hold 5,001 events; an account keeps at"
            r" most 5,000\.",
        ):
            imports.import_data(user=learner, data=data)
        assert state(learner) == before
        data["events"].pop()
        assert imports.import_data(user=learner, data=data).events_added == 4_996
        # The history already held: a file that adds nothing to it is imported.
        assert imports.import_data(user=learner, data=data).events_added == 0

    def test_history_from_a_status_to_the_same_one_is_left_out(self, world):
        """No tick records one; older imports took them, so an export can hold one."""
        fresh = UserFactory()
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        data["events"][0]["to"] = data["events"][0]["from"]
        data["events"][0]["at"] = "2999-01-01T00:00:00+00:00"  # not read: it is left out
        report = imports.import_data(user=fresh, data=data)
        assert report.events_added == 3
        assert not ProgressEvent.objects.filter(from_status=F("to_status")).exists()

    def test_a_right_to_left_name_keeps_its_direction_marks(self, world):
        """A mark (RLM) only places the punctuation of right-to-left text."""
        fresh = UserFactory()
        data = exports.export_data(world["learner"])
        data["profile"]["display_name"] = "דוד כהן (2)\u200f"
        imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert fresh.display_name == "דוד כהן (2)\u200f"

    def test_file_progress_replaces_the_same_milestones_and_leaves_the_others(self, world):
        learner = world["learner"]
        data = exports.export_data(learner)
        data["progress"] = [
            {"milestone": "enter-kaggle", "status": "done", "completed_at": FEB.isoformat()}
        ]
        imports.import_data(user=learner, data=data)
        rows = state(learner)["progress"]
        assert rows["enter-kaggle"][0] == Status.DONE
        assert rows["enter-kaggle"][3] == datetime.fromisoformat(data["exported_at"])  # the file's
        assert rows["enter-kaggle"][4] == FEB
        assert rows["deploy-an-api"][1] == "FastAPI in Docker.\nServed on Fly."

    def test_done_milestones_a_newer_file_undoes_are_said(self):
        """The summary said "2 not started" of rows that had been done here: the learner's
        percentages fell, and nothing said which way it had gone."""
        learner = UserFactory()
        ship, clean, read = MilestoneFactory(), MilestoneFactory(), MilestoneFactory()
        week_ago = timezone.now() - timedelta(days=7)
        for milestone in (ship, clean, read):
            progress.set_status(user=learner, milestone=milestone, status=Status.DONE, now=week_ago)
        data = {
            "format": "next-steps-export",
            "version": 1,
            "exported_at": timezone.now().isoformat(),
            "progress": [
                {"milestone": ship.slug, "status": "not_started"},
                {"milestone": clean.slug, "status": "in_progress"},
                {"milestone": read.slug, "status": "done", "completed_at": week_ago.isoformat()},
            ],
            "events": [],
        }
        summary = imports.import_data(user=learner, data=data).summary()
        newer = "The file's progress is newer: 2 milestones you had done here are no longer done."
        assert newer in summary
        assert Progress.objects.filter(user=learner, status=Status.DONE).count() == 1
        data["progress"] = data["progress"][:1]
        progress.set_status(user=learner, milestone=ship, status=Status.DONE, now=week_ago)
        summary = imports.import_data(user=learner, data=data).summary()
        assert "1 milestone you had done here is no longer done." in summary

    @pytest.mark.parametrize(
        ("saved", "mine", "done"),
        [(1, 10, 20), (3, 1, 5 / 1440)],
        ids=["done before the file", "done after the file (edited by hand)"],
    )
    def test_a_row_without_its_time_is_as_old_as_the_file_or_its_completion_if_later(
        self, saved, mine, done
    ):
        """Dated by its completion, a row done before the file lost to a change the account
        made before the file was saved, and the learner read that they had changed it after.
        Dated by the file, a row done after it was changed before it was done. (Days ago: the
        file saved, the account's own change, the file's row done.)"""
        learner, milestone = UserFactory(), MilestoneFactory()
        now = timezone.now()
        progress.set_status(
            user=learner,
            milestone=milestone,
            status=Status.IN_PROGRESS,
            now=now - timedelta(days=mine),
        )
        done_at = now - timedelta(days=done)
        row = {"milestone": milestone.slug, "status": "done", "completed_at": done_at.isoformat()}
        data = {
            "format": "next-steps-export",
            "version": 1,
            "exported_at": (now - timedelta(days=saved)).isoformat(),
            "progress": [row],
            "events": [],
        }
        summary = imports.import_data(user=learner, data=data).summary()
        assert "after the file was saved" not in summary
        row = Progress.objects.get(user=learner)
        assert (row.status, row.completed_at) == (Status.DONE, done_at)
        assert row.updated_at == max(done_at, now - timedelta(days=saved))

    def test_an_unticks_done_day_goes_with_the_file(self):
        """Exported without it, a slip re-ticked in the new account was done today, not on the
        day it had: another week on the chart, a broken streak."""
        done_at = timezone.now() - timedelta(days=25)
        ada, copy, milestone = UserFactory(), UserFactory(), MilestoneFactory()
        progress.set_status(user=ada, milestone=milestone, status=Status.DONE, now=done_at)
        unticked = timezone.now() - timedelta(minutes=2)
        progress.set_status(user=ada, milestone=milestone, status="not_done", now=unticked)
        data = json.loads(json.dumps(exports.export_data(ada)))
        assert data["events"][-1]["was_done_at"] == done_at.isoformat()
        assert "was_done_at" not in data["events"][0]  # the tick's: none
        imports.import_data(user=copy, data=data)
        progress.set_status(user=copy, milestone=milestone, status=Status.DONE)
        assert Progress.objects.get(user=copy).completed_at == done_at

    @pytest.mark.parametrize(
        ("before", "days"), [("not_started", 3), ("done", -1)], ids=["not an untick", "after it"]
    )
    def test_a_done_day_that_cannot_be_an_unticks_is_refused(self, before, days):
        at = timezone.now() - timedelta(days=2)
        event = {
            "milestone": MilestoneFactory().slug,
            "from": before,
            "to": "in_progress",
            "at": at.isoformat(),
            "was_done_at": (at - timedelta(days=days)).isoformat(),
        }
        data = {"format": "next-steps-export", "version": 1, "progress": [], "events": [event]}
        with pytest.raises(import_checks.ImportRejected, match="only an untick has one"):
            imports.import_data(user=UserFactory(), data=data)
        assert not ProgressEvent.objects.exists()

    def test_unknown_slugs_are_reported_and_the_rest_imported(self, client, world):
        data = exports.export_data(world["learner"])
        data["progress"].append({"milestone": "gone-milestone", "status": "in_progress"})
        data["events"].append(
            {
                "milestone": "gone-milestone",
                "from": "not_started",
                "to": "done",
                "at": "2025-01-01T00:00:00Z",
            }
        )
        data["followed_tracks"].append({"track": "astronaut", "since": None})
        fresh = UserFactory()
        client.force_login(fresh)
        (message,) = flash(post_import(client, data, what="everything"))
        imported = "Imported your progress on 4 milestones (2 done, 1 in progress, 1 not started)"
        assert imported + " and 4 history events." in message
        assert "Not on this roadmap, so not imported: milestone gone-milestone." in message
        assert "Unknown track, not followed: astronaut." in message
        assert len(state(fresh)["progress"]) == 4
        assert set(state(fresh)["tracks"]) == {"ml-engineer"}

    def test_a_draft_is_not_on_this_roadmap_to_an_import(self, client, world):
        """A file naming an editor's draft (added archived, never on the roadmap) was imported:
        its title was then on the learner's data page, and the draft could not be deleted."""
        draft = MilestoneFactory(slug="secret-launch-plan", title="Secret plan", is_archived=True)
        ContentChangeFactory(milestone=draft, draft=True)
        row = {"milestone": "secret-launch-plan", "status": "in_progress", "note": "probe"}
        data = {"format": "next-steps-export", "version": 1, "progress": [row], "events": []}
        learner = UserFactory()
        client.force_login(learner)
        (message,) = flash(post_import(client, data))
        assert "Not on this roadmap, so not imported: milestone secret-launch-plan." in message
        assert not Progress.objects.filter(milestone=draft).exists()
        assert "Secret plan" not in client.get(reverse("my_data")).text
        # Once on the roadmap (its draft entries go), it is the roadmap's like any other.
        ContentChange.objects.filter(milestone=draft).delete()
        (message,) = flash(post_import(client, data))
        assert message.startswith("Imported your progress on 1 milestone")

    def test_a_long_list_of_unknown_slugs_is_cut_short_in_the_message(self, client, world):
        data = exports.export_data(world["learner"])
        data["progress"] += [
            {"milestone": f"gone-{i:05}", "status": "in_progress"} for i in range(5000)
        ]
        client.force_login(UserFactory())
        (message,) = flash(post_import(client, data))
        assert "milestones gone-00000, gone-00001," in message
        assert "gone-00009 and 4,990 more." in message
        assert len(message) < 1000

    def test_import_sets_the_profile_and_exactly_the_listed_tracks(self, world):
        fresh = UserFactory(display_name="Someone")
        EnrollmentFactory(user=fresh, track=world["scientist"])
        data = exports.export_data(world["learner"])
        data["profile"]["public_profile"] = True
        imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert (fresh.display_name, fresh.public_profile) == ("Ada L.", True)
        assert fresh.username != "ada"
        assert state(fresh)["tracks"] == {"ml-engineer": JAN}

    def test_import_restores_the_hours_a_week_and_the_target_dates(self, world):
        fresh = UserFactory(hours_per_week=30)
        EnrollmentFactory(user=fresh, track=world["engineer"])
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        imports.import_data(user=fresh, data=data)
        fresh.refresh_from_db()
        assert fresh.hours_per_week == 30  # progress only: the plan stays
        report = imports.import_data(user=fresh, data=data, with_profile=True)
        assert "Hours a week: 6." in report.summary()
        fresh.refresh_from_db()
        assert fresh.hours_per_week == 6
        assert state(fresh)["targets"] == {"ml-engineer": TARGET}
        data["profile"]["hours_per_week"] = None
        data["followed_tracks"][0]["target_date"] = None
        imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert (fresh.hours_per_week, state(fresh)["targets"]) == (None, {"ml-engineer": None})

    def test_an_older_file_does_not_undo_what_the_learner_changed_since(self, client, world):
        learner = world["learner"]
        data = json.loads(json.dumps(exports.export_data(learner)))  # Kaggle: in progress
        kaggle = world["milestones"]["enter-kaggle"]
        progress.set_status(user=learner, milestone=kaggle, status=Status.DONE)
        client.force_login(learner)
        (message,) = flash(post_import(client, data))
        assert Progress.objects.get(user=learner, milestone=kaggle).status == Status.DONE
        # The other three are as in the file: there was nothing else to bring in.
        assert message.startswith(
            "Nothing new to import: your progress on 3 milestones and 4 history events in the "
            "file are already in your account."
        )
        assert (
            "Kept your own progress on 1 milestone: you changed it after the file was saved."
            in (message)
        )

    @pytest.mark.parametrize("saved", ["exported_at", None])
    def test_a_file_without_times_on_its_progress_does_not_undo_a_newer_tick(self, world, saved):
        """The progress times are optional in a file: missing, a row was taken as changed at
        the import, so a hand-made file undid every tick made since, at each import again. It
        is as old as the file (`exported_at`), or, without that either, older than any of the
        account's own."""
        learner, kaggle = world["learner"], world["milestones"]["enter-kaggle"]
        data = {"format": "next-steps-export", "version": 1, "progress": [], "events": []}
        data["progress"] = [{"milestone": kaggle.slug, "status": "in_progress"}]
        if saved:
            data[saved] = (timezone.now() - timedelta(days=1)).isoformat()
        fresh = UserFactory()
        assert imports.import_data(user=fresh, data=data).progress == 1
        assert Progress.objects.get(user=fresh, milestone=kaggle).status == Status.IN_PROGRESS
        progress.set_status(user=fresh, milestone=kaggle, status=Status.DONE)
        report = imports.import_data(user=fresh, data=data)
        assert report.progress == 0
        # It says why: a file that gives no time was not "saved" before anything.
        why = "you changed it after" if saved else "the file doesn't say when it was saved"
        assert f"Kept your own progress on 1 milestone: {why}" in report.summary()
        assert Progress.objects.get(user=fresh, milestone=kaggle).status == Status.DONE
        # As in the file, a row is nothing new, not one "changed after the file was saved".
        progress.set_status(user=fresh, milestone=kaggle, status=Status.IN_PROGRESS)
        report = imports.import_data(user=fresh, data=data)
        assert (report.progress, report.kept, report.unchanged) == (0, 0, 1)
        if saved is None:  # the learner's own row, whenever it was made, stays
            Progress.objects.filter(user=learner, milestone=kaggle).update(note="Mine")
            report = imports.import_data(user=learner, data=data)
            assert "1 milestone: the file doesn't say when it was saved" in report.summary()
            assert Progress.objects.get(user=learner, milestone=kaggle).note == "Mine"

    def test_import_with_the_profile_restores_hiding_done_milestones(self, world):
        world["learner"].hide_done = True
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        fresh = UserFactory()
        imports.import_data(user=fresh, data=data)
        fresh.refresh_from_db()
        assert fresh.hide_done is False  # progress only: the setting stays
        report = imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert fresh.hide_done is True
        assert "Done milestones on the roadmap: hidden." in report.summary()

    def test_a_file_from_before_plans_keeps_the_hours_and_target_dates_it_does_not_mention(
        self, world
    ):
        fresh = UserFactory(hours_per_week=30)
        EnrollmentFactory(user=fresh, track=world["engineer"], target_date=TARGET)
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        del data["profile"]["hours_per_week"]
        del data["followed_tracks"][0]["target_date"]
        imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert (fresh.hours_per_week, state(fresh)["targets"]) == (30, {"ml-engineer": TARGET})

    def test_a_target_date_further_ahead_than_the_form_allows_is_refused(self, world):
        """The dashboard takes dates up to ten years ahead; a file can't store one past that. A
        date already past stays importable: an old file's targets were ahead when set."""
        fresh = UserFactory()
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        data["followed_tracks"][0]["target_date"] = "9999-12-31"
        with pytest.raises(
            import_checks.ImportRejected, match=r"followed_tracks\[0\]\.target_date"
        ):
            imports.import_data(user=fresh, data=data, with_profile=True)
        assert not Enrollment.objects.filter(user=fresh).exists()
        data["followed_tracks"][0]["target_date"] = "2020-01-31"
        imports.import_data(user=fresh, data=data, with_profile=True)
        assert state(fresh)["targets"] == {"ml-engineer": date(2020, 1, 31)}

    def test_times_with_any_offset_python_reads_are_stored_as_the_same_moment(self, world):
        """ISO 8601 allows offsets up to ±23:59; PostgreSQL holds up to ±15:59."""
        fresh = UserFactory()
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        data["progress"][0]["completed_at"] = "2024-01-01T00:00:00-23:59"
        data["progress"][0]["updated_at"] = "2024-01-01T00:00:00+23:59"
        data["events"][0]["at"] = "2024-01-01T00:00:00-23:59"
        imports.import_data(user=fresh, data=data)
        row = Progress.objects.get(user=fresh, milestone__slug=data["progress"][0]["milestone"])
        assert row.completed_at == datetime(2024, 1, 1, 23, 59, tzinfo=UTC)
        assert row.updated_at == datetime(2023, 12, 31, 0, 1, tzinfo=UTC)
        assert ProgressEvent.objects.filter(
            user=fresh, at=datetime(2024, 1, 1, 23, 59, tzinfo=UTC)
        ).exists()

    def test_a_note_and_a_name_are_stored_as_the_forms_store_them(self, world):
        fresh = UserFactory()
        data = exports.export_data(world["learner"])
        data["progress"][0]["note"] = "  first line\r\n\tsecond line  "
        data["profile"]["display_name"] = "  Ada L.  "
        imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert fresh.display_name == "Ada L."
        row = Progress.objects.get(user=fresh, milestone__slug="deploy-an-api")
        assert row.note == "first line\n\tsecond line"
        row.full_clean()

    def test_by_default_only_progress_is_imported(self, client, world):
        """Another account's file never turns this account's public page on, nor changes its
        name or tracks, unless the learner asks for the profile too."""
        fresh = UserFactory(display_name="Someone")
        EnrollmentFactory(user=fresh, track=world["scientist"])
        data = exports.export_data(world["learner"])
        data["profile"]["public_profile"] = True
        client.force_login(fresh)
        (message,) = flash(post_import(client, data))
        assert message == (
            "The file is from another account, “ada”. "
            "Imported your progress on 4 milestones (2 done, 1 in progress, 1 not started) and 4 "
            "history events. Your profile and followed tracks are unchanged."
        )
        fresh.refresh_from_db()
        assert (fresh.display_name, fresh.public_profile) == ("Someone", False)
        assert set(state(fresh)["tracks"]) == {"data-scientist"}
        assert len(state(fresh)["progress"]) == 4
        # A form without the choice (an old page, a script) imports progress only too.
        client.post(reverse("import_data"), {"file": upload(data)})
        fresh.refresh_from_db()
        assert fresh.public_profile is False

    def test_an_empty_track_list_or_a_missing_section_changes_nothing(self, world):
        """An empty list unfollowed every track ("so now you follow none"), which the dashboard
        refuses: a learner follows at least one."""
        learner = world["learner"]
        data = exports.export_data(learner)
        data["followed_tracks"] = []
        del data["profile"]
        report = imports.import_data(user=learner, data=data, with_profile=True)
        assert "The file follows no career track: you follow the same as before." in (
            report.summary()
        )
        assert state(learner)["tracks"] == {"ml-engineer": JAN}
        assert state(learner)["profile"] == ("Ada L.", False, 6)

        EnrollmentFactory(user=learner, track=world["scientist"])
        del data["followed_tracks"]
        report = imports.import_data(user=learner, data=data, with_profile=True)
        assert "follow" not in report.summary()
        assert set(state(learner)["tracks"]) == {"ml-engineer", "data-scientist"}

    def test_a_track_followed_already_takes_the_files_earlier_date(self, world):
        """Sign-up asks for tracks first: importing the old file then kept the sign-up's date
        for each track chosen again, and the next export said it was followed since today."""
        fresh = UserFactory()
        progress.set_followed_tracks(user=fresh, tracks=[world["engineer"]])
        data = json.loads(json.dumps(exports.export_data(world["learner"])))
        imports.import_data(user=fresh, data=data, with_profile=True)
        assert state(fresh)["tracks"] == {"ml-engineer": JAN}
        # A file that says later changes nothing: the account followed it first.
        data["followed_tracks"][0]["since"] = timezone.now().isoformat()
        imports.import_data(user=fresh, data=data, with_profile=True)
        assert state(fresh)["tracks"] == {"ml-engineer": JAN}

    @pytest.mark.parametrize("since", [{}, {"since": None}], ids=["no date", "null"])
    def test_a_track_followed_already_and_listed_without_a_date_keeps_its_own(
        self, client, world, since
    ):
        """The file's track without a date, followed already, was a 500 (a None to compare)."""
        fresh = UserFactory()
        engineer = world["engineer"]
        progress.set_followed_tracks(user=fresh, tracks=[engineer], since={engineer.pk: JAN})
        data = exports.export_data(world["learner"])
        data["followed_tracks"] = [{"track": "ml-engineer", **since}]
        client.force_login(fresh)
        response = post_import(client, data, what="everything")
        assert response.status_code == 302
        assert state(fresh)["tracks"] == {"ml-engineer": JAN}

    def test_a_file_following_only_tracks_this_roadmap_lacks_leaves_the_tracks(self, world):
        """It said "The file follows no career track, so now you follow none.", then "Unknown
        track, not followed: mlops.", and left the learner following none."""
        learner = world["learner"]
        data = exports.export_data(learner)
        data["followed_tracks"] = [{"track": "mlops", "since": JAN.isoformat()}]
        summary = imports.import_data(user=learner, data=data, with_profile=True).summary()
        assert "No track the file follows is on this roadmap: you follow the same as before." in (
            summary
        )
        assert "follow none" not in summary
        assert summary.endswith("Unknown track, not followed: mlops.")
        assert state(learner)["tracks"] == {"ml-engineer": JAN}

    def test_the_import_form_needs_the_csrf_token(self, csrf_client, world):
        csrf_client.force_login(UserFactory())
        data = exports.export_data(world["learner"])
        assert csrf_client.post(reverse("import_data"), {"file": upload(data)}).status_code == 403
        assert Progress.objects.count() == 6

    def test_the_import_form_works_with_its_csrf_token(self, csrf_client, world):
        fresh = UserFactory()
        csrf_client.force_login(fresh)
        csrf_client.get(reverse("my_data"))
        data = exports.export_data(world["learner"])
        response = csrf_client.post(
            reverse("import_data"),
            {"file": upload(data), "csrfmiddlewaretoken": csrf_client.cookies["csrftoken"].value},
        )
        assert response["Location"] == reverse("my_data")
        assert Progress.objects.filter(user=fresh).count() == 4


def exported(world, change):
    data = json.loads(json.dumps(exports.export_data(world["learner"])))
    change(data)
    return data


def set_in(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


MALFORMED = {
    "truncated JSON": (
        lambda world: json.dumps(exports.export_data(world["learner"]))[:200],
        "not valid JSON (line 1, column",
    ),
    # Offered on the same page: it said "not valid JSON (line 1, column 1: Expecting value)".
    "the Markdown checklist": (
        lambda world: "\r\n  " + exports.to_markdown(world["learner"]),  # an editor's blank line
        "This is the Markdown checklist, which can't be imported: choose the file of “Download "
        "everything (JSON)”.",
    ),
    "not an export": (lambda world: {"hello": "world"}, "This is not a Next Steps export"),
    "a list at the top": (lambda world: [1, 2, 3], "This is not a Next Steps export"),
    "a future version": (
        lambda world: exported(world, set_in(["version"], 2)),
        "version: this site reads version 1 files, not 2.",
    ),
    "an export time that is no time": (
        lambda world: exported(world, set_in(["exported_at"], 5)),
        "exported_at: expected a date and time as text, got a number.",
    ),
    "the history left out": (
        lambda world: {
            k: v for k, v in exports.export_data(world["learner"]).items() if k != "events"
        },
        "top level: missing events, which every export from this page has. Was the file edited by"
        " hand? Download it again.",
    ),
    "progress not a list": (
        lambda world: exported(world, set_in(["progress"], {"deploy-an-api": "done"})),
        "progress: expected a list, got an object.",
    ),
    "a note that is a number": (
        lambda world: exported(world, set_in(["progress", 0, "note"], 42)),
        "progress[0] (deploy-an-api).note: expected text, got a number.",
    ),
    "a bad status": (
        lambda world: exported(world, set_in(["progress", 0, "status"], "finished")),
        "progress[0] (deploy-an-api).status: 'finished' is not a status; "
        "use not_started, in_progress, done.",
    ),
    "a bad event status": (
        lambda world: exported(world, set_in(["events", 1, "to"], None)),
        "events[1] (old-idea).to: null is not a status",
    ),
    "a javascript: evidence link": (
        lambda world: exported(
            world, set_in(["progress", 0, "evidence_url"], "javascript:alert(document.cookie)")
        ),
        "progress[0] (deploy-an-api).evidence_url: Enter a web address that starts with "
        "http:// or https://.",
    ),
    "a note over 2000 characters": (
        lambda world: exported(world, set_in(["progress", 1, "note"], "x" * 2001)),
        "progress[1] (write-a-readme).note: is 2001 characters long; the limit is 2000.",
    ),
    "a NUL in a note": (
        lambda world: exported(world, set_in(["progress", 1, "note"], "a\x00b")),
        "progress[1] (write-a-readme).note: Remove the control characters: invisible characters "
        "other than line breaks and tabs can't be stored.",
    ),
    "a carriage return in a note": (
        lambda world: exported(world, set_in(["progress", 1, "note"], "one\rtwo")),
        "progress[1] (write-a-readme).note: Remove the control characters",
    ),
    "a tab in the display name": (
        lambda world: exported(world, set_in(["profile", "display_name"], "Ada\tL.")),
        "profile.display_name: Keep it to one line, without tabs or other control characters.",
    ),
    "a line break in the display name": (
        lambda world: exported(world, set_in(["profile", "display_name"], "Ada\nL.")),
        "profile.display_name: Keep it to one line",
    ),
    "a display name nobody can see": (
        lambda world: exported(world, set_in(["profile", "display_name"], "\u200b\u3164")),
        "profile.display_name: Use letters, digits or symbols you can see",
    ),
    "a control character in an evidence link": (
        lambda world: exported(
            world, set_in(["progress", 0, "evidence_url"], "https://example.com/\x7f")
        ),
        "progress[0] (deploy-an-api).evidence_url: Enter a web address that starts with "
        "http:// or https://.",
    ),
    "a completion date in the far future": (
        lambda world: exported(
            world, set_in(["progress", 0, "completed_at"], "9999-12-30T00:00:00+00:00")
        ),
        "progress[0] (deploy-an-api).completed_at: '9999-12-30T00:00:00+00:00' is in the future. "
        "Was the file saved on a computer whose clock was ahead, or edited? A time later than now "
        "would undo what you do after the import.",
    ),
    # A naive time is read as UTC: one written in local time east of UTC can be hours ahead.
    # Taken as it stands, it would be later than a tick made after the import, and importing
    # the file again would undo that tick.
    "an update in local time, later than now in UTC": (
        lambda world: exported(world, set_in(["progress", 0, "updated_at"], IN_TWENTY_HOURS)),
        f"progress[0] (deploy-an-api).updated_at: '{IN_TWENTY_HOURS}' is in the future (a time "
        "without an offset, such as +02:00, is read as UTC).",
    ),
    "history from before 2 January of year 1": (
        lambda world: exported(world, set_in(["events", 0, "at"], "0001-01-01T00:00:00+00:00")),
        "events[0] (deploy-an-api).at: That is too far in the past: give a time from 2 January "
        "of year 1.",
    ),
    "history from next week": (
        lambda world: exported(world, set_in(["events", 0, "at"], NEXT_WEEK)),
        f"events[0] (deploy-an-api).at: '{NEXT_WEEK}' is in the future.",
    ),
    "a number of 5,000 digits": (
        lambda world: json.dumps(exports.export_data(world["learner"])).replace(
            '"version": 1', '"version": 1' + "0" * 5000
        ),
        "The file has a number too long to be in an export file.",
    ),
    "a lone surrogate in a note": (
        lambda world: exported(world, set_in(["progress", 0, "note"], "\ud800")),
        "The file has a \\u escape that is not a character (a lone surrogate such as \\ud800)",
    ),
    "a bad date": (
        lambda world: exported(world, set_in(["events", 0, "at"], "2025-13-45T99:00:00")),
        "events[0] (deploy-an-api).at: '2025-13-45T99:00:00' is not a date and time",
    ),
    "a date that is a number": (
        lambda world: exported(world, set_in(["progress", 0, "updated_at"], 1700000000)),
        "progress[0] (deploy-an-api).updated_at: expected a date and time as text, got a number.",
    ),
    "done without a completion date": (
        lambda world: exported(world, set_in(["progress", 0, "completed_at"], None)),
        "progress[0] (deploy-an-api).completed_at: a done milestone needs its date.",
    ),
    "a completion date on a milestone not done": (
        lambda world: exported(world, set_in(["progress", 2, "completed_at"], FEB.isoformat())),
        "progress[2] (enter-kaggle).completed_at: only a done milestone has one; "
        "this one is in_progress.",
    ),
    "a milestone listed twice": (
        lambda world: exported(world, lambda d: d["progress"].append(d["progress"][0])),
        "progress[4] (deploy-an-api): this milestone is listed twice.",
    ),
    "an unknown key": (
        lambda world: exported(world, set_in(["progress", 0, "stauts"], "done")),
        "progress[0]: unknown key stauts.",
    ),
    "a slug that is not a slug": (
        lambda world: exported(world, set_in(["events", 0, "milestone"], "../../etc/passwd")),
        "events[0].milestone: '../../etc/passwd' is not a slug.",
    ),
    "no hours a week": (
        lambda world: exported(world, set_in(["profile", "hours_per_week"], 0)),
        "profile.hours_per_week: expected a whole number of hours from 1 to 80 or null.",
    ),
    "a time zone that is a list": (
        lambda world: exported(world, set_in(["profile", "time_zone"], ["Europe/Berlin"])),
        "profile.time_zone: expected the name of a time zone, such as 'Europe/Berlin' (or empty: "
        "the site's).",
    ),
    "hiding done milestones as text": (
        lambda world: exported(world, set_in(["profile", "hide_done"], "yes")),
        "profile.hide_done: expected true or false, got text.",
    ),
    "81 hours a week": (
        lambda world: exported(world, set_in(["profile", "hours_per_week"], 81)),
        "profile.hours_per_week: expected a whole number of hours from 1 to 80 or null.",
    ),
    "hours a week as text": (
        lambda world: exported(world, set_in(["profile", "hours_per_week"], "6")),
        "profile.hours_per_week: expected a whole number of hours from 1 to 80 or null.",
    ),
    "a target date that is not a date": (
        lambda world: exported(world, set_in(["followed_tracks", 0, "target_date"], "2027-02-30")),
        "followed_tracks[0].target_date: '2027-02-30' is not a date like 2027-03-31.",
    ),
    "a target date that is a number": (
        lambda world: exported(world, set_in(["followed_tracks", 0, "target_date"], 20270630)),
        "followed_tracks[0].target_date: expected a date as text, got a number.",
    ),
    "a display name that is true": (
        lambda world: exported(world, set_in(["profile", "display_name"], True)),
        "profile.display_name: expected text, got true or false.",
    ),
    "deeply nested": (lambda world: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "not UTF-8": (lambda world: b"\xff\xfe\x00{", "not UTF-8 text"),
}


class TestMalformedFiles:
    @pytest.mark.parametrize("case", MALFORMED)
    def test_it_gives_a_clear_error_next_to_the_field_and_changes_nothing(
        self, client, world, case
    ):
        make, message = MALFORMED[case]
        learner = world["learner"]
        client.force_login(learner)
        Progress.objects.filter(user=learner, milestone__slug="enter-kaggle").update(note="mine")
        before = state(learner)

        response = post_import(client, make(world))

        assert response.status_code == 422
        error = re.search(
            r'<ul class="errorlist" id="id_file_error">(.*?)</ul>', response.text, re.S
        )
        assert error, response.text
        assert "Nothing was imported." in error.group(1)
        assert message in error.group(1).replace("&#x27;", "'")
        assert re.search(r'<input[^>]*name="file"[^>]*autofocus', response.text)  # seen at once
        learner.refresh_from_db()
        assert state(learner) == before

    def test_an_oversized_file_is_refused_with_the_limit(self, client, world):
        client.force_login(world["learner"])
        big = json.dumps({"format": "next-steps-export", "padding": "x" * (2 * 1024 * 1024)})
        response = post_import(client, big)
        assert "the limit is 2 MB" in response.text
        assert ProgressEvent.objects.filter(user=world["learner"]).count() == 4

    def test_a_missing_file_is_asked_for(self, client, world):
        client.force_login(world["learner"])
        response = client.post(reverse("import_data"), {})
        assert "Choose the JSON file to import." in response.text

    def test_a_failure_halfway_through_the_writes_rolls_everything_back(self, world, monkeypatch):
        fresh = UserFactory()
        data = exports.export_data(world["learner"])

        def broken(*args):
            raise RuntimeError("database went away")

        monkeypatch.setattr(imports, "_import_followed", broken)
        with pytest.raises(RuntimeError):
            imports.import_data(user=fresh, data=data, with_profile=True)
        assert not Progress.objects.filter(user=fresh).exists()
        assert not ProgressEvent.objects.filter(user=fresh).exists()

    def test_it_never_writes_anything_when_a_late_entry_is_malformed(self, world):
        fresh = UserFactory()
        data = exports.export_data(world["learner"])
        data["events"][-1]["at"] = "yesterday"
        with pytest.raises(import_checks.ImportRejected, match=r"events\[3\] \(enter-kaggle\)\.at"):
            imports.import_data(user=fresh, data=data)
        assert not Progress.objects.filter(user=fresh).exists()
        assert not Enrollment.objects.filter(user=fresh).exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_file_sent_six_times_at_once_adds_its_history_once():
    """On PostgreSQL each import found none of the file's events there yet and added them all
    (progress rows written first made the imports take turns; a file of history alone didn't)."""
    learner, fresh = UserFactory(), UserFactory()
    milestones = MilestoneFactory.create_batch(2)
    for day in range(100):
        for milestone in milestones:
            status = Status.DONE if day % 2 else Status.IN_PROGRESS
            progress.set_status(
                user=learner, milestone=milestone, status=status, now=JAN + timedelta(days=day)
            )
    data = json.loads(json.dumps(exports.export_data(learner)))
    data["progress"] = []
    assert len(data["events"]) == 200

    errors = run_at_once(*[lambda: imports.import_data(user=fresh, data=data) for _ in range(6)])

    assert errors == []
    assert ProgressEvent.objects.filter(user=fresh).count() == 200


@pytest.mark.django_db(transaction=True)
def test_a_tick_in_the_middle_of_an_import_into_the_same_account_waits_its_turn(monkeypatch):
    """On PostgreSQL the import locked the account's row for update, which a tick's new event
    (whose user it names) must share: the tick held its progress row and waited for the import,
    the import waited for that row, and the database killed one of them (a 503)."""
    user, milestone = UserFactory(), MilestoneFactory()
    progress.set_status(user=user, milestone=milestone, status=Status.IN_PROGRESS)
    row_locked = threading.Event()
    now = timezone.now

    def now_slowly():  # called by the tick once its progress row is locked
        if threading.current_thread().name == "tick":
            row_locked.set()
            time.sleep(0.5)
        return now()

    monkeypatch.setattr(progress.timezone, "now", now_slowly)
    data = {
        "format": exports.FORMAT,
        "version": exports.VERSION,
        "progress": [{"milestone": milestone.slug, "status": "not_started"}],
        "events": [],
    }

    def tick():
        threading.current_thread().name = "tick"
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)

    def upload():
        row_locked.wait(5)
        imports.import_data(user=user, data=data)

    assert run_at_once(tick, upload) == []
    # Both were saved, in turn: the tick's change is later than the file's row (dated when it
    # was read), so the import kept it.
    assert Progress.objects.get(user=user, milestone=milestone).status == Status.DONE
    assert ProgressEvent.objects.filter(user=user, to_status=Status.DONE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_tick_that_creates_its_row_during_an_import_is_not_undone_by_an_older_file(
    monkeypatch,
):
    """The import can't lock a row that a tick has written but not committed: its insert of
    the file's older row waited for the tick, then wrote over it."""
    user, milestone = UserFactory(), MilestoneFactory()
    month_ago = (timezone.now() - timedelta(days=30)).isoformat()
    row_written, create_event = threading.Event(), ProgressEvent.objects.create

    def slow_create(**fields):  # the tick's row is inserted, not yet committed
        row_written.set()
        time.sleep(0.5)
        return create_event(**fields)

    monkeypatch.setattr(ProgressEvent.objects, "create", slow_create)
    data = {
        "format": exports.FORMAT,
        "version": exports.VERSION,
        "progress": [
            {"milestone": milestone.slug, "status": "in_progress", "updated_at": month_ago}
        ],
        "events": [],
    }

    reports = []

    def upload():
        row_written.wait(5)
        reports.append(imports.import_data(user=user, data=data))

    tick = functools.partial(progress.set_status, user=user, milestone=milestone, status="done")
    assert run_at_once(tick, upload) == []
    assert Progress.objects.get(user=user, milestone=milestone).status == Status.DONE
    assert (reports[0].progress, reports[0].kept) == (0, 1)  # and the message says so


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_during_an_import_into_it_is_deleted_with_what_the_import_wrote(
    monkeypatch,
):
    """On PostgreSQL the deletion missed the rows the import was writing, waited for it, then
    failed on them (a 500), after the learner had been logged out: the account stayed."""
    from django.test import Client

    user, milestone = UserFactory(), MilestoneFactory()
    rows_written, import_events = threading.Event(), imports._import_events

    def slow_import_events(*args):  # the file's progress rows are written, not yet committed
        rows_written.set()
        time.sleep(0.5)
        return import_events(*args)

    monkeypatch.setattr(imports, "_import_events", slow_import_events)
    data = {
        "format": exports.FORMAT,
        "version": exports.VERSION,
        "progress": [{"milestone": milestone.slug, "status": "done", "completed_at": _iso(0)}],
        "events": [],
    }
    browser = Client()
    browser.force_login(user)
    answers = []

    def delete():
        rows_written.wait(5)
        answers.append(browser.post(reverse("delete_account"), {"password": PASSWORD}))

    assert run_at_once(lambda: imports.import_data(user=user, data=data), delete) == []
    assert answers[0].status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Progress.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_while_a_tick_in_it_is_under_way_is_deleted_with_the_tick(
    monkeypatch,
):
    """With the account's row locked first, a tick holding its progress row, whose event then
    named the account, and the deletion, waiting for that row, waited for each other: on
    PostgreSQL one of them failed ("deadlock detected")."""
    from django.test import Client

    user, milestone = UserFactory(), MilestoneFactory()
    progress.set_status(user=user, milestone=milestone, status=Status.IN_PROGRESS)
    row_locked, create_event = threading.Event(), ProgressEvent.objects.create

    def slow_create(**fields):  # the tick's row is locked and updated, its event not written
        row_locked.set()
        time.sleep(0.5)
        return create_event(**fields)

    monkeypatch.setattr(ProgressEvent.objects, "create", slow_create)
    browser = Client()
    browser.force_login(user)
    answers = []

    def delete():
        row_locked.wait(5)
        time.sleep(0.1)
        answers.append(browser.post(reverse("delete_account"), {"password": PASSWORD}))

    tick = functools.partial(progress.set_status, user=user, milestone=milestone, status="done")
    assert run_at_once(tick, delete) == []
    assert answers[0].status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Progress.objects.exists() and not ProgressEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_while_its_tracks_are_chosen_again_is_deleted(monkeypatch):
    """Choosing tracks deletes the one left out (holding its row), then adds the new one (which
    names the account); the deletion, holding the account's row, waited for the row deleted:
    on PostgreSQL, a deadlock. Django's admin changing an account's groups writes the same way."""
    user, first, second = UserFactory(), TrackFactory(), TrackFactory()
    EnrollmentFactory(user=user, track=first)
    left_out, bulk_create = threading.Event(), Enrollment.objects.bulk_create

    def slow_bulk_create(*args, **kwargs):  # the left-out row deleted, the new one not added
        left_out.set()
        time.sleep(0.5)
        return bulk_create(*args, **kwargs)

    monkeypatch.setattr(Enrollment.objects, "bulk_create", slow_bulk_create)

    def delete():
        left_out.wait(5)
        time.sleep(0.1)
        records.delete_account(User.objects.get(pk=user.pk))

    choose = functools.partial(progress.set_followed_tracks, user=user, tracks=[second])
    assert run_at_once(choose, delete) == []
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Enrollment.objects.exists()
