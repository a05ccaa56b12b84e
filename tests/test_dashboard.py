import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from roadmap import dashboard, progress
from roadmap.models import Enrollment, Milestone, Progress, Status, Track
from roadmap.snapshot import content_changed, get_snapshot
from tests.factories import (
    EnrollmentFactory,
    MilestoneFactory,
    ProgressEventFactory,
    ProgressFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/dashboard/"}
DASHBOARD = reverse("roadmap:dashboard")
UTC = datetime.UTC


def follow_url(track):
    return reverse("roadmap:follow_track", args=[track.slug])


def unfollow_url(track):
    return reverse("roadmap:unfollow_track", args=[track.slug])


def day(date):
    return date_format(date, "j F Y")  # "1 March 2027", as the dashboard's messages say it


def mark(user, milestone, status=Status.DONE, now=None):
    progress.set_status(user=user, milestone=milestone, status=status, now=now)


def card_for(cards, track):
    (card,) = [card for card in cards if card.track.pk == track.pk]
    return card


def cards(user):
    """The dashboard's cards for the user, as the page works them out."""
    own = Progress.objects.own(user)
    return dashboard.track_cards(get_snapshot(), own, Enrollment.objects.track_ids(user))


def activity(user, now):
    return dashboard.activity(get_snapshot(), Progress.objects.own(user), now=now)


@pytest.fixture
def engineer():
    """ML Engineer: two sections, four active milestones weighing 3 + 1 + 2 + 4 and one archived."""
    track = TrackFactory(name="ML Engineer", slug="ml-engineer", position=0)
    portfolio = SectionFactory(title="Build a Strong Portfolio", position=0)
    community = SectionFactory(title="Join the Community", position=1)
    for section, title, weight, position in [
        (portfolio, "Ship an API", 3, 0),
        (portfolio, "Write a README", 1, 1),
        (community, "Give a talk", 2, 0),
        (community, "Review a pull request", 4, 1),
    ]:
        TrackMilestoneFactory(
            track=track,
            weight=weight,
            milestone=MilestoneFactory(section=section, title=title, position=position),
        )
    TrackMilestoneFactory(
        track=track,
        weight=5,
        milestone=MilestoneFactory(section=portfolio, title="Old advice", is_archived=True),
    )
    return track


def milestone(title):
    return Milestone.objects.get(title=title)


class TestAccess:
    def test_it_sends_a_visitor_to_the_login_page(self, client):
        response = client.get(DASHBOARD)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={DASHBOARD}"

    def test_an_htmx_request_from_a_visitor_gets_an_hx_redirect_not_a_login_page(self, client):
        response = client.get(DASHBOARD, **HTMX)
        assert response.status_code == 200
        assert response["HX-Redirect"] == f"{reverse('login')}?next={DASHBOARD}"
        # No login page in it: what the page says if the learner stays (a note typed on it).
        assert response.text == "Your session has ended. Log in again to carry on."

    def test_the_main_navigation_marks_the_dashboard_as_the_current_page(self, learner_client):
        page = learner_client.get(DASHBOARD).text
        assert f'<a href="{DASHBOARD}" aria-current="page">Dashboard</a>' in page
        roadmap_page = learner_client.get(reverse("roadmap:index")).text
        assert f'<a href="{DASHBOARD}">Dashboard</a>' in roadmap_page

    def test_the_dashboard_shown_again_for_a_refused_form_is_still_the_current_page(
        self, learner_client
    ):
        page = learner_client.post(reverse("roadmap:set_hours"), {"hours_per_week": "0"}).text
        assert "Give a whole number of hours a week" in page
        assert f'<a href="{DASHBOARD}" aria-current="page">Dashboard</a>' in page

    def test_the_address_a_refused_form_leaves_in_the_address_bar_leads_to_its_page(
        self, learner_client, user
    ):
        """Without JavaScript, a refused form's page stays at the form's address: opened again
        from the address bar or the history, it was a blank 405."""
        EnrollmentFactory(user=user, track=TrackFactory(slug="ml-engineer"))
        for url, page in (
            (reverse("roadmap:set_hours"), DASHBOARD),
            (reverse("roadmap:set_target", args=["ml-engineer"]), DASHBOARD),
            (reverse("import_data"), reverse("my_data")),
        ):
            for method in ("get", "head"):
                response = getattr(learner_client, method)(url)
                assert (response.status_code, response["Location"]) == (302, page)
            assert learner_client.put(url).status_code == 405

    def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_after_login(
        self, client, user
    ):
        """Without JavaScript, a form sent after the session ended goes to the login page, whose
        `next` is the form's address: after logging in, the browser opens it with a GET, which
        was a blank 405 for these forms (and a tick went to the top of the roadmap)."""
        track = TrackFactory(slug="ml-engineer")
        milestone = TrackMilestoneFactory(track=track).milestone
        roadmap = reverse("roadmap:index")
        for url, page in (
            (reverse("roadmap:hide_done"), roadmap),
            (reverse("roadmap:changes_seen"), roadmap),
            (reverse("roadmap:follow_track", args=["ml-engineer"]), DASHBOARD),
            (reverse("roadmap:unfollow_track", args=["ml-engineer"]), DASHBOARD),
            # Where every milestone is shown: a learner's own view shows their tracks only.
            (reverse("roadmap:set_status", args=[milestone.slug]), f"/?track=all#{milestone.slug}"),
        ):
            client.logout()
            login = client.post(url)
            assert login["Location"].startswith(reverse("login") + "?next=")
            client.force_login(user)
            response = client.get(url)
            assert (response.status_code, response["Location"]) == (302, page)
            assert client.put(url).status_code == 405

    def test_a_visitor_has_no_dashboard_link(self, client):
        assert "Dashboard" not in client.get(reverse("roadmap:index")).text

    def test_the_page_is_not_cached(self, learner_client):
        assert "no-store" in learner_client.get(DASHBOARD)["Cache-Control"]


class TestCompletion:
    def test_each_percentage_explains_itself(self, learner_client, user, engineer):
        mark(user, milestone("Ship an API"))
        mark(user, milestone("Old advice"))
        page = learner_client.get(DASHBOARD).text
        assert "<strong>30 %</strong> · 1 of 4 milestones · weighted: 3 of 10&nbsp;points" in page
        assert "<summary>How is this computed?</summary>" in page

    def test_the_explanation_agrees_with_what_archiving_a_done_milestone_does(
        self, learner_client, user, engineer
    ):
        """It said archived milestones "never count, for or against you", beside a percentage
        that went down when a done one was archived; and "the last 4 weeks" beside a card's
        "pace of the last 3 weeks"."""
        mark(user, milestone("Ship an API"))
        assert "<strong>30 %</strong>" in learner_client.get(DASHBOARD).text
        Milestone.objects.filter(title="Ship an API").update(is_archived=True)
        content_changed()
        page = learner_client.get(DASHBOARD).text
        assert "<strong>0 %</strong> · 0 of 3 milestones" in page
        explained = " ".join(page.split('id="how-computed"')[1].split("</details>")[0].split())
        assert "never count" not in explained
        assert "so your percentage can move either way" in explained
        # Whole weeks: with 20 days of history, the last 14 days (a card's "the last 2 weeks").
        assert "in the last 4 weeks (with less history, in the last whole weeks since" in explained

    def test_the_progress_bar_is_labelled_with_the_track(self, learner_client, user, engineer):
        mark(user, milestone("Ship an API"))
        page = learner_client.get(DASHBOARD).text
        assert (
            '<progress class="completion" max="100" value="30" aria-label="ML Engineer completion">'
            in page
        )

    def test_every_track_is_shown_with_the_real_roadmap(self, learner_client, roadmap):
        page = learner_client.get(DASHBOARD).text
        for name in ("ML Engineer", "Data Scientist", "Research Scientist"):
            assert f'aria-label="{name} completion"' in page
        assert page.count("<strong>0 %</strong>") == 3

    def test_an_empty_track_says_nothing_counts_toward_it_yet(self, learner_client):
        TrackFactory(name="Brand new")
        page = learner_client.get(DASHBOARD).text
        assert "0 of 0 milestones" not in page
        summary = '<p class="completion-summary">No milestone counts toward it yet.</p>'
        assert summary in page

    def test_all_done_is_a_hundred_percent_with_nothing_left(self, learner_client, user, engineer):
        for title in ("Ship an API", "Write a README", "Give a talk", "Review a pull request"):
            mark(user, milestone(title))
        page = learner_client.get(DASHBOARD).text
        assert "<strong>100 %</strong> · 4 of 4 milestones · weighted: 10 of 10&nbsp;points" in page
        assert "Nothing left: you have done every milestone in this track." in page

    def test_ticking_on_the_roadmap_moves_the_dashboard_numbers(
        self, learner_client, user, engineer
    ):
        learner_client.post(
            reverse("roadmap:set_status", args=[milestone("Review a pull request").slug]),
            {"status": Status.DONE},
        )
        page = learner_client.get(DASHBOARD).text
        (track,) = Track.objects.with_completion(user)
        assert track.percent == 40
        assert "<strong>40 %</strong> · 1 of 4 milestones · weighted: 4 of 10&nbsp;points" in page


class TestCards:
    def test_followed_tracks_come_first(self, learner_client, user):
        for position, name in enumerate(["ML Engineer", "Data Scientist", "Research Scientist"]):
            TrackFactory(name=name, position=position)
        EnrollmentFactory(user=user, track=Track.objects.get(name="Research Scientist"))
        page = learner_client.get(DASHBOARD).text
        assert re.findall(r'<h3 id="track-[\w-]+-title">([^<]+)</h3>', page) == [
            "Research Scientist",
            "ML Engineer",
            "Data Scientist",
        ]

    def test_the_breakdown_per_section_adds_up_to_the_headline(self, user, engineer):
        mark(user, milestone("Write a README"))
        mark(user, milestone("Give a talk"))
        (card,) = cards(user)
        rows = [
            (row.section.title, row.done_count, row.total_count, row.done_weight, row.total_weight)
            for row in card.sections
        ]
        assert rows == [
            ("Build a Strong Portfolio", 1, 2, 1, 4),
            ("Join the Community", 1, 2, 2, 6),
        ]
        assert sum(row.done_weight for row in card.sections) == card.track.done_weight == 3
        assert sum(row.total_weight for row in card.sections) == card.track.total_weight == 10

    def test_two_sections_at_the_same_position_are_one_row_each_in_roadmap_order(self, user):
        """A section added in the admin keeps the default position 0, like the first one."""
        track = TrackFactory()
        first, added = SectionFactory(position=0, title="Portfolio"), SectionFactory(position=0)
        for position in range(2):
            for section in (first, added):
                milestone = MilestoneFactory(section=section, position=position)
                TrackMilestoneFactory(track=track, milestone=milestone)
        content_changed()
        (card,) = [card for card in cards(user) if card.track.pk == track.pk]
        assert [(row.section.title, row.total_count) for row in card.sections] == [
            ("Portfolio", 2),
            (added.title, 2),
        ]
        assert [m.membership.section.title for m in card.left] == ["Portfolio"] * 2 + [
            added.title
        ] * 2

    def test_the_breakdown_is_a_table_with_a_bar_per_section(self, learner_client, user, engineer):
        mark(user, milestone("Give a talk"))
        page = learner_client.get(DASHBOARD).text
        assert "<caption>ML Engineer by section</caption>" in page
        # The bar is for the eye: a screen reader read the row's and the column's names again,
        # then the cell's "2 of 6" twice (the bar's, then the text's).
        assert '<progress max="6" value="2" aria-hidden="true"></progress>' in page
        assert '<span class="points">2 of 6</span>' in page
        assert "<td>1 of 2</td>" in page

    def test_whats_left_lists_exactly_the_active_milestones_not_done(
        self, learner_client, user, engineer
    ):
        mark(user, milestone("Ship an API"))
        mark(user, milestone("Give a talk"), Status.IN_PROGRESS)
        (card,) = cards(user)
        assert [m.milestone.title for m in card.left] == [
            "Write a README",
            "Give a talk",
            "Review a pull request",
        ]
        page = learner_client.get(DASHBOARD).text
        # Named by its track: each card has one, and two may have the same numbers.
        summary = 'What’s left<span class="visually-hidden"> for ML Engineer</span>: 3 milestones'
        assert f"{summary} · 7 points" in page
        left = page.split('aria-label="What’s left for ML Engineer"')[1].split("</ul>")[0]
        assert "Old advice" not in left
        assert "Ship an API" not in left
        assert (
            '<a href="/?track=all#' + milestone("Write a README").slug + '">Write a README</a>'
            in left
        )

    def test_other_learners_progress_never_shows(self, learner_client, engineer):
        mark(UserFactory(), milestone("Ship an API"))
        page = learner_client.get(DASHBOARD).text
        assert "<strong>0 %</strong> · 0 of 4 milestones" in page


class TestNextUp:
    def test_it_is_started_milestones_first_then_the_roadmap_order_at_most_three(
        self, user, engineer
    ):
        EnrollmentFactory(user=user, track=engineer)
        mark(user, milestone("Review a pull request"), Status.IN_PROGRESS)
        mark(user, milestone("Write a README"))
        (card,) = cards(user)
        assert [m.milestone.title for m in card.next_up] == [
            "Review a pull request",
            "Ship an API",
            "Give a talk",
        ]

    def test_it_links_to_each_milestone_on_the_roadmap(self, learner_client, user, engineer):
        EnrollmentFactory(user=user, track=engineer)
        for title in ("Ship an API", "Write a README", "Give a talk"):
            mark(user, milestone(title))
        page = learner_client.get(DASHBOARD).text
        next_up = page.split('<ol class="next-up">')[1].split("</ol>")[0]
        slug = milestone("Review a pull request").slug
        assert re.findall(r'<a href="([^"]+)">', next_up) == [f"/?track=all#{slug}"]

    def test_a_finished_track_says_so(self, learner_client, user, engineer):
        EnrollmentFactory(user=user, track=engineer)
        for title in ("Ship an API", "Write a README", "Give a talk", "Review a pull request"):
            mark(user, milestone(title))
        page = learner_client.get(DASHBOARD).text
        assert "Every milestone in this track is done." in page
        assert '<ol class="next-up">' not in page

    def test_only_followed_tracks_get_it(self, learner_client, user, engineer):
        page = learner_client.get(DASHBOARD).text
        assert "<h4>Next up</h4>" not in page
        assert "Follow this track to see what to work on next." in page


class TestFollow:
    def test_htmx_gets_the_track_card_with_an_unfollow_button(self, learner_client, user, engineer):
        EnrollmentFactory(user=user)  # not the only track followed, which can't be unfollowed
        response = learner_client.post(follow_url(engineer), **HTMX)
        assert response.status_code == 200
        assert Enrollment.objects.filter(user=user, track=engineer).exists()
        page = response.text
        assert page.lstrip().startswith('<article class="track-card is-followed"')
        assert "<html" not in page
        assert f'action="{unfollow_url(engineer)}"' in page
        assert 'Unfollow<span class="visually-hidden"> ML Engineer</span>' in page
        assert "<h4>Next up</h4>" in page
        assert response["Vary"] == "HX-Request, Cookie"

    def test_a_plain_post_redirects_back_to_the_dashboard_with_a_message(
        self, learner_client, user, engineer
    ):
        response = learner_client.post(follow_url(engineer), follow=True)
        assert response.redirect_chain == [(f"{DASHBOARD}#track-ml-engineer", 302)]
        assert "You now follow ML Engineer." in response.text
        assert Enrollment.objects.filter(user=user, track=engineer).exists()

    def test_following_twice_keeps_one_enrollment(self, learner_client, user, engineer):
        learner_client.post(follow_url(engineer))
        response = learner_client.post(follow_url(engineer), **HTMX)
        assert Enrollment.objects.filter(user=user).count() == 1
        # A second tab showed it unfollowed: the answer says how things are.
        assert '<p class="message info said">You already follow ML Engineer.</p>' in response.text

    def test_unfollowing_a_track_not_followed_says_so(self, learner_client, user, engineer):
        """From a tab older than the unfollow, it said "You no longer follow ML Engineer."."""
        EnrollmentFactory(user=user)
        response = learner_client.post(unfollow_url(engineer), follow=True)
        assert "You don’t follow ML Engineer." in response.text
        assert "You no longer follow" not in response.text

    def test_unfollowing_with_htmx_gets_the_card_with_a_follow_button(
        self, learner_client, user, engineer
    ):
        EnrollmentFactory(user=user, track=engineer)
        EnrollmentFactory(user=user)
        response = learner_client.post(unfollow_url(engineer), **HTMX)
        assert not Enrollment.objects.filter(user=user, track=engineer).exists()
        assert f'action="{follow_url(engineer)}"' in response.text
        assert "<h4>Next up</h4>" not in response.text
        assert (
            '<div hx-swap-oob="innerHTML:#flash"><p class="message success visually-hidden">'
            "You no longer follow ML Engineer.</p></div>" in response.text
        )

    def test_following_with_htmx_says_so_in_the_card(self, learner_client, engineer):
        """Said only in the flash area at the page's top, out of sight of the card's button."""
        response = learner_client.post(follow_url(engineer), **HTMX)
        card = response.text.split('id="track-ml-engineer"')[1].split("</article>")[0]
        assert '<p class="message success said">You now follow ML Engineer.</p>' in card
        # Heard from the flash area, a live region (the card, swapped whole, is not read out).
        flash = response.text.split('hx-swap-oob="innerHTML:#flash">')[1].split("</div>")[0]
        assert flash == '<p class="message success visually-hidden">You now follow ML Engineer.</p>'

    def test_unfollowing_without_javascript_redirects_back(self, learner_client, user, engineer):
        EnrollmentFactory(user=user, track=engineer)
        EnrollmentFactory(user=user)
        response = learner_client.post(unfollow_url(engineer))
        assert response["Location"] == f"{DASHBOARD}#track-ml-engineer"
        assert not Enrollment.objects.filter(user=user, track=engineer).exists()

    @pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
    def test_unfollowing_says_the_target_date_goes_with_the_track(
        self, learner_client, user, engineer, htmx
    ):
        """Followed again, the track had no target date, and nothing had said it would go."""
        target = timezone.localdate() + datetime.timedelta(days=90)
        EnrollmentFactory(user=user, track=engineer, target_date=target)
        EnrollmentFactory(user=user)
        response = learner_client.post(unfollow_url(engineer), **(HTMX if htmx else {}))
        said = f"You no longer follow ML Engineer. Its target date, {day(target)}, is cleared."
        if htmx:
            assert f"{said} Follow it again to bring it back.</p>" in response.text
        else:
            shown = learner_client.get(response["Location"]).text
            assert said in shown
        assert not Enrollment.objects.filter(user=user, track=engineer).exists()

    def test_following_again_after_an_unfollow_brings_the_target_date_back(
        self, learner_client, user, engineer
    ):
        """An unfollow by a slip lost the target date for good: the learner had to remember it."""
        target = timezone.localdate() + datetime.timedelta(days=90)
        EnrollmentFactory(user=user, track=engineer, target_date=target)
        EnrollmentFactory(user=user)
        card = learner_client.post(unfollow_url(engineer), **HTMX).text
        follow_form = card.split(f'action="{follow_url(engineer)}"')[1].split("</form>")[0]
        assert f'<input type="hidden" name="target_date" value="{target}">' in follow_form

        response = learner_client.post(follow_url(engineer), {"target_date": target}, **HTMX)

        said = f"You now follow ML Engineer. Its target date, {day(target)}, is back.</p>"
        assert said in response.text
        assert Enrollment.objects.get(user=user, track=engineer).target_date == target
        # Followed the ordinary way, from the dashboard, the track has no target date.
        learner_client.post(unfollow_url(engineer), **HTMX)
        learner_client.post(follow_url(engineer), **HTMX)
        assert Enrollment.objects.get(user=user, track=engineer).target_date is None

    @pytest.mark.parametrize(
        "sent, said",
        [
            ("2020-01-01", "Choose a target date after today"),
            ("3000-01-01", "Choose a target date within ten years."),
            ("01/03/2027", "Enter a date like 2027-03-31 for your target."),
            ("2027-03-01\x00", "Enter a date like 2027-03-31 for your target."),
        ],
    )
    def test_a_target_date_that_cant_be_taken_is_not_kept_and_the_track_is_followed(
        self, learner_client, user, engineer, sent, said
    ):
        EnrollmentFactory(user=user)
        response = learner_client.post(follow_url(engineer), {"target_date": sent}, **HTMX)
        assert response.status_code == 200
        # In the card until the page is left, as a date lost is.
        card = response.text.split('id="track-ml-engineer"')[1].split("</article>")[0]
        assert (
            '<p class="message warning">You now follow ML Engineer. Its target date was not '
            f"kept. {said}"
        ) in card
        assert Enrollment.objects.get(user=user, track=engineer).target_date is None

    def test_a_target_date_come_by_the_unfollow_is_not_offered_back(
        self, learner_client, user, engineer
    ):
        """It was offered, and following again said it could not be kept: the day was here."""
        today = timezone.localdate()
        EnrollmentFactory(user=user, track=engineer, target_date=today)
        EnrollmentFactory(user=user)
        card = learner_client.post(unfollow_url(engineer), **HTMX).text
        assert f"Its target date, {date_format(today, 'j F Y')}, is cleared.</p>" in card
        assert "Follow it again" not in card
        assert 'name="target_date"' not in card.split(f'action="{follow_url(engineer)}"')[1]

    def test_a_target_date_set_in_another_tab_meanwhile_is_said_as_it_goes(
        self, learner_client, user, engineer, monkeypatch
    ):
        """The date was read before the unfollow locked the learner's rows: one saved in
        another tab in between went with the track, and the message said there was none."""
        EnrollmentFactory(user=user, track=engineer)
        EnrollmentFactory(user=user)
        target = timezone.localdate() + datetime.timedelta(days=90)
        unfollow = progress.unfollow

        def after_another_tab(**kwargs):
            progress.set_target(user=user, track_slug=engineer.slug, target=target)
            return unfollow(**kwargs)

        monkeypatch.setattr(progress, "unfollow", after_another_tab)
        card = learner_client.post(unfollow_url(engineer), **HTMX).text
        assert f"Its target date, {day(target)}, is cleared." in card
        assert not Enrollment.objects.filter(user=user, track=engineer).exists()

    def test_unfollowing_locks_the_learners_rows_alone(self, user, engineer):
        """Read in the tracks' order, the locking query joined the tracks and locked their rows
        (on PostgreSQL): every learner's unfollow, and an editor saving a track, waited in turn."""
        EnrollmentFactory(user=user, track=engineer)
        EnrollmentFactory(user=user)
        with CaptureQueriesContext(connection) as queries:
            progress.unfollow(user=user, track=engineer)
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        assert reads and all("roadmap_track" not in sql for sql in reads)

    def test_the_last_followed_track_cannot_be_unfollowed(self, learner_client, user, engineer):
        """As in the track picker: a learner follows at least one track."""
        EnrollmentFactory(user=user, track=engineer)
        response = learner_client.post(unfollow_url(engineer), **HTMX)
        assert response.status_code == 200
        card = response.text.split('id="track-ml-engineer"')[1].split("</article>")[0]
        assert (  # in the card, where the learner is, not in the flash area at the page's top
            '<p class="message error" role="alert">'
            "You follow only ML Engineer: follow another track first.</p>" in card
        )
        # The flash area is emptied: "You no longer follow …" from an earlier unfollow is stale.
        assert '<div hx-swap-oob="innerHTML:#flash"></div>' in response.text
        assert "Your only track: follow another to unfollow this one." in card
        assert f'action="{unfollow_url(engineer)}"' not in card
        response = learner_client.post(unfollow_url(engineer))
        assert response["Location"] == DASHBOARD  # at the top, where the message is: not the card
        page = learner_client.get(response["Location"]).text
        assert "You follow only ML Engineer: follow another track first." in page
        assert Enrollment.objects.filter(user=user, track=engineer).exists()

    def test_the_only_track_followed_offers_no_unfollow_until_another_is_followed(
        self, learner_client, user, engineer
    ):
        """Its Unfollow button was there, and refused when pressed."""
        EnrollmentFactory(user=user, track=engineer)
        other = TrackFactory(name="Data Scientist", slug="data-scientist")
        only = "Your only track: follow another to unfollow this one."

        def control(page, track):
            return page.split(f'id="track-{track.slug}"')[1].split('<div class="follow">')[1]

        page = learner_client.get(DASHBOARD).text
        # A button that does nothing, and says why: not a form.
        disabled = 'aria-disabled="true" aria-describedby="follow-toggle-ml-engineer-help">Unfollow'
        assert disabled in control(page, engineer).split("</p>")[0]
        assert only in control(page, engineer).split("</p>")[0]
        assert "<form" not in control(page, engineer).split("</div>")[0]
        assert "Follow<span" in control(page, other)
        # Another followed: the first card's control comes with the answer (out of band).
        response = learner_client.post(follow_url(other), **HTMX).text
        oob = response.split('<div hx-swap-oob="innerHTML:#track-ml-engineer .follow">')[1]
        assert 'Unfollow<span class="visually-hidden"> ML Engineer</span>' in oob.split("</div>")[0]
        assert only not in response
        # And unfollowed again: the first is the only one once more.
        response = learner_client.post(unfollow_url(other), **HTMX).text
        oob = response.split('<div hx-swap-oob="innerHTML:#track-ml-engineer .follow">')[1]
        assert disabled in oob.split("</div>")[0]
        assert only in oob.split("</div>")[0]
        page = learner_client.get(DASHBOARD).text
        assert disabled in control(page, engineer).split("</p>")[0]

    def test_unfollowing_leaves_other_learners_alone(self, learner_client, engineer):
        other = EnrollmentFactory(track=engineer)
        learner_client.post(unfollow_url(engineer))
        assert Enrollment.objects.filter(pk=other.pk).exists()

    def test_it_needs_the_csrf_token(self, csrf_client, user, engineer):
        csrf_client.force_login(user)
        assert csrf_client.post(follow_url(engineer)).status_code == 403
        assert not Enrollment.objects.exists()
        csrf_client.get(DASHBOARD)
        token = csrf_client.cookies["csrftoken"].value
        response = csrf_client.post(follow_url(engineer), HTTP_X_CSRFTOKEN=token, **HTMX)
        assert response.status_code == 200
        assert Enrollment.objects.filter(user=user, track=engineer).exists()

    @pytest.mark.parametrize("url", [follow_url, unfollow_url])
    def test_a_get_changes_nothing(self, learner_client, user, engineer, url):
        assert learner_client.get(url(engineer)).status_code == 302
        assert not Enrollment.objects.filter(user=user, track=engineer).exists()

    @pytest.mark.parametrize("url_name", ["roadmap:follow_track", "roadmap:unfollow_track"])
    def test_an_unknown_track_is_a_404(self, learner_client, url_name):
        response = learner_client.post(reverse(url_name, args=["no-such-track"]), **HTMX)
        assert response.status_code == 404

    def test_a_visitor_is_sent_to_log_in(self, client, engineer):
        response = client.post(follow_url(engineer), **HTMX)
        assert response["HX-Redirect"] == f"{reverse('login')}?next={DASHBOARD}"
        response = client.post(follow_url(engineer))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert not Enrollment.objects.exists()


class TestActivity:
    NOW = datetime.datetime(2025, 3, 12, 15, 0, tzinfo=UTC)  # a Wednesday

    def weeks(self, user, now=NOW):
        return {week.start: week.count for week in activity(user, now).weeks}

    def test_it_counts_milestones_done_per_week_for_the_last_twelve_weeks(self, user):
        first, second, third = MilestoneFactory(), MilestoneFactory(), MilestoneFactory()
        mark(user, first, now=self.NOW - datetime.timedelta(days=1))
        mark(user, second, now=self.NOW - datetime.timedelta(days=2))
        mark(user, third, now=self.NOW - datetime.timedelta(weeks=3))
        ProgressEventFactory(user=user, at=self.NOW - datetime.timedelta(weeks=20))
        weeks = self.weeks(user)
        assert list(weeks) == [
            datetime.date(2025, 3, 10) - datetime.timedelta(weeks=n) for n in range(11, -1, -1)
        ]
        assert weeks[datetime.date(2025, 3, 10)] == 2
        assert weeks[datetime.date(2025, 2, 17)] == 1
        assert sum(weeks.values()) == 3

    def test_only_done_events_of_this_learner_count_and_a_redo_counts_once(self, user):
        task = MilestoneFactory()
        mark(user, task, Status.IN_PROGRESS, now=self.NOW - datetime.timedelta(hours=3))
        mark(user, task, now=self.NOW - datetime.timedelta(hours=2))
        mark(user, task, Status.NOT_STARTED, now=self.NOW - datetime.timedelta(hours=1))
        mark(user, task, now=self.NOW)
        mark(UserFactory(), task, now=self.NOW)
        assert self.weeks(user)[datetime.date(2025, 3, 10)] == 1

    def test_weeks_start_on_monday_in_the_site_time_zone(self, settings, user):
        settings.TIME_ZONE = "America/New_York"
        # Monday 02:00 UTC is still Sunday evening in New York: the week before.
        mark(user, MilestoneFactory(), now=datetime.datetime(2025, 3, 10, 2, 0, tzinfo=UTC))
        # Sunday 23:30 in New York is Monday in UTC, and still the same New York week.
        local = zoneinfo.ZoneInfo("America/New_York")
        mark(user, MilestoneFactory(), now=datetime.datetime(2025, 3, 2, 23, 30, tzinfo=local))
        weeks = self.weeks(user)
        assert weeks[datetime.date(2025, 3, 3)] == 1
        assert weeks[datetime.date(2025, 2, 24)] == 1
        assert weeks[datetime.date(2025, 3, 10)] == 0

    def test_bars_scale_to_the_busiest_week(self, user):
        for days in (0, 0, 0, 0, 7):
            mark(user, MilestoneFactory(), now=self.NOW - datetime.timedelta(days=days))
        chart = activity(user, self.NOW)
        this_week, last_week = chart.weeks[-1], chart.weeks[-2]
        assert this_week.height == 100
        assert last_week.height == 25
        assert this_week.y + this_week.height == last_week.y + last_week.height
        assert chart.weeks[0].height == 0

    def test_the_streak_counts_back_from_now(self, user):
        for weeks_ago in (0, 1, 2, 4):
            mark(user, MilestoneFactory(), now=self.NOW - datetime.timedelta(weeks=weeks_ago))
        assert activity(user, self.NOW).streak == 3

    def test_a_milestone_ticked_then_unticked_counts_nowhere(self, learner_client, user):
        """A mis-click starts no streak: the chart counts what is done now, by its date."""
        kept, misclicked = MilestoneFactory(), MilestoneFactory()
        mark(user, kept, now=self.NOW - datetime.timedelta(weeks=1))
        mark(user, misclicked, now=self.NOW - datetime.timedelta(hours=2))
        mark(user, misclicked, Status.NOT_STARTED, now=self.NOW - datetime.timedelta(hours=1))
        chart = activity(user, self.NOW)
        assert chart.this_week.count == 0
        assert chart.total == 1
        assert chart.streak == 1  # last week's, not one started by the mis-click

    def test_archived_milestones_count_nowhere_as_on_the_track_cards(self, user):
        old = MilestoneFactory(is_archived=True)
        ProgressFactory(user=user, milestone=old, status=Status.DONE, completed_at=self.NOW)
        assert activity(user, self.NOW).total == 0


class TestStreak:
    MONDAY = datetime.date(2025, 3, 10)

    def weeks_ago(self, *counts):
        return {self.MONDAY - datetime.timedelta(weeks=n) for n in counts}

    @pytest.mark.parametrize(
        ("active", "expected"),
        [
            ((), 0),
            ((0,), 1),
            ((0, 1, 2), 3),
            ((1, 2), 2),
            ((2, 3), 0),
            ((0, 2, 3), 1),
            (tuple(range(30)), 30),
        ],
    )
    def test_it_is_consecutive_weeks_and_this_week_may_still_be_empty(self, active, expected):
        assert dashboard.streak(self.weeks_ago(*active), current_week=self.MONDAY) == expected


class TestChart:
    def test_it_is_inline_svg_with_a_title_and_a_table_as_text_alternative(
        self, learner_client, user
    ):
        mark(user, MilestoneFactory())
        mark(user, MilestoneFactory(), now=timezone.now() - datetime.timedelta(weeks=1))
        page = learner_client.get(DASHBOARD).text
        assert '<svg class="activity-chart" role="img" viewBox' in page  # named by its title
        assert (
            '<title id="activity-chart-title">Milestones done per week over the last 12 weeks: '
            "2 in total, 1 this week.</title>" in page
        )
        table = page.split('<div class="visually-hidden">')[1].split("</table>")[0]
        rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", table)
        assert len(rows) == 12
        monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
        assert rows[-1] == (f"{monday.day} {monday:%B %Y}", "1")
        assert [count for _, count in rows].count("1") == 2
        assert "Current streak: <strong>2 weeks</strong>" in page

    def test_an_empty_chart_says_how_it_fills(self, learner_client, user):
        """A new learner saw a blank box of twelve week labels, without a word."""
        said = "No milestone done in the last 12 weeks: tick one on"
        ticked = MilestoneFactory()
        page = learner_client.get(DASHBOARD).text
        assert said in page
        assert "activity-chart" not in page
        mark(user, ticked, now=timezone.now() - datetime.timedelta(weeks=11))
        page = learner_client.get(DASHBOARD).text
        assert said not in page
        assert "activity-chart" in page

    def test_the_page_uses_no_inline_styles_or_scripts(self, learner_client, user, engineer):
        EnrollmentFactory(user=user, track=engineer)
        mark(user, milestone("Ship an API"))
        page = learner_client.get(DASHBOARD).text
        assert " style=" not in page
        assert "<script>" not in page
        assert "hx-on" not in page


class TestSharing:
    def test_with_the_public_page_on_it_links_to_it_and_offers_badges(self, client, engineer):
        learner = UserFactory(username="ada", public_profile=True)
        client.force_login(learner)
        page = client.get(DASHBOARD).text
        assert '<a class="address" href="/u/ada/">testserver/u/ada/</a>' in page
        # Clicked in a README, the badge leads to the page.
        badge = "![ML Engineer progress](http://testserver/u/ada/badge.svg?track=ml-engineer)"
        assert f'value="[{badge}](http://testserver/u/ada/)"' in page
        assert '<img src="/u/ada/badge.svg?track=ml-engineer" alt="ML Engineer · 0 %"' in page

    def test_with_the_public_page_off_it_says_so(self, learner_client, engineer):
        page = learner_client.get(DASHBOARD).text
        assert "Your public page is off." in page
        assert "badge.svg" not in page


def test_the_dashboard_runs_a_constant_number_of_queries(
    learner_client, user, django_assert_max_num_queries
):
    tracks = [TrackFactory() for _ in range(3)]

    def grow(count):
        for n in range(count):
            membership = TrackMilestoneFactory(track=tracks[n % 3], weight=n % 5 + 1)
            TrackMilestoneFactory(track=tracks[(n + 1) % 3], milestone=membership.milestone)
            mark(user, membership.milestone, [Status.DONE, Status.IN_PROGRESS][n % 2])
            mark(
                user,
                MilestoneFactory(),
                now=timezone.now() - datetime.timedelta(weeks=n % 14, hours=n),
            )

    EnrollmentFactory(user=user, track=tracks[0])
    EnrollmentFactory(user=user, track=tracks[1])
    user.hours_per_week = 6
    user.save()
    EnrollmentFactory(
        user=user, track=tracks[2], target_date=timezone.localdate() + datetime.timedelta(days=90)
    )
    grow(3)
    # The session, the user (with the hours a week they give), their progress rows (for the
    # cards, the chart and their pace), the tracks they follow with their target dates. Which
    # milestones count toward which track, with their weights and estimates, comes from the
    # roadmap snapshot: the content revision and 8 queries to build it (the latest change, read
    # before and after the roadmap), once per content revision and process. The learner's visit
    # is recorded once an hour: one UPDATE on the first request.
    with django_assert_max_num_queries(4 + 9 + 1):
        assert learner_client.get(DASHBOARD).status_code == 200
    with django_assert_max_num_queries(4):
        assert learner_client.get(DASHBOARD).status_code == 200
    grow(30)
    content_changed()
    with django_assert_max_num_queries(4 + 9):
        learner_client.get(DASHBOARD)
    with django_assert_max_num_queries(4):
        page = learner_client.get(DASHBOARD).text
    assert page.count('<ol class="next-up">') == 3
    assert page.count("at 6&nbsp;h a week · finished around") == 3


class TestPage:
    def test_a_message_to_show_appears_on_the_dashboard(self, learner_client, user, engineer):
        EnrollmentFactory(user=user)
        learner_client.post(follow_url(engineer))  # "You now follow ML Engineer." waits
        page = learner_client.get(DASHBOARD).text
        assert '<p class="message success">You now follow ML Engineer.</p>' in page
        assert "Unfollow<span" in page  # the learner's own cards
        assert "You now follow" not in learner_client.get(DASHBOARD).text

    def test_cards_follow_a_content_change(self, learner_client, user, engineer):
        assert learner_client.get(DASHBOARD).status_code == 200  # the snapshot of this revision
        TrackMilestoneFactory(track=engineer, weight=5)
        content_changed()
        mark(user, milestone("Ship an API"))
        page = learner_client.get(DASHBOARD).text
        assert "<strong>20 %</strong> · 1 of 5 milestones · weighted: 3 of 15&nbsp;points" in page


def test_following_a_track_another_process_just_added_answers_with_its_card(
    learner_client, user, engineer
):
    from django.db.models import F

    from roadmap.models import Revision

    assert learner_client.get(DASHBOARD).status_code == 200  # this process read the revision
    newer = TrackFactory(name="Data Engineer", slug="data-engineer", position=9)
    Revision.objects.update(number=F("number") + 1)  # another process's edit, unseen here yet
    response = learner_client.post(follow_url(newer), **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<article class="track-card is-followed"')
    assert "Data Engineer" in response.text


def test_no_slug_a_new_track_may_take_makes_an_id_the_pages_have(client, roadmap):
    """A track's slug makes ids on the dashboard, the roadmap and the public page (plan-<slug>,
    bar-<slug>-text, …): a track "title" made the dashboard's heading `plan-title`, and htmx
    swapped the heading for its plan. The admin and the roadmap file refuse a new track's slug
    that makes one of those pages' other ids (validate_track_ids, with the model's own rule).
    An id made of a slug, added to a page without being refused there, fails here."""
    from django.core.exceptions import ValidationError

    from roadmap.validators import validate_track_ids

    learner = UserFactory(hours_per_week=6, public_profile=True)
    engineer = Track.objects.get(slug="ml-engineer")
    target = timezone.localdate() + datetime.timedelta(days=90)
    EnrollmentFactory(user=learner, track=engineer, target_date=target)
    progress.set_status(user=learner, milestone=Milestone.objects.first(), status=Status.DONE)
    client.force_login(learner)
    htmx = {**HTMX, "HTTP_HX_TARGET": "plan"}
    pages = [client.get(url).text for url in (DASHBOARD, "/", "/?track=all")]
    pages.append(client.get(f"/u/{learner.username}/").text)
    pages.append(client.post(reverse("roadmap:set_hours"), {"hours_per_week": "7"}, **htmx).text)
    target_url = reverse("roadmap:set_target", args=[engineer.slug])
    pages.append(client.post(target_url, {"target_date": "soon"}, **HTMX).text)  # its error
    pages.append(client.post(follow_url(Track.objects.last()), follow=True).text)
    slugs = set(Track.objects.values_list("slug", flat=True))
    ids = {found for page in pages for found in re.findall(r'\bid="([^"]+)"', page)}
    made = {  # the ids each track makes of its slug, as (before, after) the slug
        (found[: found.index(slug)], found[found.index(slug) + len(slug) :])
        for found in ids
        for slug in slugs
        if slug in found
    }
    assert {("plan-", ""), ("bar-", "-text"), ("track-", "-title"), ("focus-", "")} <= made
    assert {"plan-title", "plan-said", "focus-followed"} <= ids
    field = Track._meta.get_field("slug")
    for before, after in made:
        for other in ids:
            slug = other.removeprefix(before).removesuffix(after)
            if (before + slug + after != other) or slug in slugs or not slug:
                continue  # not of this shape, or the track's own
            if not re.fullmatch(r"[-a-zA-Z0-9_]+", slug):
                continue  # not a slug
            with pytest.raises(ValidationError):
                field.run_validators(slug)
                validate_track_ids(slug)
