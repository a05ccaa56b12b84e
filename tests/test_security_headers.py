import re

import pytest
from django.urls import reverse

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
