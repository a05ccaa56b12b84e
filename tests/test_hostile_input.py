"""Whatever arrives, the app answers without a 5xx, stores nothing invalid and touches nobody else.

Hypothesis generates the requests: known, archived, unknown and malformed slugs; statuses outside
the choices; oversize and control-character notes; evidence links in every scheme; unicode
tricks; wrong methods; missing, wrong and right CSRF tokens; htmx and plain variants, with
malformed HX-Current-URL headers; forms encoded in a charset other than UTF-8.
"""

import io
import re
from urllib.parse import quote, urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from config.wsgi import application
from roadmap.models import NOTE_LENGTH, Progress, ProgressEvent, Status
from tests.factories import MilestoneFactory, ProgressFactory, UserFactory

# What no stored note holds: control characters other than line breaks (\n) and tabs.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "done",
            "DONE",
            "done\x00",
            "in_progress ",
            "not_started;DROP TABLE roadmap_progress",
            "<script>alert(1)</script>",
            "\u202edone",
            "ｄｏｎｅ",
            "../../etc/passwd",
            "%00",
            "\ud7ff" * 3,
        ]
    ),
)
statuses = st.one_of(st.sampled_from(Status.values), hostile_text)
notes = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1900, max_size=2100),
    st.sampled_from(
        [
            "\x00",
            "a\x07b\x1bc",
            "one\rtwo",
            "one\r\ntwo\tthree",
            "\u200b\u200b",
            "<img src=x onerror=alert(1)>",
            "x" * 2001,
        ]
    ),
)
urls = st.one_of(
    st.sampled_from(
        [
            "",
            "https://github.com/me/project",
            "http://example.com/a?b=c#d",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "file:///etc/passwd",
            "ftp://example.com/x",
            "vbscript:msgbox(1)",
            "//evil.example.com",
            "https://exa mple.com",
            "https://例え.テスト/パス",
            "https://" + "a" * 600 + ".com",
            "http://[::1]:80/",
            "https://user:pass@host.example/",
            "https://example.com/\x07",
            "https://example.com/a\x7fb",
        ]
    ),
    st.text(max_size=80),
)
slugs = st.one_of(
    st.sampled_from(["active", "archived", "unknown-slug"]),
    st.text(min_size=1, max_size=30),
)
current_urls = st.sampled_from(
    [None, "http://testserver/", "http://[", "//[::1", "http://x:99999/", "\x00", ""]
)
# A urlencoded form has no charset but UTF-8: one that declares another is refused.
charsets = st.sampled_from([None, None, None, "utf-8", "utf-16", "utf-32", "latin-1", "bogus"])
READABLE = {None, "utf-8"}


class HostileRequests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.me, cls.other = UserFactory(), UserFactory()
        cls.active = MilestoneFactory(slug="active")
        cls.archived = MilestoneFactory(slug="archived", is_archived=True)
        cls.theirs = ProgressFactory(
            user=cls.other, milestone=cls.active, status=Status.IN_PROGRESS, note="theirs"
        )

    def client_for(self, logged_in, csrf):
        client = Client(enforce_csrf_checks=True)
        if logged_in:
            client.force_login(self.me)
        client.get("/")  # sets the csrftoken cookie, as a browser would have it
        token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
        headers = {}
        if csrf == "right":
            headers["HTTP_X_CSRFTOKEN"] = token
        elif csrf == "wrong":
            headers["HTTP_X_CSRFTOKEN"] = "x" * 32
        return client, headers

    def assert_nothing_invalid_stored(self):
        for row in Progress.objects.all():
            row.full_clean()
            assert len(row.note) <= NOTE_LENGTH
            assert not CONTROL.search(row.note)
            assert (row.status == Status.DONE) == (row.completed_at is not None)
        for event in ProgressEvent.objects.all():
            assert event.from_status in Status.values and event.to_status in Status.values
        self.theirs.refresh_from_db()
        assert (self.theirs.status, self.theirs.note) == (Status.IN_PROGRESS, "theirs")
        assert not Progress.objects.filter(milestone=self.archived).exists()

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        endpoint=st.sampled_from(["set_status", "details"]),
        slug=slugs,
        method=st.sampled_from(["post", "post", "post", "get", "put", "delete"]),
        htmx=st.booleans(),
        logged_in=st.booleans(),
        csrf=st.sampled_from(["right", "right", "wrong", "missing"]),
        status=statuses,
        note=notes,
        evidence_url=urls,
        current_url=current_urls,
        charset=charsets,
    )
    def test_writes_never_fail_and_never_store_bad_data(
        self,
        endpoint,
        slug,
        method,
        htmx,
        logged_in,
        csrf,
        status,
        note,
        evidence_url,
        current_url,
        charset,
    ):
        client, headers = self.client_for(logged_in, csrf)
        if htmx:
            headers["HTTP_HX_REQUEST"] = "true"
            if current_url is not None:
                headers["HTTP_HX_CURRENT_URL"] = current_url
        url = reverse(f"roadmap:{endpoint}", args=["placeholder"]).replace(
            "placeholder", quote(slug, safe="")
        )
        data = {"status": status, "note": note, "evidence_url": evidence_url}
        if method == "post" and charset is not None:
            body = urlencode(data).encode(charset if charset != "bogus" else "utf-8")
            content_type = f"application/x-www-form-urlencoded; charset={charset}"
            response = client.generic("POST", url, body, content_type=content_type, **headers)
        else:
            response = getattr(client, method)(url, data, **headers)
        assert response.status_code < 500, response.content[:500]
        if method != "post" or csrf != "right" or not logged_in or charset not in READABLE:
            assert not Progress.objects.filter(user=self.me).exists()
        self.assert_nothing_invalid_stored()

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(path=st.text(max_size=60), htmx=st.booleans())
    def test_any_path_answers_without_a_server_error(self, path, htmx):
        client, headers = self.client_for(logged_in=True, csrf="right")
        if htmx:
            headers["HTTP_HX_REQUEST"] = "true"
        response = client.get("/" + quote(path, safe="/"), **headers)
        assert response.status_code < 500


def wsgi_answer(content_type, *, path="/healthz", query="", method="GET", body=b"", **headers):
    """What the WSGI application the servers run (config.wsgi) answers: status and text."""
    environ = {"HTTP_HOST": "testserver", "PATH_INFO": path, "QUERY_STRING": query, **headers}
    environ |= {"REQUEST_METHOD": method, "CONTENT_TYPE": content_type}
    environ |= {"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    # As Django's test client: the test's database connection stays open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        text = b"".join(application(environ, start_response)).decode()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"].get("Content-Type"), text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "query"),
    [
        ("text/plain; charset=hex", "a=1"),  # not a text encoding: on reading the query
        ("text/plain; charset=rot13", "next=/"),
        ("text/plain; charset=idna", "a=1"),  # can't replace bytes it can't read
        ("text/plain; charset=punycode", ""),  # nor this one, for bytes past ASCII
        ("text/plain; a*=bogus''%41", ""),  # a parameter in an encoding nobody knows
        ("text/plain; charset=utf-8", "&".join(["a"] * 1001)),  # more fields than Django reads
        ("text/plain; charset=latin-1", "a=1"),  # a charset the pages never send
    ],
)
def test_a_content_type_django_cant_read_is_a_400_not_the_servers_bare_500(content_type, query):
    """Django reads the header as it makes the request, before any middleware: each of these
    was the server's bare 500, for anyone, on any URL."""
    assert wsgi_answer(content_type, query=query) == (
        "400 Bad Request",
        "text/plain; charset=utf-8",
        "This request's Content-Type header could not be read. This site reads text as UTF-8.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["ascii", "us-ascii", "cp1252", "shift_jis"])
def test_a_query_read_in_a_charset_that_cant_write_it_again_is_a_400(client, user, charset):
    """Bytes the charset doesn't know are read as "\ufffd", which it can't write: the
    roadmap's link to itself without the milestone shown was the server's 500."""
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    status, _, text = wsgi_answer(
        f"text/plain; charset={charset}", path="/", query="track=all&x=%81", HTTP_COOKIE=cookie
    )
    assert (status, text.endswith("This site reads text as UTF-8.")) == ("400 Bad Request", True)


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["rot13", "cp1252", "koi8-r"])
def test_a_multipart_form_in_a_charset_other_than_utf8_is_a_400_and_nothing_is_saved(
    client, user, charset
):
    """A form whose charset is no text was a 500; one in a single-byte charset stored the
    note, sent as the page sends it (UTF-8), garbled ("café" as "cafÃ©")."""
    milestone = MilestoneFactory()
    client.force_login(user)
    token = "csrf" * 8  # a token of the cookie's, as the page sends it
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}"
    fields = {"csrfmiddlewaretoken": token, "note": "café ✓"}
    body = "".join(
        f'--XX\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    body = f"{body}--XX--\r\n".encode()
    status, _, _ = wsgi_answer(
        f"multipart/form-data; boundary=XX; charset={charset}",
        path=milestone.details_url,
        method="POST",
        body=body,
        HTTP_COOKIE=cookie,
    )
    assert status == "400 Bad Request"
    assert not Progress.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_the_refusal_is_logged_on_one_line(caplog):
    wsgi_answer("text/plain; charset=rot13", path="/x\nINFO a line of its own")
    assert [record.getMessage() for record in caplog.records] == [
        "Bad Request: /x\\nINFO a line of its own (a charset other than UTF-8: rot13)"
    ]


@pytest.mark.django_db
def test_a_content_type_with_a_readable_charset_is_answered_as_ever():
    assert wsgi_answer("text/plain; charset=utf-8", query="a=1")[::2] == ("200 OK", "ok")
    assert wsgi_answer("text/plain; charset=UTF8")[::2] == ("200 OK", "ok")
    # The path as the server sent it (bytes as latin-1), decoded once: a multipart form's
    # Content-Type has a parameter, and /日 was decoded twice, a bare 500.
    path = "/日".encode().decode("latin-1")
    assert wsgi_answer("multipart/form-data; boundary=x", path=path)[0] == "404 Not Found"
