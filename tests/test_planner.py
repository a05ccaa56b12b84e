import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from roadmap import planner, progress, validators
from roadmap.models import Enrollment, Status
from tests.factories import (
    EnrollmentFactory,
    MilestoneFactory,
    TrackFactory,
    TrackMilestoneFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
DASHBOARD = reverse("roadmap:dashboard")
HOURS = reverse("roadmap:set_hours")
TODAY = datetime.date(2027, 3, 1)
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=datetime.UTC)
DONE, STARTED, NOT_STARTED = Status.DONE, Status.IN_PROGRESS, Status.NOT_STARTED


def target_url(track):
    return reverse("roadmap:set_target", args=[track.slug])


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.mark.parametrize(
    "today, last, refused",
    [
        # 3,653 days from 1 March 2025 hold two 29 Februaries: one day past ten years was taken.
        (datetime.date(2025, 3, 1), datetime.date(2035, 3, 1), datetime.date(2035, 3, 2)),
        (datetime.date(2024, 1, 15), datetime.date(2034, 1, 15), datetime.date(2034, 1, 16)),
        # Ten years from a 29 February: 28 February, as there is no 29th then.
        (datetime.date(2024, 2, 29), datetime.date(2034, 2, 28), datetime.date(2034, 3, 1)),
    ],
)
def test_a_target_date_is_within_ten_calendar_years(monkeypatch, today, last, refused):
    monkeypatch.setattr(timezone, "localdate", lambda: today)
    validators.validate_target_in_reach(last)
    with pytest.raises(ValidationError, match="within ten years"):
        validators.validate_target_in_reach(refused)


class TestArithmetic:
    def test_hours_left_count_what_is_not_done_and_in_progress_at_half(self):
        assert planner.hours_left([(10, NOT_STARTED), (6, STARTED), (40, DONE)]) == 13
        assert planner.hours_left([(5, STARTED)]) == 2.5

    def test_a_track_with_nothing_left_has_no_hours_and_nothing_to_finish(self):
        plan = planner.Plan(planner.hours_left([(8, DONE)]), TODAY, per_week=5)
        assert (plan.hours_left, plan.weeks_left, plan.finish) == (0, None, None)

    def test_weeks_and_finish_date_at_the_hours_a_week_given(self):
        plan = planner.Plan(21, TODAY, per_week=5)
        assert plan.finish == TODAY + datetime.timedelta(days=30)  # 21 h * 7 / 5 = 29.4 days
        assert plan.weeks_left == 5  # within 5 weeks: 4.3
        assert planner.Plan(1, TODAY, per_week=20).weeks_left == 1  # a day's work: not 0 weeks
        # As the target date's hours a week say: 261 h at 10 h a week end on the same day, a
        # target 27 weeks ahead needs no more than 10 h a week, one 26 weeks ahead does.
        plan = planner.Plan(261, TODAY, per_week=10, target=TODAY + datetime.timedelta(days=183))
        assert (plan.finish - TODAY).days == 183 and plan.needed == 10
        assert plan.weeks_left == 27
        assert planner.needed_per_week(261, TODAY, TODAY + datetime.timedelta(weeks=27)) == 10
        assert planner.needed_per_week(261, TODAY, TODAY + datetime.timedelta(weeks=26)) == 11

    def test_half_hours_round_up_to_a_whole_day(self):
        assert planner.finish_date(2.5, 5, TODAY) == TODAY + datetime.timedelta(days=4)

    def test_no_hours_set_is_no_plan(self):
        plan = planner.Plan(30, TODAY)
        assert (plan.weeks_left, plan.finish, plan.needed, plan.pace_finish) == (None,) * 4

    def test_a_target_date_says_the_whole_hours_a_week_it_needs(self):
        plan = planner.Plan(30, TODAY, target=TODAY + datetime.timedelta(weeks=4))
        assert plan.needed == 8  # 7.5 a week is not quite enough
        assert planner.needed_per_week(28, TODAY, TODAY + datetime.timedelta(weeks=4)) == 7

    def test_a_target_that_has_passed_needs_nothing_it_can_say(self):
        assert planner.needed_per_week(10, TODAY, TODAY) is None
        assert planner.needed_per_week(10, TODAY, TODAY - datetime.timedelta(days=3)) is None


class TestRecentPace:
    def ago(self, **delta):
        return NOW - datetime.timedelta(**delta)

    def test_it_is_the_hours_finished_in_the_last_four_weeks_per_week(self):
        finished = [(self.ago(days=1), 8), (self.ago(weeks=3), 12), (self.ago(weeks=5), 100)]
        pace = planner.recent_pace(finished, now=NOW, since=self.ago(weeks=30))
        assert pace == planner.Pace(weeks=4, hours_per_week=5)

    def test_it_needs_two_weeks_of_history(self):
        assert (
            planner.recent_pace([(self.ago(days=2), 8)], now=NOW, since=self.ago(days=13)) is None
        )
        pace = planner.recent_pace([(self.ago(days=2), 8)], now=NOW, since=self.ago(days=14))
        assert pace == planner.Pace(weeks=2, hours_per_week=4)

    def test_history_starts_at_the_first_completion_when_it_is_older(self):
        """An imported history may be older than the account."""
        finished = [(self.ago(weeks=9), 3), (self.ago(weeks=2), 6)]
        pace = planner.recent_pace(finished, now=NOW, since=self.ago(days=1))
        assert pace == planner.Pace(weeks=4, hours_per_week=1.5)

    def test_the_finish_date_at_a_pace_of_thirds_is_not_a_day_late(self):
        """13 h over 3 weeks is 4⅓ h a week: 39 h take 9 weeks, 63 days. In floating point,
        39 * 7 / (13 / 3) came out just over 63, and the page said a day later."""
        finished = [(self.ago(days=2), 6), (self.ago(days=3), 7)]
        pace = planner.recent_pace(finished, now=NOW, since=self.ago(weeks=3, days=1))
        assert pace.weeks == 3
        plan = planner.Plan(39, TODAY, pace=pace)
        assert plan.pace_finish == TODAY + datetime.timedelta(days=63)

    def test_a_completion_a_few_hours_ahead_counts_too(self):
        """An imported file's times without an offset are read as UTC: one written in local time
        can be hours ahead. Done is done: it counted nowhere ("no milestones in 4 weeks")."""
        pace = planner.recent_pace(
            [(NOW + datetime.timedelta(hours=20), 8)], now=NOW, since=self.ago(weeks=4)
        )
        assert pace == planner.Pace(weeks=4, hours_per_week=2)

    def test_a_finish_date_at_that_pace_or_none_without_finished_work(self):
        plan = planner.Plan(20, TODAY, pace=planner.Pace(4, 5))
        assert plan.pace_finish == TODAY + datetime.timedelta(weeks=4)
        assert planner.Plan(20, TODAY, pace=planner.Pace(4, 0)).pace_finish is None


@pytest.fixture
def engineer(user):
    """ML Engineer, followed: milestones of 10, 6 and 40 hours."""
    track = TrackFactory(name="ML Engineer", slug="ml-engineer")
    for title, hours in (("Ship an API", 10), ("Write a README", 6), ("Reimplement", 40)):
        TrackMilestoneFactory(
            track=track, milestone=MilestoneFactory(title=title, estimated_hours=hours)
        )
    EnrollmentFactory(user=user, track=track)
    return track


def mark(user, track, title, status, **kwargs):
    milestone = track.milestones.get(title=title)
    progress.set_status(user=user, milestone=milestone, status=status, **kwargs)


def plan_of(page, track):
    """A track's plan, the description of its target date field (a div of its own) in it."""
    plan = page.split(f'<div class="plan" id="plan-{track.slug}">')[1]
    return "</div>".join(plan.split("</div>")[:2])


@pytest.mark.django_db
class TestDashboard:
    def test_without_hours_a_week_it_invites_the_learner_to_plan(self, learner_client, engineer):
        page = learner_client.get(DASHBOARD).text
        assert "No plan yet: give the hours a week you can spend" in page
        plan = plan_of(page, engineer)
        assert "<strong>56 h</strong> of work left." in plan
        assert "set the hours a week you can give</a> to see when you would finish" in plan

    def test_with_hours_set_each_followed_track_has_weeks_and_a_finish_date(
        self, learner_client, user, engineer
    ):
        user.hours_per_week = 8
        user.save()
        mark(user, engineer, "Reimplement", DONE)
        mark(user, engineer, "Write a README", STARTED)
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        finish = in_days(12)  # 13 h at 8 h a week: 11.4 days
        assert (
            f"<strong>13 h</strong> of work left · <strong>within 2 weeks</strong> "
            f"at 8&nbsp;h a week · finished around <strong>{finish.day} {finish:%B %Y}</strong>."
            in plan
        )

    def test_whats_left_says_about_how_long_each_milestone_takes(self, learner_client, engineer):
        page = learner_client.get(DASHBOARD).text
        left = page.split('aria-label="What’s left for ML Engineer"')[1].split("</ul>")[0]
        assert 'Reimplement</a> <span class="weight">1 point · about 40 h</span>' in left

    def test_a_track_not_followed_has_no_plan(self, learner_client, user, engineer):
        TrackMilestoneFactory(track=TrackFactory(slug="data-scientist"))
        page = learner_client.get(DASHBOARD).text
        assert 'id="plan-ml-engineer"' in page
        assert 'id="plan-data-scientist"' not in page

    def test_a_finished_track_says_no_hours_are_left(self, learner_client, user, engineer):
        for title in ("Ship an API", "Write a README", "Reimplement"):
            mark(user, engineer, title, DONE)
        page = learner_client.get(DASHBOARD).text
        assert "No hours left: every milestone of this track is done." in plan_of(page, engineer)
        assert 'id="target-ml-engineer"' not in page  # no target to set for nothing left

    def test_an_empty_track_has_no_hours_to_plan(self, learner_client, user):
        EnrollmentFactory(user=user, track=TrackFactory(slug="brand-new"))
        page = learner_client.get(DASHBOARD).text
        assert "No hours to plan: this track has no milestones yet." in plan_of(
            page, Enrollment.objects.get(user=user).track
        )

    def test_a_target_date_shows_the_hours_a_week_it_needs(self, learner_client, user, engineer):
        Enrollment.objects.filter(track=engineer).update(target_date=in_days(28))
        target = in_days(28)
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        assert f"To finish by {target.day} {target:%B %Y}: <strong>14 h a week</strong>." in plan

    @pytest.mark.parametrize(
        ("per_week", "said"),
        [
            (6, ", 8 h a week more than your plan"),
            (14, ", exactly your plan"),
            (20, ", within your plan"),
        ],
    )
    def test_a_target_date_is_weighed_against_the_plan(
        self, learner_client, user, engineer, per_week, said
    ):
        """ "Finished around August" beside "to finish by March: 14 h a week" left the learner
        to work out that the target was out of their plan's reach."""
        user.hours_per_week = per_week
        user.save()
        target = in_days(28)
        Enrollment.objects.filter(track=engineer).update(target_date=target)
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        assert f"To finish by {target.day} {target:%B %Y}: <strong>14 h a week</strong>{said}." in (
            plan
        )

    def test_clear_target_is_offered_only_with_a_target_to_clear(self, learner_client, engineer):
        clear = '<button type="submit" class="link" name="clear" value="1"'
        assert f"{clear} hidden>" in learner_client.get(DASHBOARD).text
        Enrollment.objects.filter(track=engineer).update(target_date=in_days(28))
        assert f"{clear}>" in learner_client.get(DASHBOARD).text

    def test_a_target_too_close_for_anyone_says_so(self, learner_client, user, engineer):
        Enrollment.objects.filter(track=engineer).update(target_date=in_days(3))
        target = in_days(3)
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        assert (
            f"To finish by {target.day} {target:%B %Y} you would need <strong>131 h a week"
            "</strong>, more than anyone can give. It stays your target: a later date would be one "
            "you can reach."
        ) in plan

    def test_a_target_needing_more_hours_than_a_week_has_says_so(self, learner_client, engineer):
        Enrollment.objects.filter(track=engineer).update(target_date=in_days(1))  # 392 h a week
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        # Set, not refused: "choose a later date" read as a refusal of a date that was kept.
        assert "you would need more hours than a week has. It stays your target: a later" in plan
        assert "h a week</strong>" not in plan

    def test_a_target_of_today_has_not_passed_yet(self, learner_client, user, engineer):
        """The form takes dates after today; a target set earlier (or imported) may be today."""
        Enrollment.objects.filter(track=engineer).update(target_date=in_days(0))
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        assert "Your target date is today, with 56 h of work left: choose a new one." in plan
        assert "has passed" not in plan

    def test_the_learners_own_pace_gives_a_date_after_two_weeks(
        self, learner_client, user, engineer
    ):
        user.date_joined = timezone.now() - datetime.timedelta(weeks=10)
        user.save()
        mark(user, engineer, "Reimplement", DONE, now=timezone.now() - datetime.timedelta(days=3))
        plan = plan_of(learner_client.get(DASHBOARD).text, engineer)
        finish = in_days(12)  # 16 h left at 10 h a week (40 h in 4 weeks): 11.2 days
        assert (
            "At your pace of the last 4 weeks (≈ 10 h a week of finished milestones) you would "
            f"finish around {finish.day} {finish:%B %Y}." in plan
        )

    def test_a_new_learner_gets_no_pace_yet(self, learner_client, user, engineer):
        mark(user, engineer, "Reimplement", DONE)
        assert "your pace" not in plan_of(learner_client.get(DASHBOARD).text, engineer)


def plan_finish(html):
    return re.search(r"finished around <strong>([^<]+)</strong>", html).group(1)


@pytest.mark.django_db
class TestSettingHours:
    def test_a_track_with_nothing_left_is_not_said_to_finish_today(self, learner_client, user):
        """A change of hours reads out each followed track's finish date: a track all done, or
        with no milestone yet, was "finished around" today, where its card says there are no
        hours left (or none to plan)."""
        done = TrackFactory(name="Done Track")
        milestone = TrackMilestoneFactory(track=done).milestone
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        busy = TrackFactory(name="Busy Track")
        TrackMilestoneFactory(track=busy, milestone=MilestoneFactory(estimated_hours=10))
        for track in (done, TrackFactory(name="Empty Track"), busy):
            EnrollmentFactory(user=user, track=track)
        response = learner_client.post(HOURS, {"hours_per_week": "5"}, **HTMX)
        said = response.text.split('<p id="plan-said" hx-swap-oob="innerHTML">')[1]
        said = said.split("</p>")[0]
        finish = plan_finish(response.text)  # Busy Track's card: the one with hours left
        assert said == f"Planned at 5 h a week. Busy Track: finished around {finish}."
        assert "No hours left: every milestone of this track is done." in response.text
        assert "No hours to plan: this track has no milestones yet." in response.text

    def test_htmx_gets_the_new_plan_of_every_followed_track_at_once(
        self, learner_client, user, engineer
    ):
        response = learner_client.post(HOURS, {"hours_per_week": "7"}, **HTMX)
        assert response.status_code == 200
        assert response.text.startswith("Planned at 7 h a week.")
        assert "<strong>within 8 weeks</strong> at 7&nbsp;h a week" in response.text
        # Said once, finish dates and all: each card's plan, a live region of its own, was read
        # out as well, three or four times in all. The field's own status, read on each visit to
        # it, stays short.
        finish = plan_finish(response.text)
        said = response.text.split('<p id="plan-said" hx-swap-oob="innerHTML">')[1]
        assert said.startswith(f"Planned at 7 h a week. ML Engineer: finished around {finish}.")
        assert "finished around" not in response.text.split("<p")[0]
        assert '<div class="plan" id="plan-ml-engineer" hx-swap-oob="true">' in response.text
        user.refresh_from_db()
        assert user.hours_per_week == 7

    def test_the_htmx_answer_runs_a_constant_number_of_queries(
        self, learner_client, engineer, django_assert_max_num_queries
    ):
        learner_client.get(DASHBOARD)  # the roadmap snapshot of this revision
        for _ in range(20):
            TrackMilestoneFactory(track=engineer)
        # The session, the user, saving their hours, their progress rows, the tracks they
        # follow with their target dates (the new milestones wait for the next revision).
        with django_assert_max_num_queries(5):
            learner_client.post(HOURS, {"hours_per_week": "7"}, **HTMX)
        with django_assert_max_num_queries(5):
            learner_client.post(target_url(engineer), {"target_date": in_days(40)}, **HTMX)

    def test_without_javascript_it_redirects_back_to_the_plan(self, learner_client, user, engineer):
        response = learner_client.post(HOURS, {"hours_per_week": "56"}, follow=True)
        assert response.redirect_chain == [(f"{DASHBOARD}#plan", 302)]
        assert "<strong>within 1 week</strong> at 56&nbsp;h a week" in response.text

    def test_an_empty_value_clears_the_plan(self, learner_client, user, engineer):
        user.hours_per_week = 5
        user.save()
        response = learner_client.post(HOURS, {"hours_per_week": ""}, **HTMX)
        assert "No plan yet" in response.text
        user.refresh_from_db()
        assert user.hours_per_week is None

    def test_the_field_emptied_and_left_keeps_the_plan(self, learner_client, user, engineer):
        """The field sends what it holds once changed: emptied and left (or holding a number
        half typed, like "1e", which a number field gives as empty), it removed the plan. Only a
        submit of the empty field does."""
        user.hours_per_week = 5
        user.save()
        typing = {**HTMX, "HTTP_HX_TRIGGER_NAME": "hours_per_week"}
        response = learner_client.post(HOURS, {"hours_per_week": " "}, **typing)
        # The status under the field says the plan stays, and how to remove it.
        assert response.status_code == 200
        assert "Planned at 5 h a week." in response.text
        assert "press Update plan with it empty to remove the plan" in response.text
        user.refresh_from_db()
        assert user.hours_per_week == 5
        response = learner_client.post(HOURS, {"hours_per_week": "6"}, **typing)
        assert "Planned at 6 h a week." in response.text
        user.refresh_from_db()
        assert user.hours_per_week == 6

    def test_without_a_plan_a_refused_number_leaves_none(self, learner_client, user, engineer):
        response = learner_client.post(HOURS, {"hours_per_week": "81"}, **HTMX)
        assert "from 1 to 80. You have no plan yet." in response.text

    @pytest.mark.parametrize(
        "hours",
        ["0", "81", "ten", "-5", "7.5", "1e3", "9" * 40, "\x00", "1_0"],  # not 10
    )
    @pytest.mark.parametrize("htmx", [True, False])
    def test_hostile_hours_are_refused_with_a_message_and_nothing_stored(
        self, learner_client, user, engineer, hours, htmx
    ):
        user.hours_per_week = 5
        user.save()
        response = learner_client.post(HOURS, {"hours_per_week": hours}, **(HTMX if htmx else {}))
        assert response.status_code == 422
        # Not "nothing was changed": typed a digit at a time, "600" had planned 6, then 60.
        assert (
            "Give a whole number of hours a week from 1 to 80. The plan stays at 5 h a week."
            in (response.text)
        )
        if not htmx:  # the page again, the field marked as the one to correct
            assert 'aria-describedby="hours-status" value=' in response.text
            assert 'aria-invalid="true" autofocus>' in response.text  # the browser goes there
        user.refresh_from_db()
        assert user.hours_per_week == 5

    def test_it_needs_the_csrf_token_and_a_post(self, user, engineer):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post(HOURS, {"hours_per_week": "5"}).status_code == 403
        assert client.get(HOURS, {"hours_per_week": "5"}).status_code == 302  # to the dashboard
        user.refresh_from_db()
        assert user.hours_per_week is None

    def test_a_visitor_is_sent_to_log_in(self, client):
        response = client.post(HOURS, {"hours_per_week": "5"})
        assert response["Location"].startswith(reverse("login"))

    def test_the_profile_sets_the_same_hours_and_refuses_81(self, learner_client, user):
        learner_client.post(reverse("profile"), {"display_name": "", "hours_per_week": "12"})
        user.refresh_from_db()
        assert user.hours_per_week == 12
        response = learner_client.post(reverse("profile"), {"hours_per_week": "81"})
        assert response.status_code == 422
        assert "Give a whole number of hours a week from 1 to 80." in response.text
        user.refresh_from_db()
        assert user.hours_per_week == 12


@pytest.mark.django_db
class TestSettingATarget:
    def test_htmx_gets_the_tracks_plan_with_the_hours_a_week_it_needs(
        self, learner_client, user, engineer
    ):
        target = in_days(56)
        response = learner_client.post(
            target_url(engineer), {"target_date": target.isoformat()}, **HTMX
        )
        assert response.status_code == 200
        assert f"To finish by {target.day} {target:%B %Y}: <strong>7 h a week</strong>." in (
            response.text
        )
        assert Enrollment.objects.get(user=user).target_date == target

    @pytest.mark.parametrize(
        ("posted", "said"),
        [
            ({"target_date": "<in 56 days>"}, "ML Engineer: To finish by <56>: 7 h a week."),
            ({"target_date": "2001-01-01"}, "ML Engineer: Choose a target date after today"),
            ({"clear": "1"}, "ML Engineer: Target date cleared."),
            # Finished in another tab: not "ML Engineer: " and nothing more.
            (
                {"target_date": "<in 56 days>", "<all done>": ""},
                "ML Engineer: No hours left: every milestone of this track is done.",
            ),
        ],
    )
    def test_htmx_has_what_the_date_did_said_alone(
        self, learner_client, user, engineer, posted, said
    ):
        """The plan was a live region: setting a date read out the whole plan (hours left,
        finish date, pace), with a refusal somewhere in the middle of it."""
        target = in_days(56)
        posted = {k: v.replace("<in 56 days>", target.isoformat()) for k, v in posted.items()}
        if posted.pop("<all done>", None) is not None:
            for title in ("Ship an API", "Write a README", "Reimplement"):
                mark(user, engineer, title, DONE)
        response = learner_client.post(target_url(engineer), posted, **HTMX)
        spoken = response.text.split('<div id="plan-said" hx-swap-oob="innerHTML">')[1]
        spoken = " ".join(re.sub(r"<[^>]+>", "", spoken.split("</div>")[0]).split())
        assert spoken.startswith(said.replace("<56>", f"{target.day} {target:%B %Y}"))
        assert "of work left" not in spoken and "aria-live" not in response.text

    def test_clearing_it_without_javascript_redirects_back(self, learner_client, user, engineer):
        Enrollment.objects.filter(user=user).update(target_date=in_days(9))
        response = learner_client.post(
            target_url(engineer), {"target_date": "", "clear": "1"}, follow=True
        )
        assert response.redirect_chain == [(f"{DASHBOARD}#track-ml-engineer", 302)]
        assert "To finish by" not in response.text
        assert Enrollment.objects.get(user=user).target_date is None
        assert '<p class="message success">Target date for ML Engineer cleared.</p>' in (
            response.text
        )

    def test_setting_it_without_javascript_says_so(self, learner_client, user, engineer):
        """The hours said "Your plan is updated."; a target date said nothing."""
        target = in_days(56)
        response = learner_client.post(
            target_url(engineer), {"target_date": target.isoformat()}, follow=True
        )
        assert (
            '<p class="message success">Target date for ML Engineer set: '
            f"{target.day} {target:%B %Y}.</p>"
        ) in response.text

    def test_clearing_ignores_whatever_is_in_the_date_field(self, learner_client, user, engineer):
        Enrollment.objects.filter(user=user).update(target_date=in_days(9))
        response = learner_client.post(
            target_url(engineer), {"target_date": "garbage", "clear": "1"}, **HTMX
        )
        assert response.status_code == 200
        assert "Nothing was changed" not in response.text
        # Said where the plan is: the plan alone again, without its target sentence, left the
        # learner to notice what was gone.
        assert response.text.lstrip().startswith(
            '<p class="message success said">Target date cleared.</p>'
        )
        assert Enrollment.objects.get(user=user).target_date is None

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("yesterday", "Enter a date like 2027-03-31 for your target."),
            ("2027-02-30", "Enter a date like 2027-03-31 for your target."),
            ("99999-01-01", "Enter a date like 2027-03-31 for your target."),
            ("\x00", "Enter a date like 2027-03-31 for your target."),
            # Read as month/day, it was 2 January to one who meant 1 February.
            ("01/02/2027", "Enter a date like 2027-03-31 for your target."),
            ("<past>", "Choose a target date after today"),
            ("<today>", "Choose a target date after today"),
            ("<in 11 years>", "Choose a target date within ten years."),
            # "Set target" with an empty field (or a date partly typed, which a browser sends
            # as empty) cleared the target without a word, or did nothing.
            ("", "Choose a date first: the date field is empty (or only partly filled in)."),
        ],
    )
    @pytest.mark.parametrize("htmx", [True, False])
    def test_hostile_dates_are_refused_with_a_message_and_nothing_stored(
        self, learner_client, user, engineer, value, message, htmx
    ):
        kept = in_days(30)
        Enrollment.objects.filter(user=user).update(target_date=kept)
        value = {
            "<past>": in_days(-1).isoformat(),
            "<today>": in_days(0).isoformat(),
            "<in 11 years>": in_days(11 * 366).isoformat(),
        }.get(value, value)
        response = learner_client.post(
            target_url(engineer), {"target_date": value}, **(HTMX if htmx else {})
        )
        assert response.status_code == 422
        assert message in response.text
        assert "Nothing was changed." in response.text
        assert Enrollment.objects.get(user=user).target_date == kept

    def test_a_track_not_followed_or_unknown_is_a_404(self, learner_client, user, engineer):
        other = TrackFactory()
        for track_url in (target_url(other), reverse("roadmap:set_target", args=["nope"])):
            for value in (in_days(9).isoformat(), "yesterday"):
                response = learner_client.post(track_url, {"target_date": value})
                assert response.status_code == 404
            response = learner_client.post(track_url, {"target_date": in_days(9)}, **HTMX)
            assert response.status_code == 404
            assert response.text == (
                "You don't follow this track, so it has no plan: follow it first."
            )
        assert not Enrollment.objects.filter(track=other).exists()

    def test_another_learners_target_is_never_touched(self, learner_client, engineer):
        theirs = EnrollmentFactory(track=engineer, target_date=in_days(5))
        learner_client.post(target_url(engineer), {"target_date": in_days(9).isoformat()})
        theirs.refresh_from_db()
        assert theirs.target_date == in_days(5)


@pytest.mark.django_db
def test_a_refused_target_date_marks_its_field_invalid_and_describes_it(learner_client, engineer):
    Enrollment.objects.filter(track=engineer).update(target_date=in_days(60))
    response = learner_client.post(target_url(engineer), {"target_date": "2001-01-01"})
    assert response.status_code == 422
    field = response.text.split('id="target-ml-engineer"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="target-ml-engineer-help"' in field
    assert "autofocus" in field  # without JavaScript, the browser scrolls to the card
    assert 'value="2001-01-01"' in field  # what was typed, to correct it (it was emptied)
    about = described(response.text, "ml-engineer")
    assert "Nothing was changed." in about and "of work left" not in about
    # Not what the date kept needs: read beside the date typed, it seemed to be about that one.
    assert "To finish by" not in about
    # But which date that is: it was out of sight, as if the refused date had cleared it.
    kept = date_format(in_days(60), "j F Y")
    assert f"Nothing was changed. Your target date stays {kept}.</p>" in about
    Enrollment.objects.filter(track=engineer).update(target_date=None)
    response = learner_client.post(target_url(engineer), {"target_date": "2001-01-01"}, **HTMX)
    assert "Nothing was changed.</p>" in described(response.text, "ml-engineer")


@pytest.mark.django_db
def test_a_target_dates_field_is_described_by_what_the_date_needs_not_the_whole_plan(
    learner_client, user, engineer
):
    """It was described by the whole plan: some 300 characters read each time it was reached."""
    user.hours_per_week = 6
    user.save()
    learner_client.post(target_url(engineer), {"target_date": in_days(60).isoformat()})
    page = learner_client.get(DASHBOARD).text
    about = described(page, "ml-engineer")
    assert about.startswith("<p>To finish by ") and "h a week" in about
    assert "of work left" not in about and "finished around" not in about


def described(page, slug):
    """The inner HTML of the element describing a track's target date field."""
    start = page.index(f'<div id="target-{slug}-help">') + len(f'<div id="target-{slug}-help">')
    return page[start : page.index("</div>", start)].strip()
