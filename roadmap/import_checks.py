"""Reading and checking an export file before anything is written.

The whole file is checked with the forms' own validators; ImportRejected names the first place
that is wrong, so a file that is refused changes nothing.
"""

import json
from dataclasses import dataclass
from datetime import UTC

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import MAX_HOURS_PER_WEEK, current_time_zone
from accounts.validators import (
    validate_lines,
    validate_one_line,
    validate_username,
    validate_visible,
)

from .exports import FORMAT, MARKDOWN_TITLE, VERSION
from .models import (
    NOTE_LENGTH,
    SLUG_LENGTH,
    URL_LENGTH,
    Status,
)
from .validators import (
    note_text,
    validate_not_in_future,
    validate_target_in_reach,
    validate_web_url,
)

MAX_IMPORT_MB = 2
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
# History events an import may leave an account (roadmap/imports.py), far more than ticking by
# hand makes: repeated files can't grow it without end, and on the chapter's 30 milestones the
# export of an account within it stays under the file limit (about 1.2 MB with the longest slugs,
# notes and links).
MAX_HISTORY = 5_000

STATUSES = ", ".join(Status.values)
DISPLAY_NAME_LENGTH = get_user_model()._meta.get_field("display_name").max_length
# The file's JSON types, as messages name them.
KINDS = {
    dict: "an object",
    list: "a list",
    str: "text",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


class ImportRejected(Exception):
    """The file cannot be imported. The message names the place; nothing was changed."""


def read_file(upload):
    """The JSON data in an uploaded file; ImportRejected if it is too big or not JSON."""
    if upload.size > MAX_IMPORT_BYTES:
        raise ImportRejected(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {MAX_IMPORT_MB} MB. "
            "Choose a file exported from this page."
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected("The file is not UTF-8 text, so it is not an export file.") from None
    if text.lstrip().startswith(MARKDOWN_TITLE):
        raise ImportRejected(
            "This is the Markdown checklist, which can't be imported: choose the file of "
            "“Download everything (JSON)”."
        )
    try:
        data = json.loads(text)
        # A lone surrogate escape such as "\ud800" is valid JSON but not text: no database
        # stores it and no page shows it, not even inside an error message.
        json.dumps(data, ensure_ascii=False).encode()
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "Was it cut short or edited by hand?"
        ) from None
    except RecursionError:
        raise ImportRejected("The file is nested too deeply to be an export file.") from None
    except UnicodeEncodeError:  # before ValueError, of which it is a kind
        raise ImportRejected(
            "The file has a \\u escape that is not a character (a lone surrogate such as "
            "\\ud800), so it is not an export file."
        ) from None
    except ValueError:  # an integer of more digits than Python converts (sys.int_info)
        raise ImportRejected("The file has a number too long to be in an export file.") from None
    return data


def _mapping(value, place, required=(), optional=()):
    _expect(dict, value, place)
    missing = [key for key in required if key not in value]
    if missing:
        raise ImportRejected(
            f"{place}: missing {', '.join(missing)}, which every export from this page has. Was "
            "the file edited by hand? Download it again."
        )
    unknown = [key for key in value if key not in (*required, *optional)]
    if unknown:
        raise ImportRejected(f"{place}: unknown key {', '.join(unknown)}.")
    return value


def _expect(kind, value, place):
    """The value if it is of the JSON type `kind`; else ImportRejected naming both types."""
    if not isinstance(value, kind):
        raise ImportRejected(f"{place}: expected {KINDS[kind]}, got {KINDS[type(value)]}.")
    return value


def _checked(validator, value, place, message=None, *, codes=()):
    """The value if the forms' own validator takes it; else ImportRejected with `message`
    (only for a refusal whose code is in `codes`, when given), or with the validator's own."""
    try:
        validator(value)
    except ValidationError as exc:
        said = message if message and (not codes or exc.code in codes) else " ".join(exc.messages)
        raise ImportRejected(f"{place}: {said}") from None
    return value


def _text(value, place, max_length, validator=validate_one_line):
    _expect(str, value, place)
    if len(value) > max_length:
        raise ImportRejected(
            f"{place}: is {len(value)} characters long; the limit is {max_length}."
        )
    return _checked(validator, value, place)


def _note(value, place):
    """A note as the details form stores it: line breaks as \\n, no surrounding space."""
    text = note_text(value) if isinstance(value, str) else value
    return _text(text, place, NOTE_LENGTH, validate_lines)


def _slug(value, place):
    _text(value, place, SLUG_LENGTH)
    return _checked(validate_slug, value, place, f"'{value}' is not a slug.")


def _status(value, place):
    if value not in Status.values:
        shown = f"'{value}'" if isinstance(value, str) else KINDS[type(value)]
        raise ImportRejected(f"{place}: {shown} is not a status; use {STATUSES}.")
    return value


def _parsed(parse, value, place, what, example):
    """`value` read by Django's parse_date or parse_datetime; ImportRejected unless it can be."""
    if not isinstance(value, str):
        raise ImportRejected(f"{place}: expected {what} as text, got {KINDS[type(value)]}.")
    try:
        parsed = parse(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ImportRejected(f"{place}: '{value[:40]}' is not {what} like {example}.")
    return parsed


def _datetime(value, place, *, required=True):
    if value is None and not required:
        return None
    parsed = _parsed(parse_datetime, value, place, "a date and time", "2025-01-31T09:30:00+00:00")
    moment = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    future = f"'{value[:40]}' is in the future"
    if timezone.is_naive(parsed):
        future += " (a time without an offset, such as +02:00, is read as UTC)"
    # Said in a learner's words too: what it means, and why it can't be taken.
    future += (
        ". Was the file saved on a computer whose clock was ahead, or edited? A time later than "
        "now would undo what you do after the import."
    )
    _checked(validate_not_in_future, moment, place, future, codes={"future"})
    return moment.astimezone(UTC)  # PostgreSQL holds offsets up to ±15:59, ISO 8601 to ±23:59


def _target_date(value, place):
    """A target date as the dashboard takes them, up to ten years ahead (a past one was ahead
    when it was set)."""
    if value is None:
        return None
    target = _parsed(parse_date, value, place, "a date", "2027-03-31")
    far = f"'{value[:40]}' is more than ten years ahead."
    return _checked(validate_target_in_reach, target, place, far)


def _hours_per_week(value, place):
    if value is not None and (type(value) is not int or not 1 <= value <= MAX_HOURS_PER_WEEK):
        raise ImportRejected(
            f"{place}: expected a whole number of hours from 1 to {MAX_HOURS_PER_WEEK} or null."
        )
    return value


def _time_zone(value, place):
    """A time zone this site offers, or "" (the site's): one it doesn't know (a file from a
    machine with other time zone data) is the site's too, as at sign-up."""
    if not isinstance(value, str):
        raise ImportRejected(
            f"{place}: expected the name of a time zone, such as 'Europe/Berlin' (or empty: "
            "the site's)."
        )
    return current_time_zone(value)  # a clock's old name by its current one


def _evidence_url(value, place):
    if value == "":
        return value
    return _text(value, place, URL_LENGTH, validate_web_url)


@dataclass
class _Clean:
    profile: dict | None
    followed: list | None
    progress: list
    events: list
    account: str  # the username it was exported from, or ""


def validate(data):
    """Check the whole file and return it normalised; ImportRejected names the first problem."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRejected(
            "This is not a Next Steps export: the file should start with "
            f'{{"format": "{FORMAT}", ...}}. Choose a file downloaded from this page.'
        )
    _mapping(
        data,
        "top level",
        required=("format", "version", "progress", "events"),
        optional=("exported_at", "profile", "followed_tracks"),
    )
    if data["version"] != VERSION or isinstance(data["version"], bool):
        raise ImportRejected(
            f"version: this site reads version {VERSION} files, not {data['version']!r}."
        )
    return _Clean(
        profile=_validate_profile(data["profile"]) if "profile" in data else None,
        followed=(
            _validate_followed(data["followed_tracks"]) if "followed_tracks" in data else None
        ),
        progress=_validate_progress(
            data["progress"], _datetime(data.get("exported_at"), "exported_at", required=False)
        ),
        events=_validate_events(data["events"]),
        account=_account(data.get("profile")),
    )


def _validate_profile(raw):
    _mapping(
        raw,
        "profile",
        optional=(
            "username",
            "email",
            "date_joined",
            "display_name",
            "public_profile",
            "last_visit_at",
            "changes_seen_at",
            "changes_dismissed_at",
            "hours_per_week",
            "hide_done",
            "time_zone",
        ),
    )
    profile = {}
    if "display_name" in raw:
        name = raw["display_name"]
        name = _text(
            name.strip() if isinstance(name, str) else name,
            "profile.display_name",
            DISPLAY_NAME_LENGTH,
        )
        profile["display_name"] = name and _checked(validate_visible, name, "profile.display_name")
    if "public_profile" in raw:
        profile["public_profile"] = _expect(bool, raw["public_profile"], "profile.public_profile")
    if "hours_per_week" in raw:
        profile["hours_per_week"] = _hours_per_week(raw["hours_per_week"], "profile.hours_per_week")
    if "hide_done" in raw:
        profile["hide_done"] = _expect(bool, raw["hide_done"], "profile.hide_done")
    if "time_zone" in raw:
        profile["time_zone"] = _time_zone(raw["time_zone"], "profile.time_zone")
    return profile


def _account(profile):
    """The username the file was exported from, said back to a learner importing another
    account's file; "" when it names none that a username could be."""
    try:
        name = _text(profile["username"], "profile.username", 150)
        _checked(get_user_model().username_validator, name, "profile.username")
        return _checked(validate_username, name, "profile.username")
    except (ImportRejected, KeyError, TypeError):
        return ""


def _validate_followed(raw):
    followed, seen = [], set()
    for i, entry in enumerate(_expect(list, raw, "followed_tracks")):
        place = f"followed_tracks[{i}]"
        _mapping(entry, place, required=("track",), optional=("since", "target_date"))
        slug = _slug(entry["track"], f"{place}.track")
        since = _datetime(entry.get("since"), f"{place}.since", required=False)
        track = {"slug": slug, "since": since}
        if "target_date" in entry:  # an older file has none: the learner's stays
            track["target_date"] = _target_date(entry["target_date"], f"{place}.target_date")
        if slug not in seen:
            seen.add(slug)
            followed.append(track)
    return followed


def _validate_progress(raw, exported_at):
    """The file's progress; a row without its time is as old as the file, or as its completion
    when that is later (a done one), or, when the file says neither, has None: older than any of
    the account's own (roadmap/imports.py)."""
    progress, seen = [], set()
    for i, entry in enumerate(_expect(list, raw, "progress")):
        place = f"progress[{i}]"
        _mapping(
            entry,
            place,
            required=("milestone", "status"),
            optional=("note", "evidence_url", "updated_at", "completed_at", "archived"),
        )
        slug = _slug(entry["milestone"], f"{place}.milestone")
        place = f"{place} ({slug})"
        if slug in seen:
            raise ImportRejected(f"{place}: this milestone is listed twice.")
        seen.add(slug)
        status = _status(entry["status"], f"{place}.status")
        completed_at = _datetime(entry.get("completed_at"), f"{place}.completed_at", required=False)
        if status == Status.DONE and completed_at is None:
            raise ImportRejected(f"{place}.completed_at: a done milestone needs its date.")
        if status != Status.DONE and completed_at is not None:
            raise ImportRejected(
                f"{place}.completed_at: only a done milestone has one; this one is {status}."
            )
        if "archived" in entry:
            _expect(bool, entry["archived"], f"{place}.archived")
        progress.append(
            {
                "slug": slug,
                "status": status,
                "note": _note(entry.get("note", ""), f"{place}.note"),
                "evidence_url": _evidence_url(
                    entry.get("evidence_url", ""), f"{place}.evidence_url"
                ),
                "updated_at": _datetime(
                    entry.get("updated_at"), f"{place}.updated_at", required=False
                )
                or max(filter(None, (exported_at, completed_at)), default=None),
                "completed_at": completed_at,
            }
        )
    return progress


def _validate_events(raw):
    events = []
    for i, entry in enumerate(_expect(list, raw, "events")):
        place = f"events[{i}]"
        _mapping(
            entry, place, required=("milestone", "from", "to", "at"), optional=("was_done_at",)
        )
        slug = _slug(entry["milestone"], f"{place}.milestone")
        place = f"{place} ({slug})"
        before, after = _status(entry["from"], f"{place}.from"), _status(entry["to"], f"{place}.to")
        if before == after:  # an event is a change: older imports took some that were none
            continue
        at = _datetime(entry["at"], f"{place}.at")
        was_done_at = _datetime(entry.get("was_done_at"), f"{place}.was_done_at", required=False)
        if was_done_at is not None and (before != Status.DONE or was_done_at > at):
            raise ImportRejected(
                f"{place}.was_done_at: only an untick has one, the day it was done, before it."
            )
        events.append((slug, before, after, at, was_done_at))
    return events
