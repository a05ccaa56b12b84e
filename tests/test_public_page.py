import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from roadmap import progress
from roadmap.models import Milestone, Status
from tests.factories import (
    EnrollmentFactory,
    MilestoneFactory,
    ProgressFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
DONE_AT = datetime.datetime(2025, 3, 12, 15, 0, tzinfo=datetime.UTC)


def parse_svg(content):
    return ET.fromstring(content)  # noqa: S314 (our own server's output, not untrusted XML)


def public_url(username):
    return reverse("roadmap:public_page", args=[username])


def badge_url(username, track=None):
    url = reverse("roadmap:badge", args=[username])
    return url if track is None else f"{url}?track={track}"


@pytest.fixture
def ada():
    return UserFactory(username="ada", display_name="Ada L.", public_profile=True)


@pytest.fixture
def engineer():
    """ML Engineer: an API (weight 3), a talk (weight 2) in two sections, and archived advice."""
    track = TrackFactory(name="ML Engineer", slug="ml-engineer")
    portfolio = SectionFactory(title="Build a Strong Portfolio", slug="portfolio", position=0)
    community = SectionFactory(title="Join the Community", slug="community", position=1)
    TrackMilestoneFactory(
        track=track, weight=3, milestone=MilestoneFactory(section=portfolio, title="Ship an API")
    )
    TrackMilestoneFactory(
        track=track, weight=2, milestone=MilestoneFactory(section=community, title="Give a talk")
    )
    TrackMilestoneFactory(
        track=track,
        weight=5,
        milestone=MilestoneFactory(section=portfolio, title="Old advice", is_archived=True),
    )
    return track


def done(user, title, **details):
    return ProgressFactory(
        user=user,
        milestone=Milestone.objects.get(title=title),
        status=Status.DONE,
        completed_at=DONE_AT,
        **details,
    )


class TestVisibility:
    def test_a_private_page_and_a_missing_user_are_the_same_404(self, client, engineer):
        UserFactory(username="grace", public_profile=False)
        private = client.get(public_url("grace"))
        missing = client.get(public_url("nobody"))
        assert private.status_code == missing.status_code == 404

        # The same page, but for the address it was asked for (in the "Log in" link) and the
        # page's masked CSRF token.
        def same(page):
            return re.sub(rb'"X-CSRFToken": "\w+"', b"", page.replace(b"grace", b"nobody"))

        assert same(private.content) == same(missing.content)
        assert b"<h1>Not found</h1>" in missing.content

    def test_a_deactivated_account_has_no_public_page(self, client, ada):
        ada.is_active = False
        ada.save()
        assert client.get(public_url("ada")).status_code == 404

    def test_the_owner_gets_a_404_that_says_how_to_turn_it_on(self, client):
        grace = UserFactory(username="grace")
        client.force_login(grace)
        response = client.get(public_url("grace"))
        assert response.status_code == 404
        assert "Your public page is off" in response.text
        assert f'href="{reverse("profile")}"' in response.text
        assert "no-store" in response["Cache-Control"]  # said to the owner only
        other = client.get(public_url("nobody"))
        assert other.status_code == 404
        assert "Your public page is off" not in other.text

    def test_its_address_in_another_case_leads_to_it(self, client, ada, engineer):
        """The username is one in any case: "Ada" logs in as ada, and was a 404 here."""
        response = client.get(public_url("ADA"))
        assert response.status_code == 302  # a username may change: not a 301 kept for good
        assert response["Location"] == public_url("ada")
        badge = client.get(reverse("roadmap:badge", args=["Ada"]) + "?track=ml-engineer")
        assert badge.status_code == 200

    def test_in_another_case_a_private_page_is_the_same_404_and_the_owner_told(self, client):
        grace = UserFactory(username="grace")
        assert client.get(public_url("Grace")).status_code == 404
        client.force_login(grace)
        assert "Your public page is off" in client.get(public_url("GRACE")).text

    def test_the_owner_of_a_page_that_is_on_is_never_told_it_is_off(self, client):
        """Python and the database fold case apart (SQLite only ASCII letters): the page told
        its owner it was off where the database didn't find it on."""
        emile = UserFactory(username="émile", public_profile=True)  # made in the admin
        client.force_login(emile)
        response = client.get(public_url("ÉMILE"))
        assert "Your public page is off" not in response.text

    def test_anyone_sees_it_when_it_is_on(self, client, ada, engineer):
        response = client.get(public_url("ada"))
        assert response.status_code == 200
        assert '<h1 id="page-title">Ada L.’s progress</h1>' in response.text
        # Any display name can be another's username: the page says whose account it is.
        assert '<p class="help">Username: ada</p>' in response.text

    def test_it_rejects_post(self, client, ada):
        assert client.post(public_url("ada")).status_code == 405

    def test_a_cache_asks_for_it_anew_each_time(self, client, ada):
        """It said nothing of caching: a shared cache with a default lifetime went on showing
        the page, evidence links and all, after its owner turned it off."""
        for viewer in (None, UserFactory()):
            if viewer:  # whose name the page's header shows: for no shared cache
                client.force_login(viewer)
            assert {"no-cache", "private"} <= set(
                client.get(public_url("ada"))["Cache-Control"].split(", ")
            )
        ada.public_profile = False
        ada.save()
        assert "no-cache" in client.get(public_url("ada"))["Cache-Control"]


class TestPortfolio:
    def test_it_shows_track_percentages_with_bars(self, client, ada, engineer):
        done(ada, "Ship an API")
        done(ada, "Old advice")
        page = client.get(public_url("ada")).text
        assert (
            '<progress class="completion" max="100" value="60" aria-label="ML Engineer completion">'
            in page
        )
        # 60 % of 1 of 2 milestones reads wrong unless the weights are said.
        assert "<strong>60 %</strong> · 1 of 2 milestones · weighted: 3 of 5&nbsp;points" in page

    def test_it_lists_done_milestones_by_section_with_evidence_and_dates(
        self, client, ada, engineer
    ):
        done(ada, "Give a talk", evidence_url="https://example.com/talk?a=1&b=2")
        done(ada, "Ship an API", evidence_url="https://github.com/ada/api")
        page = client.get(public_url("ada")).text
        headings = re.findall(r'<h3 id="done-[\w-]+">([^<]+)</h3>', page)
        assert headings == ["Build a Strong Portfolio", "Join the Community"]
        assert page.index("Ship an API") < page.index("Give a talk")
        assert (
            '<a class="evidence" href="https://example.com/talk?a=1&amp;b=2" '
            'rel="nofollow noopener ugc">' in page
        )
        assert 'href="https://github.com/ada/api" rel="nofollow noopener ugc"' in page
        # Named by what it shows first (a speech user says "click Evidence: https…"), then its
        # milestone: the name had the title inside the words it shows.
        assert (
            'ugc">Evidence: https://github.com/ada/api<span class="visually-hidden">, for Ship an'
            " API</span></a>"
        ) in page
        # Said as the roadmap says it ("Done on 12 Mar 2025"), not "Done 12 March 2025".
        assert 'Done on <time datetime="2025-03-12">12 Mar 2025</time>' in page

    def test_it_escapes_what_learners_wrote(self, client, engineer):
        mallory = UserFactory(username="mallory", display_name="<b>Mal</b>", public_profile=True)
        done(mallory, "Ship an API", evidence_url='https://example.com/"><script>x</script>')
        page = client.get(public_url("mallory")).text
        assert "<b>Mal</b>" not in page
        assert "&lt;b&gt;Mal&lt;/b&gt;" in page
        assert "<script>x" not in page

    def test_notes_stay_private(self, client, ada, engineer):
        done(ada, "Ship an API", note="My secret struggles")
        assert "My secret struggles" not in client.get(public_url("ada")).text

    def test_it_shows_only_done_active_milestones_of_this_learner(self, client, ada, engineer):
        done(ada, "Old advice", evidence_url="https://example.com/old")
        ProgressFactory(
            user=ada,
            milestone=Milestone.objects.get(title="Give a talk"),
            status=Status.IN_PROGRESS,
        )
        done(UserFactory(), "Ship an API")
        page = client.get(public_url("ada")).text
        done_part = page.split('id="done-title"')[1]
        for title in ("Old advice", "Give a talk", "Ship an API"):
            assert title not in done_part
        assert "No milestones done yet." in done_part

    def test_it_runs_one_query(self, client, ada, engineer, django_assert_max_num_queries):
        for title in ("Ship an API", "Give a talk"):
            done(ada, title, evidence_url="https://example.com/")
        # The owner, what they have done, the tracks they follow; sections, titles and weights
        # come from the roadmap snapshot, read (9 queries) once per content revision.
        with django_assert_max_num_queries(3 + 9):
            assert client.get(public_url("ada")).status_code == 200
        with django_assert_max_num_queries(3):
            assert client.get(public_url("ada")).status_code == 200


class TestBadge:
    def test_it_is_a_small_svg_with_the_track_and_percentage(self, client, ada, engineer):
        progress.set_status(
            user=ada,
            milestone=Milestone.objects.get(title="Ship an API"),
            status=Status.DONE,
        )
        response = client.get(badge_url("ada", "ml-engineer"))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
        svg = parse_svg(response.content)
        assert svg.tag == f"{SVG}svg"
        assert svg.get("aria-label") == "ML Engineer · 60 %"
        assert svg.find(f"{SVG}title").text == "ML Engineer · 60 %"
        texts = [text.text for text in svg.iter(f"{SVG}text")]
        assert texts == ["ML Engineer", "ML Engineer", "60 %", "60 %"]
        assert int(svg.get("height")) == 20

    def test_it_runs_two_queries(self, client, ada, engineer, django_assert_max_num_queries):
        done(ada, "Ship an API")
        assert client.get(badge_url("ada", "ml-engineer")).status_code == 200  # the snapshot
        with django_assert_max_num_queries(2):  # the owner, what they have done
            svg = client.get(badge_url("ada", "ml-engineer")).content
        assert b"60 %" in svg

    def test_it_is_cached_briefly_and_the_same_for_everyone(self, client, ada, engineer):
        response = client.get(badge_url("ada", "ml-engineer"))
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}
        assert "Cookie" not in response.get("Vary", "")

    def test_the_text_is_xml_escaped(self, client, ada):
        TrackFactory(slug="odd", name="R&D <Lead> \"A\" 'B'")
        response = client.get(badge_url("ada", "odd"))
        svg = parse_svg(response.content)
        assert svg.find(f"{SVG}title").text == "R&D <Lead> \"A\" 'B' · no milestones yet"

    def test_a_finished_track_is_green(self, client, ada, engineer):
        for title in ("Ship an API", "Give a talk"):
            done(ada, title)
        svg = parse_svg(client.get(badge_url("ada", "ml-engineer")).content)
        assert svg.get("aria-label") == "ML Engineer · 100 %"
        assert "#176639" in [rect.get("fill") for rect in svg.iter(f"{SVG}rect")]

    def test_a_track_no_milestone_counts_toward_says_so_not_0_percent(self, client, ada):
        """As its bar on the roadmap and its card on the dashboard and the public page say."""
        TrackFactory(slug="mlops", name="MLOps")
        svg = parse_svg(client.get(badge_url("ada", "mlops")).content)
        assert svg.get("aria-label") == "MLOps · no milestones yet"

    def test_it_is_a_404_under_the_same_rule_as_the_page(self, client, ada, engineer):
        UserFactory(username="grace", public_profile=False)
        private = client.get(badge_url("grace", "ml-engineer"))
        missing = client.get(badge_url("nobody", "ml-engineer"))
        assert private.status_code == missing.status_code == 404
        assert private.content == missing.content  # nothing tells them apart
        # Still an image, so that a README shows why instead of a broken one.
        assert private["Content-Type"] == "image/svg+xml; charset=utf-8"
        assert parse_svg(private.content).get("aria-label") == "Next Steps · no public page"
        # Not kept by browsers and proxies: turned on, the page's badge shows at once.
        assert private["Cache-Control"] == "no-cache"

    def test_an_unknown_track_is_an_svg_404_that_says_so(self, client, ada, engineer):
        response = client.get(badge_url("ada", "astronaut"))
        assert response.status_code == 404
        assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
        assert parse_svg(response.content).get("aria-label") == "Next Steps · unknown track"

    def test_without_a_track_it_is_the_first_followed_tracks_badge(self, client, ada, engineer):
        engineer.position = 5
        engineer.save()
        other = TrackFactory(name="Data Scientist", slug="data-scientist", position=0)
        done(ada, "Ship an API")
        svg = parse_svg(client.get(badge_url("ada")).content)
        assert svg.get("aria-label") == "Data Scientist · no milestones yet"  # the first of all
        EnrollmentFactory(user=ada, track=engineer)
        response = client.get(badge_url("ada"))
        assert response.status_code == 200
        assert parse_svg(response.content).get("aria-label") == "ML Engineer · 60 %"
        assert other.pk

    def test_an_empty_track_is_the_same_as_none(self, client, ada, engineer):
        # A README template whose slug was left blank: the roadmap takes it as the default too.
        EnrollmentFactory(user=ada, track=engineer)
        done(ada, "Ship an API")
        response = client.get(badge_url("ada", ""))
        assert response.status_code == 200
        assert parse_svg(response.content).get("aria-label") == "ML Engineer · 60 %"


def test_followed_tracks_come_first_and_the_others_say_they_are_not_followed(client, ada, engineer):
    scientist = TrackFactory(name="Data Scientist", slug="data-scientist", position=0)
    engineer.position = 1
    engineer.save()
    EnrollmentFactory(user=ada, track=engineer)
    page = client.get(public_url("ada")).text
    tracks = page.split('<ul class="public-tracks">')[1].split("</ul>")[0]
    assert tracks.index("ML Engineer") < tracks.index("Data Scientist")
    assert tracks.count("not followed") == 1
    assert scientist.name in tracks
