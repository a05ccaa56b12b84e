"""Every account form and write endpoint, and the import file, under generated hostile input.

The tick and note endpoints have their own suite (test_hostile_input.py). Here Hypothesis drives
sign up, log in (through the lockout), the profile, choosing, following and unfollowing tracks,
password change and reset, account deletion and data import, with right, wrong and missing CSRF
tokens, htmx and plain variants and wrong methods. After every request: no 5xx, no redirect off
the site, every stored row valid, the other learner's data untouched, and the learner's own data
changed only by a request that was allowed to change it, in the way it asked for.
"""

import codecs
import copy
import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple
from urllib.parse import quote, urlencode, urlsplit

from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.html import escape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.validators import FILLERS
from roadmap import exports, import_checks, progress
from roadmap.models import NOTE_LENGTH, Enrollment, Progress, ProgressEvent, Status
from tests.factories import (
    PASSWORD,
    EnrollmentFactory,
    MilestoneFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)

User = get_user_model()
JAN = datetime(2025, 1, 10, 9, 30, 15, 123456, tzinfo=UTC)
FEB = datetime(2025, 2, 3, 18, 5, 0, 654321, tzinfo=UTC)
NEW_PASSWORD = "a-brand-new-passphrase-7"

# What no stored note may hold: control characters but line breaks (\n) and tabs, and lone
# surrogates, which no database can encode.
STORED_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# A redirect that stays here: this host, or a reference with no scheme that doesn't start with
# two slashes (browsers read a backslash as one), with no space or control character in it.
ON_THIS_SITE = re.compile(
    r"(https?://testserver/|(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?![/\\][/\\]))[^\x00-\x20\x7f]*\Z"
)
# What no display name holds, from the profile form or an import: a name is one line.
NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def examples(count):
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


METHODS = st.sampled_from(["post"] * 6 + ["get", "head", "put", "delete", "patch", "options"])
CSRF = st.sampled_from(["field", "field", "header", "header", "wrong", "malformed", "missing"])
CSRF_OK = {"field", "header"}
# A request to a learner's endpoint: any method, CSRF token or not, htmx or not, mostly logged in.
LEARNER_REQUEST = {
    "method": METHODS,
    "csrf": CSRF,
    "htmx": st.booleans(),
    "logged_in": st.sampled_from([True, True, True, False]),
}
# The import is checked with the pages that show its dates in the time zones furthest from UTC.
ZONES = st.sampled_from(["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])

TRICKS = [
    "",
    " ",
    "\x00",
    "a\x07b",
    "\x1b[31mred",
    "\u202eevil",
    "\u200b",
    "\ufeff",
    "e\u0301",
    "ﬁ",
    "\U0001f600",
    "\x85",
    "\x9b",
    "\r\n",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "𝓪𝓭𝓪",
    "Ａ" * 81,
    "x" * 81,
    "x" * 5000,
]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRICKS),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=70, max_size=200),
)
next_urls = st.one_of(
    st.sampled_from(
        [
            "",
            "/",
            "/dashboard/",
            "/accounts/login/",
            "//evil.example.com",
            "https://evil.example.com/",
            "http://testserver@evil.example.com/",
            "/\\evil.example.com",
            "\\\\evil.example.com",
            "http:/evil.example.com",
            " //evil.example.com",
            "/%2F%2Fevil.example.com",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "\x00",
            "/\t/evil.example.com",
            "https://testserver/dashboard/",
        ]
    ),
    st.text(max_size=30),
)
current_urls = st.sampled_from(
    [
        None,
        "http://testserver/dashboard/",
        "https://evil.example.com/dashboard/",
        "javascript:alert(1)",
        "\x00",
        "http://testserver/%",
        "",
    ]
)
emails = st.one_of(
    st.sampled_from(
        [
            "",
            "ada@example.com",
            "ADA@EXAMPLE.COM",
            "ada@EXAMPLE.com",
            " ada@example.com ",
            "ａｄａ@example.com",
            "grace@example.com",
            "nobody@example.com",
            "new@example.com",
            "a@b",
            "ada@example.com\r\nBcc: evil@example.com",
            "ada@example.com\nCc: evil@example.com",
            "ada@example.com, evil@example.com",
            "<ada@example.com>",
            '"a b"@example.com',
            "a@[127.0.0.1]",
            "a@例え.テスト",
            "x" * 300 + "@example.com",
            "javascript:alert(1)@example.com",
            "ada@example.com\x00",
        ]
    ),
    st.emails(),
    hostile_text,
)
passwords = st.one_of(
    st.sampled_from(
        [
            PASSWORD,
            PASSWORD,
            NEW_PASSWORD,
            "",
            " ",
            "wrong",
            "short",
            "password",
            "12345678",
            "ada",
            PASSWORD + " ",
            " " + PASSWORD,
            PASSWORD.upper(),
            "Ünïcødé-pässwörd-42",
            "x" * 4096,
        ]
    ),
    hostile_text,
)
usernames = st.one_of(
    st.sampled_from(["ada", "ADA", "Ada", " ada ", "ａｄａ", "grace", "new-user", "new user"]),
    st.sampled_from(["a" * 150, "a" * 151]),
    hostile_text,
)
track_values = st.one_of(
    st.sampled_from(["<engineer>", "<scientist>"]),
    st.sampled_from(
        ["0", "-1", "99999", "9" * 30, "1e3", "1.0", " 1", "１", "abc", "", "\x00", "null", "[]"]
    ),
    hostile_text,
)
track_slugs = st.one_of(
    st.sampled_from(["ml-engineer", "data-scientist", "no-such-track"]),
    st.text(min_size=1, max_size=30),
)


# -- import files ---------------------------------------------------------------------------

DOCUMENTS = ["json", "bom", "at-limit"]
BROKEN_FILES = [
    "truncated",
    "not-utf-8",
    "utf-16",
    "binary",
    "top-level",
    "nested",
    "empty",
    "huge",
    "long-number",
]
KNOWN_MILESTONES = {"deploy-an-api", "enter-kaggle", "old-idea"}
MILESTONE_SLUGS = ["deploy-an-api", "enter-kaggle", "old-idea", "not-on-this-roadmap"]
TRACK_SLUGS = ["ml-engineer", "data-scientist", "no-such-track"]
GOOD_URLS = [
    "",
    "https://github.com/ada/api",
    "http://example.com/a?b=c#d",
    "https://www.kaggle.com/ada",
    "HTTPS://EXAMPLE.COM/X",
]
ODD_CHARACTERS = [
    "\ud800",
    "\udfff",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u0301",
    "\x85",
    "\x9b",
    "\x00",
    "\x07",
    "\r",
    "\U0001f600",
]
DATE_FIELDS = {"completed_at", "updated_at", "at", "since", "exported_at", "date_joined"}

readable_text = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=60)
# A display name that shows: letters, digits, punctuation and symbols that can be seen.
name_text = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters=FILLERS),
    max_size=60,
)
moments = st.one_of(
    st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2025, 12, 31),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]
        ),
    ),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2025, 12, 31)),
).map(datetime.isoformat)

nested_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
generic_junk = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1.5, 10**30, "", "text", [], {}, [None], {"a": 1}]),
    st.just(float("inf")),
    st.just(float("nan")),
    nested_junk,
)
BAD_STATUSES = st.sampled_from(
    [
        *Status.values,
        "",
        "DONE",
        "Done",
        "done ",
        "finished",
        "in-progress",
        "\u202edone",
        "ｄｏｎｅ",
        "done\x00",
        1,
        True,
        ["done"],
        {"status": "done"},
    ]
)
BAD_URLS = st.sampled_from(
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "vbscript:msgbox(1)",
        "//evil.example.com",
        "https://exa mple.com",
        "https://" + "a" * 600 + ".com",
        "https://example.com/" + "a" * 500,
        "https://example.com/\ud800",
        "https://\udfff.example.com/",
        "https://example.com/\x07",
        "http://",
        "https:///x",
        "\x00https://example.com",
        "https://例え.テスト/パス",
        "https://user:pass@host.example/",
        "http://[::1]:80/",
    ]
)
BAD_NOTES = st.one_of(
    st.sampled_from(
        [
            "x" * (NOTE_LENGTH + 1),
            "é" * (NOTE_LENGTH + 1),
            "x" * NOTE_LENGTH,
            "\x00",
            "a\x07b",
            "a\x1b[2Jb",
            "\x7f",
            "\x85",
            "\x9b",
            "\ud800",
            "\udfff tail",
            "one\rtwo",
            "a\r\nb",
            "\u202eevil",
            "<img src=x onerror=alert(1)>",
        ]
    ),
    st.text(min_size=NOTE_LENGTH - 10, max_size=NOTE_LENGTH + 10),
    st.text(max_size=20),
)
BAD_DATES = st.sampled_from(
    [
        "",
        "yesterday",
        "2025-13-01T00:00:00",
        "2025-02-30T00:00:00+00:00",
        "2025-01-01",
        "2025-01-01T25:00:00",
        "2025-01-01T00:00:00+24:00",
        "2999-01-01T00:00:00+00:00",
        (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "2025-01-01T00:00:00+23:59",
        "2025-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00-01:00",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:59.999999",
        "9999-12-31T23:59:59+01:00",
        "0001-01-02T00:00:00+00:00",
        "0001-01-01T23:00:00-23:00",
        "9999-12-30T00:00:00+00:00",
        "9999-12-30T23:00:00+23:00",
        "+002025-01-01T00:00:00",
        "٢٠٢٥-٠١-٠١T00:00:00",
        "2025-01-01T00:00:00\x00",
        "2025-01-01T00:00:00\ud800",
        1735689600,
        1.5,
        None,
        [],
        {},
    ]
)
BAD_SLUGS = st.sampled_from(
    [
        "",
        "not-on-this-roadmap",
        "Deploy-An-API",
        "deploy an api",
        "deploy-an-api\x00",
        "ｄｅｐｌｏｙ",
        "deploy-an-api\ud800",
        "../etc",
        "a" * 81,
        "-",
        "old-idea",
        "ml-engineer",
        42,
        None,
        ["deploy-an-api"],
    ]
)
BAD_NAMES = st.one_of(
    st.sampled_from(
        [
            "x" * 81,
            "\x00",
            "a\x07b",
            "Ada\tL.",
            "Ada\nL.",
            "\x85",
            "\u202eevil",
            "\ud800",
            "",
            "  padded  ",
            42,
            None,
        ]
    ),
    st.text(max_size=90),
)
FIELD_JUNK = {
    "status": BAD_STATUSES,
    "from": BAD_STATUSES,
    "to": BAD_STATUSES,
    "evidence_url": BAD_URLS,
    "note": BAD_NOTES,
    "display_name": BAD_NAMES,
    "milestone": BAD_SLUGS,
    "track": BAD_SLUGS,
    "format": st.sampled_from(["next-steps-export ", "Next-Steps-Export", "", None, 1]),
    "version": st.sampled_from([0, 2, "1", 1.0, True, None, [1], 10**30, -1]),
    "public_profile": st.sampled_from(["true", "yes", 1, 0, None, "false"]),
    "archived": st.sampled_from(["true", 1, None]),
    **dict.fromkeys(DATE_FIELDS, BAD_DATES),
}


@st.composite
def progress_entries(draw, slug):
    status = draw(st.sampled_from(Status.values))
    entry = {"milestone": slug, "status": status}
    if status == Status.DONE:
        entry["completed_at"] = draw(moments)
    elif draw(st.booleans()):
        entry["completed_at"] = None
    if draw(st.booleans()):
        entry["note"] = draw(
            st.one_of(readable_text, st.just("x" * NOTE_LENGTH), st.just("one\ntwo\tthree"))
        )
    if draw(st.booleans()):
        entry["evidence_url"] = draw(st.sampled_from(GOOD_URLS))
    if draw(st.booleans()):
        entry["updated_at"] = draw(moments)
    if draw(st.booleans()):
        entry["archived"] = draw(st.booleans())
    return entry


@st.composite
def valid_exports(draw):
    slugs = draw(st.lists(st.sampled_from(MILESTONE_SLUGS), unique=True, max_size=4))
    document = {
        "format": exports.FORMAT,
        "version": exports.VERSION,
        "progress": [draw(progress_entries(slug)) for slug in slugs],
        "events": draw(
            st.lists(
                st.builds(
                    lambda slug, change, at: {
                        "milestone": slug,
                        "from": change[0],
                        "to": change[1],  # an event is a change
                        "at": at,
                    },
                    st.sampled_from(MILESTONE_SLUGS),
                    st.permutations(Status.values),
                    moments,
                ),
                max_size=4,
            )
        ),
    }
    optional = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "exported_at": moments,
                "profile": st.fixed_dictionaries(
                    {},
                    optional={
                        "username": readable_text,
                        "email": readable_text,
                        "date_joined": moments,
                        "display_name": name_text,
                        "public_profile": st.booleans(),
                    },
                ),
                "followed_tracks": st.lists(
                    st.fixed_dictionaries(
                        {"track": st.sampled_from(TRACK_SLUGS)},
                        optional={"since": st.none() | moments},
                    ),
                    max_size=3,
                ),
            },
        )
    )
    return {**document, **optional}


def places(value):
    """Every (container, key) pair inside a JSON document."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in list(items):
        yield value, key
        if isinstance(child, dict | list):
            yield from places(child)


@st.composite
def mutated_exports(draw):
    """A valid export, and how many times it was then damaged (0: it is still valid).

    Most damage is aimed: one field gets a value chosen for it, or one odd character slipped
    into its text. The rest drops, adds, duplicates and replaces anything anywhere.
    """
    document = draw(valid_exports())
    mode = draw(st.sampled_from(["none", "field", "field", "trick", "trick", "anywhere"]))
    if mode == "none":
        return document, 0
    if mode in ("field", "trick"):
        spots = [(c, k) for c, k in places(document) if isinstance(k, str) and k in FIELD_JUNK]
        name = draw(st.sampled_from(sorted({key for _, key in spots})))
        container, key = draw(st.sampled_from([spot for spot in spots if spot[1] == name]))
        value = container[key]
        if mode == "trick" and isinstance(value, str):
            at = draw(st.integers(0, len(value)))
            container[key] = value[:at] + draw(st.sampled_from(ODD_CHARACTERS)) + value[at:]
        else:
            container[key] = copy.deepcopy(draw(FIELD_JUNK[key]))
        return document, 1
    mutations = draw(st.integers(1, 3))
    for _ in range(mutations):
        container, key = draw(st.sampled_from(list(places(document))))
        operation = draw(st.sampled_from(["replace"] * 4 + ["drop", "add", "duplicate"]))
        if operation == "drop":
            del container[key]
        elif operation == "add" and isinstance(container, dict):
            container[draw(st.text(max_size=12))] = copy.deepcopy(draw(generic_junk))
        elif operation == "duplicate" and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        else:
            container[key] = copy.deepcopy(draw(generic_junk))
    return document, mutations


class ImportFile(NamedTuple):
    kind: str
    body: bytes
    name: str
    content_type: str
    document: object
    valid: bool

    def __repr__(self):
        shown = self.body if len(self.body) < 2000 else self.body[:2000] + b"..."
        return f"ImportFile({self.kind}, {len(self.body)} bytes, valid={self.valid}: {shown!r})"


@st.composite
def import_files(draw, kinds):
    kind = draw(st.sampled_from(kinds))
    document, mutations = draw(mutated_exports())
    text = json.dumps(
        document, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2]))
    )
    body = text.encode("utf-8", "surrogatepass")
    valid = mutations == 0
    if kind == "truncated":
        body = body[: draw(st.integers(0, len(body) - 1))]
        valid = False
    elif kind == "bom":
        body = codecs.BOM_UTF8 + body
    elif kind == "not-utf-8":
        at = draw(st.integers(0, len(body)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"]))
        body = body[:at] + bad + body[at:]
        valid = False
    elif kind == "utf-16":
        body = text.encode("utf-16", "surrogatepass")
        valid = False
    elif kind == "binary":
        body = draw(st.binary(max_size=300))
        valid = False
    elif kind == "top-level":
        document = draw(
            st.one_of(
                nested_junk,
                st.just([document]),
                st.just({"version": 1, "progress": [], "events": []}),
            )
        )
        body = json.dumps(document).encode()
        valid = False
    elif kind == "nested":
        depth = draw(st.sampled_from([10, 500, 900, 950, 1000, 5000, 100_000]))
        where = draw(st.sampled_from(["top", "version", "note", "progress"]))
        junk = draw(st.sampled_from([("[" * depth, "]" * depth), ('{"a":' * depth, "}" * depth)]))
        nested = junk[0] + "1" + junk[1] if junk[0].startswith("{") else junk[0] + junk[1]
        wrapper = {
            "top": "{}",
            "version": '{"format": "next-steps-export", "version": {}, '
            '"progress": [], "events": []}',
            "note": '{"format": "next-steps-export", "version": 1, "events": [], '
            '"progress": [{"milestone": "enter-kaggle", "status": "in_progress", "note": {}}]}',
            "progress": '{"format": "next-steps-export", "version": 1, "events": [], '
            '"progress": {}}',
        }[where]
        body = wrapper.replace("{}", nested, 1).encode() if where != "top" else nested.encode()
        valid = False
    elif kind == "empty":
        body = draw(st.sampled_from([b"", b" ", b"\n", b"null", b"{}", b"[]", b'""']))
        valid = False
    elif kind == "huge":
        body += b" " * (import_checks.MAX_IMPORT_BYTES - len(body) + draw(st.integers(1, 4096)))
        valid = False
    elif kind == "long-number":  # more digits than Python turns into an integer
        body = re.sub(rb'"version": ?1', b'"version": 1' + b"0" * 5000, body)
        valid = False
    elif kind == "at-limit":
        body += b" " * (import_checks.MAX_IMPORT_BYTES - len(body))
    name = draw(
        st.sampled_from(
            [
                "export.json",
                "next-steps-ada.json",
                "../../etc/passwd",
                "x" * 300 + ".json",
                "экспорт.json",
                "export.json.exe",
                "no-extension",
            ]
        )
    )
    content_type = draw(
        st.sampled_from(["application/json", "text/plain", "application/octet-stream", "image/png"])
    )
    return ImportFile(kind, body, name, content_type, document, valid)


# Rows already checked with full_clean(), by their values: whether a row's fields and check
# constraints are valid depends on nothing else (the database enforces uniqueness), and most rows
# stay as setUpTestData made them, so each is checked once instead of after every request.
VALID_ROWS = set()


def assert_valid(row):
    values = (type(row), *(getattr(row, field.attname) for field in row._meta.concrete_fields))
    if values not in VALID_ROWS:
        row.full_clean()
        VALID_ROWS.add(values)


def snapshot(user_id):
    """Everything stored about one user, except the last login time."""
    return (
        list(
            User.objects.filter(pk=user_id).values_list(
                "username",
                "email",
                "password",
                "display_name",
                "public_profile",
                "is_active",
                "hours_per_week",
            )
        ),
        list(
            Progress.objects.filter(user_id=user_id)
            .order_by("milestone_id")
            .values_list(
                "milestone_id", "status", "note", "evidence_url", "updated_at", "completed_at"
            )
        ),
        list(
            ProgressEvent.objects.filter(user_id=user_id)
            .order_by("pk")
            .values_list("milestone_id", "from_status", "to_status", "at")
        ),
        list(
            Enrollment.objects.filter(user_id=user_id)
            .order_by("track_id")
            .values_list("track_id", "since", "target_date")
        ),
    )


# Argon2 takes a third of a second per hash here; what these tests check doesn't depend on it.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class HostileAccountRequests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.engineer = TrackFactory(slug="ml-engineer", name="ML Engineer")
        cls.scientist = TrackFactory(slug="data-scientist", name="Data Scientist")
        section = SectionFactory(slug="portfolio")
        api = MilestoneFactory(section=section, slug="deploy-an-api")
        kaggle = MilestoneFactory(section=section, slug="enter-kaggle")
        old = MilestoneFactory(section=section, slug="old-idea", is_archived=True)
        TrackMilestoneFactory(track=cls.engineer, milestone=api, weight=3)
        TrackMilestoneFactory(track=cls.scientist, milestone=kaggle, weight=2)
        TrackMilestoneFactory(track=cls.engineer, milestone=old, weight=1)
        cls.me = UserFactory(username="ada", email="ada@example.com", display_name="Ada L.")
        cls.other = UserFactory(
            username="grace",
            email="grace@example.com",
            display_name="Grace H.",
            public_profile=True,
        )
        for user, track in ((cls.me, cls.engineer), (cls.other, cls.scientist)):
            progress.set_status(user=user, milestone=api, status=Status.IN_PROGRESS, now=JAN)
            progress.set_status(user=user, milestone=api, status=Status.DONE, now=FEB)
            progress.set_status(user=user, milestone=kaggle, status=Status.IN_PROGRESS, now=FEB)
            progress.save_details(
                user=user,
                milestone=api,
                note=f"{user.username}'s private note",
                evidence_url=f"https://github.com/{user.username}/api",
                now=FEB,
            )
            EnrollmentFactory(user=user, track=track, since=JAN)
        cls.mine = snapshot(cls.me.pk)
        cls.theirs = snapshot(cls.other.pk)

    def setup_example(self):
        super().setup_example()
        cache.clear()  # each example is a new client: no sign-up or reset counted before it

    # -- requests ---------------------------------------------------------------------------

    def client_for(self, *, logged_in, csrf, htmx, current_url=None, client=None):
        """A CSRF-enforcing client, its extra headers, and the form fields carrying the token."""
        if client is None:
            client = Client(enforce_csrf_checks=True)
            if logged_in:
                client.force_login(self.me)
        secret = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        client.cookies["csrftoken"] = secret
        token = {
            "field": secret,
            "header": secret,
            "wrong": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
            "malformed": "not-a-token\x00",
            "missing": None,
        }[csrf]
        headers, fields = {}, {}
        if token is not None:
            if csrf == "header" or (csrf != "field" and htmx):
                headers["HTTP_X_CSRFTOKEN"] = token
            else:
                fields["csrfmiddlewaretoken"] = token
        if htmx:
            headers["HTTP_HX_REQUEST"] = "true"
            if current_url is not None:
                headers["HTTP_HX_CURRENT_URL"] = current_url
        return client, headers, fields

    def send(self, client, method, url, data, headers):
        if method == "post":
            return client.post(url, data, **headers)
        if method in ("get", "head"):
            return getattr(client, method)(url, data, **headers)
        return client.generic(
            method.upper(),
            url,
            urlencode(data, doseq=True),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )

    # -- what must hold after every request -------------------------------------------------

    def assert_answered_safely(self, response):
        assert response.status_code < 500, response.content[:500]
        for header in ("Location", "HX-Redirect"):
            if header in response:
                assert ON_THIS_SITE.match(response[header]), response[header]

    def assert_nothing_invalid_stored(self):
        for row in Progress.objects.all():
            assert_valid(row)
            assert len(row.note) <= NOTE_LENGTH
            assert not STORED_CONTROL.search(row.note), repr(row.note)
            assert not row.evidence_url or urlsplit(row.evidence_url).scheme.lower() in {
                "http",
                "https",
            }
            assert (row.status == Status.DONE) == (row.completed_at is not None)
        for row in [*ProgressEvent.objects.all(), *Enrollment.objects.all()]:
            assert_valid(row)
        for user in User.objects.all():
            assert_valid(user)
            assert not NAME_CONTROL.search(user.display_name), repr(user.display_name)
        usernames = [name.lower() for name in User.objects.values_list("username", flat=True)]
        assert len(usernames) == len(set(usernames))
        emails = [email.lower() for email in User.objects.values_list("email", flat=True)]
        assert len(emails) == len(set(emails))
        assert snapshot(self.other.pk) == self.theirs
        if User.objects.filter(pk=self.me.pk).exists():
            # Whatever the learner could store, they can export and import back.
            exported = exports.export_data(User.objects.get(pk=self.me.pk))
            import_checks.validate(json.loads(json.dumps(exported)))

    def assert_mine_unchanged(self):
        assert snapshot(self.me.pk) == self.mine

    # -- sign up ----------------------------------------------------------------------------

    @examples(50)
    @given(
        method=METHODS,
        csrf=CSRF,
        htmx=st.booleans(),
        logged_in=st.sampled_from([False, False, False, True]),
        username=usernames,
        email=emails,
        password1=passwords,
        same_password=st.booleans(),
        password2=passwords,
        next_url=next_urls,
        next_in_query=st.booleans(),
    )
    def test_signing_up(
        self,
        method,
        csrf,
        htmx,
        logged_in,
        username,
        email,
        password1,
        same_password,
        password2,
        next_url,
        next_in_query,
    ):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        data.update(
            username=username,
            email=email,
            password1=password1,
            password2=password1 if same_password else password2,
        )
        url = reverse("signup")
        if next_in_query:
            url += "?" + urlencode({"next": next_url})
        else:
            data["next"] = next_url
        before = set(User.objects.values_list("pk", flat=True))

        response = self.send(client, method, url, data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        self.assert_mine_unchanged()
        new = User.objects.exclude(pk__in=before)
        if not (method == "post" and csrf in CSRF_OK and not logged_in):
            assert not new.exists()
        if new.exists():
            (user,) = new
            assert response.status_code == 302
            assert user.check_password(password1) and password1 == data["password2"]
            assert client.session[SESSION_KEY] == str(user.pk)
            assert not user.progress.exists() and not user.enrollments.exists()

    # -- log in, through the lockout --------------------------------------------------------

    @examples(40)
    @given(
        failures_first=st.integers(0, 5),
        attempts=st.lists(
            st.tuples(
                st.one_of(
                    st.sampled_from(["ada", "ada", " ada ", "ａｄａ", "ADA", "grace", "nobody"]),
                    hostile_text,
                ),
                st.one_of(st.just(PASSWORD), passwords),
                st.sampled_from(["post"] * 8 + ["get", "put", "delete"]),
                st.sampled_from(["field"] * 3 + ["header"] * 2 + ["wrong", "missing"]),
                st.booleans(),
                next_urls,
                current_urls,
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def test_logging_in(self, failures_first, attempts):
        client = Client(enforce_csrf_checks=True)
        wrong = [("ada", "wrong", "post", "field", False, "", None)] * failures_first
        for username, password, method, csrf, htmx, next_url, current_url in wrong + attempts:
            client, headers, data = self.client_for(
                logged_in=False, csrf=csrf, htmx=htmx, current_url=current_url, client=client
            )
            data.update(username=username, password=password, next=next_url)
            # A username is matched in any case, and failed logins are counted against it in
            # lower case (accounts.limits.login_username).
            name = unicodedata.normalize("NFKC", username.strip()).lower()
            # No username holds NUL, and PostgreSQL refuses to compare text with it.
            locked = "\x00" not in name and (
                AccessAttempt.objects.filter(
                    username=name, failures_since_start__gte=django_settings.AXES_FAILURE_LIMIT
                ).exists()
            )
            right = (
                method == "post"
                and csrf in CSRF_OK
                and name in ("ada", "grace")
                and password == PASSWORD
            )
            session_before = client.session.get(SESSION_KEY)

            response = self.send(client, method, reverse("login"), data, headers)

            self.assert_answered_safely(response)
            # Logged in already, the form sends the learner on without logging anyone in.
            if right and not locked and session_before is None:
                assert client.session[SESSION_KEY] == str(User.objects.get(username=name).pk)
            else:
                assert client.session.get(SESSION_KEY) == session_before
            if right and locked and session_before is None:
                assert response.status_code == 429
                assert b"Too many failed logins" in response.content
            self.assert_nothing_invalid_stored()
            self.assert_mine_unchanged()

    # -- profile ----------------------------------------------------------------------------

    @examples(50)
    @given(
        **LEARNER_REQUEST,
        current_url=current_urls,
        display_name=hostile_text,
        public_profile=st.one_of(
            st.none(),
            st.sampled_from(["on", "true", "True", "false", "False", "0", "1", "", "off"]),
            hostile_text,
        ),
    )
    def test_editing_the_profile(
        self, method, csrf, htmx, logged_in, current_url, display_name, public_profile
    ):
        client, headers, data = self.client_for(
            logged_in=logged_in, csrf=csrf, htmx=htmx, current_url=current_url
        )
        data["display_name"] = display_name
        if public_profile is not None:
            data["public_profile"] = public_profile

        response = self.send(client, method, reverse("profile"), data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        saved = response.status_code == 302 and response["Location"] == reverse("profile")
        if saved:
            assert method == "post" and csrf in CSRF_OK and logged_in
            me = User.objects.get(pk=self.me.pk)
            assert me.display_name == display_name.strip()
            assert len(me.display_name) <= 80
            (_profile, *others) = snapshot(self.me.pk)
            assert others == list(self.mine[1:])
        else:
            self.assert_mine_unchanged()
        if NAME_CONTROL.search(display_name.strip()):
            assert not saved

    # -- choosing, following and unfollowing tracks -----------------------------------------

    @examples(45)
    @given(
        **LEARNER_REQUEST,
        values=st.lists(track_values, max_size=5),
        next_url=next_urls,
    )
    def test_choosing_tracks(self, method, csrf, htmx, logged_in, values, next_url):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        pks = {"<engineer>": str(self.engineer.pk), "<scientist>": str(self.scientist.pk)}
        values = [pks.get(value, value) for value in values]
        data.update(tracks=values, next=next_url)

        response = self.send(client, method, reverse("choose_tracks"), data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        allowed = method == "post" and csrf in CSRF_OK and logged_in
        if allowed and values and set(values) <= set(pks.values()):
            assert response.status_code == 302
            followed = Enrollment.objects.filter(user=self.me).values_list("track_id", flat=True)
            assert set(followed) == {int(value) for value in values}
        else:
            self.assert_mine_unchanged()

    @examples(45)
    @given(
        action=st.sampled_from(["follow_track", "unfollow_track"]),
        slug=track_slugs,
        **LEARNER_REQUEST,
        current_url=current_urls,
    )
    def test_following_and_unfollowing(
        self, action, slug, method, csrf, htmx, logged_in, current_url
    ):
        client, headers, data = self.client_for(
            logged_in=logged_in, csrf=csrf, htmx=htmx, current_url=current_url
        )
        url = reverse(f"roadmap:{action}", args=["placeholder"]).replace(
            "placeholder", quote(slug, safe="")
        )

        response = self.send(client, method, url, data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        allowed = method == "post" and csrf in CSRF_OK and logged_in
        followed = set(
            Enrollment.objects.filter(user=self.me).values_list("track__slug", flat=True)
        )
        if allowed and action == "unfollow_track" and slug == "ml-engineer":
            assert followed == {"ml-engineer"}  # the only track followed stays followed
        elif allowed and slug in ("ml-engineer", "data-scientist"):
            assert (slug in followed) == (action == "follow_track")
            assert followed - {slug} == {"ml-engineer"} - {slug}
        else:
            self.assert_mine_unchanged()

    # -- the pace plan ----------------------------------------------------------------------

    @examples(40)
    @given(
        **LEARNER_REQUEST,
        hours=st.one_of(
            st.integers(-5, 100).map(str), st.sampled_from(["", " 7 ", "5.0"]), hostile_text
        ),
    )
    def test_setting_the_hours_a_week(self, method, csrf, htmx, logged_in, hours):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        data["hours_per_week"] = hours

        response = self.send(client, method, reverse("roadmap:set_hours"), data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        stored = User.objects.get(pk=self.me.pk).hours_per_week
        allowed = method == "post" and csrf in CSRF_OK and logged_in
        if allowed and response.status_code in (200, 302) and hours.strip():
            assert 1 <= stored <= 80
        elif response.status_code == 422:
            assert b"Give a whole number of hours a week from 1 to 80." in response.content
            self.assert_mine_unchanged()
        elif not allowed:
            self.assert_mine_unchanged()

    @examples(40)
    @given(
        **LEARNER_REQUEST,
        slug=track_slugs,
        target=st.one_of(st.dates().map(lambda day: day.isoformat()), hostile_text),
        clear=st.booleans(),
    )
    def test_setting_a_target_date(self, method, csrf, htmx, logged_in, slug, target, clear):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        data["target_date"] = target
        if clear:
            data["clear"] = "1"
        url = reverse("roadmap:set_target", args=["placeholder"]).replace(
            "placeholder", quote(slug, safe="")
        )

        response = self.send(client, method, url, data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        allowed = method == "post" and csrf in CSRF_OK and logged_in and slug == "ml-engineer"
        if allowed and response.status_code in (200, 302):
            (stored,) = Enrollment.objects.filter(user=self.me).values_list(
                "target_date", flat=True
            )
            today = datetime.now(UTC).date()
            assert stored is None or today - timedelta(days=1) < stored <= today + timedelta(3654)
        else:
            if response.status_code == 422:
                assert b"Nothing was changed." in response.content
            self.assert_mine_unchanged()

    # -- passwords --------------------------------------------------------------------------

    @examples(40)
    @given(
        **LEARNER_REQUEST,
        old_password=passwords,
        new_password1=st.one_of(st.just(NEW_PASSWORD), passwords),
        same_password=st.booleans(),
        new_password2=passwords,
    )
    def test_changing_the_password(
        self,
        method,
        csrf,
        htmx,
        logged_in,
        old_password,
        new_password1,
        same_password,
        new_password2,
    ):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        new_password2 = new_password1 if same_password else new_password2
        data.update(
            old_password=old_password, new_password1=new_password1, new_password2=new_password2
        )

        response = self.send(client, method, reverse("password_change"), data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        right = (
            method == "post"
            and csrf in CSRF_OK
            and logged_in
            and old_password == PASSWORD
            and new_password1 == new_password2
        )
        me = User.objects.get(pk=self.me.pk)
        if me.password == self.mine[0][0][2]:
            assert not (right and new_password1 == NEW_PASSWORD)
        else:
            assert right
            assert me.check_password(new_password1)
            assert response["Location"] == reverse("password_change_done")
            assert client.session[SESSION_KEY] == str(me.pk)
            (_profile, *others) = snapshot(self.me.pk)
            assert others == list(self.mine[1:])

    @examples(40)
    @given(
        method=METHODS,
        csrf=CSRF,
        htmx=st.booleans(),
        logged_in=st.sampled_from([False, False, True]),
        email=emails,
    )
    def test_asking_for_a_password_reset(self, method, csrf, htmx, logged_in, email):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        data["email"] = email

        response = self.send(client, method, reverse("password_reset"), data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        self.assert_mine_unchanged()
        assert len(mail.outbox) <= 1
        if mail.outbox:
            assert method == "post" and csrf in CSRF_OK
            (message,) = mail.outbox
            assert message.to in (["ada@example.com"], ["grace@example.com"])
            assert not message.cc and not message.bcc
            assert response["Location"] == reverse("password_reset_done")

    # -- deleting the account ---------------------------------------------------------------

    @examples(40)
    @given(
        **LEARNER_REQUEST,
        current_url=current_urls,
        password=passwords,
    )
    def test_deleting_the_account(self, method, csrf, htmx, logged_in, current_url, password):
        client, headers, data = self.client_for(
            logged_in=logged_in, csrf=csrf, htmx=htmx, current_url=current_url
        )
        data["password"] = password

        response = self.send(client, method, reverse("delete_account"), data, headers)

        self.assert_answered_safely(response)
        self.assert_nothing_invalid_stored()
        right = method == "post" and csrf in CSRF_OK and logged_in and password == PASSWORD
        if right:
            assert response.status_code == 302
            assert snapshot(self.me.pk) == ([], [], [], [])
            assert SESSION_KEY not in client.session
        else:
            self.assert_mine_unchanged()

    # -- public pages: usernames from the URL -----------------------------------------------

    @examples(30)
    @given(
        username=st.one_of(st.sampled_from(["ada", "grace", "\x00", "grace\x00"]), hostile_text),
        track=st.one_of(st.sampled_from(["ml-engineer", "\x00"]), hostile_text),
        badge=st.booleans(),
    )
    def test_public_pages_answer_any_username(self, username, track, badge):
        url = reverse("roadmap:public_page", args=["placeholder"]).replace(
            "placeholder", quote(username, safe="")
        )
        if badge:
            url += "badge.svg?" + urlencode({"track": track})
        response = Client().get(url)
        self.assert_answered_safely(response)

    # -- import -----------------------------------------------------------------------------

    @examples(100)
    @given(
        upload=import_files(DOCUMENTS),
        method=st.sampled_from(["post"] * 10 + ["get", "put", "delete"]),
        csrf=st.sampled_from(["field"] * 3 + ["header"] * 3 + ["wrong", "malformed", "missing"]),
        htmx=st.booleans(),
        logged_in=st.sampled_from([True] * 8 + [False]),
        field=st.sampled_from(["file"] * 10 + ["upload", "text"]),
        zone=ZONES,
    )
    def test_importing_a_document(self, **request):
        self.import_and_check(**request)

    @examples(60)
    @given(
        upload=import_files(BROKEN_FILES),
        method=st.sampled_from(["post"] * 10 + ["put"]),
        csrf=st.sampled_from(["field", "header", "header", "wrong"]),
        htmx=st.booleans(),
        logged_in=st.just(True),
        field=st.just("file"),
        zone=ZONES,
    )
    def test_importing_a_broken_file(self, **request):
        self.import_and_check(**request)

    def import_and_check(self, upload, method, csrf, htmx, logged_in, field, zone):
        client, headers, data = self.client_for(logged_in=logged_in, csrf=csrf, htmx=htmx)
        if field == "text":
            data["file"] = upload.body.decode("utf-8", "replace")[:1000]
        else:
            data[field] = SimpleUploadedFile(upload.name, upload.body, upload.content_type)
        url = reverse("import_data")

        with override_settings(TIME_ZONE=zone):
            if method == "post":
                response = client.post(url, data, **headers)
            else:
                response = client.generic(
                    method.upper(), url, upload.body, content_type="application/json", **headers
                )
            self.assert_answered_safely(response)
            self.assert_nothing_invalid_stored()
            # (A GET is sent to the form's page too, importing nothing.)
            back = response.status_code == 302 and response["Location"] == reverse("my_data")
            accepted = back and method == "post"
            event(f"{upload.kind}, {'accepted' if accepted else 'refused'}")
            allowed = method == "post" and csrf in CSRF_OK and logged_in
            if accepted:
                assert allowed and field == "file"
                self.assert_pages_show_the_import(client)
            else:
                self.assert_mine_unchanged()
            if allowed and field != "file":
                self.assert_shows_why(response)
                assert b"Choose the JSON file to import." in response.content
            if allowed and field == "file":
                if not accepted:
                    self.assert_shows_why(response)
                if upload.kind == "huge":
                    assert not accepted
                    assert b"the limit is 2 MB" in response.content
                if upload.valid:
                    assert accepted, response.content.decode()[-3000:]
                    self.assert_progress_is_the_files(upload.document)

    def assert_shows_why(self, response):
        """A refused file gets the page back with the reason next to the file field."""
        assert response.status_code == 422
        (reason, *_) = response.context["form"].errors["file"]
        assert escape(reason).encode() in response.content

    def assert_pages_show_the_import(self, client):
        pages = [
            reverse("roadmap:index"),
            reverse("roadmap:dashboard"),
            reverse("my_data"),
            reverse("export_json"),
            reverse("export_markdown"),
        ]
        if User.objects.get(pk=self.me.pk).public_profile:
            pages += [
                reverse("roadmap:public_page", args=["ada"]),
                reverse("roadmap:badge", args=["ada"]) + "?track=ml-engineer",
            ]
        for page in pages:
            assert client.get(page).status_code == 200, page

    def assert_progress_is_the_files(self, document):
        """Each row is the file's, but where the account's changed after the file's row."""
        rows = {
            row.milestone.slug: row
            for row in Progress.objects.filter(user=self.me).select_related("milestone")
        }
        mine = {pk: (status, note, url, at) for pk, status, note, url, at, _ in self.mine[1]}
        file_times = {e["slug"]: e["updated_at"] for e in import_checks.validate(document).progress}
        for entry in document["progress"]:
            if entry["milestone"] in KNOWN_MILESTONES:
                row = rows[entry["milestone"]]
                kept = mine.get(row.milestone_id)
                at = file_times[entry["milestone"]]  # None: the file doesn't say when
                if kept and (at is None or kept[3] > at):
                    assert (row.status, row.note, row.evidence_url) == kept[:3]
                    continue
                assert (row.status, row.note, row.evidence_url) == (
                    entry["status"],
                    entry.get("note", "").replace("\r\n", "\n").strip(),  # as the form does
                    entry.get("evidence_url", ""),
                )

    def test_a_file_over_the_size_limit_is_refused_with_a_clear_error(self):
        client, headers, data = self.client_for(logged_in=True, csrf="field", htmx=False)
        body = json.dumps({"format": exports.FORMAT, "version": exports.VERSION})
        body = body.encode() + b" " * (import_checks.MAX_IMPORT_BYTES + 1 - len(body))
        data["file"] = SimpleUploadedFile("export.json", body, "application/json")

        response = client.post(reverse("import_data"), data, **headers)

        assert response.status_code == 422
        assert b"Nothing was imported. The file is 2.0 MB; the limit is 2 MB." in response.content
        self.assert_mine_unchanged()
