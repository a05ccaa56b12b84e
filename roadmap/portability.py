"""A learner's own data as files: export all of it, import it back into any account.

The JSON file is the complete record (profile, followed tracks, progress, history). The Markdown
file is a checklist of the roadmap to paste into a README. Import checks the whole file with the
forms' own validators before it writes anything, matches milestones and tracks by slug, and writes
in one transaction, one import per account at a time, so a file that is refused changes nothing
and a file imported twice, even at the same moment, adds no history twice.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.validators import validate_lines, validate_one_line

from .models import (
    NOTE_LENGTH,
    SLUG_LENGTH,
    URL_LENGTH,
    Enrollment,
    Milestone,
    Progress,
    ProgressEvent,
    Status,
    Track,
)
from .validators import note_text, validate_not_in_future, validate_web_url

FORMAT = "next-steps-export"
VERSION = 1
MAX_IMPORT_BYTES = 2 * 1024 * 1024

STATUSES = ", ".join(Status.values)
# A day inside the years datetime can hold, so that the moment can be shown in any time zone.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
DISPLAY_NAME_LENGTH = get_user_model()._meta.get_field("display_name").max_length


class ImportRejected(Exception):
    """The file cannot be imported. The message names the place; nothing was changed."""


def _iso(value):
    return value.isoformat() if value is not None else None


def export_data(user):
    """Everything the app stores about the user, as JSON-ready data.

    Dates keep their microseconds, so importing the file back recognises the events that are
    already there.
    """
    progress = (
        Progress.objects.filter(user=user)
        .select_related("milestone")
        .order_by("milestone__section__position", "milestone__position", "milestone__pk")
    )
    events = (
        ProgressEvent.objects.filter(user=user).select_related("milestone").order_by("at", "pk")
    )
    enrollments = Enrollment.objects.filter(user=user).select_related("track")
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(timezone.now()),
        "profile": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "public_profile": user.public_profile,
            "date_joined": _iso(user.date_joined),
        },
        "followed_tracks": [
            {"track": enrollment.track.slug, "since": _iso(enrollment.since)}
            for enrollment in enrollments
        ],
        "progress": [
            {
                "milestone": row.milestone.slug,
                "status": row.status,
                "note": row.note,
                "evidence_url": row.evidence_url,
                "updated_at": _iso(row.updated_at),
                "completed_at": _iso(row.completed_at),
                "archived": row.milestone.is_archived,
            }
            for row in progress
        ],
        "events": [
            {
                "milestone": event.milestone.slug,
                "from": event.from_status,
                "to": event.to_status,
                "at": _iso(event.at),
            }
            for event in events
        ],
    }


def _markdown_text(text):
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", " ".join(text.split()))


def _markdown_link(url):
    return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"


def to_markdown(user):
    """The active roadmap as a Markdown checklist with the user's ticks and evidence links."""
    today = timezone.localdate()
    followed = set(Enrollment.objects.filter(user=user).values_list("track_id", flat=True))
    own = {row.milestone_id: row for row in Progress.objects.filter(user=user)}
    milestones = (
        Milestone.objects.active()
        .select_related("section")
        .order_by("section__position", "section__pk", "position", "pk")
    )
    lines = [
        "# My Next Steps roadmap",
        "",
        f"Progress of {_markdown_text(str(user))} on {today.day} {today:%B %Y}.",
        "",
        "## Career tracks",
        "",
    ]
    tracks = sorted(Track.objects.with_completion(user), key=lambda t: t.pk not in followed)
    for track in tracks:
        line = (
            f"- **{_markdown_text(track.name)}**: {track.percent} % "
            f"({track.done_count} of {track.total_count} milestones done)"
        )
        lines.append(line + (", following" if track.pk in followed else ", not followed"))
    section = None
    for milestone in milestones:
        if milestone.section != section:
            section = milestone.section
            lines += ["", f"## {_markdown_text(section.title)}", ""]
        row = own.get(milestone.pk)
        status = row.status if row else Status.NOT_STARTED
        line = f"- [{'x' if status == Status.DONE else ' '}] {_markdown_text(milestone.title)}"
        if status == Status.IN_PROGRESS:
            line += " *(in progress)*"
        if row and row.evidence_url:
            line += f" · evidence: {_markdown_link(row.evidence_url)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def read_file(upload):
    """The JSON data in an uploaded file; ImportRejected if it is too big or not JSON."""
    if upload.size > MAX_IMPORT_BYTES:
        raise ImportRejected(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB. Choose a file exported from this page."
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected("The file is not UTF-8 text, so it is not an export file.") from None
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
    except ValueError:  # an integer of more digits than Python converts (sys.int_info)
        raise ImportRejected("The file has a number too long to be in an export file.") from None
    except UnicodeEncodeError:
        raise ImportRejected(
            "The file has a \\u escape that is not a character (a lone surrogate such as "
            "\\ud800), so it is not an export file."
        ) from None
    return data


def _mapping(value, place, required=(), optional=()):
    if not isinstance(value, dict):
        raise ImportRejected(f"{place}: expected an object, got {_kind(value)}.")
    missing = [key for key in required if key not in value]
    if missing:
        raise ImportRejected(f"{place}: missing {', '.join(missing)}.")
    unknown = [key for key in value if key not in (*required, *optional)]
    if unknown:
        raise ImportRejected(f"{place}: unknown key {', '.join(unknown)}.")
    return value


def _kind(value):
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true or false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }[type(value)]


def _list(value, place):
    if not isinstance(value, list):
        raise ImportRejected(f"{place}: expected a list, got {_kind(value)}.")
    return value


def _checked(validator, value, place):
    """The value if the forms' own validator takes it; else ImportRejected with its message."""
    try:
        validator(value)
    except ValidationError as exc:
        raise ImportRejected(f"{place}: {' '.join(exc.messages)}") from None
    return value


def _text(value, place, max_length, validator=validate_one_line):
    if not isinstance(value, str):
        raise ImportRejected(f"{place}: expected text, got {_kind(value)}.")
    if len(value) > max_length:
        raise ImportRejected(
            f"{place}: is {len(value)} characters long; the limit is {max_length}."
        )
    return _checked(validator, value, place)


def _note(value, place):
    """A note as the details form stores it: line breaks as \\n, no surrounding space."""
    if not isinstance(value, str):
        raise ImportRejected(f"{place}: expected text, got {_kind(value)}.")
    return _text(note_text(value), place, NOTE_LENGTH, validate_lines)


def _slug(value, place):
    _text(value, place, SLUG_LENGTH)
    try:
        validate_slug(value)
    except ValidationError:
        raise ImportRejected(f"{place}: '{value}' is not a slug.") from None
    return value


def _status(value, place):
    if value not in Status.values:
        shown = f"'{value}'" if isinstance(value, str) else _kind(value)
        raise ImportRejected(f"{place}: {shown} is not a status; use {STATUSES}.")
    return value


def _datetime(value, place, *, required=True):
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ImportRejected(f"{place}: expected a date and time as text, got {_kind(value)}.")
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ImportRejected(
            f"{place}: '{value[:40]}' is not a date and time like 2025-01-31T09:30:00+00:00."
        )
    moment = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    if moment < EARLIEST:
        raise ImportRejected(f"{place}: '{value[:40]}' is too far in the past.")
    try:
        validate_not_in_future(moment)
    except ValidationError:
        raise ImportRejected(f"{place}: '{value[:40]}' is in the future.") from None
    return moment


def _bool(value, place):
    if not isinstance(value, bool):
        raise ImportRejected(f"{place}: expected true or false, got {_kind(value)}.")
    return value


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
        progress=_validate_progress(data["progress"]),
        events=_validate_events(data["events"]),
    )


def _validate_profile(raw):
    _mapping(
        raw,
        "profile",
        optional=("username", "email", "date_joined", "display_name", "public_profile"),
    )
    profile = {}
    if "display_name" in raw:
        name = raw["display_name"]
        profile["display_name"] = _text(
            name.strip() if isinstance(name, str) else name,
            "profile.display_name",
            DISPLAY_NAME_LENGTH,
        )
    if "public_profile" in raw:
        profile["public_profile"] = _bool(raw["public_profile"], "profile.public_profile")
    return profile


def _validate_followed(raw):
    followed, seen = [], set()
    for i, entry in enumerate(_list(raw, "followed_tracks")):
        place = f"followed_tracks[{i}]"
        _mapping(entry, place, required=("track",), optional=("since",))
        slug = _slug(entry["track"], f"{place}.track")
        since = _datetime(entry.get("since"), f"{place}.since", required=False)
        if slug not in seen:
            seen.add(slug)
            followed.append((slug, since))
    return followed


def _validate_progress(raw):
    progress, seen = [], set()
    for i, entry in enumerate(_list(raw, "progress")):
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
            _bool(entry["archived"], f"{place}.archived")
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
                or completed_at
                or timezone.now(),
                "completed_at": completed_at,
            }
        )
    return progress


def _validate_events(raw):
    events = []
    for i, entry in enumerate(_list(raw, "events")):
        place = f"events[{i}]"
        _mapping(entry, place, required=("milestone", "from", "to", "at"))
        slug = _slug(entry["milestone"], f"{place}.milestone")
        place = f"{place} ({slug})"
        events.append(
            (
                slug,
                _status(entry["from"], f"{place}.from"),
                _status(entry["to"], f"{place}.to"),
                _datetime(entry["at"], f"{place}.at"),
            )
        )
    return events


@dataclass
class ImportReport:
    progress: int = 0
    events_added: int = 0
    events_present: int = 0
    with_profile: bool = False
    tracks: list | None = None
    profile: dict = field(default_factory=dict)
    unknown_milestones: list = field(default_factory=list)
    unknown_tracks: list = field(default_factory=list)

    def summary(self):
        parts = [
            f"Imported your progress on {self.progress} milestone{_s(self.progress)} and "
            f"{self.events_added} history event{_s(self.events_added)}"
            + (f" ({self.events_present} already here)." if self.events_present else ".")
        ]
        if not self.with_profile:
            parts.append("Your profile and followed tracks are unchanged.")
        if self.tracks:
            parts.append(f"You follow {_and(self.tracks)}.")
        elif self.tracks is not None:
            parts.append("The file follows no career track, so now you follow none.")
        if "display_name" in self.profile:
            name = self.profile["display_name"]
            parts.append(f"Display name: “{name}”." if name else "Display name: none.")
        if "public_profile" in self.profile:
            parts.append(f"Public page: {'on' if self.profile['public_profile'] else 'off'}.")
        if self.unknown_milestones:
            parts.append(
                "Not on this roadmap, so not imported: "
                f"milestone{_s(len(self.unknown_milestones))} {', '.join(self.unknown_milestones)}."
            )
        if self.unknown_tracks:
            parts.append(
                f"Unknown track{_s(len(self.unknown_tracks))}, not followed: "
                f"{', '.join(self.unknown_tracks)}."
            )
        return " ".join(parts)


def _s(count):
    return "" if count == 1 else "s"


def _and(names):
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def import_data(*, user, data, with_profile=False):
    """Bring an exported file's data into the user's account and report what happened.

    Progress rows in the file replace the user's rows for the same milestones; other rows stay.
    Events are added unless the same change at the same moment is already recorded. With
    `with_profile`, followed tracks become exactly those the file lists, and the display name
    and public page setting come from its profile; the username and email always stay. A
    section the file leaves out changes nothing. Slugs this roadmap doesn't know are reported.
    """
    clean = validate(data)
    with transaction.atomic():
        # One import into an account at a time: the second one waits, then finds the events the
        # first added, so a file sent twice at once adds its history once (SQLite writes one
        # transaction at a time anyway).
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        report = ImportReport(with_profile=with_profile)
        slugs = {entry["slug"] for entry in clean.progress} | {e[0] for e in clean.events}
        milestones = Milestone.objects.in_bulk(slugs, field_name="slug")
        report.unknown_milestones = sorted(slugs - milestones.keys())
        _import_progress(user, clean.progress, milestones, report)
        _import_events(user, clean.events, milestones, report)
        if with_profile and clean.followed is not None:
            _import_followed(user, clean.followed, report)
        if with_profile and clean.profile:
            for name, value in clean.profile.items():
                setattr(user, name, value)
            user.save(update_fields=list(clean.profile))
            report.profile = clean.profile
    return report


def _import_progress(user, entries, milestones, report):
    rows = [
        Progress(
            user=user,
            milestone=milestones[entry["slug"]],
            status=entry["status"],
            note=entry["note"],
            evidence_url=entry["evidence_url"],
            updated_at=entry["updated_at"],
            completed_at=entry["completed_at"],
        )
        for entry in entries
        if entry["slug"] in milestones
    ]
    Progress.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "milestone"],
        update_fields=["status", "note", "evidence_url", "updated_at", "completed_at"],
    )
    report.progress = len(rows)


def _import_events(user, events, milestones, report):
    present = set(
        ProgressEvent.objects.filter(user=user).values_list(
            "milestone_id", "from_status", "to_status", "at"
        )
    )
    new = []
    for slug, from_status, to_status, at in events:
        if slug not in milestones:
            continue
        key = (milestones[slug].pk, from_status, to_status, at)
        if key in present:
            report.events_present += 1
            continue
        present.add(key)
        new.append(
            ProgressEvent(
                user=user,
                milestone_id=key[0],
                from_status=from_status,
                to_status=to_status,
                at=at,
            )
        )
    ProgressEvent.objects.bulk_create(new)
    report.events_added = len(new)


def _import_followed(user, followed, report):
    tracks = Track.objects.in_bulk([slug for slug, _ in followed], field_name="slug")
    report.unknown_tracks = [slug for slug, _ in followed if slug not in tracks]
    wanted = {tracks[slug].pk: since for slug, since in followed if slug in tracks}
    Enrollment.objects.filter(user=user).exclude(track__in=wanted).delete()
    existing = set(Enrollment.objects.filter(user=user).values_list("track", flat=True))
    Enrollment.objects.bulk_create(
        Enrollment(user=user, track_id=pk, since=since or timezone.now())
        for pk, since in wanted.items()
        if pk not in existing
    )
    report.tracks = [track.name for track in Track.objects.filter(pk__in=wanted)]
