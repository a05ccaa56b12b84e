from io import StringIO
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.core.management import CommandError, call_command

from roadmap.content import DEFAULT_PATH, ContentError, parse
from roadmap.models import (
    ContentChange,
    Milestone,
    Progress,
    Resource,
    Revision,
    Section,
    Status,
    Track,
    TrackMilestone,
)
from tests.factories import MilestoneFactory, ProgressFactory, TrackFactory

CONTENT = yaml.safe_load(DEFAULT_PATH.read_text())


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def write(tmp_path, data, name="roadmap.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def all_milestones(data):
    return [m for section in data["sections"] for m in section["milestones"]]


class TestTheContentFile:
    def test_it_validates(self):
        parse(DEFAULT_PATH.read_text())

    def test_it_has_the_chapters_three_parts_and_three_tracks(self):
        assert [s["title"] for s in CONTENT["sections"]] == [
            "Build a Strong Portfolio",
            "Specialize and Go Deeper",
            "Join the Community",
        ]
        assert [t["name"] for t in CONTENT["tracks"]] == [
            "ML Engineer",
            "Data Scientist",
            "Research Scientist",
        ]

    def test_it_has_at_least_twenty_milestones_each_in_a_track(self):
        milestones = all_milestones(CONTENT)
        assert len(milestones) >= 20
        assert all(m["tracks"] for m in milestones)

    def test_every_milestone_has_resources_and_every_link_is_web(self):
        for milestone in all_milestones(CONTENT):
            assert milestone["resources"], milestone["slug"]
            for resource in milestone["resources"]:
                assert urlparse(resource["url"]).scheme in {"http", "https"}

    def test_weights_say_what_each_track_values(self):
        by_slug = {m["slug"]: m["tracks"] for m in all_milestones(CONTENT)}
        api = by_slug["deploy-a-prediction-api"]
        assert api["ml-engineer"] > api.get("research-scientist", 0)
        paper = by_slug["read-attention-is-all-you-need"]
        assert paper["research-scientist"] > paper["ml-engineer"]

    def test_the_research_track_mentions_the_degree_it_usually_needs(self):
        research = next(t for t in CONTENT["tracks"] if t["slug"] == "research-scientist")
        assert "Master's or PhD" in research["summary"]

    def test_every_milestone_has_an_honest_estimate_in_hours(self):
        hours = {m["slug"]: m["estimated_hours"] for m in all_milestones(CONTENT)}
        assert all(1 <= h <= 200 for h in hours.values())
        assert hours["enter-a-kaggle-competition"] >= 10
        assert hours["read-a-paper-summary-first"] <= 2
        assert hours["reimplement-a-paper"] > hours["read-attention-is-all-you-need"]

    def test_it_uses_the_chapters_words_where_a_learner_looks_for_them(self):
        titles = {m["slug"]: m["title"] for m in all_milestones(CONTENT)}
        assert "Model selection" in titles["compare-candidate-models"]
        assert "Computer Vision" in titles["train-an-advanced-cnn"]
        assert "Natural Language Processing" in titles["fine-tune-a-transformer-for-nlp"]
        assert "MLOps" in titles["containerize-a-model-with-docker"]
        assert "Reinforcement Learning" in titles["learn-reinforcement-learning-basics"]

    def test_the_committed_file_is_in_dump_format(self, db):
        run("load_roadmap")
        assert run("dump_roadmap", "-") == DEFAULT_PATH.read_text()


@pytest.mark.django_db
class TestLoading:
    def test_it_loads_everything_and_reports_it(self):
        out = run("load_roadmap")
        assert "Created 3 tracks" in out
        assert f"Created {len(all_milestones(CONTENT))} milestones" in out
        assert Milestone.objects.active().count() == len(all_milestones(CONTENT))
        assert TrackMilestone.objects.count() == sum(
            len(m["tracks"]) for m in all_milestones(CONTENT)
        )

    def test_one_of_a_kind_is_reported_in_the_singular(self, tmp_path):
        path = tmp_path / "one.yaml"
        path.write_text(
            "tracks: [{slug: solo, name: Solo}]\n"
            "sections:\n"
            "- slug: only\n"
            "  title: Only\n"
            "  milestones: [{slug: ship, title: Ship, estimated_hours: 4, tracks: {solo: 2}}]\n"
        )
        out = run("load_roadmap", str(path))
        assert "Created 1 track: solo" in out
        assert "Created 1 section: only" in out
        assert "Created 1 milestone: ship" in out

    def test_loading_twice_changes_nothing(self):
        run("load_roadmap")
        before = list(Milestone.objects.values_list("pk", "slug", "title", "position"))
        resources = list(Resource.objects.values_list("pk", flat=True))
        out = run("load_roadmap")
        assert "Nothing to change" in out
        assert list(Milestone.objects.values_list("pk", "slug", "title", "position")) == before
        assert list(Resource.objects.values_list("pk", flat=True)) == resources

    def test_loading_the_same_file_again_reads_the_roadmap_once(
        self, django_assert_max_num_queries
    ):
        """It read each milestone, its section, resources and weights on its own: 143 queries
        for the 30 milestones, more with every one added."""
        run("load_roadmap")
        # The file's checks: the tracks', sections' and milestones' slugs saved (3). The
        # command's transaction (for --dry-run) and the load's (4, savepoints here). The lock on
        # the revision, whether the roadmap is there (2); the roadmap as it was, for the
        # changelog: its revision, resources, weights and milestones (4). The tracks, sections
        # and milestones with their resources and weights (5); the sections' and milestones'
        # order (2); the tracks the file doesn't list (1); the milestones it doesn't list,
        # counted and archived (2). Nothing changed: the roadmap after is not read.
        with django_assert_max_num_queries(23):
            out = run("load_roadmap")
        assert "Nothing to change" in out

    def test_the_first_load_writes_each_milestone_with_three_queries(
        self, django_assert_max_num_queries
    ):
        """It read the resources and weights of each milestone it had just made, and wrote each
        weight on its own: 720 queries for the 30 milestones."""
        # Each of the 30 milestones: its row, its resources, its weights (90). Each of the 3
        # tracks and 3 sections: its row (6). The file's checks (3), the transactions (4), the
        # lock and whether the roadmap is there (2), the tracks, sections and milestones saved
        # (3: none, so no resources or weights are read), their order (2), the tracks the file
        # doesn't list (1), the milestones it doesn't list, counted and archived (2), and the
        # revision for the caches (1).
        with django_assert_max_num_queries(114):
            out = run("load_roadmap")
        assert "Created 3 tracks" in out
        assert TrackMilestone.objects.count() > Milestone.objects.count() == 30
        assert Resource.objects.count() > 30

    def test_a_restart_loads_the_file_into_an_empty_database_only(self):
        """`make run` and `make serve` load with --if-empty: a restart must not put the file's
        version back over what editors changed in the admin, nor archive what they added."""
        assert "Created 3 tracks" in run("load_roadmap", "--if-empty")
        Milestone.objects.filter(slug="enter-a-kaggle-competition").update(is_archived=True)
        Milestone.objects.filter(slug="read-a-paper-summary-first").update(title="Read one")
        added = MilestoneFactory(section=Section.objects.first(), slug="added-in-the-admin")
        changes = ContentChange.objects.count()
        out = run("load_roadmap", "--if-empty")
        assert out == "The roadmap is already loaded: the file was not read.\n"
        assert Milestone.objects.get(slug="enter-a-kaggle-competition").is_archived
        assert Milestone.objects.get(slug="read-a-paper-summary-first").title == "Read one"
        assert not Milestone.objects.get(pk=added.pk).is_archived
        assert ContentChange.objects.count() == changes

    def test_make_run_and_make_serve_load_the_file_only_into_an_empty_database(self):
        makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
        loads = [line.strip() for line in makefile.splitlines() if "load_roadmap" in line]
        assert loads == ["$(PY) manage.py load_roadmap --if-empty"] * 2

    def test_dump_load_dump_is_byte_for_byte_stable(self, tmp_path):
        run("load_roadmap")
        first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
        run("dump_roadmap", str(first))
        run("load_roadmap", str(first))
        run("dump_roadmap", str(second))
        assert first.read_bytes() == second.read_bytes()

    def test_estimates_are_loaded_and_round_trip_through_the_dump(self, tmp_path):
        run("load_roadmap")
        assert Milestone.objects.get(slug="reimplement-a-paper").estimated_hours == 40
        Milestone.objects.filter(slug="reimplement-a-paper").update(estimated_hours=55)
        dumped = tmp_path / "dumped.yaml"
        run("dump_roadmap", str(dumped))
        assert "estimated_hours: 55\n" in dumped.read_text()
        Milestone.objects.filter(slug="reimplement-a-paper").update(estimated_hours=1)
        out = run("load_roadmap", str(dumped))
        assert "Updated 1 milestone: reimplement-a-paper" in out
        assert Milestone.objects.get(slug="reimplement-a-paper").estimated_hours == 55

    def test_admin_edits_come_back_out_in_the_dump(self):
        run("load_roadmap")
        Milestone.objects.filter(slug="enter-a-kaggle-competition").update(title="Enter Kaggle")
        assert "title: Enter Kaggle\n" in run("dump_roadmap", "-")

    def test_it_updates_by_slug_and_reports_what_changed(self, tmp_path):
        run("load_roadmap")
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        milestone = data["sections"][0]["milestones"][0]
        milestone["title"] = "A better title"
        milestone["tracks"] = {"data-scientist": 5}
        pk = Milestone.objects.get(slug=milestone["slug"]).pk
        out = run("load_roadmap", str(write(tmp_path, data)))
        assert f"Updated 1 milestone: {milestone['slug']}" in out
        updated = Milestone.objects.get(pk=pk)
        assert updated.title == "A better title"
        assert {m.track.slug: m.weight for m in updated.memberships.all()} == {"data-scientist": 5}

    def test_a_milestone_dropped_from_the_file_is_archived_with_its_progress_kept(self, tmp_path):
        run("load_roadmap")
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        dropped = data["sections"][2]["milestones"].pop()
        progress = ProgressFactory(milestone=Milestone.objects.get(slug=dropped["slug"]))
        ProgressFactory(milestone=progress.milestone, status=Status.NOT_STARTED)
        untouched = data["sections"][2]["milestones"].pop()  # no learner started it
        out = run("load_roadmap", str(write(tmp_path, data)))
        archived = ", ".join(sorted([untouched["slug"], dropped["slug"]]))
        assert f"Archived 2 milestones: {archived}" in out
        # Said, as a slug changed in the file archives the milestone learners ticked.
        assert (
            "Learners' progress is kept on 1 of them, counting once the file lists it under its "
            f"slug again: {dropped['slug']} (1 learner)\n"
        ) in out
        assert Milestone.objects.get(slug=dropped["slug"]).is_archived
        assert Progress.objects.get(pk=progress.pk).status == progress.status

        run("load_roadmap")
        assert not Milestone.objects.get(slug=dropped["slug"]).is_archived
        assert Progress.objects.filter(pk=progress.pk).exists()

    def test_the_report_names_what_the_file_changed_not_the_positions_written_anew(self, tmp_path):
        """An admin-added milestone left a gap in its section's positions: a dump loaded back
        said "Updated 1 milestone", and one milestone added to a section "Updated 15", of those
        after it. Nothing said a milestone archived in the admin was put back."""
        run("load_roadmap")
        section = Section.objects.get(slug="join-the-community")
        last = section.milestones.order_by("-position").first()
        Milestone.objects.filter(pk=last.pk).update(position=last.position + 5)
        dumped = tmp_path / "dumped.yaml"
        run("dump_roadmap", str(dumped))
        assert run("load_roadmap", str(dumped)) == (
            "Nothing changed but the numbers of some positions, in the same order.\n"
        )
        assert run("load_roadmap", str(dumped)) == (
            "Nothing to change: the database already matches the file.\n"
        )

        data = yaml.safe_load(DEFAULT_PATH.read_text())
        first = data["sections"][0]["milestones"]
        first.insert(1, {**first[0], "slug": "inserted", "title": "Inserted", "resources": []})
        assert run("load_roadmap", str(write(tmp_path, data))) == "Created 1 milestone: inserted\n"

        first[2], first[3] = first[3], first[2]
        data["tracks"].reverse()
        archived = data["sections"][2]["milestones"][0]["slug"]
        Milestone.objects.filter(slug=archived).update(is_archived=True)
        data["sections"][2]["milestones"][0]["title"] = "Edited while archived"
        assert run("load_roadmap", str(write(tmp_path, data))).splitlines() == [
            f"Updated 1 milestone: {archived}",  # put back, and edited too
            f"Put 1 archived milestone on the roadmap: {archived}",
            "Changed the order of the tracks",
            f"Changed the order of the milestones in 1 section: {data['sections'][0]['slug']}",
        ]
        shown = Milestone.objects.active().filter(section__slug=data["sections"][0]["slug"])
        assert list(shown.order_by("position").values_list("slug", flat=True)) == [
            m["slug"] for m in first
        ]

    def test_a_slug_renamed_in_the_file_is_named_as_a_likely_rename(self, tmp_path):
        """The old slug's milestone was archived and a new one made of the same title: its
        learners' ticks stopped counting, and the report did not say the two were one."""
        run("load_roadmap")
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        kaggle = next(m for m in all_milestones(data) if m["slug"] == "enter-a-kaggle-competition")
        ProgressFactory(milestone=Milestone.objects.get(slug=kaggle["slug"]))
        kaggle["slug"] = "join-a-kaggle-competition"
        out = run("load_roadmap", str(write(tmp_path, data)))
        assert (
            "The new join-a-kaggle-competition has the title of the archived "
            "enter-a-kaggle-competition: if the file renamed its slug, give it back "
            "enter-a-kaggle-competition (a slug is fixed once saved) and load the file again, "
            "for its learners' progress to count. `load_roadmap --dry-run` shows this before "
            "anything is saved.\n"
        ) in out
        # Said by a dry run, before anything is loaded.
        kaggle["slug"] = "enter-kaggle"
        run("load_roadmap")  # as it was
        out = run("load_roadmap", "--dry-run", str(write(tmp_path, data)))
        assert (
            "The new enter-kaggle has the title of the archived enter-a-kaggle-competition: if "
            "the file renamed its slug, give it back enter-a-kaggle-competition (a slug is fixed "
            "once saved) before loading the file, for its learners' progress to count.\n"
        ) in out

    def test_a_section_the_file_doesnt_list_is_named(self, tmp_path):
        """A section added in the admin stayed, empty, and the load said nothing of it."""
        run("load_roadmap")
        hired = Section.objects.create(slug="get-hired", title="Get hired", position=9)
        MilestoneFactory(section=hired, slug="write-a-cv")
        out = run("load_roadmap")
        assert "Archived 1 milestone: write-a-cv" in out
        assert (
            "Kept 1 section the file doesn't list, with no milestone on the roadmap now: "
            "get-hired\n"
        ) in out

    def test_a_dry_run_says_what_the_load_would_do_and_saves_nothing(self, tmp_path):
        run("load_roadmap")
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        dropped = data["sections"][2]["milestones"].pop()
        data["sections"][0]["milestones"][0]["title"] = "A new title"
        changes, revision = ContentChange.objects.count(), Revision.objects.get().number
        out = run("load_roadmap", "--dry-run", str(write(tmp_path, data)))
        assert out.splitlines() == [
            "Dry run: nothing was saved. Loading the file would do this:",
            f"Updated 1 milestone: {data['sections'][0]['milestones'][0]['slug']}",
            f"Archived 1 milestone: {dropped['slug']}",
        ]
        assert not Milestone.objects.filter(title="A new title").exists()
        assert not Milestone.objects.get(slug=dropped["slug"]).is_archived
        assert ContentChange.objects.count() == changes
        assert Revision.objects.get().number == revision

    def test_a_track_dropped_from_the_file_is_kept_after_its_tracks_and_reported(self, tmp_path):
        """It stayed at its old place, first among the file's tracks on every page, and the
        load said nothing of it."""
        run("load_roadmap")
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        dropped = data["tracks"].pop(0)["slug"]
        for milestone in all_milestones(data):
            milestone["tracks"].pop(dropped, None)
        out = run("load_roadmap", str(write(tmp_path, data)))
        listed = [track["slug"] for track in data["tracks"]]
        assert list(Track.objects.values_list("slug", flat=True)) == [*listed, dropped]
        said = "Kept 1 track the file doesn't list, after its tracks (delete it in the admin once "
        assert f"{said}nobody follows it): {dropped}" in out
        out = run("load_roadmap", str(write(tmp_path, data)))
        assert f"{said}nobody follows it): {dropped}" in out
        assert "Nothing to change" not in out  # the database has a track the file hasn't

    def test_a_milestone_can_move_to_another_section(self, tmp_path):
        run("load_roadmap")
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        moved = data["sections"][0]["milestones"].pop(0)
        data["sections"][1]["milestones"].append(moved)
        run("load_roadmap", str(write(tmp_path, data)))
        assert Milestone.objects.get(slug=moved["slug"]).section.slug == data["sections"][1]["slug"]


@pytest.mark.django_db
class TestMalformedFiles:
    def assert_refused(self, tmp_path, text, *expected):
        run("load_roadmap")
        before = run("dump_roadmap", "-")
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        with pytest.raises(CommandError) as error:
            run("load_roadmap", str(path))
        for fragment in expected:
            assert fragment in str(error.value)
        assert "Nothing was changed" in str(error.value)
        assert run("dump_roadmap", "-") == before

    def mutated(self, change):
        data = yaml.safe_load(DEFAULT_PATH.read_text())
        change(data)
        return yaml.safe_dump(data, sort_keys=False)

    def test_broken_yaml_names_the_line(self, tmp_path):
        self.assert_refused(
            tmp_path, "tracks:\n- slug: a\n   name: b\nsections: []\n", "line 3", "not valid YAML"
        )

    @pytest.mark.parametrize(
        ("after", "added"),
        [
            # A second slug made a section of its own, and moved the first's milestones there.
            ("- slug: build-a-strong-portfolio\n", "  slug: build-a-strong-portfolio-2\n"),
            # A second weight toward one track replaced the first.
            ("      ml-engineer: 4\n", "      ml-engineer: 1\n"),
        ],
    )
    def test_a_key_given_twice_is_refused_naming_its_line(self, tmp_path, after, added):
        text = DEFAULT_PATH.read_text()
        at = text.index(after) + len(after)
        text = text[:at] + added + text[at:]
        line, key = text[:at].count("\n") + 1, added.split(":")[0].strip()
        self.assert_refused(tmp_path, text, f"line {line}", f"the key “{key}” is given twice")

    def test_a_file_without_milestones_is_refused(self, tmp_path):
        """`sections: []` archived the whole roadmap."""

        def change(data):
            data["sections"] = []

        self.assert_refused(tmp_path, self.mutated(change), "no milestone in the file")

    def test_a_weight_out_of_range_names_the_milestone(self, tmp_path):
        def change(data):
            data["sections"][1]["milestones"][2]["tracks"]["ml-engineer"] = 9

        slug = CONTENT["sections"][1]["milestones"][2]["slug"]
        self.assert_refused(
            tmp_path,
            self.mutated(change),
            f"sections[1].milestones[2] ({slug}).tracks.ml-engineer",
            "from 1 to 5",
        )

    def test_an_unknown_track_is_refused(self, tmp_path):
        def change(data):
            data["sections"][0]["milestones"][0]["tracks"] = {"astronaut": 2}

        self.assert_refused(tmp_path, self.mutated(change), "unknown track 'astronaut'")

    def test_a_track_named_like_the_whole_roadmaps_focus_is_refused(self, tmp_path):
        """`/?track=all` shows every milestone: a track of that slug could never be focused on."""

        def change(data):
            data["tracks"][0]["slug"] = "all"
            for section in data["sections"]:
                for milestone in section["milestones"]:
                    weights = milestone.get("tracks", {})
                    if "ml-engineer" in weights:
                        weights["all"] = weights.pop("ml-engineer")

        self.assert_refused(tmp_path, self.mutated(change), "tracks[0].slug", "“all”")

    def test_a_javascript_link_is_refused(self, tmp_path):
        def change(data):
            data["sections"][0]["milestones"][1]["resources"][0]["url"] = "javascript:alert(1)"

        self.assert_refused(tmp_path, self.mutated(change), "resources[0].url")

    def test_a_link_given_twice_to_one_milestone_is_refused(self, tmp_path):
        def change(data):
            resources = data["sections"][0]["milestones"][1]["resources"]
            resources.append({"title": "The same again", "url": resources[0]["url"]})

        self.assert_refused(tmp_path, self.mutated(change), ".url: the same link as resources[0]")

    def test_a_title_that_shows_nothing_is_refused(self, tmp_path):
        def change(data):
            data["sections"][0]["milestones"][1]["title"] = "\u200b"

        slug = CONTENT["sections"][0]["milestones"][1]["slug"]  # named, as for its other fields
        self.assert_refused(
            tmp_path, self.mutated(change), f"milestones[1] ({slug}).title", "symbols you can see"
        )

    def test_a_duplicate_slug_is_refused(self, tmp_path):
        def change(data):
            data["sections"][2]["milestones"][0]["slug"] = data["sections"][0]["milestones"][0][
                "slug"
            ]

        self.assert_refused(tmp_path, self.mutated(change), "used twice")

    @pytest.mark.parametrize(
        ("where", "slug", "said"),
        [
            ("milestone", "news", "“news” is taken by the roadmap page's own parts"),
            ("milestone", "done-kaggle", "Slugs starting with “done-” are taken"),
            ("section", "portfolio-title", "Slugs ending in “-title” are taken"),
            ("section", "clean-the-project-data", "used twice"),  # a milestone's
        ],
    )
    def test_a_slug_that_is_already_a_place_on_the_page_is_refused(
        self, tmp_path, where, slug, said
    ):
        """A milestone named "news" was swapped for the news box after a tick (htmx swaps an
        element by its id); a section and a milestone of one slug were one anchor."""

        def change(data):
            if where == "section":
                data["sections"][1]["slug"] = slug
            else:
                data["sections"][1]["milestones"][0]["slug"] = slug

        place = "sections[1].slug" if where == "section" else "sections[1].milestones[0]"
        self.assert_refused(tmp_path, self.mutated(change), place, said)

    @pytest.mark.parametrize("kind", ["section", "milestone"])
    def test_a_new_one_may_not_take_the_slug_the_other_kind_has_in_the_database(
        self, tmp_path, kind
    ):
        """A file that no longer lists a saved section could give its slug to a new milestone
        (or a saved milestone's to a new section): two anchors of one name once both show."""

        def change(data):
            if kind == "milestone":
                taken = data["sections"].pop(0)["slug"]
                data["sections"][0]["milestones"][0]["slug"] = taken
            else:
                taken = data["sections"][1]["milestones"].pop(0)["slug"]
                data["sections"].append({**data["sections"][1], "slug": taken, "milestones": []})

        other = "section" if kind == "milestone" else "milestone"
        place = "sections[0].milestones[0]" if kind == "milestone" else "sections[3].slug"
        self.assert_refused(tmp_path, self.mutated(change), place, f"a {other} has the slug")

    @pytest.mark.parametrize(
        ("slug", "said"),
        [
            ("title", "“title” is taken by the pages' own parts"),  # the dashboard's plan-title
            ("ml-engineer-text", "Slugs ending in “-text” are taken"),
        ],
    )
    def test_a_track_slug_that_makes_an_id_a_page_has_is_refused(self, tmp_path, slug, said):
        def change(data):
            data["tracks"][1]["slug"] = slug
            for section in data["sections"]:
                for milestone in section["milestones"]:
                    weights = milestone.get("tracks", {})
                    if "data-scientist" in weights:
                        weights[slug] = weights.pop("data-scientist")

        self.assert_refused(tmp_path, self.mutated(change), "tracks[1].slug", said)

    def test_a_slug_saved_before_the_rule_still_dumps_and_loads(self, tmp_path, roadmap):
        """Slugs are fixed once saved: the file of a roadmap that has one the rule now refuses
        (made before it) was refused whole, with advice nobody could follow."""
        section = Section.objects.first()
        kept = MilestoneFactory(section=section, slug="track-experiments-with-mlflow")
        ProgressFactory(milestone=kept)
        TrackFactory(slug="title")  # a track's too
        path = tmp_path / "roadmap.yaml"
        call_command("dump_roadmap", str(path), stdout=StringIO())
        call_command("load_roadmap", str(path), stdout=StringIO())
        assert Milestone.objects.get(slug=kept.slug).is_archived is False

    def test_a_missing_key_is_refused(self, tmp_path):
        def change(data):
            del data["sections"][0]["milestones"][3]["title"]

        self.assert_refused(tmp_path, self.mutated(change), "milestones[3]", "missing title")

    def test_a_milestone_without_an_estimate_is_refused_naming_it(self, tmp_path):
        def change(data):
            del data["sections"][2]["milestones"][1]["estimated_hours"]

        self.assert_refused(
            tmp_path, self.mutated(change), "sections[2].milestones[1]", "missing estimated_hours"
        )

    @pytest.mark.parametrize("hours", [0, 201, -3, 2.5, "ten", True, None])
    def test_an_estimate_outside_1_to_200_hours_is_refused(self, tmp_path, hours):
        def change(data):
            data["sections"][0]["milestones"][4]["estimated_hours"] = hours

        slug = CONTENT["sections"][0]["milestones"][4]["slug"]
        self.assert_refused(
            tmp_path,
            self.mutated(change),
            f"sections[0].milestones[4] ({slug}).estimated_hours",
            "whole number of hours from 1 to 200",
        )

    def test_an_error_late_in_the_file_rolls_back_earlier_changes(self, tmp_path):
        def change(data):
            data["tracks"][0]["name"] = "Renamed"
            data["sections"][0]["milestones"][0]["title"] = "Renamed too"
            data["sections"][-1]["milestones"][-1]["tracks"] = {"ml-engineer": "heavy"}

        self.assert_refused(tmp_path, self.mutated(change), "whole number")
        assert not Track.objects.filter(name="Renamed").exists()

    def test_a_file_that_is_not_a_roadmap_is_refused(self, tmp_path):
        self.assert_refused(tmp_path, "- just\n- a list\n", "top level")

    def test_a_missing_file_is_reported(self, tmp_path):
        with pytest.raises(CommandError, match="cannot be read"):
            run("load_roadmap", str(tmp_path / "nope.yaml"))
        assert not Section.objects.exists()


def test_parse_reports_the_place_of_a_bad_slug():
    data = yaml.safe_load(DEFAULT_PATH.read_text())
    data["tracks"][1]["slug"] = "Not A Slug!"
    with pytest.raises(ContentError, match=r"tracks\[1\]\.slug"):
        parse(yaml.safe_dump(data))
