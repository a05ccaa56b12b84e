"""A learner's own data as files to take away.

The JSON file is the complete record (profile, followed tracks, progress, history) that
`roadmap/imports.py` reads back into any account. The Markdown file is a checklist of the roadmap
to paste into a README.
"""

import re

from django.template.defaultfilters import pluralize
from django.utils import timezone

from .models import (
    Enrollment,
    Milestone,
    Progress,
    ProgressEvent,
    Status,
    Track,
)

FORMAT = "next-steps-export"
VERSION = 1
MARKDOWN_TITLE = "# My Next Steps roadmap"  # the checklist's first line


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
        .order_by("milestone")  # the milestone's own ordering: the roadmap's
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
            "hours_per_week": user.hours_per_week,
            "time_zone": user.time_zone,
            "hide_done": user.hide_done,
            "date_joined": _iso(user.date_joined),
            "last_visit_at": _iso(user.last_visit_at),
            "changes_seen_at": _iso(user.changes_seen_at),
            "changes_dismissed_at": _iso(user.changes_dismissed_at),
        },
        "followed_tracks": [
            {
                "track": enrollment.track.slug,
                "since": _iso(enrollment.since),
                "target_date": _iso(enrollment.target_date),
            }
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
                # An untick's day it was done: a slip re-ticked keeps it (roadmap/progress.py).
                **({"was_done_at": _iso(event.was_done_at)} if event.was_done_at else {}),
            }
            for event in events
        ],
    }


def _markdown_text(text):
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", " ".join(text.split()))


def _markdown_link(url):
    return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"


def to_markdown(user):
    """The active roadmap as a Markdown checklist with the user's ticks and evidence links, then
    what they did on milestones taken off it."""
    today = timezone.localdate()
    targets = Enrollment.objects.target_dates(user)
    own = {row.milestone_id: row for row in Progress.objects.filter(user=user)}
    milestones = Milestone.objects.active().select_related("section")
    lines = [
        MARKDOWN_TITLE,
        "",
        f"Progress of {_markdown_text(user.shown_name)} on {today.day} {today:%B %Y}.",
        "",
        f"Hours a week: {user.hours_per_week}."
        if user.hours_per_week
        else "Hours a week: not set.",
        "",
        "## Career tracks",
        "",
    ]
    tracks = sorted(Track.objects.with_completion(user), key=lambda t: t.pk not in targets)
    for track in tracks:
        line = f"- **{_markdown_text(track.name)}**: " + (
            f"{track.percent} % ({track.done_count} of {track.total_count} "
            f"milestone{pluralize(track.total_count)} done)"
            if track.total_count
            else "no milestone counts toward it yet"
        )
        target = targets.get(track.pk)
        if target:
            line += f", target {target.day} {target:%B %Y}"
        lines.append(line + (", following" if track.pk in targets else ", not followed"))
    section = None
    for milestone in milestones:
        if milestone.section != section:
            section = milestone.section
            lines += ["", f"## {_markdown_text(section.title)}", ""]
        lines.append(_checklist_line(milestone, own.get(milestone.pk)))
    # Done or begun, then archived: still the learner's work, counted toward no track.
    kept = [pk for pk, row in own.items() if row.status != Status.NOT_STARTED or row.evidence_url]
    archived = Milestone.objects.filter(pk__in=kept, is_archived=True).order_by("title")
    if archived:
        lines += ["", "## Taken off the roadmap", ""]
        lines += [_checklist_line(milestone, own[milestone.pk]) for milestone in archived]
    return "\n".join(lines) + "\n"


def _checklist_line(milestone, row):
    status = row.status if row else Status.NOT_STARTED
    line = f"- [{'x' if status == Status.DONE else ' '}] {_markdown_text(milestone.title)}"
    if status == Status.IN_PROGRESS:
        line += " *(in progress)*"
    if row and row.evidence_url:
        line += f" · evidence: {_markdown_link(row.evidence_url)}"
    return line
