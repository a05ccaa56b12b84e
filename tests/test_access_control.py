"""Nobody reads or changes another learner's data, and logged-out visitors get nothing private.

Learner URLs never carry a user id: every view reads the logged-in user's own rows where it fetches
them. So "another user" can only ever reach their own data, and a visitor is sent to log in.
"""

import json
import re
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from roadmap import progress
from roadmap.models import Enrollment, Progress, Status
from tests.factories import PASSWORD, EnrollmentFactory, MilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_NOTE = "my-secret-note-7f3a"
SECRET_LINK = "https://example.com/secret-7f3a"


@pytest.fixture
def owner():
    user = UserFactory(username="owner", display_name="Owner Person", email="owner@example.com")
    milestone = MilestoneFactory(slug="kaggle")
    progress.set_status(user=user, milestone=milestone, status=Status.DONE)
    progress.save_details(
        user=user, milestone=milestone, note=SECRET_NOTE, evidence_url=SECRET_LINK
    )
    EnrollmentFactory(user=user, track__slug="ml-engineer")
    return user


PAGES = [
    ("roadmap:dashboard", []),
    ("roadmap:details", ["kaggle"]),
    ("profile", []),
    ("choose_tracks", []),
    ("my_data", []),
    ("export_json", []),
    ("export_markdown", []),
    ("delete_account", []),
    ("change_email", []),
    ("password_change", []),
]
WRITES = [
    ("roadmap:set_status", ["kaggle"], {"status": "not_started"}),
    ("roadmap:details", ["kaggle"], {"note": "overwritten", "evidence_url": ""}),
    ("roadmap:follow_track", ["anything"], {}),
    ("roadmap:unfollow_track", ["anything"], {}),
    ("roadmap:set_hours", [], {"hours_per_week": "5"}),
    ("roadmap:set_target", ["ml-engineer"], {"target_date": "2099-01-01"}),
    ("profile", [], {"display_name": "Hacked", "public_profile": "on"}),
    ("choose_tracks", [], {"tracks": []}),
    ("import_data", [], {}),
    ("delete_account", [], {"password": PASSWORD}),
    ("change_email", [], {"email": "thief@example.com", "password": PASSWORD}),
    ("password_change", [], {"old_password": PASSWORD, "new_password1": "x", "new_password2": "x"}),
]


def unchanged(owner):
    owner.refresh_from_db()
    row = Progress.objects.get(user=owner)
    return (
        owner.display_name == "Owner Person"
        and not owner.public_profile
        and row.status == Status.DONE
        and row.note == SECRET_NOTE
        and Enrollment.objects.filter(user=owner, target_date=None).count() == 1
        and owner.hours_per_week is None
        and owner.email == "owner@example.com"
    )


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_a_visitor_is_sent_to_log_in_and_sees_nothing(client, owner, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    htmx = client.get(reverse(name, args=args), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith(reverse("login"))
    assert SECRET_NOTE not in htmx.text


@pytest.mark.parametrize(("name", "args"), PAGES)
@pytest.mark.parametrize("current_url", ["http://[", "//[::1"])
def test_a_malformed_current_url_from_htmx_still_sends_the_visitor_to_log_in(
    client, db, name, args, current_url
):
    """The page the visitor comes back to after logging in is read from HX-Current-URL: one that
    is not a URL answered 500."""
    url = reverse(name, args=args)
    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=current_url)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={quote(url)}"


@pytest.mark.parametrize(("name", "args", "data"), WRITES)
def test_a_visitor_changes_nothing(client, owner, name, args, data):
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert unchanged(owner)


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_another_learner_never_sees_the_owners_data(client, owner, name, args):
    client.force_login(UserFactory(username="intruder"))
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    body = response.content.decode()
    assert SECRET_NOTE not in body
    assert SECRET_LINK not in body
    assert "Owner Person" not in body


@pytest.mark.parametrize(("name", "args", "data"), WRITES[:-2])
def test_another_learners_writes_only_touch_their_own_rows(client, owner, name, args, data):
    client.force_login(UserFactory(username="intruder"))
    client.post(reverse(name, args=args), data)
    assert unchanged(owner)


def test_the_export_holds_only_the_learners_own_data(client, owner):
    intruder = UserFactory(username="intruder")
    client.force_login(intruder)
    data = json.loads(client.get(reverse("export_json")).content)
    assert data["profile"]["username"] == "intruder"
    assert data["progress"] == []
    assert SECRET_NOTE not in json.dumps(data)


def test_a_private_public_page_and_a_missing_user_look_the_same(client, owner):
    private = client.get(reverse("roadmap:public_page", args=["owner"]))
    missing = client.get(reverse("roadmap:public_page", args=["nobody-here"]))
    assert private.status_code == missing.status_code == 404

    def same(page):  # but for the address asked for, and the page's masked CSRF token
        return re.sub(rb'"X-CSRFToken": "\w+"', b"", page.replace(b"nobody-here", b"owner"))

    assert same(private.content) == same(missing.content)
    private_badge = client.get(reverse("roadmap:badge", args=["owner"]), {"track": "x"})
    missing_badge = client.get(reverse("roadmap:badge", args=["nobody-here"]), {"track": "x"})
    assert private_badge.status_code == missing_badge.status_code == 404
    assert private_badge.content == missing_badge.content


def test_the_public_page_never_shows_notes(client, owner):
    owner.public_profile = True
    owner.save()
    page = client.get(reverse("roadmap:public_page", args=["owner"])).text
    assert SECRET_LINK in page
    assert SECRET_NOTE not in page


class TestSessions:
    def test_logging_out_ends_the_session_on_the_server(self, owner):
        client = Client()
        client.force_login(owner)
        session_key = client.cookies["sessionid"].value
        client.post(reverse("logout"))
        assert not Session.objects.filter(session_key=session_key).exists()

        replay = Client()
        replay.cookies["sessionid"] = session_key
        response = replay.get(reverse("roadmap:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("path", ["/", "/dashboard/", "/changes/", "/accounts/login/"])
    def test_a_session_cookie_holding_a_nul_is_a_visitors(self, client, path):
        """A quoted cookie's "\\000" is read as a NUL, which PostgreSQL refused in the session's
        lookup: a 500, with its traceback, on every page for that browser (SQLite took it as an
        unknown key: this fails on PostgreSQL, the other half of CI)."""
        client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
        client.raise_request_exception = False
        response = client.get(path)
        assert response.status_code == (302 if path == "/dashboard/" else 200)
        assert "Log out" not in response.text

    def test_deleting_the_account_logs_out_its_other_sessions(self, owner):
        laptop, phone = Client(), Client()
        laptop.force_login(owner)
        phone.force_login(owner)
        response = laptop.post(reverse("delete_account"), {"password": PASSWORD})
        assert response.status_code == 302
        response = phone.get(reverse("roadmap:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "Log out" not in phone.get("/").text

    def test_changing_the_password_logs_out_every_other_session(self, owner):
        laptop, phone = Client(), Client()
        laptop.force_login(owner)
        phone.force_login(owner)
        response = laptop.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "a-brand-new-passphrase-91",
                "new_password2": "a-brand-new-passphrase-91",
            },
        )
        assert response.status_code == 302
        assert laptop.get(reverse("roadmap:dashboard")).status_code == 200
        response = phone.get(reverse("roadmap:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class TestATabDrawnForAnotherAccount:
    """A tab left open on one learner's page, while another tab of the same browser logged out
    and in as someone else: its htmx requests were answered as the account logged in now. The
    note editor opened with the other learner's note and a fresh CSRF token, and what the first
    learner typed was saved into the second's account, under a header with the first one's name.
    """

    @pytest.fixture
    def switched(self, client, owner):
        """The owner's page, then the browser logged in as someone else."""
        client.force_login(owner)
        page = client.get("/").text
        (account,) = re.findall(r'"X-Account": "(\w+)"', page)
        other = UserFactory(username="other")
        client.force_login(other)
        return client, account, other

    @pytest.mark.parametrize(
        ("method", "name", "args", "data"),
        [("get", "roadmap:details", ["kaggle"], {}), ("get", "roadmap:index", [], {})]
        + [("post", *write) for write in WRITES],
    )
    def test_its_htmx_requests_are_refused_and_change_nothing(
        self, switched, owner, method, name, args, data
    ):
        client, account, other = switched
        headers = {"HX-Request": "true", "X-Account": account}
        response = getattr(client, method)(reverse(name, args=args), data, headers=headers)
        assert response.status_code == 409
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert "another account" in response.text and "Nothing was changed" in response.text
        assert SECRET_NOTE not in response.text
        assert not Progress.objects.filter(user=other).exists()
        assert unchanged(owner)

    def test_the_account_logged_in_now_goes_on_from_its_own_pages(self, switched):
        client, account, _ = switched
        page = client.get("/").text
        (mine,) = re.findall(r'"X-Account": "(\w+)"', page)
        assert mine != account
        assert re.fullmatch(r"[0-9a-f]{20}", mine)  # a mark, not the account's id
        response = client.get(
            reverse("roadmap:details", args=["kaggle"]),
            headers={"HX-Request": "true", "X-Account": mine},
        )
        assert response.status_code == 200

    def test_a_tab_whose_session_ended_still_goes_to_the_login(self, client, owner):
        """Logged out, not in as another: the tick goes to the login page, which says why."""
        client.force_login(owner)
        (account,) = re.findall(r'"X-Account": "(\w+)"', client.get("/").text)
        client.logout()
        response = client.post(
            reverse("roadmap:set_status", args=["kaggle"]),
            {"status": "not_started"},
            headers={"HX-Request": "true", "X-Account": account},
        )
        assert response.status_code == 200 and "HX-Redirect" in response
        assert unchanged(owner)

    def test_a_visitors_page_has_no_account(self, client, owner):
        assert "X-Account" not in client.get("/").text
