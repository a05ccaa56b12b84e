import re

import pytest
from django.test import Client
from django.urls import reverse

from roadmap.models import Progress
from tests.factories import MilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("learner", [False, True])
def test_pages_carry_a_strict_content_security_policy(client, user, learner):
    if learner:
        client.force_login(user)
    response = client.get(reverse("roadmap:index"))
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_pages_have_no_inline_scripts_or_styles(client, user, roadmap):
    client.force_login(user)
    page = client.get(reverse("roadmap:index")).text
    assert "<script>" not in page
    assert "<script " not in page.replace('<script src="', "")
    assert " style=" not in page
    assert " hx-on" not in page
    assert "<style" not in page


def test_htmx_is_served_from_the_apps_own_static_files(client):
    page = client.get(reverse("roadmap:index")).text
    assert '<script src="/static/django_htmx/htmx-2.min.js' in page
    # Every script, stylesheet and icon from the app itself: no CDN (the page's random CSRF
    # token may spell anything, so the addresses are what is checked).
    addresses = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', page)
    assert len(addresses) >= 4
    assert all(address.startswith("/static/") for address in addresses), addresses


def test_the_security_headers_are_set(client):
    response = client.get(reverse("roadmap:index"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_https_responses_carry_hsts(client):
    response = client.get(reverse("roadmap:index"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_session_cookie_is_http_only(client, user):
    from tests.factories import PASSWORD

    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_pages_refuse_browser_features_the_app_never_uses(client, user):
    for response in (client.get(reverse("roadmap:index")), client.get("/no-such-page/")):
        policy = dict(
            part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
        )
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert policy[feature] == "()"


PERSONAL_PAGES = [
    ("roadmap:index", []),
    ("roadmap:details", ["kaggle"]),
    ("roadmap:dashboard", []),
    ("profile", []),
    ("choose_tracks", []),
    ("my_data", []),
    ("export_json", []),
    ("export_markdown", []),
    ("delete_account", []),
    ("change_email", []),
    ("password_change", []),
    ("password_change_done", []),
]


@pytest.mark.parametrize(("name", "args"), PERSONAL_PAGES)
def test_personal_pages_are_kept_by_no_cache(client, user, name, args):
    """Notes, links and names must not stay in a shared computer's browser cache or a proxy's."""
    MilestoneFactory(slug="kaggle")
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.parametrize(
    "url",
    [
        "/changes/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
        "/no-such-page/",
    ],
)
def test_a_page_with_the_learners_name_in_its_header_is_for_no_shared_cache(client, url):
    """These had no Cache-Control: a cache that ignores Vary could give everyone one learner's
    name and the CSRF token of their logout form."""
    client.force_login(UserFactory(display_name="Ada Lovelace"))
    response = client.get(url)
    assert "Ada Lovelace" in response.text
    assert "private" in response["Cache-Control"]


def test_htmx_answers_with_a_learners_data_are_kept_by_no_cache_either(client, user):
    milestone = MilestoneFactory()
    client.force_login(user)
    for url, data in (
        (reverse("roadmap:set_status", args=[milestone.slug]), {"status": "done"}),
        (reverse("roadmap:details", args=[milestone.slug]), {"note": "mine"}),
        (reverse("roadmap:set_hours"), {"hours_per_week": "5"}),
    ):
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_plain_text_answers_say_they_are_utf_8(client, user):
    archived = MilestoneFactory(is_archived=True)
    milestone = MilestoneFactory()
    client.force_login(user)
    htmx = {"HTTP_HX_REQUEST": "true"}
    for response in (
        client.get(reverse("healthz")),
        client.post(reverse("roadmap:set_status", args=[archived.slug]), {}, **htmx),
        client.post(reverse("roadmap:set_status", args=[milestone.slug]), {"status": "x"}, **htmx),
        client.generic(
            "POST",
            reverse("roadmap:set_status", args=[milestone.slug]),
            "status=done".encode("utf-16"),
            content_type="application/x-www-form-urlencoded; charset=utf-16",
            **htmx,
        ),
    ):
        assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/accounts/signup/", "/milestones/x/status/", "/nowhere/", "/admin/"],
)
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "latin-1"])
def test_a_form_in_another_charset_than_utf_8_is_a_400_with_the_security_headers(url, charset):
    """Django refuses such a form, then failed again in every error page: a bare 500."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = client.generic(
        "POST",
        url,
        f"csrfmiddlewaretoken={token}&username=a&password=b".encode(charset),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "This request could not be read" in response.text
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    ("charset", "body"),
    [
        ("bogus", "note=caf%C3%A9"),  # Django reads a charset it doesn't know as UTF-8
        (None, "note=caf%E9"),  # Latin-1's é, no UTF-8
        ("utf-8", "note=caf\xe9"),  # the byte itself, not escaped
        (
            "multipart",
            '--b\r\nContent-Disposition: form-data; name="note"\r\n\r\ncaf\xe9\r\n--b--\r\n',
        ),
    ],
    ids=["an unknown charset", "an escape of no UTF-8", "a byte of no UTF-8", "multipart"],
)
def test_a_form_that_is_not_utf_8_is_a_400_and_nothing_is_stored(client, user, charset, body):
    """It was read as "caf\ufffd" and the note stored so, without a word to its writer."""
    milestone = MilestoneFactory()
    client.force_login(user)
    content_type = "application/x-www-form-urlencoded" + (f"; charset={charset}" if charset else "")
    if charset == "multipart":
        content_type = "multipart/form-data; boundary=b"
    url = reverse("roadmap:details", args=[milestone.slug])
    response = client.generic("POST", url, body.encode("latin-1"), content_type=content_type)
    assert response.status_code == 400
    assert "This request could not be read" in response.text
    assert not Progress.objects.exists()


def test_a_broken_upload_is_a_short_400_for_htmx(client):
    response = client.generic(
        "POST",
        "/accounts/data/import/",
        b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\nno end",
        content_type="multipart/form-data; boundary=",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "body",
    [
        {"note": "x" * 3_000_000},  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        {f"field{i}": "x" for i in range(1_001)},  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    ],
    ids=["too large", "too many fields"],
)
def test_a_form_over_the_limits_is_a_short_400_and_one_line_in_the_log(client, body, caplog):
    """Django answered with its page for htmx too, which the page then called an error on
    the server's side, and logged a traceback for each such request, from anyone."""
    url = "/milestones/x/details/"
    page = client.post(url, body)
    assert page.status_code == 400
    assert "This request could not be read" in page.text
    htmx = client.post(url, body, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 400
    assert htmx["Content-Type"] == "text/plain; charset=utf-8"
    assert htmx.text == "This request could not be read. Reload the page and try again."
    assert not [record for record in caplog.records if record.exc_info]
    assert [record.levelname for record in caplog.records] == ["WARNING", "WARNING"]
    assert caplog.messages == [f"Bad Request: {url}"] * 2


@pytest.mark.parametrize("method", ["put", "patch", "delete", "trace"])
@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/password_reset/",
        "/accounts/reset/MQ/abc-def/",
        "/accounts/password_change/",
        "/changes/feed/",
    ],
)
def test_every_page_answers_only_the_methods_it_has(learner_client, url, method):
    """Django's form views took a PUT for a POST, and the feed and the reset link answered
    anything, where every other page of the app says 405."""
    response = getattr(learner_client, method)(url)
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) <= {"GET", "HEAD", "POST"}


def test_a_form_from_an_outdated_page_gets_a_page_that_says_what_to_do(csrf_client, user):
    """It was Django's technical page: "CSRF verification failed. Request aborted.", with no
    way back."""
    csrf_client.force_login(user)
    csrf_client.get(reverse("profile"))
    response = csrf_client.post(
        reverse("profile"), {"display_name": "New", "csrfmiddlewaretoken": "x" * 64}
    )
    assert response.status_code == 403
    assert "<h1>This page was out of date</h1>" in response.text
    assert "go back, reload the page, and send it again." in response.text
    assert f'<a href="{reverse("roadmap:index")}">Back to the roadmap</a>' in response.text
    assert "CSRF" not in response.text
    user.refresh_from_db()
    assert user.display_name != "New"

    cookieless = Client(enforce_csrf_checks=True)
    response = cookieless.post(reverse("login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "your browser may be refusing this site's cookies" in response.text


@pytest.mark.parametrize("url", ["/", "/changes/", "/accounts/login/"])
def test_an_address_with_too_many_fields_is_a_short_400_and_one_line_in_the_log(
    client, url, caplog
):
    """Read by the page (its `?track=`, `?page=`, `?next=`), a query string of more fields than
    Django reads was Django's page, and a traceback in the log for each, from anyone; with
    DEBUG on, every middleware's error page read it again: a 500 after a minute."""
    query = "&".join(["a"] * 1_001)
    page = client.get(f"{url}?{query}")
    assert page.status_code == 400
    assert "This request could not be read" in page.text
    htmx = client.get(f"{url}?{query}", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 400
    assert htmx.text == "This request could not be read. Reload the page and try again."
    assert not [record for record in caplog.records if record.exc_info]
    assert caplog.messages == [f"Bad Request: {url}"] * 2
