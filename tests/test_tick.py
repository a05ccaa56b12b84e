import datetime
import itertools
import re
import threading

import pytest
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.middleware import account_mark
from roadmap import progress
from roadmap.forms import NOT_A_WEB_ADDRESS
from roadmap.models import Milestone, Progress, ProgressEvent, Resource, Revision, Status
from roadmap.snapshot import content_changed
from tests.conftest import LATEST, migrate
from tests.factories import (
    PASSWORD,
    MilestoneFactory,
    ProgressFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def status_url(milestone):
    return reverse("roadmap:set_status", args=[milestone.slug])


def details_url(milestone):
    return reverse("roadmap:details", args=[milestone.slug])


@pytest.fixture
def milestone():
    membership = TrackMilestoneFactory(weight=2, track__name="ML Engineer")
    TrackMilestoneFactory(track=membership.track, weight=2)
    return membership.milestone


class TestSetStatus:
    def test_it_creates_the_row_and_one_event(self, user, milestone):
        assert progress.set_status(user=user, milestone=milestone, status=Status.DONE) == "done"
        row = Progress.objects.get(user=user, milestone=milestone)
        assert row.status == Status.DONE
        assert row.completed_at is not None
        event = ProgressEvent.objects.get()
        assert (event.from_status, event.to_status) == (Status.NOT_STARTED, Status.DONE)

    def test_an_unchanged_status_appends_no_event(self, user, milestone):
        progress.set_status(user=user, milestone=milestone, status=Status.IN_PROGRESS)
        progress.set_status(user=user, milestone=milestone, status=Status.IN_PROGRESS)
        assert ProgressEvent.objects.count() == 1

    def test_leaving_done_clears_the_completion_date_and_keeps_the_note(self, user, milestone):
        ProgressFactory(user=user, milestone=milestone, note="keep me")
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        progress.set_status(user=user, milestone=milestone, status=Status.NOT_STARTED)
        row = Progress.objects.get(user=user, milestone=milestone)
        assert row.completed_at is None
        assert row.note == "keep me"
        assert list(ProgressEvent.objects.values_list("from_status", "to_status")) == [
            (Status.IN_PROGRESS, Status.DONE),
            (Status.DONE, Status.NOT_STARTED),
        ]

    def test_the_history_is_in_the_order_the_changes_were_made(self, user, milestone):
        progress.set_status(user=user, milestone=milestone, status=Status.IN_PROGRESS)
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        progress.set_status(user=user, milestone=milestone, status=Status.NOT_STARTED)
        events = list(ProgressEvent.objects.filter(user=user))  # sorted by time, as shown
        assert [(e.from_status, e.to_status) for e in events] == [
            (Status.NOT_STARTED, Status.IN_PROGRESS),
            (Status.IN_PROGRESS, Status.DONE),
            (Status.DONE, Status.NOT_STARTED),
        ]
        row = Progress.objects.get(user=user)
        assert row.updated_at == events[-1].at

    def test_it_refuses_an_unknown_status(self, user, milestone):
        with pytest.raises(ValueError):
            progress.set_status(user=user, milestone=milestone, status="finished")
        assert not Progress.objects.exists()


class TestTickEndpoint:
    def test_htmx_tick_returns_the_control_and_the_track_bars(self, learner_client, milestone):
        response = learner_client.post(status_url(milestone), {"status": "done"}, **HTMX)
        assert response.status_code == 200
        page = response.text
        assert f'id="status-{milestone.slug}"' in page
        assert "checked" in page
        assert 'id="my-progress"' in page
        assert 'hx-swap-oob="true"' in page
        assert "ML Engineer" in page
        said = "50 % · </span>1 of 2 milestones done · weighted: 2 of 4&nbsp;points</span>"
        assert f'<span class="visually-hidden">{said}' in page
        assert response["Vary"] and "HX-Request" in response["Vary"]

    def test_a_milestone_another_process_just_added_can_be_ticked_at_once(
        self, learner_client, milestone
    ):
        from django.db.models import F

        from roadmap.models import Revision

        assert learner_client.get("/").status_code == 200  # this process read the revision
        newer = TrackMilestoneFactory(track=milestone.memberships.get().track, weight=1).milestone
        # Another process's edit: the revision moves on, this process hasn't looked again yet.
        Revision.objects.update(number=F("number") + 1)
        page = learner_client.post(status_url(newer), {"status": "in_progress"}, **HTMX).text
        assert f'id="status-{newer.slug}"' in page
        assert "Not in progress any more" in page
        assert '<span class="visually-hidden">0 % · </span>0 of 3 milestones done' in page

    def test_an_unknown_slug_looks_at_the_revision_once_more_then_is_a_404(
        self, learner_client, milestone, django_assert_max_num_queries
    ):
        assert learner_client.get("/").status_code == 200
        # The session, the user, the content revision.
        with django_assert_max_num_queries(3):
            response = learner_client.post(status_url(milestone).replace(milestone.slug, "nope"))
        assert response.status_code == 404

    def test_ticking_a_milestone_that_is_already_done_shows_its_date(
        self, learner_client, user, milestone
    ):
        earlier = timezone.now() - datetime.timedelta(days=3)
        progress.set_status(user=user, milestone=milestone, status=Status.DONE, now=earlier)
        response = learner_client.post(status_url(milestone), {"status": "done"}, **HTMX)
        assert response.status_code == 200
        local = timezone.localtime(earlier)
        assert (
            f'<time datetime="{local:%Y-%m-%d}">{local.day} {local:%b %Y}</time>' in response.text
        )
        assert ProgressEvent.objects.count() == 1

    @pytest.mark.django_db(transaction=True)  # foreign keys are checked when a write commits
    def test_a_milestone_deleted_a_moment_ago_is_a_404_not_an_error(
        self, learner_client, milestone
    ):
        from django.db.models import F

        from roadmap.models import Revision

        gone = TrackMilestoneFactory(track=milestone.memberships.get().track).milestone
        content_changed()
        assert learner_client.get("/").status_code == 200  # this process read the revision
        slug = gone.slug
        gone.delete()  # by another process: the revision moves on, unseen here for a second
        Revision.objects.update(number=F("number") + 1)
        response = learner_client.post(status_url(gone), {"status": "done"}, **HTMX)
        assert response.status_code == 404
        assert not Progress.objects.filter(milestone__slug=slug).exists()

    def test_a_milestone_archived_while_the_page_was_open_is_a_404_the_page_can_show(
        self, learner_client, milestone, settings
    ):
        settings.DEBUG = True  # as under `make run`: still a short text, not a debug page
        assert learner_client.get("/").status_code == 200
        milestone.is_archived = True
        milestone.save()
        content_changed()
        response = learner_client.post(status_url(milestone), {"status": "done"}, **HTMX)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert response.text.startswith("This milestone is no longer on the roadmap.")
        assert not Progress.objects.exists()

    @pytest.mark.parametrize("status", ["not_started", "in_progress", "done"])
    def test_every_status_on_an_untouched_milestone_answers_with_its_controls(
        self, learner_client, milestone, status
    ):
        assert learner_client.get("/").status_code == 200  # the snapshot of this revision
        for _ in range(2):  # the second time nothing changes
            response = learner_client.post(status_url(milestone), {"status": status}, **HTMX)
            assert response.status_code == 200
            assert f'class="status status-{status}" id="status-{milestone.slug}"' in response.text
            assert response.text.count("<form") == 1

    def test_unticking_marks_not_started(self, learner_client, user, milestone):
        page = learner_client.get("/").text
        assert '<input type="hidden" name="status" value="not_done">' in page  # the box's default
        learner_client.post(status_url(milestone), {"status": "done"}, **HTMX)
        # An unticked checkbox sends only the hidden field.
        response = learner_client.post(status_url(milestone), {"status": "not_done"}, **HTMX)
        assert '<span class="visually-hidden">0 % · </span>0 of 2' in response.text
        assert Progress.objects.get(user=user).status == Status.NOT_STARTED

    def test_unticking_puts_back_the_status_before_the_tick(self, learner_client, user, milestone):
        """A milestone in progress, ticked by mistake and unticked at once, was "Not started":
        the in-progress mark lost, and its hours counted whole again in the plan."""
        for status in ("in_progress", "done"):
            learner_client.post(status_url(milestone), {"status": status}, **HTMX)
        response = learner_client.post(status_url(milestone), {"status": "not_done"}, **HTMX)
        assert f'class="status status-in_progress" id="status-{milestone.slug}"' in response.text
        assert "Marked in progress." in response.text
        assert Progress.objects.get(user=user).status == Status.IN_PROGRESS
        steps = ProgressEvent.objects.order_by("at").values_list("from_status", "to_status")
        assert list(steps)[-1] == (Status.DONE, Status.IN_PROGRESS)
        # Without JavaScript too, and the message says so.
        learner_client.post(status_url(milestone), {"status": "done"}, follow=True)
        response = learner_client.post(status_url(milestone), {"status": "not_done"})
        said = [str(m) for m in messages.get_messages(response.wsgi_request)]
        assert said == [f"Marked in progress: {milestone.title}."]
        assert Progress.objects.get(user=user).status == Status.IN_PROGRESS

    def test_an_untick_sent_again_or_from_an_older_tab_changes_nothing(
        self, learner_client, user, milestone
    ):
        """The box left unticked says "not done": a second one (a double submit, a tab that
        still shows it done) found it in progress and marked it not started. And Save pressed
        without JavaScript on one in progress, the box not ticked, lost the in-progress mark."""
        for status in ("in_progress", "done", "not_done", "not_done"):
            learner_client.post(status_url(milestone), {"status": status}, **HTMX)
        assert Progress.objects.get(user=user).status == Status.IN_PROGRESS
        assert ProgressEvent.objects.count() == 3
        learner_client.post(status_url(milestone), {"status": "not_done"})
        assert Progress.objects.get(user=user).status == Status.IN_PROGRESS

    @pytest.mark.parametrize(("minutes", "kept"), [(2, True), (11, False)])
    def test_a_slip_unticked_and_ticked_again_keeps_the_day_it_was_done(
        self, learner_client, user, milestone, minutes, kept
    ):
        """Unticked by mistake and ticked again at once, a milestone done weeks ago was done
        "today": its day, week, streak and pace all moved."""
        done_at = timezone.now() - datetime.timedelta(days=25)
        progress.set_status(user=user, milestone=milestone, status="done", now=done_at)
        untick_at = timezone.now() - datetime.timedelta(minutes=minutes)
        progress.set_status(user=user, milestone=milestone, status="not_done", now=untick_at)
        response = learner_client.post(status_url(milestone), {"status": "done"}, **HTMX)
        row = Progress.objects.get(user=user)
        assert row.status == Status.DONE
        assert (row.completed_at == done_at) is kept
        shown = date_format(timezone.localtime(row.completed_at), "j M Y")
        assert f'Done on <time datetime="{row.completed_at:%Y-%m-%d}">{shown}</time>' in (
            response.text
        )
        assert ProgressEvent.objects.filter(user=user).count() == 3

    def test_a_second_slip_undone_keeps_the_first_day_too(self, user, milestone):
        done_at = timezone.now() - datetime.timedelta(days=25)
        progress.set_status(user=user, milestone=milestone, status="done", now=done_at)
        for minutes in (5, 3):
            at = timezone.now() - datetime.timedelta(minutes=minutes)
            progress.set_status(user=user, milestone=milestone, status="not_done", now=at)
            progress.set_status(user=user, milestone=milestone, status="done", now=at)
        assert Progress.objects.get(user=user).completed_at == done_at

    @pytest.mark.django_db(transaction=True)
    def test_two_unticks_at_once_put_back_the_status_once(self, user, milestone):
        for status in ("in_progress", "done"):
            progress.set_status(user=user, milestone=milestone, status=status)

        def untick():
            client = Client()
            client.force_login(user)
            client.post(status_url(milestone), {"status": "not_done"}, **HTMX)

        assert run_at_once(untick, untick) == []
        assert Progress.objects.get(user=user).status == Status.IN_PROGRESS
        assert ProgressEvent.objects.filter(from_status=Status.DONE).count() == 1

    @pytest.mark.parametrize(
        "shown, button", [("in_progress", "not_started"), ("not_started", "in_progress")]
    )
    def test_the_in_progress_button_of_an_older_page_never_undoes_a_tick(
        self, learner_client, user, milestone, shown, button
    ):
        # The page shows the milestone not done; in another tab it was ticked since.
        progress.set_status(user=user, milestone=milestone, status=shown)
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        done_at = Progress.objects.get(user=user).completed_at
        events = ProgressEvent.objects.count()
        response = learner_client.post(
            status_url(milestone), {"status": ["not_done", button]}, **HTMX
        )
        assert "Already done: it was ticked elsewhere." in response.text
        assert f'aria-describedby="state-{milestone.slug}" checked>' in response.text  # ticked
        # Seen too, not only heard: the card just turned to done. Heard once: not again in
        # the checkbox's description, where focus goes.
        state = response.text.split(f'id="state-{milestone.slug}">')[1].split("</p>")[0]
        assert "elsewhere" not in state
        note = '<p class="state state-note">It was ticked elsewhere, in another tab or window.'
        assert note in response.text
        row = Progress.objects.get(user=user)
        assert (row.status, row.completed_at) == (Status.DONE, done_at)
        assert ProgressEvent.objects.count() == events
        # Without JavaScript, the message says so too.
        learner_client.post(status_url(milestone), {"status": ["not_done", button]})
        assert "Already done: " + milestone.title in learner_client.get("/").text
        assert Progress.objects.get(user=user).status == Status.DONE

    def test_a_ticked_checkbox_wins_over_the_hidden_default(self, learner_client, user, milestone):
        learner_client.post(status_url(milestone), {"status": ["not_done", "done"]}, **HTMX)
        assert Progress.objects.get(user=user).status == Status.DONE

    def test_in_progress_is_a_button_that_says_what_it_does(self, learner_client, user, milestone):
        page = learner_client.get("/").text
        assert 'value="in_progress" aria-label="Mark in progress: ' in page
        # The button sends its value after the form's hidden "not_done": the last one wins.
        response = learner_client.post(
            status_url(milestone), {"status": ["not_done", "in_progress"]}, **HTMX
        )
        assert 'value="not_started" aria-label="Not in progress any more: ' in response.text
        assert "Mark in progress" not in response.text
        assert Progress.objects.get(user=user).status == Status.IN_PROGRESS
        learner_client.post(status_url(milestone), {"status": ["not_done", "not_started"]}, **HTMX)
        assert Progress.objects.get(user=user).status == Status.NOT_STARTED

    def test_without_javascript_it_redirects_to_the_milestone(self, learner_client, milestone):
        response = learner_client.post(status_url(milestone), {"status": "done"})
        assert response.status_code == 302
        assert response["Location"] == f"/?track=all#{milestone.slug}"
        page = learner_client.get("/").text
        assert f'id="done-{milestone.slug}" name="status" value="done"' in page
        assert "Done on" in page
        # Said at the top too: with done milestones hidden the page opens there, not at it.
        assert f'<p class="message success">Marked done: {milestone.title}.</p>' in page
        learner_client.post(status_url(milestone), {"status": "not_done"})
        assert f"Marked not started: {milestone.title}." in learner_client.get("/").text
        learner_client.post(status_url(milestone), {"status": "in_progress"})
        assert f"Marked in progress: {milestone.title}." in learner_client.get("/").text

    def test_without_javascript_it_goes_back_to_the_page_the_tick_came_from(
        self, learner_client, milestone
    ):
        engineer = milestone.tracks.get()
        page = learner_client.get(f"/?track={engineer.slug}").text
        assert f'name="next" value="/?track={engineer.slug}"' in page
        for came_from, back_to in [
            (f"/?track={engineer.slug}", f"/?track={engineer.slug}#{milestone.slug}"),
            (f"/?track={engineer.slug}#elsewhere", f"/?track={engineer.slug}#{milestone.slug}"),
            ("https://evil.example/", f"/?track=all#{milestone.slug}"),
            ("dashboard", f"dashboard#{milestone.slug}"),  # a relative address, not a URL name
            ("?track=all", f"?track=all#{milestone.slug}"),
        ]:
            response = learner_client.post(
                status_url(milestone), {"status": "done", "next": came_from}
            )
            assert response["Location"] == back_to

    @pytest.mark.parametrize("status", ["finished", "", "DONE", "done'--"])
    def test_a_status_outside_the_choices_is_a_400_with_a_message(
        self, learner_client, milestone, status
    ):
        response = learner_client.post(status_url(milestone), {"status": status}, **HTMX)
        assert response.status_code == 400
        assert "Choose" in response.text
        assert not Progress.objects.exists()

    def test_an_unknown_or_archived_milestone_is_a_404(self, learner_client):
        archived = MilestoneFactory(is_archived=True)
        assert (
            learner_client.post("/milestones/nope/status/", {"status": "done"}).status_code == 404
        )
        assert learner_client.post(status_url(archived), {"status": "done"}).status_code == 404
        assert not Progress.objects.exists()

    def test_get_is_not_allowed_on_the_status_url(self, learner_client, milestone):
        # A GET (the address a refused tick left in the address bar) goes to the milestone.
        response = learner_client.get(status_url(milestone))
        location = f"/?track=all#{milestone.slug}"  # shown there, whatever the learner follows
        assert (response.status_code, response["Location"]) == (302, location)
        assert learner_client.put(status_url(milestone)).status_code == 405
        assert learner_client.put(details_url(milestone)).status_code == 405

    def test_without_javascript_a_milestone_archived_meanwhile_says_so(
        self, learner_client, milestone, settings
    ):
        """The page said only "There is nothing at this address", and under `make run` it was
        Django's technical page."""
        milestone.is_archived = True
        milestone.save()
        content_changed()
        for debug in (False, True):
            settings.DEBUG = debug
            response = learner_client.post(status_url(milestone), {"status": "done"})
            assert response.status_code == 404
            assert "<h1>Not found</h1>" in response.text
            assert "This milestone is no longer on the roadmap." in response.text
        assert not Progress.objects.exists()

    def test_a_missing_csrf_token_is_refused(self, csrf_client, user, milestone):
        csrf_client.force_login(user)
        assert csrf_client.post(status_url(milestone), {"status": "done"}).status_code == 403
        assert csrf_client.post(details_url(milestone), {"note": "x"}).status_code == 403
        assert not Progress.objects.exists()

    def test_the_token_from_the_page_is_accepted(self, csrf_client, user, milestone):
        csrf_client.force_login(user)
        page = csrf_client.get("/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        # As htmx sends it: the header from the page's body, the form's field with it.
        response = csrf_client.post(
            status_url(milestone),
            {"status": "done", "csrfmiddlewaretoken": token},
            HTTP_X_CSRFTOKEN=token,
            **HTMX,
        )
        assert response.status_code == 200
        (answered,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        # The answer's form has a token the next tick is accepted with.
        response = csrf_client.post(
            status_url(milestone), {"status": "not_done", "csrfmiddlewaretoken": answered}
        )
        assert response.status_code == 302
        assert Progress.objects.get(user=user).status == Status.NOT_STARTED

    def test_an_anonymous_htmx_request_is_sent_to_the_login_page(self, client, milestone):
        response = client.post(status_url(milestone), {"status": "done"}, **HTMX)
        assert response.status_code == 200
        assert response["HX-Redirect"] == "/accounts/login/?next=/"
        assert not Progress.objects.exists()

    def test_a_tick_after_the_session_ended_comes_back_to_the_milestone(self, client, milestone):
        target = f"status-{milestone.slug}"
        response = client.post(
            status_url(milestone), {"status": "done"}, HTTP_HX_TARGET=target, **HTMX
        )
        assert response["HX-Redirect"] == f"/accounts/login/?next=/%23{target}"
        page = client.get(response["HX-Redirect"]).text
        # A change the learner made and may think kept: told it wasn't.
        assert (
            "Your session had ended: that change was not saved. Log in and make it again." in page
        )
        assert f'name="next" value="/#{target}"' in page
        # Heard where the cursor lands (the username): said before it on load, it was not.
        username = re.search(r"<input [^>]*name=\"username\"[^>]*>", page)[0]
        assert 'aria-describedby="flash"' in username
        assert "autofocus" in username
        assert 'aria-describedby="flash"' not in client.get(reverse("login")).text  # nothing said

    def test_the_answer_says_it_too_for_a_page_that_stays(self, client, milestone):
        """A learner who stays on the page (a note typed elsewhere on it) saw the tick stand, as
        if saved: the page says what the answer says, and undoes the tick."""
        response = client.post(status_url(milestone), {"status": "done"}, **HTMX)
        assert response["Content-Type"].startswith("text/plain")
        assert response.text == (
            "Your session had ended: that change was not saved. Log in and make it again."
        )

    def test_a_part_of_a_learners_page_asked_for_after_the_session_ended_goes_to_login(
        self, client, user
    ):
        """A focus link swapped in the visitor's roadmap, with "Sign up" under every milestone,
        below the learner's own header and percentages, and nothing said."""
        headers = {"HTTP_X_ACCOUNT": account_mark(user), "HTTP_HX_TARGET": "roadmap-body"}
        response = client.get("/?track=ml-engineer", **headers, **HTMX)
        # Back, after the login, to the page the learner was on (HX-Current-URL), where it was.
        assert response["HX-Redirect"] == "/accounts/login/?next=/%23roadmap-body"
        page = client.get(response["HX-Redirect"]).text
        assert "Your session has ended. Log in again to carry on." in page
        # A visitor's page sends no account: a visitor's answer.
        assert "HX-Redirect" not in client.get("/?track=ml-engineer", **HTMX)

    def test_without_javascript_a_form_sent_after_the_session_ended_says_so_and_comes_back(
        self, client, user
    ):
        """The login page said nothing, and the learner landed at the top of the roadmap, in
        another view than the one they were using (or on the roadmap, from the dashboard)."""
        for url, came_from in (
            (reverse("roadmap:hide_done"), "http://testserver/?track=ml-engineer"),
            (reverse("roadmap:changes_seen"), "http://testserver/dashboard/"),
        ):
            response = client.post(url, {"hide": "1"}, HTTP_REFERER=came_from)
            path = came_from.removeprefix("http://testserver")
            assert response["Location"] == redirect_to_login(path)["Location"]
            page = client.get(response["Location"]).text
            assert "Your session had ended: that change was not saved." in page
        # A page of another site, or of another port, is no place to come back to: the form's
        # own page is (the roadmap, for Dismiss), or the page its `next` names.
        for elsewhere in ("https://evil.example/dashboard/", "http://testserver:8000/dashboard/"):
            response = client.post(url, HTTP_REFERER=elsewhere)
            assert response["Location"] == redirect_to_login("/")["Location"]
        response = client.post(url, {"next": "/dashboard/"})  # a browser that sends no Referer
        assert response["Location"] == redirect_to_login("/dashboard/")["Location"]
        # A path that is another site's address once rebuilt: no.
        response = client.post(url, HTTP_REFERER="http://testserver//evil.example/x")
        assert response["Location"] == redirect_to_login("/")["Location"]

    def test_without_javascript_a_tick_sent_after_the_session_ended_comes_back_to_it(
        self, client, milestone
    ):
        """In the view the learner was using, at the milestone: on a long page, not at its top."""
        response = client.post(
            status_url(milestone),
            {"status": "done", "next": "/?track=ml-engineer"},
            HTTP_REFERER="http://testserver/?track=ml-engineer",
        )
        page = f"/?track=ml-engineer#{milestone.slug}"
        assert response["Location"] == redirect_to_login(page)["Location"]
        response = client.post(status_url(milestone), {"status": "done"})  # nothing to go by
        page = f"/?track=all#{milestone.slug}"
        assert response["Location"] == redirect_to_login(page)["Location"]
        assert not Progress.objects.exists()

    def test_a_look_after_the_session_ended_is_told_only_to_log_in(self, client):
        response = client.get(reverse("roadmap:dashboard"), **HTMX)
        page = client.get(response["HX-Redirect"]).text
        assert "Your session has ended. Log in again to carry on." in page

    def test_a_logged_in_learner_sent_on_to_the_login_page_is_not_told_their_session_ended(
        self, client, user
    ):
        # A `next` that points at the login page: the learner's session is fine, so htmx gets
        # the plain redirect the form asked for.
        client.force_login(user)
        response = client.post(
            reverse("choose_tracks"),
            {"tracks": [TrackFactory().pk], "next": "/accounts/login/"},
            **HTMX,
        )
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
        assert "HX-Redirect" not in response

    def test_an_anonymous_form_post_is_redirected_to_log_in(self, client, milestone):
        response = client.post(status_url(milestone), {"status": "done"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_one_learners_tick_never_touches_another_learners_progress(self, client, milestone):
        theirs = ProgressFactory(milestone=milestone, status=Status.IN_PROGRESS, note="theirs")
        me = UserFactory()
        client.force_login(me)
        client.post(status_url(milestone), {"status": "done"}, **HTMX)
        client.post(details_url(milestone), {"note": "mine"}, **HTMX)
        theirs.refresh_from_db()
        assert (theirs.status, theirs.note) == (Status.IN_PROGRESS, "theirs")
        assert Progress.objects.get(user=me).note == "mine"

    def test_the_roadmap_never_shows_another_learners_progress(self, client, milestone):
        ProgressFactory(milestone=milestone, status=Status.IN_PROGRESS, note="a private note")
        client.force_login(UserFactory())
        page = client.get("/").text
        assert "a private note" not in page
        assert f'id="status-{milestone.slug}"' in page  # the learner's own box, and its state:
        assert f'class="status status-not_started" id="status-{milestone.slug}"' in page
        assert f'<p class="state" id="state-{milestone.slug}">Not started</p>' in page

    @pytest.mark.django_db(transaction=True)
    def test_a_tick_runs_a_constant_number_of_queries(self, client, django_assert_max_num_queries):
        membership = TrackMilestoneFactory()
        client.force_login(UserFactory())
        assert client.get("/").status_code == 200  # this process has the roadmap's content
        for status in ("in_progress", "done"):  # the first tick creates the row, then updates
            # The session, the user; BEGIN, the learner's row on the milestone (locked), insert
            # or update it, insert the event, COMMIT; then the learner's rows and followed
            # tracks for the progress bars. Done within ten minutes of the row's last change:
            # also its last event (an untick undone keeps the day it was done on).
            with django_assert_max_num_queries(9 if status == "in_progress" else 10):
                response = client.post(status_url(membership.milestone), {"status": status}, **HTMX)
            assert response.status_code == 200
        # Unticked: the same nine, and after the locked row the status its tick came from
        # (the latest event to done).
        with django_assert_max_num_queries(10):
            response = client.post(status_url(membership.milestone), {"status": "not_done"}, **HTMX)
        assert "status-in_progress" in response.text


class TestDetails:
    def test_the_editors_fields_are_named_by_their_milestone(self, learner_client, milestone):
        """Two editors open at once had two fields named "Note" (and two "Evidence link")."""
        html = learner_client.get(details_url(milestone), **HTMX).text
        hidden = '<span class="visually-hidden">'
        assert f">Note{hidden} on {milestone.title}</span></label>" in html
        assert f">Evidence link{hidden} for {milestone.title}</span></label>" in html

    def test_it_saves_a_note_and_evidence_and_shows_them_back(
        self, learner_client, user, milestone
    ):
        response = learner_client.post(
            details_url(milestone),
            {"note": "Used the UCI wine data.", "evidence_url": "https://github.com/me/wine"},
            **HTMX,
        )
        assert response.status_code == 200
        assert "Used the UCI wine data." in response.text
        assert 'href="https://github.com/me/wine" rel="nofollow noopener ugc"' in response.text
        # Told to a screen reader through the page's live region, which is there already.
        announcement = response.text.split('id="progress-announcement"')[1].split("</div>")[0]
        assert announcement.endswith(f'hx-swap-oob="innerHTML">Note saved: {milestone.title}.')
        row = Progress.objects.get(user=user)
        assert (row.note, row.evidence_url, row.status) == (
            "Used the UCI wine data.",
            "https://github.com/me/wine",
            Status.NOT_STARTED,
        )

    def test_a_note_saved_in_another_tab_since_the_editor_opened_is_not_overwritten(
        self, learner_client, user, milestone
    ):
        """Two editors open, in two tabs: the second save replaced the first without a word."""

        def opened_with(html):
            return re.search(r'name="opened_with" value="([0-9a-f]+)"', html).group(1)

        tab_a = opened_with(learner_client.get(details_url(milestone), **HTMX).text)
        tab_b = opened_with(learner_client.get(details_url(milestone)).text)  # its own page
        saved = {"note": "From tab A", "evidence_url": "", "opened_with": tab_a}
        assert learner_client.post(details_url(milestone), saved, **HTMX).status_code == 200
        mine = {"note": "From tab B", "evidence_url": "https://github.com/me/b"}
        response = learner_client.post(
            details_url(milestone), {**mine, "opened_with": tab_b}, **HTMX
        )
        assert response.status_code == 422
        text = response.text
        assert "Not saved: this note was changed in another tab or window" in text
        assert '<p class="note">From tab A<br>No evidence link.</p>' in text
        assert ">From tab B</textarea>" in text  # what was typed stays, to save again
        assert (
            f'aria-describedby="note-{milestone.slug}-elsewhere note-{milestone.slug}-help">'
            in text
        )
        assert Progress.objects.get(user=user).note == "From tab A"
        # Without JavaScript, the same on the editor's page.
        response = learner_client.post(details_url(milestone), {**mine, "opened_with": tab_b})
        assert response.status_code == 422
        assert "<h1>Note and evidence</h1>" in response.text
        assert "Save again to replace it with what is below, or Cancel to keep it." in (
            response.text
        )
        # Saved again, knowing: it replaces tab A's.
        again = {**mine, "opened_with": opened_with(text)}
        assert learner_client.post(details_url(milestone), again, **HTMX).status_code == 200
        row = Progress.objects.get(user=user)
        assert (row.note, row.evidence_url) == (mine["note"], mine["evidence_url"])
        # The same text saved in both tabs is no clash; a form that doesn't say what it opened
        # with (an older page) is saved as before.
        same = {**mine, "opened_with": tab_b}
        assert learner_client.post(details_url(milestone), same, **HTMX).status_code == 200
        response = learner_client.post(details_url(milestone), {"note": "Older page"}, **HTMX)
        assert response.status_code == 200
        assert Progress.objects.get(user=user).note == "Older page"

    @pytest.mark.parametrize("htmx", [True, False])
    def test_an_editor_opened_for_another_account_saves_nothing_into_this_one(
        self, client, user, milestone, htmx
    ):
        """A shared computer: an editor left open by one learner, who logged out, saved into
        the account of the next one to log in, and its clash box showed that one's note."""
        client.force_login(user)
        editor = client.get(details_url(milestone)).text
        author = re.search(r'name="author" value="([^"]+)"', editor)[1]
        client.logout()
        next_one = UserFactory()
        client.force_login(next_one)
        progress.save_details(user=next_one, milestone=milestone, note="Mine", evidence_url="")
        form = {"note": "Typed by the first", "author": author}
        response = client.post(details_url(milestone), form, **(HTMX if htmx else {}))
        assert response.status_code == 409
        assert "Mine" not in response.text
        if htmx:  # said above the editor, which stays
            assert "This page is of another account than the one logged in now" in response.text
        else:  # the editor is gone: what it held is on the page, to copy
            assert "opened for another account than the one logged in now" in response.text
            assert ">Typed by the first</textarea>" in response.text
        assert Progress.objects.get(user=next_one).note == "Mine"
        assert not Progress.objects.filter(user=user).exists()

    def test_a_clash_on_a_milestone_without_a_row_stores_nothing(
        self, learner_client, user, milestone
    ):
        """Nothing saved, yet an empty row was made: in the export, and newer than a file's."""
        form = {"note": "New", "opened_with": "not-a-fingerprint"}
        assert learner_client.post(details_url(milestone), form, **HTMX).status_code == 422
        assert not Progress.objects.exists()

    def test_an_opened_with_that_is_no_fingerprint_is_a_clash_said_and_undone(
        self, learner_client, user, milestone
    ):
        """One over 64 characters was refused with no message, again at each save."""
        progress.save_details(user=user, milestone=milestone, note="Saved", evidence_url="")
        form = {"note": "New", "opened_with": "x" * 65}
        response = learner_client.post(details_url(milestone), form, **HTMX)
        assert response.status_code == 422
        assert "Not saved: this note was changed in another tab or window" in response.text
        form["opened_with"] = re.search(r'name="opened_with" value="([^"]+)"', response.text)[1]
        assert learner_client.post(details_url(milestone), form, **HTMX).status_code == 200
        assert Progress.objects.get(user=user).note == "New"

    def test_the_editor_says_where_the_evidence_link_shows(self, learner_client, user, milestone):
        """With the public page on, nothing in the editor said the link would be public."""
        help_text = 'id="evidence-{}-help">A repository, notebook, Kaggle profile or deployed API'
        public = "Shown on your public page when the milestone is done; the note stays private."
        editor = learner_client.get(details_url(milestone), **HTMX).text
        assert help_text.format(milestone.slug) in editor
        assert public not in editor
        user.public_profile = True
        user.save()
        assert public in learner_client.get(details_url(milestone), **HTMX).text
        assert public in learner_client.get(details_url(milestone)).text  # its own page

    def test_saving_details_keeps_the_status(self, learner_client, user, milestone):
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        learner_client.post(details_url(milestone), {"note": "done it"}, **HTMX)
        assert Progress.objects.get(user=user).status == Status.DONE

    @pytest.mark.parametrize(
        "url",
        [
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "ftp://x.org/a",
            "not a url",
        ],
    )
    def test_it_refuses_a_link_that_is_not_http(self, learner_client, milestone, url):
        response = learner_client.post(
            details_url(milestone), {"note": "n", "evidence_url": url}, **HTMX
        )
        assert response.status_code == 422
        assert response.text.count(NOT_A_WEB_ADDRESS) == 1  # said once
        assert 'aria-invalid="true"' in response.text
        assert not Progress.objects.exists()

    def test_a_link_without_its_scheme_is_a_web_address_as_its_message_says(
        self, learner_client, user, milestone
    ):
        response = learner_client.post(
            details_url(milestone), {"note": "", "evidence_url": "github.com/me/wine"}, **HTMX
        )
        assert response.status_code == 200
        assert Progress.objects.get(user=user).evidence_url == "https://github.com/me/wine"

    @pytest.mark.parametrize(
        "url", ["https://example.com:99999/", "https://[::1]:65536/x", "http://example.com:0/"]
    )
    def test_it_refuses_a_link_with_a_port_no_address_can_have(
        self, learner_client, milestone, url
    ):
        """Stored, it was a dead link on the roadmap, the public page and the export."""
        response = learner_client.post(
            details_url(milestone), {"note": "n", "evidence_url": url}, **HTMX
        )
        assert response.status_code == 422
        assert "port" in response.text
        assert not Progress.objects.exists()

    @pytest.mark.parametrize(
        ("url", "said"),
        [
            ('https://a.example/"><script>alert(1)</script>', "no quotes or angle brackets"),
            ("https://a.example/<b>", "no quotes or angle brackets"),
            ("https://a.example\\@b.example/", 'nor a backslash before its "?"'),
            ("https://ada:s3cret@github.com/ada/wine", "Leave the user name and password out"),
            ("https://ada@github.com/ada/wine", "everyone who sees the link would read them"),
        ],
    )
    def test_it_refuses_a_link_with_quotes_or_a_password(
        self, learner_client, milestone, url, said
    ):
        """Stored as typed, the first was not an address; the others showed a password on the
        public page."""
        response = learner_client.post(
            details_url(milestone), {"note": "n", "evidence_url": url}, **HTMX
        )
        assert response.status_code == 422
        assert said in response.text.replace("&quot;", '"')
        assert not Progress.objects.exists()
        # An @ in the path, quotes encoded, a backslash in the query (as a browser keeps it).
        url = "https://medium.com/@ada/wine?q=%22red%22&dir=C:\\data"
        learner_client.post(details_url(milestone), {"note": "", "evidence_url": url}, **HTMX)
        assert Progress.objects.get().evidence_url == url

    def test_a_link_with_a_port_is_kept(self, learner_client, milestone):
        url = "http://localhost:8888/notebooks/wine.ipynb"
        learner_client.post(details_url(milestone), {"note": "", "evidence_url": url}, **HTMX)
        assert Progress.objects.get().evidence_url == url

    @pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\u202a"])
    def test_it_refuses_a_link_with_text_turned_around(self, learner_client, milestone, mark):
        """Shown as the link's text on the public page, the address after an override read
        backwards: "https://example.com/\u202emoc.elgoog" looks like it ends in google.com."""
        response = learner_client.post(
            details_url(milestone),
            {"note": "n", "evidence_url": f"https://example.com/{mark}moc.elgoog"},
            **HTMX,
        )
        assert response.status_code == 422
        assert "Remove the invisible characters that change the direction" in response.text
        assert not Progress.objects.exists()

    def test_it_refuses_a_note_over_two_thousand_characters(self, learner_client, milestone):
        response = learner_client.post(details_url(milestone), {"note": "x" * 2001}, **HTMX)
        assert response.status_code == 422
        assert "Keep the note to 2000 characters (it has 2001)" in response.text
        assert not Progress.objects.exists()

    def test_without_javascript_errors_show_on_the_details_page(self, learner_client, milestone):
        response = learner_client.post(
            details_url(milestone), {"note": "draft", "evidence_url": "javascript:alert(1)"}
        )
        assert response.status_code == 422
        assert "<h1>Note and evidence</h1>" in response.text
        assert NOT_A_WEB_ADDRESS in response.text
        assert ">draft</textarea>" in response.text

    def test_the_form_opens_inline_with_the_saved_values(self, learner_client, user, milestone):
        progress.save_details(
            user=user, milestone=milestone, note="so far", evidence_url="https://x.org/nb"
        )
        response = learner_client.get(details_url(milestone), **HTMX)
        assert response.status_code == 200
        assert ">so far</textarea>" in response.text
        assert 'value="https://x.org/nb"' in response.text
        assert "<html" not in response.text
        shown = learner_client.get(details_url(milestone) + "?show=saved", **HTMX).text
        assert "Edit note and evidence" in shown

    def test_without_javascript_the_form_is_a_page(self, learner_client, milestone):
        response = learner_client.get(details_url(milestone))
        assert response.status_code == 200
        assert "<h1>Note and evidence</h1>" in response.text
        assert f'action="/milestones/{milestone.slug}/details/"' in response.text
        # With JavaScript on this page too (a link opened in a new tab) its form is a plain
        # form: Save and Cancel lead back to the roadmap, where the note shows. By htmx, the
        # save was said to no screen reader, and Cancel left a lone "Add a note or evidence"
        # link on an otherwise empty page.
        assert '<div class="editor-page" hx-disable>' in response.text

    def test_nobody_reads_another_learners_note_through_the_form(self, learner_client, milestone):
        ProgressFactory(milestone=milestone, note="their secret", evidence_url="https://s.org")
        response = learner_client.get(details_url(milestone), **HTMX)
        assert "their secret" not in response.text
        assert "https://s.org" not in response.text

    def test_without_javascript_success_redirects_to_the_milestone(self, learner_client, milestone):
        response = learner_client.post(details_url(milestone), {"note": "ok"})
        assert response.status_code == 302
        assert response["Location"] == f"/?track=all#{milestone.slug}"
        page = learner_client.get(response["Location"]).text
        assert f'<p class="message success">Note saved: {milestone.title}.</p>' in page

    def test_without_javascript_it_goes_back_to_the_roadmap_view_it_came_from(
        self, learner_client, milestone
    ):
        page = learner_client.get(
            details_url(milestone), headers={"Referer": "http://testserver/?track=data-scientist"}
        ).text
        assert 'name="next" value="/?track=data-scientist"' in page
        assert f'href="/?track=data-scientist#{milestone.slug}">← Back to the roadmap' in page
        response = learner_client.post(
            details_url(milestone), {"note": "ok", "next": "/?track=data-scientist"}
        )
        assert response["Location"] == f"/?track=data-scientist#{milestone.slug}"
        # From anywhere else (another site, another page), back to the whole roadmap.
        for referer in ("https://evil.example/?track=x", "http://testserver/dashboard/"):
            page = learner_client.get(details_url(milestone), headers={"Referer": referer}).text
            assert 'name="next"' not in page
            assert f'href="/?track=all#{milestone.slug}">← Back to the roadmap' in page

    def test_notes_are_escaped(self, learner_client, user, milestone):
        response = learner_client.post(
            details_url(milestone), {"note": "<script>alert(1)</script> ok"}, **HTMX
        )
        assert "<script>alert(1)" not in response.text
        assert "&lt;script&gt;" in response.text
        assert Progress.objects.get(user=user).note == "<script>alert(1)</script> ok"

    def test_line_breaks_and_tabs_are_kept_as_a_browser_sends_them(
        self, learner_client, user, milestone
    ):
        learner_client.post(details_url(milestone), {"note": " one\r\n\ttwo\r\n"}, **HTMX)
        assert Progress.objects.get(user=user).note == "one\n\ttwo"

    @pytest.mark.parametrize("note", ["a\x07b", "\x1b[31mred", "one\rtwo", "a\x85b", "a\x7fb"])
    def test_other_control_characters_are_refused_with_a_message(
        self, learner_client, milestone, note
    ):
        response = learner_client.post(details_url(milestone), {"note": note}, **HTMX)
        assert response.status_code == 422
        assert "Remove the control characters" in response.text
        assert not Progress.objects.exists()

    @pytest.mark.parametrize("url", ["https://example.com/\x07", "https://example.com/a\x7fb"])
    def test_a_link_with_a_control_character_is_refused(self, learner_client, milestone, url):
        response = learner_client.post(details_url(milestone), {"evidence_url": url}, **HTMX)
        assert response.status_code == 422
        assert NOT_A_WEB_ADDRESS in response.text
        assert not Progress.objects.exists()

    def test_a_null_character_is_refused_with_a_message(self, learner_client, milestone):
        response = learner_client.post(details_url(milestone), {"note": "a\x00b"}, **HTMX)
        assert response.status_code == 422
        assert "Null characters are not allowed" in response.text
        assert not Progress.objects.exists()


class TestNoteOnAMilestoneArchivedMeanwhile:
    """The note was lost: with htmx the page said only "That item no longer exists. Reload the
    page" (and a reload threw the editor away); without JavaScript, a bare 404 (Django's
    technical page under `make run`), and Back a 404 too."""

    @pytest.fixture
    def archived(self, milestone):
        milestone.is_archived = True
        milestone.save()
        content_changed()
        return milestone

    def test_with_htmx_it_says_why_and_that_the_note_waits_in_the_editor(
        self, learner_client, archived
    ):
        response = learner_client.post(details_url(archived), {"note": "my typed note"}, **HTMX)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert response.text.startswith("This milestone is no longer on the roadmap")
        assert "copy your note" in response.text
        assert not Progress.objects.exists()

    @pytest.mark.parametrize("debug", [False, True])
    def test_without_javascript_what_was_typed_is_shown_to_copy(
        self, learner_client, archived, settings, debug
    ):
        settings.DEBUG = debug
        response = learner_client.post(
            details_url(archived), {"note": "my <typed> note", "evidence_url": "https://x.test/"}
        )
        assert response.status_code == 404
        assert "This milestone is no longer on the roadmap" in response.text
        assert "my &lt;typed&gt; note</textarea>" in response.text
        assert 'value="https://x.test/"' in response.text
        assert not Progress.objects.exists()

    def test_its_address_opened_again_says_why(self, learner_client, archived):
        response = learner_client.get(details_url(archived))
        assert response.status_code == 404
        assert "This milestone is no longer on the roadmap." in response.text


class TestNoteAfterTheSessionEnded:
    """A learner writes a long note, and their session ends meanwhile (it expired, or they
    logged out on another tab): what they wrote is not lost, but waits in the note editor
    until they have logged in again. It is not saved until they save it, and it is offered to
    them alone."""

    NOTE = "Three datasets: UCI wine, Kaggle housing, NYC taxi."
    KEPT = "Your session had ended, so your note is not saved yet. Log in: it waits for you"

    @pytest.fixture
    def ended(self, learner_client, milestone):
        """The learner's browser, with the editor open, after the session ended."""
        editor = learner_client.get(details_url(milestone)).text
        learner_client.author = re.search(r'name="author" value="([^"]+)"', editor)[1]
        learner_client.opened_with = re.search(r'name="opened_with" value="([^"]+)"', editor)[1]
        learner_client.session.delete()  # the browser still sends the session's cookie
        return learner_client

    def log_in(self, client, user, next_url):
        response = client.post(
            reverse("login"), {"username": user.username, "password": PASSWORD, "next": next_url}
        )
        assert response["Location"] == next_url
        return client.get(next_url)

    def test_without_javascript_the_note_waits_on_its_page_after_logging_in(
        self, ended, user, milestone
    ):
        data = {"note": self.NOTE, "evidence_url": "https://github.com/me/data"}
        response = ended.post(details_url(milestone), {**data, "author": ended.author})
        assert response["Location"] == f"/accounts/login/?next={details_url(milestone)}"
        assert self.KEPT in ended.get(response["Location"]).text
        assert not Progress.objects.exists()
        page = self.log_in(ended, user, details_url(milestone)).text
        assert "Not saved yet: what you wrote before your session ended." in page
        assert f">{self.NOTE}</textarea>" in page
        # Said to a screen reader with the note, where the cursor is: not only on the page.
        note = re.search(r"<textarea [^>]*>", page)[0]
        assert f'aria-describedby="note-{milestone.slug}-draft note-{milestone.slug}-help"' in note
        assert f'id="note-{milestone.slug}-draft">Not saved yet' in page
        assert 'value="https://github.com/me/data"' in page
        assert "data-unsaved" in page  # Escape and Cancel ask before throwing it away
        assert not Progress.objects.exists()  # until the learner saves it
        # Offered once: after that, the editor shows what is saved.
        again = ended.get(details_url(milestone)).text
        assert self.NOTE not in again
        assert "Not saved yet" not in again

    def test_with_htmx_the_login_leads_to_the_editors_page_where_it_waits(
        self, ended, user, milestone
    ):
        response = ended.post(
            details_url(milestone),
            {"note": self.NOTE, "author": ended.author},
            HTTP_HX_TARGET=f"details-{milestone.slug}",
            **HTMX,
        )
        assert response["HX-Redirect"] == f"/accounts/login/?next={details_url(milestone)}"
        login_page = ended.get(response["HX-Redirect"]).text
        assert self.KEPT in login_page
        assert "that change was not saved" not in login_page  # said once, and rightly
        page = self.log_in(ended, user, details_url(milestone)).text
        assert f">{self.NOTE}</textarea>" in page

    def test_a_kept_note_does_not_overwrite_one_saved_in_another_tab_before_it(
        self, ended, user, milestone
    ):
        """Restored after the login, it was checked against the note saved by then, and so
        replaced the one another tab had saved while this editor was open."""
        progress.save_details(
            user=user, milestone=milestone, note="From tab 2", evidence_url="https://x.org/2"
        )
        mine = {"note": self.NOTE, "author": ended.author, "opened_with": ended.opened_with}
        ended.post(details_url(milestone), mine)
        page = self.log_in(ended, user, details_url(milestone)).text
        assert f">{self.NOTE}</textarea>" in page
        form = {"note": self.NOTE, "author": re.search(r'name="author" value="([^"]+)"', page)[1]}
        form["opened_with"] = re.search(r'name="opened_with" value="([^"]+)"', page)[1]
        response = ended.post(details_url(milestone), form)
        assert response.status_code == 422
        assert "Not saved: this note was changed in another tab or window" in response.text
        assert Progress.objects.get(user=user).note == "From tab 2"

    def test_the_note_is_offered_to_its_author_alone(self, ended, milestone):
        """On a shared computer, the next person to log in was offered it, and told to save
        it into their own account."""
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        someone_else = UserFactory()
        page = self.log_in(ended, someone_else, details_url(milestone)).text
        assert self.NOTE not in page
        assert "Not saved yet" not in page

    def test_the_note_waits_for_its_own_milestone_only(self, ended, user, milestone):
        other = TrackMilestoneFactory(track=milestone.tracks.get()).milestone
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        assert self.NOTE not in self.log_in(ended, user, details_url(other)).text
        assert self.NOTE in ended.get(details_url(milestone)).text

    @pytest.mark.parametrize("author", ["", "1", "1:forged"])
    def test_a_post_that_does_not_say_whose_it_is_keeps_nothing(self, client, milestone, author):
        """Else anyone could store sessions without end, with a made-up cookie."""
        client.cookies["sessionid"] = "made-up"
        response = client.post(details_url(milestone), {"note": self.NOTE, "author": author})
        assert response.status_code == 302
        assert not Session.objects.exists()

    def test_notes_are_kept_for_ten_sessions_an_hour_from_one_address(self, ended, milestone):
        for _ in range(10):
            ended.cookies.pop("sessionid", None)
            ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        assert Session.objects.count() == 10
        ended.cookies.pop("sessionid", None)
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        assert Session.objects.count() == 10

    def test_a_long_note_with_line_breaks_is_kept_whole(self, ended, user, milestone):
        """A browser counts a line break as one character of the 2,000 and sends it as two."""
        note = "\r\n".join(["x" * 99] * 20) + "y"  # 2,000 characters, with 19 breaks of two
        ended.post(details_url(milestone), {"note": note, "author": ended.author})
        page = self.log_in(ended, user, details_url(milestone)).text
        assert note.replace("\r\n", "\n") + "</textarea>" in page

    def test_a_look_at_the_page_without_its_body_leaves_the_note_waiting(
        self, ended, user, milestone
    ):
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        self.log_in(ended, user, details_url(milestone))  # its GET takes the note: post again
        ended.session.delete()
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        ended.post(reverse("login"), {"username": user.username, "password": PASSWORD, "next": "/"})
        assert ended.head(details_url(milestone)).status_code == 200
        assert self.NOTE in ended.get(details_url(milestone)).text

    def test_a_new_password_ends_the_notes_that_wait_as_it_ends_sessions(
        self, ended, user, milestone
    ):
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        user.set_password("another-long-passphrase-9")
        user.save()
        ended.post(
            reverse("login"),
            {"username": user.username, "password": "another-long-passphrase-9", "next": "/"},
        )
        assert self.NOTE not in ended.get(details_url(milestone)).text

    def test_a_form_older_than_a_session_keeps_nothing(self, ended, milestone, settings):
        settings.SESSION_COOKIE_AGE = -1
        ended.post(details_url(milestone), {"note": self.NOTE, "author": ended.author})
        assert not Session.objects.exists()

    def test_a_note_kept_in_another_shape_is_dropped_not_a_500(self, learner_client, milestone):
        session = learner_client.session
        session["note_draft"] = {milestone.slug: {"note": "old", "evidence_url": ""}}
        session.save()
        response = learner_client.get(details_url(milestone))
        assert response.status_code == 200
        assert "note_draft" not in learner_client.session

    def test_nothing_is_kept_for_a_milestone_that_is_not_there(self, ended, milestone):
        url = reverse("roadmap:details", args=["no-such-milestone"])
        response = ended.post(url, {"note": self.NOTE, "author": ended.author})
        assert response.status_code == 302
        assert not Session.objects.exists()

    def test_what_is_kept_is_no_longer_than_a_note_can_be(self, ended, user, milestone):
        data = {"note": "x" * 100_000, "evidence_url": "y" * 9_000, "author": ended.author}
        ended.post(details_url(milestone), data)
        page = self.log_in(ended, user, details_url(milestone)).text
        assert "x" * 2000 + "</textarea>" in page
        assert "x" * 2001 not in page
        assert "y" * 501 not in page


class TestRoadmapPageForLearners:
    def test_it_runs_a_constant_number_of_queries(self, client, django_assert_max_num_queries):
        user = UserFactory()
        client.force_login(user)

        def grow(count):
            for _ in range(count):
                membership = TrackMilestoneFactory()
                progress.set_status(user=user, milestone=membership.milestone, status="done")

        grow(3)
        # The session, the user, the learner's progress rows, the tracks they follow; the
        # roadmap and its weights come from the snapshot, built (9 more queries: the revision,
        # the latest change, sections, milestones, resources, weights, tracks, their milestones,
        # the latest change again) only when the content changes; the learner's visit, once an
        # hour.
        with django_assert_max_num_queries(4 + 9 + 1):
            client.get("/")
        with django_assert_max_num_queries(4):
            client.get("/")
        grow(30)
        content_changed()
        with django_assert_max_num_queries(4 + 9):
            client.get("/")
        with django_assert_max_num_queries(4):
            response = client.get("/")
        assert response.text.count(" checked>") == 33

    def test_the_visitor_sees_an_invitation_instead_of_controls(self, client, milestone):
        page = client.get("/").text
        assert 'type="checkbox"' not in page
        assert "Sign up to track your progress" in page
        next_url = f"/%3Ftrack%3Dall%23{milestone.slug}"  # the milestone, every one shown
        title = milestone.title
        assert (
            f'href="/accounts/signup/?next={next_url}" aria-label="Sign up to tick off: {title}">'
            "Sign up</a>"
        ) in page
        assert (
            f'href="/accounts/login/?next={next_url}" aria-label="Log in to tick off: {title}">'
            "log in</a>"
        ) in page


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_ticking_leave_one_row_matching_the_last_event():
    user, milestone = UserFactory(), MilestoneFactory()
    barrier = threading.Barrier(50)
    errors = []

    def tick(index):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for round_ in range(2):
                status = Status.DONE if (index + round_) % 2 else Status.NOT_STARTED
                progress.set_status(user=user, milestone=milestone, status=status)
        except Exception as error:
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = Progress.objects.filter(user=user, milestone=milestone)
    assert rows.count() == 1
    events = list(ProgressEvent.objects.filter(user=user).order_by("pk"))
    assert events, "no status change was recorded"
    assert rows.get().status == events[-1].to_status
    for before, after in itertools.pairwise(events):
        assert after.from_status == before.to_status
    # Sorted by time, as the history is shown, the chain is the same.
    assert list(ProgressEvent.objects.filter(user=user).order_by("at", "pk")) == events


@pytest.mark.django_db(transaction=True)
def test_notes_saved_while_the_milestone_is_ticked_are_never_lost():
    """On PostgreSQL a note saved at the moment a milestone's first tick (or another note)
    created its row failed on the unique constraint: a 500, and the note was gone."""
    user = UserFactory()
    for milestone in MilestoneFactory.create_batch(5):
        notes = [f"note {i}" for i in range(10)]

        def save(note, milestone=milestone):
            progress.save_details(
                user=user, milestone=milestone, note=note, evidence_url="https://x.org/"
            )

        def tick(status, milestone=milestone):
            progress.set_status(user=user, milestone=milestone, status=status)

        errors = run_at_once(
            *[lambda note=note: save(note) for note in notes],
            *[lambda i=i: tick(Status.DONE if i % 2 else Status.IN_PROGRESS) for i in range(10)],
        )

        assert errors == []
        row = Progress.objects.get(user=user, milestone=milestone)
        assert row.note in notes
        assert row.evidence_url == "https://x.org/"
        last = ProgressEvent.objects.filter(user=user, milestone=milestone).last()
        assert row.status == last.to_status
        assert (row.completed_at is not None) == (row.status == Status.DONE)


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_of_a_first_note_keep_one_and_say_so_to_the_other(user, milestone):
    """Without a row to lock yet, both read an empty note, and the second replaced the first
    (on PostgreSQL) though each editor had opened with none."""
    opened_with, answers = progress.fingerprint("", ""), []
    for _ in range(5):
        Progress.objects.all().delete()
        answers.clear()

        def save(note):
            def call():
                answers.append(
                    progress.save_details(
                        user=user,
                        milestone=milestone,
                        note=note,
                        evidence_url="",
                        opened_with=opened_with,
                    )
                )

            return call

        assert run_at_once(save("From tab A"), save("From tab B")) == []
        kept = Progress.objects.get(user=user).note
        assert sorted(answers, key=bool) == [None, (kept, "")]  # the other was told of it


def store_links(apps, links, **row):
    """Before a migration (`apps` its models): a milestone named by each of `links`, and a
    learner's row on it with the link; yield each milestone and its link."""
    user = UserFactory()  # the accounts app stays at its newest
    section = apps.get_model("roadmap", "Section").objects.create(slug="s", title="S")
    milestones = apps.get_model("roadmap", "Milestone").objects
    for position, (slug, url) in enumerate(links.items()):
        milestone = milestones.create(
            section=section, slug=slug, title=slug, position=position, estimated_hours=2
        )
        apps.get_model("roadmap", "Progress").objects.create(
            user_id=user.pk,
            milestone=milestone,
            note=slug,
            evidence_url=url,
            updated_at=timezone.now(),
            **row,
        )
        yield milestone, url


@pytest.mark.django_db(transaction=True)
def test_migrating_tidies_the_links_with_quotes_or_a_password():
    """Stored before the rule, the learner's own export could not be imported back: the same
    address, quotes encoded; without the password that showed on the public page."""
    apps = migrate([("roadmap", "0017_learner_dates_checked")])
    links = {
        "quotes": ('https://a.example/"x"<y>', "https://a.example/%22x%22%3Cy%3E"),
        "password": ("https://ada:pw@github.com/ada/wine", "https://github.com/ada/wine"),
        "name": ("http://ada@localhost:8888/a", "http://localhost:8888/a"),
        "path": ("https://medium.com/@ada/wine", "https://medium.com/@ada/wine"),
        # A browser opens example.com, Python reads evil.com: cleared, whatever it meant.
        "slash": ("https://example.com\\@evil.com/x", ""),
        "slash-password": ("https://ada:s3\\cret@github.com/ada/wine", ""),  # read apart too
        "query": ("https://github.com/search?q=C:\\Users", "https://github.com/search?q=C:\\Users"),
        "long": ("https://ada:pw@a.example/" + '"' * 250, ""),  # too long encoded: cleared
    }
    stored = {slug: url for slug, (url, _) in links.items()}
    for milestone, url in store_links(apps, stored, status="done", completed_at=timezone.now()):
        milestone.resources.create(title=milestone.slug, url=url)
    revision = apps.get_model("roadmap", "Revision").objects.create(number=7)
    try:
        migrate(LATEST)
        rows = Progress.objects.values_list("milestone__slug", "evidence_url", "note", "status")
        assert {slug: (url, note, status) for slug, url, note, status in rows} == {
            slug: (tidied, slug, "done") for slug, (_, tidied) in links.items()
        }
        # A process that has the roadmap in memory reads it again: its links changed.
        assert Revision.objects.get(pk=revision.pk).number > 7
        # A resource's link can't be cleared: too long encoded, it loses its password alone.
        resources = dict(Resource.objects.values_list("title", "url"))
        assert resources == {  # an editor corrects those left as they were
            **{slug: tidied for slug, (_, tidied) in links.items()},
            "long": "https://a.example/" + '"' * 250,
            "slash": links["slash"][0],
            "slash-password": links["slash-password"][0],
        }
    finally:
        Progress.objects.all().delete()
        Milestone.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_migrating_clears_the_evidence_links_with_a_port_no_address_can_have():
    """Stored before the rule, such a link was dead, and the learner's own export could not be
    imported back: its note and status stay."""
    apps = migrate([("roadmap", "0015_titles_that_show")])
    links = {
        "huge": "https://example.com:99999/x",
        "zero": "http://example.com:0/",
        "six": "https://[::1]:65536/",
        "kept": "http://localhost:8888/notebooks/a.ipynb",
        "v6": "https://[::1]/x",
        "none": "https://github.com/ada/wine",
    }
    list(store_links(apps, links, status="in_progress"))
    try:
        migrate(LATEST)
        rows = Progress.objects.values_list("milestone__slug", "evidence_url", "note", "status")
        assert {slug: (url, note, status) for slug, url, note, status in rows} == {
            slug: ("" if slug in ("huge", "zero", "six") else url, slug, "in_progress")
            for slug, url in links.items()
        }
    finally:
        Progress.objects.all().delete()
        Milestone.objects.all().delete()
