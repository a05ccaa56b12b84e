import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import records
from accounts.models import RetiredUsername
from roadmap.models import Enrollment, Milestone, Progress, ProgressEvent, Section, Track
from tests.conftest import LATEST, migrate
from tests.factories import (
    PASSWORD,
    EnrollmentFactory,
    ProgressEventFactory,
    ProgressFactory,
    TrackFactory,
    UserFactory,
)
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a-brand-new-passphrase-77"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def described_by(tag):
    match = re.search(r'aria-describedby="([^"]*)"', tag)
    return match.group(1).split() if match else []


def input_tag(html, name):
    """The <input> (or <textarea>) whose name is `name`, as text."""
    match = re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


def without_csrf_tokens(html):
    """The page without its CSRF tokens, which are masked afresh on every response."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def signup_data(**overrides):
    return {
        "username": "ada",
        "email": "ada@example.com",
        "password1": "analytical-engine-1843",
        "password2": "analytical-engine-1843",
        **overrides,
    }


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


class TestPageFrame:
    def test_a_visitor_sees_log_in_and_sign_up_in_landmarked_page(self, client):
        html = client.get(reverse("signup")).text
        nav = re.search(r'<nav aria-label="Main">.*?</nav>', html, re.S).group(0)
        assert "Roadmap" in nav
        assert f'href="{reverse("login")}?next=' in nav
        assert f'href="{reverse("signup")}"' in nav
        assert "Log out" not in nav
        for landmark in ("<header", "<nav", "<footer"):
            assert landmark in html
        assert html.count("<main") == 1
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html

    def test_a_learner_sees_their_name_linking_to_the_profile_and_a_log_out_button(
        self, learner_client, user
    ):
        user.display_name = "Ada L."
        user.save()
        html = learner_client.get(reverse("profile")).text
        nav = re.search(r'<nav aria-label="Main">.*?</nav>', html, re.S).group(0)
        assert re.search(rf'<a class="who" href="{reverse("profile")}"[^>]*>Ada L.</a>', nav)
        assert f'<form method="post" action="{reverse("logout")}"' in nav
        assert "Sign up" not in nav


class TestSignup:
    def test_the_form_has_real_labels_for_every_input(self, client):
        html = client.get(reverse("signup")).text
        for name, label in (
            ("username", "Username"),
            ("email", "Email address"),
            ("password1", "Password"),
            ("password2", "Password confirmation"),
        ):
            assert f'<label for="id_{name}">{label}</label>' in html
            assert f'id="id_{name}"' in input_tag(html, name)

    def test_signing_up_logs_the_user_in_and_asks_which_tracks_to_follow(self, client):
        response = client.post(reverse("signup"), signup_data())
        assert response.status_code == 302
        assert response["Location"] == reverse("choose_tracks")
        user = User.objects.get(username="ada")
        assert user.email == "ada@example.com"
        assert user.check_password("analytical-engine-1843")
        assert logged_in_user_id(client) == str(user.pk)
        assert client.get(reverse("profile")).status_code == 200

    def test_it_shows_each_error_next_to_its_field_and_creates_nobody(self, client):
        response = client.post(
            reverse("signup"),
            signup_data(username="", email="not-an-email", password1="12345678", password2="x"),
        )
        assert response.status_code == 422
        html = response.text
        for name, message in (
            ("username", "This field is required."),
            ("email", "Enter a valid email address."),
            ("password2", "The two password fields didn’t match."),
        ):
            error = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', html)
            assert error and message in error.group(1), name
            tag = input_tag(html, name)
            assert 'aria-invalid="true"' in tag
            assert f"id_{name}_error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
        assert not User.objects.exists()
        assert logged_in_user_id(client) is None

    def test_a_fields_error_is_read_before_its_help(self, client):
        """A screen reader read a short password's four rules before what was wrong with it."""
        html = client.post(
            reverse("signup"), signup_data(password1="short", password2="short")
        ).text
        assert described_by(input_tag(html, "password1")) == [
            "id_password1_error",
            "id_password1_helptext",
        ]
        assert described_by(input_tag(html, "username")) == ["id_username_helptext"]

    def test_the_cursor_lands_in_the_first_field_to_fix(self, client):
        """With or without JavaScript: the browser focuses it and scrolls to it."""
        html = client.get(reverse("signup")).text
        assert "autofocus" in input_tag(html, "username")
        html = client.post(
            reverse("signup"), signup_data(username="ada", password2="something-else-entirely")
        ).text
        # Passwords come back empty: the cursor goes to the first one, to type both again.
        assert "autofocus" in input_tag(html, "password1")
        assert "autofocus" not in input_tag(html, "password2")
        assert "autofocus" not in input_tag(html, "username")
        # And a screen reader reads there the error it is there for, which stands at the second,
        # before the help (four rules for a password came first).
        assert 'id="id_password2_error"' in html
        assert described_by(input_tag(html, "password1"))[0] == "id_password2_error"

    def test_no_field_is_described_by_what_the_page_does_not_have(self, client, user):
        """The admin's login shows its error without an id: its password field pointed at the
        id the app's own login gives its error, and a screen reader read nothing there."""
        UserFactory(username="boss", is_staff=True)
        pages = [
            client.post(reverse("login"), {"username": user.username, "password": "no"}),
            client.post(reverse("admin:login"), {"username": "boss", "password": "no"}),
            client.post(reverse("signup"), signup_data(password2="something-else-entirely")),
        ]
        for page in pages:
            ids = set(re.findall(r'\bid="([^"]+)"', page.text))
            described = re.findall(r'aria-describedby="([^"]*)"', page.text)
            assert {i for value in described for i in value.split()} <= ids, page.request

    def test_a_wrong_password_is_read_where_the_cursor_lands(self, client, user):
        """The error is the form's: its alert, already on the page when it loads, is not read
        out, and the password field the cursor lands in said nothing of it."""
        html = client.post(reverse("login"), {"username": user.username, "password": "no"}).text
        assert 'id="form-errors"' in html
        assert "autofocus" in input_tag(html, "password")
        assert described_by(input_tag(html, "password")) == ["form-errors"]
        # Both are what the error is about, and marked so; the cursor goes to one of them.
        for name in ("username", "password"):
            assert 'aria-invalid="true"' in input_tag(html, name), name
            assert "form-errors" in described_by(input_tag(html, name)), name
        assert "autofocus" not in input_tag(html, "username")

    def test_djangos_password_validators_apply(self, client):
        """Said under the password, the field to change, not under its confirmation (Django's
        place for it), where a screen reader heard it on the field that only repeats it."""
        response = client.post(
            reverse("signup"), signup_data(password1="12345678", password2="12345678")
        )
        error = re.search(r'id="id_password1_error">(.*?)</ul>', response.text).group(1)
        assert "This password is too common." in error
        assert "This password is entirely numeric." in error
        assert 'aria-invalid="true"' in input_tag(response.text, "password1")
        assert 'aria-invalid="true"' not in input_tag(response.text, "password2")
        assert not User.objects.exists()

    def test_it_refuses_an_email_address_already_used_in_any_case(self, client):
        UserFactory(email="ada@example.com")
        response = client.post(reverse("signup"), signup_data(email="ADA@Example.com"))
        error = re.search(r'id="id_email_error">(.*?)</ul>', response.text).group(1)
        assert "An account already uses this email address" in error
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        ("username", "message"),
        [
            (".", "A username made only of dots would be a folder in its web address"),
            ("..", "A username made only of dots would be a folder in its web address"),
            ("\u3164", "Use plain letters a to z"),
            ("ada\u3164", "Use plain letters a to z"),
        ],
    )
    def test_it_refuses_a_username_whose_page_address_would_not_work(
        self, client, username, message
    ):
        """ "." and ".." are folders in /u/<username>/ (browsers resolve them away), and a
        Hangul filler is a letter nobody sees."""
        response = client.post(reverse("signup"), signup_data(username=username))
        assert 'id="id_username_error"' in response.text
        assert message in response.text
        assert not User.objects.exists()

    @pytest.mark.parametrize("username", ["\u3164", "ada\u3164"])
    def test_an_account_the_admin_makes_has_no_username_nobody_sees(self, username):
        """The admin keeps Django's rule, letters of any script, with the page's own."""
        with pytest.raises(ValidationError, match="Use letters, digits or symbols you can see"):
            User(username=username, password="!").full_clean()

    @pytest.mark.parametrize(
        "username", ["\u0430lice", "Jos\u00e9", "stra\u00dfe", "\u0130stanbul"]
    )
    def test_a_username_is_written_in_plain_latin_letters(self, client, username):
        """It is the public page's address: a Cyrillic "a" (U+0430) in "alice" made a page that
        passed for alice's. The display name takes any script."""
        UserFactory(username="alice")
        response = client.post(reverse("signup"), signup_data(username=username))
        assert response.status_code == 422
        assert 'id="id_username_error"' in response.text
        assert "Use plain letters a to z" in response.text
        assert "your display name can be in any script" in response.text
        assert list(User.objects.values_list("username", flat=True)) == ["alice"]
        response = client.post(reverse("signup"), signup_data(username="alice.b-2_c+d@e"))
        assert response.status_code == 302

    def test_it_refuses_a_username_that_differs_only_in_case(self, client):
        UserFactory(username="Ada")
        response = client.post(reverse("signup"), signup_data(username="ada"))
        assert 'id="id_username_error"' in response.text
        assert "A user with that username already exists." in response.text
        assert "Constraint" not in response.text  # the database's rule, said once by the form
        assert User.objects.count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_a_sign_up_sent_twice_at_once_makes_one_account_and_answers_both(self):
        """A double click: one account, and the second answer says the name is taken."""
        answers = []

        def sign_up(address):
            client = Client(REMOTE_ADDR=address)
            answers.append(client.post(reverse("signup"), signup_data()))

        assert run_at_once(lambda: sign_up("10.0.0.1"), lambda: sign_up("10.0.0.2")) == []
        assert sorted(a.status_code for a in answers) == [302, 422]
        refused = next(a for a in answers if a.status_code == 422)
        assert 'id="id_username_error"' in refused.text
        assert User.objects.filter(username="ada").count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_two_sign_ups_with_one_email_at_once_make_one_account(self):
        answers = []

        def sign_up(username, address):
            client = Client(REMOTE_ADDR=address)
            answers.append(client.post(reverse("signup"), signup_data(username=username)))

        errors = run_at_once(lambda: sign_up("ada", "10.0.0.1"), lambda: sign_up("bob", "10.0.0.2"))
        assert errors == []
        assert User.objects.filter(email__iexact="ada@example.com").count() == 1
        refused = [a for a in answers if a.status_code == 422]
        assert len(refused) == 1
        error = re.search(r'id="id_email_error">(.*?)</ul>', refused[0].text).group(1)
        assert "An account already uses this email address" in error

    def test_the_database_refuses_a_second_account_on_a_username_in_any_case(self):
        """The form's check and the insert are apart by the password hashing: two sign-ups of
        "Ada" and "ada" at once would both pass it, and log in as whichever was found first.
        The insert's IntegrityError then answers as a double click's does (above)."""
        UserFactory(username="Ada")
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(username="ada", email="other@example.org")

    def test_the_database_refuses_a_second_account_on_an_email_in_any_case(self):
        UserFactory(email="ada@example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(email="ADA@example.com")
        # Accounts made by an administrator without an email don't collide.
        UserFactory(email="")
        UserFactory(email="")

    def test_it_keeps_a_safe_next_through_the_track_choice(self, client):
        response = client.post(reverse("signup") + "?next=/dashboard/", signup_data())
        assert response["Location"] == reverse("choose_tracks") + "?next=%2Fdashboard%2F"

    @pytest.mark.parametrize(
        "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
    )
    def test_it_drops_an_off_site_next(self, client, next_url):
        response = client.post(reverse("signup"), {**signup_data(), "next": next_url})
        assert response["Location"] == reverse("choose_tracks")

    def test_it_needs_the_csrf_token(self, csrf_client):
        response = csrf_client.post(reverse("signup"), signup_data())
        assert response.status_code == 403
        assert not User.objects.exists()

    def test_a_logged_in_user_is_sent_to_the_roadmap(self, learner_client):
        response = learner_client.get(reverse("signup"))
        assert response["Location"] == reverse("roadmap:index")


class TestChooseTracks:
    def test_it_offers_every_track_as_a_labelled_checkbox_ticked_as_followed(
        self, learner_client, user
    ):
        engineer, scientist = TrackFactory(name="ML Engineer"), TrackFactory(name="Scientist")
        EnrollmentFactory(user=user, track=engineer)
        html = learner_client.get(reverse("choose_tracks")).text
        for track, checked in ((engineer, True), (scientist, False)):
            tag = re.search(rf'<input type="checkbox"[^>]*value="{track.pk}"[^>]*>', html).group(0)
            label_for = re.search(r'id="([^"]+)"', tag).group(1)
            assert f'<label for="{label_for}">{track.name}</label>' in html
            assert ("checked" in tag) is checked
        assert "<legend>Career tracks to follow</legend>" in html

    def test_saving_follows_exactly_the_ticked_tracks_and_opens_the_roadmap(
        self, csrf_client, user
    ):
        engineer, scientist, researcher = TrackFactory(), TrackFactory(), TrackFactory()
        EnrollmentFactory(user=user, track=engineer)
        csrf_client.force_login(user)
        csrf_client.get(reverse("choose_tracks"))
        response = csrf_client.post(
            reverse("choose_tracks"),
            {
                "tracks": [scientist.pk, researcher.pk],
                "csrfmiddlewaretoken": csrf_client.cookies["csrftoken"].value,
            },
        )
        assert response["Location"] == reverse("roadmap:index")
        followed = set(Enrollment.objects.filter(user=user).values_list("track", flat=True))
        assert followed == {scientist.pk, researcher.pk}

    def test_a_target_date_that_goes_with_a_track_is_said(self, learner_client, user):
        """It went without a word, where the dashboard's Unfollow says so."""
        engineer, scientist = TrackFactory(name="ML Engineer"), TrackFactory(name="Scientist")
        EnrollmentFactory(user=user, track=engineer, target_date=date(2031, 1, 1))
        EnrollmentFactory(user=user, track=scientist, target_date=date(2031, 2, 1))
        response = learner_client.post(
            reverse("choose_tracks"), {"tracks": [scientist.pk]}, follow=True
        )
        assert (
            "Saved. You follow: Scientist. The target date for ML Engineer, 1 January 2031, "
            "is cleared.</p>"
        ) in response.text
        assert Enrollment.objects.get(user=user).target_date == date(2031, 2, 1)
        response = learner_client.post(
            reverse("choose_tracks"), {"tracks": [engineer.pk]}, follow=True
        )
        assert "Saved. You follow: ML Engineer. The target date for Scientist, 1 February" in (
            response.text
        )
        response = learner_client.post(
            reverse("choose_tracks"), {"tracks": [scientist.pk]}, follow=True
        )
        assert "Saved. You follow: Scientist.</p>" in response.text  # none to clear

    def test_it_needs_at_least_one_track(self, learner_client, user):
        EnrollmentFactory(user=user)
        response = learner_client.post(reverse("choose_tracks"), {})
        assert response.status_code == 422
        assert "Choose at least one track to follow." in response.text
        assert 'aria-describedby="id_tracks_error"' in response.text
        assert response.text.count(" autofocus") == 1  # the first track's box, to choose one
        # Focus lands on it: it says what is wrong, not only the group around it (which many
        # screen readers don't read when focus jumps into it).
        (focused,) = re.findall(r"<input [^>]* autofocus>", response.text)
        assert 'aria-invalid="true"' in focused
        assert re.search(r'aria-describedby="[^"]*\bid_tracks_error\b', focused)
        assert Enrollment.objects.filter(user=user).count() == 1

    @pytest.mark.parametrize("value", ["²", "①", "1²", "٣", "9" * 5000])
    def test_a_number_no_track_can_have_is_refused_with_a_message(
        self, learner_client, user, value
    ):
        TrackFactory()
        response = learner_client.post(reverse("choose_tracks"), {"tracks": [value]})
        assert response.status_code == 422
        assert 'aria-describedby="id_tracks_error"' in response.text
        assert not Enrollment.objects.filter(user=user).exists()

    @pytest.mark.django_db(transaction=True)
    def test_saving_the_same_choice_twice_at_once_follows_each_track_once(self):
        """A double click on Save: both answers lead on, each track is followed once."""
        tracks = [TrackFactory().pk for _ in range(3)]
        user = UserFactory()
        answers = []

        def choose():
            client = Client()
            client.force_login(user)
            answers.append(client.post(reverse("choose_tracks"), {"tracks": tracks}).status_code)

        for _ in range(5):
            Enrollment.objects.filter(user=user).delete()
            assert run_at_once(choose, choose) == []
        assert set(answers) == {302}
        assert (
            sorted(Enrollment.objects.filter(user=user).values_list("track", flat=True)) == tracks
        )

    @pytest.mark.django_db(transaction=True)
    def test_two_tabs_saving_different_choices_at_once_leave_one_of_them(self):
        """Two tabs, one saving "only the first track", the other "only the second": on
        PostgreSQL each deleted the track the other kept, neither saw its own missing, and the
        learner followed none."""
        first, second = TrackFactory().pk, TrackFactory().pk
        user = UserFactory()

        def choose(track):
            tab = Client()
            tab.force_login(user)
            return lambda: tab.post(reverse("choose_tracks"), {"tracks": [track]})

        for _ in range(10):
            Enrollment.objects.filter(user=user).delete()
            EnrollmentFactory(user=user, track_id=first)
            EnrollmentFactory(user=user, track_id=second)
            assert run_at_once(choose(first), choose(second)) == []
            followed = set(Enrollment.objects.filter(user=user).values_list("track", flat=True))
            assert followed in ({first}, {second})

    def test_it_goes_to_a_safe_next_and_never_off_site(self, learner_client):
        track = TrackFactory()
        url = reverse("choose_tracks")
        response = learner_client.post(url, {"tracks": [track.pk], "next": "/dashboard/"})
        assert response["Location"] == "/dashboard/"
        response = learner_client.post(url, {"tracks": [track.pk], "next": "https://evil.example"})
        assert response["Location"] == reverse("roadmap:index")

    def test_a_visitor_is_sent_to_log_in(self, client):
        response = client.get(reverse("choose_tracks"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


class TestLogInAndOut:
    def test_the_form_has_real_labels(self, client):
        html = client.get(reverse("login")).text
        assert '<label for="id_username">Username</label>' in html
        assert '<label for="id_password">Password</label>' in html
        assert f'href="{reverse("password_reset")}"' in html

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_next_that_is_the_login_page_itself_opens_the_roadmap(self, client, user, method):
        """Logged in already, Django's view took it for a redirect loop: a 500."""
        login = reverse("login")
        client.force_login(user)
        response = getattr(client, method)(f"{login}?next={login}")
        assert response["Location"] == reverse("roadmap:index")

    # Not "page": that is Playwright's fixture, and a test asking for it is taken for a browser
    # test, which put the browser tests among the others (their flushed database then lacked
    # the rows the migrations make, such as the editors' group).
    @pytest.mark.parametrize("form", ["login", "signup"])
    def test_a_learner_logged_in_already_is_told_so_on_the_page_it_leads_to(
        self, client, user, form
    ):
        """Sent on to the roadmap without a word: no telling why the form didn't open."""
        client.force_login(user)
        response = client.get(reverse(form), follow=True)
        assert response.redirect_chain[-1][0] == reverse("roadmap:index")
        said = f"You are logged in already, as {user.username}: log out first for another account."
        assert said in response.text

    def test_a_learner_logs_in_and_goes_to_the_next_page(self, client, user):
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": PASSWORD, "next": "/accounts/profile/"},
        )
        assert response["Location"] == "/accounts/profile/"
        assert logged_in_user_id(client) == str(user.pk)

    def test_a_logged_in_learner_is_sent_on_from_the_login_page(self, client, user):
        """A next of the login page itself (an old bookmark) opened the login form again."""
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": PASSWORD, "next": reverse("login")},
        )
        assert response["Location"] == reverse("roadmap:index")  # not round again
        assert client.get(reverse("login"))["Location"] == reverse("roadmap:index")
        assert client.get(reverse("login") + "?next=/dashboard/")["Location"] == "/dashboard/"

    def test_a_visitor_opening_the_log_out_address_goes_to_the_roadmap(self, client):
        assert client.get(reverse("logout"))["Location"] == reverse("roadmap:index")

    def test_without_next_it_opens_the_roadmap(self, client, user):
        assert log_in(client, user.username)["Location"] == reverse("roadmap:index")

    @pytest.mark.parametrize(
        "next_url",
        ["https://evil.example/steal", "//evil.example/steal", "http://testserver.evil.example/"],
    )
    def test_it_refuses_an_off_site_next(self, client, user, next_url):
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": PASSWORD, "next": next_url},
        )
        assert response["Location"] == reverse("roadmap:index")
        assert logged_in_user_id(client) == str(user.pk)

    def test_a_wrong_password_says_so_and_logs_nobody_in(self, client, user):
        response = log_in(client, user.username, "wrong-password")
        assert response.status_code == 422  # refused, as every form of the app answers
        # Not Django's "both fields may be case-sensitive": a username is one in any case.
        assert "Please enter a correct username and password. The password is case-sensitive," in (
            response.text
        )
        assert "both fields" not in response.text
        assert "autofocus" in input_tag(response.text, "password")
        assert "autofocus" not in input_tag(response.text, "username")
        assert logged_in_user_id(client) is None

    def test_an_email_address_given_for_the_username_is_said_to_be_one(self, client, user):
        """Sign-up asks for both, and the refusal said only "a correct username"."""
        response = log_in(client, user.email, PASSWORD)
        assert response.status_code == 422
        assert "If you typed your email address: you log in with your username." in response.text
        assert logged_in_user_id(client) is None
        response = log_in(client, user.username, "wrong-password")
        assert "email address" not in response.text

    def test_log_out_is_a_post_that_ends_the_session_and_opens_the_roadmap(self, csrf_client, user):
        csrf_client.force_login(user)
        page = csrf_client.get(reverse("profile"))
        # Typed in or followed, the address asks: a GET changes nothing.
        asked = csrf_client.get(reverse("logout"))
        assert asked.status_code == 200
        assert f'<form method="post" action="{reverse("logout")}"' in asked.text
        assert logged_in_user_id(csrf_client) == str(user.pk)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = csrf_client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
        assert response["Location"] == reverse("roadmap:index")
        assert logged_in_user_id(csrf_client) is None
        assert "You are logged out." in csrf_client.get(response["Location"]).text


class TestLockout:
    def fail(self, client, username, times, **extra):
        for _ in range(times):
            response = log_in(client, username, "not-the-password", **extra)
        return response

    def test_five_failures_lock_the_username_from_that_address_with_a_clear_message(
        self, client, user
    ):
        assert self.fail(client, user.username, 4).status_code == 422
        response = self.fail(client, user.username, 1)
        assert response.status_code == 429
        assert "Too many failed logins" in response.text
        assert "paused for 15 minutes" in response.text
        assert "Try again in 15 minutes" in response.text
        assert f'href="{reverse("password_reset")}"' in response.text

        response = log_in(client, user.username)
        assert response.status_code == 429
        assert logged_in_user_id(client) is None

    def test_the_lock_holds_only_that_username_from_that_address(self, client, user):
        self.fail(client, user.username, 5)
        other = UserFactory()
        assert log_in(client, other.username).status_code == 302
        client.logout()
        assert log_in(client, user.username, REMOTE_ADDR="10.0.0.2").status_code == 302

    def test_a_successful_login_resets_the_count(self, client, user):
        self.fail(client, user.username, 4)
        assert log_in(client, user.username).status_code == 302
        client.logout()
        assert self.fail(client, user.username, 4).status_code == 422
        assert log_in(client, user.username).status_code == 302

    def test_the_lock_ends_after_the_cool_off(self, client, user):
        self.fail(client, user.username, 5)
        AccessAttempt.objects.update(
            attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
        )
        assert log_in(client, user.username).status_code == 302

    def test_a_new_password_from_the_reset_email_lifts_the_lock(self, client, user):
        self.fail(client, user.username, 5)
        client.post(reverse("password_reset"), {"email": user.email})
        link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
        form_url = client.get(link)["Location"]
        client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert log_in(client, user.username, NEW_PASSWORD).status_code == 302


def test_a_reset_link_of_an_account_deactivated_since_sets_no_password(client, user):
    """The link still set a password, and said "you may log in now": whoever held the mail
    chose the password that would work if the account were ever turned on again."""
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    user.is_active = False
    user.save()
    page = client.get(link, follow=True)
    assert "This link no longer works" in page.text
    form_url = link.rsplit("/", 2)[0] + "/set-password/"
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_forms_tell_password_managers_whose_password_it_is(client, user):
    """Without a username on the form a password manager may store the new password under no
    name, or update another entry."""
    field = f'<input type="text" autocomplete="username" value="{user.username}" hidden>'
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    assert field in client.get(client.get(link)["Location"]).text
    client.force_login(user)
    for page in ("password_change", "delete_account"):
        assert field in client.get(reverse(page)).text, page


class TestPasswordChange:
    def test_a_learner_changes_the_password_and_stays_logged_in(self, learner_client, user):
        elsewhere = Client()
        elsewhere.force_login(user)
        assert elsewhere.get(reverse("profile")).status_code == 200
        html = learner_client.get(reverse("password_change")).text
        for name in ("old_password", "new_password1", "new_password2"):
            assert f'<label for="id_{name}">' in html
        response = learner_client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response["Location"] == reverse("password_change_done")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert learner_client.get(reverse("profile")).status_code == 200
        done = learner_client.get(reverse("password_change_done")).text
        assert "Password changed" in done
        # Said, and so: another session of the account is logged out.
        assert "every other browser or device that was logged in to your account is logged out" in (
            " ".join(done.split())
        )
        assert elsewhere.get(reverse("profile")).status_code == 302

    def test_the_old_password_must_be_right(self, learner_client, user):
        response = learner_client.post(
            reverse("password_change"),
            {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 422
        assert 'id="id_old_password_error"' in response.text
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_a_weak_new_password_is_said_under_it(self, learner_client, user):
        """Django said it under the confirmation, which a screen reader user has no reason to
        change, and left the new password unmarked."""
        weak = {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}
        response = learner_client.post(reverse("password_change"), weak)
        assert response.status_code == 422
        errors = response.context["form"].errors
        assert "too short" in " ".join(errors["new_password1"])
        assert "new_password2" not in errors
        assert 'aria-invalid="true"' in input_tag(response.text, "new_password1")
        # Mistyped too: each field says its own.
        response = learner_client.post(reverse("password_change"), {**weak, "new_password2": "x"})
        errors = response.context["form"].errors
        assert "too short" in " ".join(errors["new_password1"])
        assert "didn’t match" in " ".join(errors["new_password2"])
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_a_visitor_is_sent_to_log_in(self, client):
        assert client.get(reverse("password_change"))["Location"].startswith(reverse("login"))


class TestPasswordReset:
    def test_an_address_that_is_not_one_is_refused_with_422(self, client):
        response = client.post(reverse("password_reset"), {"email": "not an address"})
        assert response.status_code == 422
        assert "Enter a valid email address." in response.text
        assert not mail.outbox

    def test_a_known_address_gets_a_link_that_sets_a_new_password(self, client, user):
        elsewhere = Client()
        elsewhere.force_login(user)
        response = client.post(reverse("password_reset"), {"email": user.email.upper()})
        assert response["Location"] == reverse("password_reset_done")
        (message,) = mail.outbox
        assert message.to == [user.email]
        assert message.subject == "Reset your Next Steps password"
        link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)

        form_url = client.get(link)["Location"]
        form = client.get(form_url)
        assert "Choose a new password" in form.text
        assert '<label for="id_new_password1">' in form.text
        mismatched = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": "x"})
        assert mismatched.status_code == 422
        assert "fields didn’t match" in mismatched.text
        weak = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
        assert "too short" in " ".join(weak.context["form"].errors["new_password1"])
        response = client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response["Location"] == reverse("password_reset_complete")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert "This link no longer works" in client.get(link, follow=True).text
        # Said, and so: the account's sessions are logged out.
        complete = " ".join(client.get(reverse("password_reset_complete")).text.split())
        assert (
            "Every browser or device that was logged in to your account is logged out" in complete
        )
        assert elsewhere.get(reverse("profile")).status_code == 302

    def test_an_unknown_address_gets_the_same_page_and_no_email(self, client, user):
        known = client.post(reverse("password_reset"), {"email": user.email}, follow=True)
        unknown = client.post(
            reverse("password_reset"), {"email": "nobody@example.com"}, follow=True
        )
        assert unknown.redirect_chain == known.redirect_chain
        assert without_csrf_tokens(unknown.text) == without_csrf_tokens(known.text)
        assert "If an account uses the address you entered" in unknown.text
        assert len(mail.outbox) == 1


class TestProfile:
    def test_it_shows_the_name_tracks_public_page_setting_and_account_links(
        self, learner_client, user, django_assert_max_num_queries
    ):
        EnrollmentFactory(user=user, track=TrackFactory(name="Data Scientist"))
        # session, user, the user's enrollments with their tracks
        with django_assert_max_num_queries(3):
            html = learner_client.get(reverse("profile")).text
        assert '<label for="id_display_name">Display name</label>' in html
        assert '<label for="id_public_profile">Public progress page</label>' in html
        assert "checked" not in input_tag(html, "public_profile")
        assert 'autocomplete="nickname"' in input_tag(html, "display_name")  # the browser fills it
        assert "<li>Data Scientist</li>" in html
        for url, text in (
            (reverse("choose_tracks") + "?next=" + reverse("profile"), "Change"),
            (reverse("password_change"), "Change password"),
            (reverse("my_data"), "Download or import your data"),
            (reverse("delete_account"), "Delete account"),
        ):
            assert f'<a href="{url}">{text}' in html

    def test_public_page_is_off_for_a_new_account(self, client):
        client.post(reverse("signup"), signup_data())
        assert User.objects.get().public_profile is False

    def test_a_learner_saves_a_display_name_and_turns_the_public_page_on(self, csrf_client, user):
        csrf_client.force_login(user)
        csrf_client.get(reverse("profile"))
        response = csrf_client.post(
            reverse("profile"),
            {
                "display_name": "Ada L.",
                "public_profile": "on",
                "csrfmiddlewaretoken": csrf_client.cookies["csrftoken"].value,
            },
        )
        assert response["Location"] == reverse("profile")
        user.refresh_from_db()
        assert (user.display_name, user.public_profile) == ("Ada L.", True)
        html = csrf_client.get(reverse("profile")).text
        assert "Your profile is saved." in html
        assert reverse("roadmap:public_page", args=[user.username]) in html

    def test_a_too_long_display_name_is_refused_next_to_the_field(self, learner_client, user):
        response = learner_client.post(reverse("profile"), {"display_name": "x" * 81})
        assert 'id="id_display_name_error"' in response.text
        assert 'aria-invalid="true"' in input_tag(response.text, "display_name")
        user.refresh_from_db()
        assert user.display_name == ""

    def test_a_refused_form_does_not_show_its_unsaved_values_as_the_accounts(
        self, learner_client, user
    ):
        response = learner_client.post(
            reverse("profile"),
            {"display_name": "Not Saved", "public_profile": "on", "hours_per_week": "81"},
        )
        assert response.status_code == 422
        page = response.text
        assert 'value="Not Saved"' in input_tag(page, "display_name")  # kept in the form to fix
        assert "Your public page:" not in page  # still off: no link to a page that is a 404
        assert "Turned on, your public page will be at" in page
        nav = page.split("</header>")[0]
        assert "Not Saved" not in nav and f">{user.username}</a>" in nav
        user.refresh_from_db()
        assert (user.display_name, user.public_profile, user.hours_per_week) == ("", False, None)

    @pytest.mark.parametrize(
        "name",
        # Private use (no font of the reader's draws them) and the musical null notehead.
        ["\u200b", "\u3164", " \u200e\u2060 ", "\u2800", "\ue000", "\U000f0000", "\U0001d159"],
    )
    def test_a_name_nobody_can_see_is_refused(self, learner_client, user, name):
        response = learner_client.post(reverse("profile"), {"display_name": name})
        assert response.status_code == 422
        assert "Use letters, digits or symbols you can see" in response.text
        user.refresh_from_db()
        assert user.display_name == ""

    @pytest.mark.parametrize("name", ["Ada \ue000", "\U0001fae8", "Ada \U0001d159"])
    def test_a_name_with_something_to_see_is_taken(self, learner_client, user, name):
        """A new emoji the character tables don't know yet (U+1FAE8) is no blank."""
        learner_client.post(reverse("profile"), {"display_name": name})
        user.refresh_from_db()
        assert user.display_name == name

    @pytest.mark.parametrize("name", ["Ada\u2028L.", "Ada\u2029L."])
    def test_a_name_with_a_line_or_paragraph_separator_is_refused(self, learner_client, user, name):
        response = learner_client.post(reverse("profile"), {"display_name": name})
        assert "Keep it to one line" in response.text
        user.refresh_from_db()
        assert user.display_name == ""

    @pytest.mark.parametrize("name", ["\u202eevil", "Ada \u2067L.", "\u202agnp.exe"])
    def test_a_name_that_turns_the_text_around_is_refused(self, learner_client, user, name):
        response = learner_client.post(reverse("profile"), {"display_name": name})
        assert "change the direction of the text" in response.text
        user.refresh_from_db()
        assert user.display_name == ""

    def test_a_visitor_is_sent_to_log_in_and_htmx_gets_a_client_redirect(self, client):
        assert client.get(reverse("profile"))["Location"].startswith(reverse("login"))
        response = client.get(reverse("profile"), **HTMX)
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("login"))


class TestOneSpellingOfADomain:
    """A domain can be written as it reads ("münchen.de") or as mail sends it
    ("xn--mnchen-3ya.de"): one mailbox, so it is stored in one spelling, and one account has
    it."""

    def test_an_address_is_stored_with_its_domain_as_it_reads(self, client):
        response = client.post(reverse("signup"), signup_data(email="Ada@XN--MNCHEN-3YA.DE"))
        assert response.status_code == 302
        assert User.objects.get(username="ada").email == "Ada@münchen.de"

    def test_a_domain_mail_would_send_elsewhere_is_refused_and_its_name_today_kept(self, client):
        """Django's mail writes names by the rules of 2003: "straße.de" it sent to
        "strasse.de", another domain, whose owner got the reset links. Its name today,
        "xn--strae-oqa.de", which Python can't read back, is taken as written."""
        refused = client.post(reverse("signup"), signup_data(email="ada@stra\u00dfe.de"))
        assert refused.status_code == 422
        assert "Mail would be sent to strasse.de, not to this domain" in refused.text
        response = client.post(reverse("signup"), signup_data(email="ada@XN--STRAE-OQA.de"))
        assert response.status_code == 302
        assert User.objects.get(username="ada").email == "ada@xn--strae-oqa.de"
        client.post(reverse("password_reset"), {"email": "ada@xn--strae-oqa.de"})
        assert mail.outbox[-1].to == ["ada@xn--strae-oqa.de"]

    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("ada@xn--bcher-kva.xn--strae-oqa.de", "ada@b\u00fccher.xn--strae-oqa.de"),
            ("ada@xn--strae-oqa.m\u00fcnchen.de", "ada@xn--strae-oqa.m\u00fcnchen.de"),
            ("ada@m\u00fcnchen.DE", "ada@m\u00fcnchen.de"),
        ],
    )
    def test_a_domain_of_both_spellings_is_taken_not_a_500(self, client, typed, stored):
        """A label Python can't read back beside one it can was a 500 on every form, the reset
        page too; an upper-case ASCII label beside a non-ASCII one was refused."""
        response = client.post(reverse("signup"), signup_data(email=typed))
        assert response.status_code == 302
        assert User.objects.get(username="ada").email == stored
        assert client.post(reverse("password_reset"), {"email": typed}).status_code == 302
        assert mail.outbox[-1].to == [stored]

    def test_a_dotless_i_is_another_domain_than_an_i(self, client):
        """PostgreSQL's upper() makes both "I", and the second was refused as taken."""
        client.post(reverse("signup"), signup_data(email="ada@istanbul.com"))
        client.logout()
        other = client.post(
            reverse("signup"), signup_data(username="grace", email="ada@\u0131stanbul.com")
        )
        assert other.status_code == 302

    def test_a_greek_capital_sigma_is_a_sigma_wherever_it_is(self, client):
        """Lowered as a word, a capital sigma at a name's end became a final sigma: another
        domain, where the reset links went."""
        response = client.post(
            reverse("signup"), signup_data(email="ada@\u039f\u0394\u039f\u03a3-1.gr")
        )
        assert response.status_code == 302
        assert User.objects.get(username="ada").email == "ada@\u03bf\u03b4\u03bf\u03c3-1.gr"

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("ada@münchen.de", "ada@xn--mnchen-3ya.de"),
            ("ada@xn--mnchen-3ya.de", "ada@münchen.de"),
            # Beside a label that can't be read back (an invisible character), each label on
            # its own: the whole domain was kept as typed.
            ("ada@m\u00fcnchen.xn--ifb.com", "ada@xn--mnchen-3ya.xn--ifb.com"),
        ],
    )
    def test_the_other_spelling_of_a_taken_address_is_refused_at_sign_up(
        self, client, first, second
    ):
        client.post(reverse("signup"), signup_data(email=first))
        client.logout()
        response = client.post(reverse("signup"), signup_data(username="grace", email=second))
        assert response.status_code == 422
        assert "An account already uses this email address." in response.text
        assert list(User.objects.values_list("username", flat=True)) == ["ada"]

    def test_nor_can_an_account_change_to_it(self, learner_client, user):
        UserFactory(email="ada@münchen.de")
        response = learner_client.post(
            reverse("change_email"), {"email": "ada@xn--mnchen-3ya.de", "password": PASSWORD}
        )
        assert response.status_code == 422
        assert "An account already uses this email address." in response.text

    def test_a_reset_asked_in_the_other_spelling_reaches_the_account_and_counts_as_it(self, client):
        UserFactory(email="jess@münchen.de")
        for i, spelling in enumerate(["jess@xn--mnchen-3ya.de", "jess@münchen.de"] * 2):
            response = client.post(
                reverse("password_reset"), {"email": spelling}, REMOTE_ADDR=f"198.51.100.{i}"
            )
        assert response.status_code == 429  # the fourth mail to the mailbox this hour
        assert [message.to for message in mail.outbox] == [["jess@münchen.de"]] * 3


class TestChangeEmail:
    """Password-reset mail goes to the account's address: the learner can change it, with
    their password, and the old address is told."""

    def change(self, client, email, password=PASSWORD):
        return client.post(reverse("change_email"), {"email": email, "password": password})

    def test_with_the_password_the_address_changes_and_the_old_one_is_told(
        self, learner_client, user
    ):
        old = user.email
        page = learner_client.get(reverse("profile")).text
        assert f'<a href="{reverse("change_email")}">Change email address</a>' in page
        response = self.change(learner_client, " New.Address@Example.COM ")
        assert response["Location"] == reverse("profile")
        user.refresh_from_db()
        assert user.email == "New.Address@example.com"
        assert user.check_password(PASSWORD)  # nothing else of the account written
        [notice] = mail.outbox
        assert notice.to == [old]
        assert "change your password" in notice.body
        page = learner_client.get(reverse("profile")).text
        assert "Your email address is now New.Address@example.com." in page

    def test_giving_the_address_it_has_says_that_nothing_changed(self, learner_client, user):
        response = self.change(learner_client, user.email)
        page = learner_client.get(response["Location"]).text
        assert f"Your email address is already {user.email}: nothing changed." in page
        assert "Your email address is now" not in page
        assert not mail.outbox

    def test_a_wrong_password_changes_nothing_and_counts_as_a_failed_login(
        self, learner_client, user
    ):
        response = self.change(learner_client, "thief@example.com", password="guess")
        assert response.status_code == 422
        assert "That is not your password. Your email address was not changed." in response.text
        assert 'aria-invalid="true"' in input_tag(response.text, "password")
        assert User.objects.get(pk=user.pk).email == user.email
        assert AccessAttempt.objects.filter(username=user.username).exists()
        assert not mail.outbox

    def test_a_wrong_password_tells_nothing_of_the_address(self, learner_client, user):
        """Checked before the password, a taken address was said to anyone holding the
        session, without the password."""
        UserFactory(email="other@example.com")
        response = self.change(learner_client, "other@example.com", password="a guess")
        assert response.status_code == 422
        assert "That is not your password" in response.text
        assert "already uses this email address" not in response.text

    @pytest.mark.parametrize("taken", ["other@example.com", "OTHER@example.com"])
    def test_an_address_another_account_uses_is_refused(self, learner_client, user, taken):
        UserFactory(email="other@example.com")
        response = self.change(learner_client, taken)
        assert response.status_code == 422
        assert "An account already uses this email address." in response.text
        assert User.objects.get(pk=user.pk).email == user.email

    @pytest.mark.parametrize("email", ["", "not-an-address", "a@b@c.com", "x" * 250 + "@e.com"])
    def test_an_address_that_is_not_one_is_refused(self, learner_client, user, email):
        response = self.change(learner_client, email)
        assert response.status_code == 422
        assert 'aria-invalid="true"' in input_tag(response.text, "email")
        assert User.objects.get(pk=user.pk).email == user.email

    @pytest.mark.parametrize(
        "email",
        [
            '"a\x07\x1b[31mb"@example.com',  # control characters, in quotes
            '"ada"@example.com',  # another spelling of ada@example.com
            "ada@\u200bexample.com",  # a zero-width space, dropped on the way
            "ada@\u2028example.com",
            "ada@b\u202ec.com",  # turned around
            "ada@a\u05d0.com",  # letters of both directions: no mail domain
            "ada@\uff45xample.com",  # a fullwidth e: mail sends it to ada@example.com
            "ada@exam\ufe0fple.com",  # a variation selector: mail drops it
        ],
    )
    def test_an_address_mail_cant_reach_as_written_is_refused(
        self, client, learner_client, user, email
    ):
        """Accepted, such an address broke the notice mail (a 500 after the change was saved),
        slipped control characters into a mail header, or spelled a taken mailbox another way."""
        response = self.change(learner_client, email)
        assert response.status_code == 422
        assert 'aria-invalid="true"' in input_tag(response.text, "email")
        assert User.objects.get(pk=user.pk).email == user.email
        learner_client.logout()
        response = client.post(reverse("signup"), signup_data(username="newcomer", email=email))
        assert response.status_code == 422
        assert not User.objects.filter(username="newcomer").exists()

    def test_a_notice_that_cant_be_sent_leaves_the_change_made(
        self, learner_client, user, monkeypatch, caplog
    ):
        """The mail server down answered 500 after the new address was saved."""

        def refused(*args, **kwargs):
            raise ConnectionRefusedError

        monkeypatch.setattr("accounts.records.send_mail", refused)
        response = self.change(learner_client, "new@example.com")
        assert response.status_code == 302
        assert User.objects.get(pk=user.pk).email == "new@example.com"
        assert "could not be sent" in caplog.text

    def test_an_old_address_is_told_at_most_three_times_an_hour(self, client):
        """Set to someone's address and changed away again and again, an account had them
        mailed without end; the notice says nothing of the new address."""
        for n in range(4):
            account = UserFactory(email="target@example.org")
            client.force_login(account)
            assert self.change(client, f"elsewhere{n}@example.com").status_code == 302
        assert len(mail.outbox) == 3
        assert all("elsewhere" not in notice.body for notice in mail.outbox)

    def test_resets_and_notices_to_one_address_count_together(self, client):
        """Counted apart, one mailbox could get three of each an hour."""
        first = UserFactory(email="target@example.org")
        for _ in range(2):
            client.post(reverse("password_reset"), {"email": "TARGET@example.org"})
        client.force_login(first)
        self.change(client, "first@example.com")
        client.force_login(UserFactory(email="target@example.org"))
        self.change(client, "second@example.com")
        assert len(mail.outbox) == 3

    def test_an_address_taken_during_the_check_is_refused_in_words(self):
        """A sign-up taking it while the password was checked met the database's rule, which
        said "Constraint “user_email_unique_in_any_case” is violated."."""
        UserFactory(email="ada@example.com")
        with pytest.raises(ValidationError) as refused:
            UserFactory.build(username="bob", email="ADA@example.com").validate_constraints()
        assert refused.value.messages == ["An account already uses this email address."]

    def test_it_needs_a_login(self, client):
        response = client.get(reverse("change_email"))
        assert response["Location"].startswith(reverse("login"))

    def test_one_account_can_try_only_so_many_addresses_an_hour(
        self, learner_client, user, settings
    ):
        """Each refusal says whether an address has an account, as a sign-up does."""
        settings.SIGNUPS_PER_HOUR = 2
        for n in range(2):
            assert self.change(learner_client, f"taken{n}@example.com").status_code == 302
        response = self.change(learner_client, "third@example.com")
        assert response.status_code == 429
        assert "Too many tries at changing your email address" in response.text
        assert User.objects.get(pk=user.pk).email == "taken1@example.com"

    def test_more_accounts_from_one_address_get_no_more_tries(self, client, settings):
        """Counted by account only, each account made (or held) gave so many more answers an
        hour to "has this address an account?"."""
        settings.SIGNUPS_PER_HOUR = 2
        for n in range(2):
            client.force_login(UserFactory())
            assert self.change(client, f"taken{n}@example.com").status_code == 302
        other = UserFactory(email="mine@example.com")
        client.force_login(other)
        response = self.change(client, "third@example.com")
        assert response.status_code == 429
        assert User.objects.get(pk=other.pk).email == "mine@example.com"


class TestDeleteAccount:
    def test_it_asks_for_the_password_with_a_real_label(self, learner_client):
        html = learner_client.get(reverse("delete_account")).text
        assert '<label for="id_password">Your password</label>' in html
        assert f'href="{reverse("my_data")}"' in html

    def test_a_wrong_password_deletes_nothing(self, learner_client, user):
        ProgressFactory(user=user)
        response = learner_client.post(reverse("delete_account"), {"password": "wrong"})
        assert "That is not your password." in response.text
        tag = input_tag(response.text, "password")
        assert 'aria-invalid="true"' in tag
        assert " autofocus " in tag  # the cursor is back in it
        assert User.objects.filter(pk=user.pk).exists()
        assert Progress.objects.filter(user=user).exists()
        assert logged_in_user_id(learner_client) == str(user.pk)

    def test_the_right_password_deletes_the_account_and_only_its_progress(self, csrf_client, user):
        mine = ProgressFactory(user=user)
        ProgressEventFactory(user=user, milestone=mine.milestone)
        EnrollmentFactory(user=user)
        other = UserFactory()
        theirs = ProgressFactory(user=other, milestone=mine.milestone)
        ProgressEventFactory(user=other, milestone=mine.milestone)
        EnrollmentFactory(user=other)

        csrf_client.force_login(user)
        csrf_client.get(reverse("delete_account"))
        response = csrf_client.post(
            reverse("delete_account"),
            {"password": PASSWORD, "csrfmiddlewaretoken": csrf_client.cookies["csrftoken"].value},
        )
        assert response["Location"] == reverse("roadmap:index")
        assert not User.objects.filter(pk=user.pk).exists()
        assert logged_in_user_id(csrf_client) is None
        assert list(Progress.objects.all()) == [theirs]
        assert list(ProgressEvent.objects.values_list("user", flat=True)) == [other.pk]
        assert list(Enrollment.objects.values_list("user", flat=True)) == [other.pk]
        assert "Your account and all your progress are deleted." in csrf_client.get("/").text

    def test_it_needs_the_csrf_token(self, csrf_client, user):
        csrf_client.force_login(user)
        assert (
            csrf_client.post(reverse("delete_account"), {"password": PASSWORD}).status_code == 403
        )
        assert User.objects.filter(pk=user.pk).exists()

    def test_a_deleted_accounts_username_is_not_signed_up_again_in_any_case(self, client):
        """Taken by someone else, it gave them the deleted account's public page and badge: every
        README linking to them showed the newcomer's progress."""
        dave = UserFactory(username="dave", public_profile=True)
        client.force_login(dave)
        client.post(reverse("delete_account"), {"password": PASSWORD})
        assert not User.objects.filter(username="dave").exists()
        for taken in ("dave", "DAVE"):
            response = client.post(reverse("signup"), signup_data(username=taken))
            assert response.status_code == 422
            assert (
                "This username belonged to an account that was deleted or renamed." in response.text
            )
        assert not User.objects.filter(username__iexact="dave").exists()
        response = client.post(reverse("signup"), signup_data(username="dave2"))
        assert response.status_code == 302

    def test_a_name_the_database_lowers_otherwise_is_retired_as_pages_find_it(self):
        """PostgreSQL lowers "İ" to "i" where Python keeps its dot: "ivan" signed up, and the
        deleted "İVAN"'s public page and badge were the newcomer's."""
        ivan = UserFactory(username="İVAN")
        found_as = User.objects.filter(pk=ivan.pk).values_list(Lower("username"), flat=True).get()
        records.delete_account(ivan)
        assert RetiredUsername.is_retired(found_as)


ROOT = Path(__file__).resolve().parent.parent


def production_settings(**env):
    result = subprocess.run(
        [sys.executable, "manage.py", "diffsettings", "--all"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "SECRET_KEY": "x7#kPq!2vL9@wZ4^mN8&rT1*yB6%cF3$hJ5(dG0)sA_eU+iO=lK-pQ",
            "DATABASE_URL": "sqlite:////tmp/next-steps-accounts-check.sqlite3",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_mail_goes_to_the_console_unless_smtp_is_configured_and_the_lockout_is_configurable():
    default = production_settings()
    assert "EMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'" in default
    assert "AXES_FAILURE_LIMIT = 5" in default
    assert "AXES_COOLOFF_TIME = datetime.timedelta(seconds=900)" in default

    configured = production_settings(
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="2525",
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="30",
    )
    assert "EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'" in configured
    assert "EMAIL_HOST = 'smtp.example.com'" in configured
    assert "EMAIL_PORT = 2525" in configured
    assert "AXES_FAILURE_LIMIT = 3" in configured
    assert "AXES_COOLOFF_TIME = datetime.timedelta(seconds=1800)" in configured


def test_the_headers_log_in_link_never_leads_back_to_a_login_or_reset_page(client):
    """Logging in from the login page's own header link opened the empty login form again."""
    login = reverse("login")
    page = client.get(login + "?next=/dashboard/").text
    assert f'<a href="{login}?next=/dashboard/" aria-current="page">Log in</a>' in page
    assert f'<a href="{login}" aria-current="page">Log in</a>' in client.get(login).text
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert f'<a href="{login}">Log in</a>' in client.get(reverse(name)).text
    assert f'<a href="{login}?next=/%3Ftrack%3Dall">Log in</a>' in client.get("/?track=all").text


@pytest.mark.django_db(transaction=True)
def test_the_migration_to_one_username_in_any_case_names_the_accounts_that_clash():
    """A bare IntegrityError from `migrate` would stop `make serve` without saying which."""
    before = [("accounts", "0009_public_page_help")]
    OldUser = migrate(before).get_model("accounts", "User")
    OldUser.objects.create(username="Ada", email="ada@example.com", password="!")
    OldUser.objects.create(username="ada", email="ada2@example.com", password="!")
    OldUser.objects.create(username="grace", email="grace@example.com", password="!")
    try:
        with pytest.raises(RuntimeError, match=r"differ only in case: Ada, ada\. Rename"):
            migrate([("accounts", "0010_username_unique_in_any_case")])
    finally:
        OldUser.objects.all().delete()
        migrate(LATEST)


@pytest.mark.django_db(transaction=True)
def test_migrating_tidies_email_addresses_that_the_new_rule_refuses():
    """Stored before the rule, such an address blocked every admin save of its account, even
    shutting it out."""
    OldUser = migrate([("accounts", "0014_email_one_mailbox")]).get_model("accounts", "User")
    stored = {
        "plain": "grace@example.com",
        "quoted": '"ada"@example.com',
        "hidden": "bob@\u200bexample.com",
        "wide": "eve@\uff45xample.com",
        "clash": '"grace"@example.com',  # grace's address once unquoted
        "nowhere": "ann@a\u05d0.com",  # no domain mail can reach
        "none": "",
    }
    for username, email in stored.items():
        OldUser.objects.create(username=username, email=email, password="!")
    try:
        migrate(LATEST)
        assert dict(User.objects.values_list("username", "email")) == {
            "plain": "grace@example.com",
            "quoted": "ada@example.com",
            "hidden": "bob@example.com",
            "wide": "eve@example.com",
            "clash": "",
            "nowhere": "",
            "none": "",
        }
        for user in User.objects.all():
            user.full_clean()  # the rules of today: the admin saves them
    finally:
        User.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_migrating_stores_each_domain_as_it_reads():
    """Two spellings of one mailbox were two accounts: one is cleared."""
    OldUser = migrate([("accounts", "0015_tidy_email_addresses")]).get_model("accounts", "User")
    stored = {
        "ascii": "ada@xn--mnchen-3ya.de",
        "reads": "grace@münchen.de",
        "clash": "Grace@XN--MNCHEN-3YA.DE",
        "newer": "bob@xn--strae-oqa.de",  # straße.de of IDNA 2008, which Python can't read
        "elsewhere": "carol@stra\u00dfe.de",  # Django's mail sent it to strasse.de
        "unseen": "dan@xn--ifb.com",  # read back, an invisible character: kept as it is
        "dotted": "i@m\u00fcnchen.de",
        "dotted-clash": "\u0130@xn--mnchen-3ya.de",  # PostgreSQL folds the dotted I to "i"
        "plain": "eve@example.com",
    }
    for username, email in stored.items():
        OldUser.objects.create(username=username, email=email, password="!")
    try:
        migrate(LATEST)
        assert dict(User.objects.values_list("username", "email")) == {
            "ascii": "ada@münchen.de",
            "reads": "grace@münchen.de",
            "clash": "",
            "newer": "bob@xn--strae-oqa.de",
            "elsewhere": "",
            "unseen": "dan@xn--ifb.com",
            "dotted": "i@m\u00fcnchen.de",
            # The database's own folding: only ASCII letters on SQLite.
            "dotted-clash": "" if connection.vendor == "postgresql" else "\u0130@m\u00fcnchen.de",
            "plain": "eve@example.com",
        }
        for user in User.objects.all():
            user.full_clean()
    finally:
        User.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_migrating_tidies_links_and_a_track_slug_that_the_new_rules_refuse():
    """A link with an override stored before the rule made the learner's export fail to import
    back; a track of the slug "all" could not be focused on, nor the roadmap's dump loaded."""
    old = migrate([("roadmap", "0011_track_deleted_kind"), ("accounts", "0014_email_one_mailbox")])
    get = old.get_model
    learner = get("accounts", "User").objects.create(username="ada", password="!")
    get("roadmap", "Track").objects.create(slug="all", name="Gen\u202eeralist", position=0)
    get("roadmap", "Track").objects.create(slug="all-track", name="Other", position=1)
    section = get("roadmap", "Section").objects.create(slug="s", title="S", position=0)
    milestone = get("roadmap", "Milestone").objects.create(
        section=section, slug="m", title="M", position=0, estimated_hours=1
    )
    get("roadmap", "Resource").objects.create(
        milestone=milestone, title="R", url="https://example.com/\u2066r", position=0
    )
    get("roadmap", "Progress").objects.create(
        user=learner, milestone=milestone, evidence_url="https://example.com/\u202egnp.exe"
    )
    try:
        migrate(LATEST)
        assert Progress.objects.get().evidence_url == "https://example.com/gnp.exe"
        assert Milestone.objects.get().resources.get().url == "https://example.com/r"
        assert set(Track.objects.values_list("slug", flat=True)) == {"all-track", "all-track-2"}
        assert Track.objects.get(slug="all-track-2").name == "Generalist"
        for row in (*Progress.objects.all(), *Track.objects.all()):
            row.full_clean()  # the rules of today
    finally:
        Progress.objects.all().delete()
        Milestone.objects.all().delete()  # and its resource
        Section.objects.all().delete()
        Track.objects.all().delete()
        User.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_migrating_tidies_names_and_history_that_the_new_rules_refuse():
    """Stored under the old rules, they made the learner's own export fail to import."""
    old = migrate(
        [
            ("accounts", "0012_username_and_name_rules"),
            ("roadmap", "0009_milestone_order_by_section"),
        ]
    )
    OldUser, OldEvent = old.get_model("accounts", "User"), old.get_model("roadmap", "ProgressEvent")
    names = {
        "blank": "\u200b\u3164",
        "lines": "Ada\u2028L.",
        "hebrew": "דוד (2)\u200f",
        "plain": "Grace",
        "override": "Ada\u202eL.",
        "tab": "Ada\tL.",
        "nonchar": "Ada\uffffL.",
    }
    for username, name in names.items():
        OldUser.objects.create(username=username, display_name=name, password="!")
    section = old.get_model("roadmap", "Section").objects.create(slug="s", title="S", position=0)
    milestone = old.get_model("roadmap", "Milestone").objects.create(
        section=section, slug="m", title="M", position=0, estimated_hours=1
    )
    learner = OldUser.objects.get(username="plain")
    for before, after in (("done", "done"), ("not_started", "done")):
        OldEvent.objects.create(
            user=learner,
            milestone=milestone,
            from_status=before,
            to_status=after,
            at=timezone.now(),
        )
    try:
        migrate(LATEST)
        assert dict(User.objects.values_list("username", "display_name")) == {
            "blank": "",
            "lines": "Ada L.",
            "hebrew": "דוד (2)\u200f",
            "plain": "Grace",
            "override": "AdaL.",
            "tab": "Ada L.",
            "nonchar": "Ada L.",
        }
        for user in User.objects.all():
            user.full_clean()  # the rules of today: the export imports back
        events = ProgressEvent.objects.values_list("from_status", "to_status")
        assert list(events) == [("not_started", "done")]
    finally:
        ProgressEvent.objects.all().delete()
        User.objects.all().delete()
        Milestone.objects.all().delete()
        Section.objects.all().delete()


@pytest.mark.parametrize(
    ("url", "data", "title"),
    [
        (reverse("signup"), {"username": "ada"}, "Sign up"),
        (reverse("login"), {"username": "ada", "password": "wrong"}, "Log in"),
        (reverse("profile"), {"display_name": "x" * 500}, "Your profile"),
        (reverse("change_email"), {"email": "not an address"}, "Change your email address"),
        (reverse("password_change"), {"old_password": "wrong"}, "Change your password"),
        (reverse("roadmap:set_hours"), {"hours_per_week": "0"}, "Dashboard"),
        (reverse("import_data"), {}, "Your data"),
    ],
)
def test_a_form_sent_back_to_be_corrected_says_so_in_the_pages_title(
    client, user, url, data, title
):
    """The title is what a screen reader says first of a page: it read as the page before."""
    if "login" not in url and "signup" not in url:
        client.force_login(user)
    response = client.post(url, data)
    assert response.status_code in (200, 400, 422)
    assert f"<title>Error: {title} · Next Steps</title>" in response.text


@pytest.mark.parametrize("name", ["signup", "change_email"])
def test_a_form_refused_for_too_many_tries_says_so_in_the_pages_title(client, user, settings, name):
    """Refused by the limit, the form comes back without field errors: the title said nothing."""
    settings.SIGNUPS_PER_HOUR = 0
    if name == "change_email":
        client.force_login(user)
    data = {"username": "ada", "email": "ada@example.com", "time_zone": ""}
    response = client.post(reverse(name), data)
    assert response.status_code == 429
    assert "<title>Error: " in response.text
