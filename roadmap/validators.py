"""What a learner's note, evidence link and dates may be: the same checks for the forms, the admin
and the data import. Text follows one rule for control characters (accounts/validators.py)."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from accounts.validators import CONTROL_CHARACTERS, DIRECTION_CHARACTERS, TURNED_AROUND

WEB_URL = "Enter a web address that starts with http:// or https://."
PORT = "The port after the colon in that address is a number from 1 to 65535: check it."
QUOTES = (
    'A web address has no quotes or angle brackets (" < >), nor a backslash before its "?": '
    "check it."
)
USERINFO = (
    "Leave the user name and password out of that address (before the @): everyone who sees "
    "the link would read them."
)
# A browser reads a backslash before the query as a slash: https://a.example\\@b.example opens a.
UNQUOTED = re.compile(r'["<>]|^[^?#]*\\')
# `/?track=all` focuses on the whole roadmap (roadmap/focus.py).
ALL_TRACKS = "all"
# How far ahead a learner may set a target date for a track, in years ("ten" in the messages).
TARGET_YEARS = 10
# A day inside the years datetime can hold, so that the moment can be shown in any time zone.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)

_http_or_https = URLValidator(schemes=["http", "https"], message=WEB_URL)


def validate_web_url(value):
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(WEB_URL, code="invalid")
    if DIRECTION_CHARACTERS.search(value):  # shown as a link's text, the rest would read backwards
        raise ValidationError(TURNED_AROUND, code="direction_characters")
    _http_or_https(value)
    if UNQUOTED.search(value):  # URLValidator lets them through after the host
        raise ValidationError(QUOTES, code="quotes")
    parts = urlsplit(value)
    if "@" in parts.netloc:  # shown to everyone who sees the link
        raise ValidationError(USERINFO, code="userinfo")
    try:  # URLValidator takes any five digits: a browser can't open port 0 or 99999
        port = parts.port
    except ValueError:
        raise ValidationError(PORT, code="port") from None
    if port == 0:
        raise ValidationError(PORT, code="port")


def validate_track_slug(slug):
    if slug == ALL_TRACKS:
        raise ValidationError(
            f"“{ALL_TRACKS}” shows the whole roadmap (/?track={ALL_TRACKS}): choose another slug.",
            code="reserved",
        )


# The roadmap page's own element ids, which a section's or milestone's slug (its anchor, /#slug)
# can't be: htmx swaps an element by its id, and a milestone named "news" was swapped for the
# news box. Every other id on the page is one of these, or made from a slug with one of these
# prefixes or the suffix (tests/test_roadmap_page.py checks).
PAGE_IDS = frozenset(
    {"career-tracks", "flash", "hide-done-toggle", "main", "my-progress", "news", "next-up"}
    | {"roadmap-body", "roadmap-tools"}
)
PAGE_ID_PREFIXES = ("bar-", "details-", "done-", "evidence-", "focus-", "map-", "node-", "note-")
PAGE_ID_PREFIXES += ("progress-", "state-", "status-", "track-")
# A milestone's ids with a suffix (note-<slug>-error, …) are another's with it in its slug.
PAGE_ID_SUFFIXES = ("-title", "-error", "-help", "-elsewhere")


# The ids the pages make of a track's slug (track-, track-…-title, bar-, bar-…-text, plan-,
# focus-, target-, target-…-help, follow-toggle-, badge-markdown-): a slug that makes a page's own
# id (plan-title, plan-said, focus-followed) or another track's had htmx swap that element for
# the track's.
TRACK_ID_WORDS = frozenset({"followed", "said", "title"})
TRACK_ID_SUFFIXES = ("-text", "-title", "-help")


def validate_track_ids(slug):
    """A new track's slug makes none of the pages' other ids (tests/test_dashboard.py checks)."""
    _not_reserved(slug, TRACK_ID_WORDS, (), TRACK_ID_SUFFIXES, "the pages' own parts")


def validate_anchor(slug):
    """A section's or milestone's slug is not one of the roadmap page's own ids."""
    _not_reserved(
        slug, PAGE_IDS, PAGE_ID_PREFIXES, PAGE_ID_SUFFIXES, "the roadmap page's own parts"
    )


def _not_reserved(slug, ids, prefixes, suffixes, owner):
    """Refuse a slug that is one of `ids`, or starts or ends with one of `prefixes`, `suffixes`:
    taken by `owner`."""
    prefix = next((prefix for prefix in prefixes if slug.startswith(prefix)), None)
    suffix = next((suffix for suffix in suffixes if slug.endswith(suffix)), None)
    if slug in ids:
        taken = f"“{slug}” is"
    elif prefix:
        taken = f"Slugs starting with “{prefix}” are"
    elif suffix:
        taken = f"Slugs ending in “{suffix}” are"
    else:
        return
    raise ValidationError(f"{taken} taken by {owner}: choose another slug.", code="reserved")


def validate_not_in_future(moment):
    """Nothing in a file (or a learner's row in the admin) is later than now: a time after it
    would be later than a tick made after the import, which importing the file again would
    then undo. Nor earlier than EARLIEST, so that a learner's export always imports back."""
    if moment > timezone.now():
        raise ValidationError("That is in the future: nothing was done then yet.", code="future")
    if moment < EARLIEST:
        raise ValidationError(
            "That is too far in the past: give a time from 2 January of year 1.", code="past"
        )


def validate_target_in_reach(target):
    """A target date at most ten years ahead: the dashboard's form, the data import and the
    admin."""
    today = timezone.localdate()
    try:
        last = today.replace(year=today.year + TARGET_YEARS)
    except ValueError:  # from a 29 February to a year without one
        last = today.replace(year=today.year + TARGET_YEARS, day=28)
    if target > last:
        raise ValidationError("Choose a target date within ten years.", code="far")


def note_text(text):
    """A note as stored: browsers send a textarea's line breaks as \\r\\n."""
    return text.replace("\r\n", "\n").strip()
