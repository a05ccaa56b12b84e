"""Bringing an export file's data into an account.

Milestones and tracks are matched by slug, and everything is written in one transaction, one
import per account at a time, so a file imported twice, even at the same moment, adds no history
twice.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.text import get_text_list

from . import changes, progress
from .import_checks import MAX_HISTORY, ImportRejected, validate
from .models import (
    Milestone,
    Progress,
    ProgressEvent,
    Status,
    Track,
)

SAME_TRACKS = "you follow the same as before."


@dataclass
class ImportReport:
    progress: int = 0  # milestones whose row was written, whatever their status
    kept: int = 0  # milestones whose row in the account changed after the file's: not written
    undated: int = 0  # milestones the account has and the file differs on, saying not when: kept
    unchanged: int = 0  # milestones whose row in the account is the file's already
    undone: int = 0  # milestones done in the account, not in the file's newer row
    done: int = 0
    in_progress: int = 0
    events_added: int = 0
    events_present: int = 0
    with_profile: bool = False
    other_account: str = ""  # the username the file is from, when it is another account's
    # The names of the tracks followed now, when the file said which; [] when it follows none,
    # or only tracks this roadmap lacks (then the account's stay as they were: unknown_tracks).
    tracks: list | None = None
    profile: dict = field(default_factory=dict)
    unknown_milestones: list = field(default_factory=list)
    unknown_tracks: list = field(default_factory=list)
    # (track name, date) of the tracks no longer followed that had a target date: it went.
    cleared_targets: list = field(default_factory=list)

    def summary(self):
        states = [f"{self.done} done"] if self.done else []
        states += [f"{self.in_progress} in progress"] if self.in_progress else []
        # A row not started holds a note or history: "progress on 4 (2 done)" left two unsaid.
        not_started = self.progress - self.done - self.in_progress
        states += [f"{not_started} not started"] if not_started else []
        if not (self.progress or self.events_added or self.unchanged or self.events_present):
            parts = ["No progress or history was imported."]  # what follows says why
        elif not (self.progress or self.events_added):
            there = []
            if self.unchanged:
                there.append(
                    f"your progress on {self.unchanged} milestone{pluralize(self.unchanged)}"
                )
            if self.events_present:
                there.append(f"{self.events_present} history event{pluralize(self.events_present)}")
            verb = "are" if len(there) > 1 or self.events_present > 1 else "is"
            parts = [
                f"Nothing new to import: {' and '.join(there)} in the file {verb} already in "
                "your account."
            ]
        else:
            imported = []  # never "progress on 0 milestones" nor "0 history events"
            if self.progress:
                rows = f"your progress on {self.progress} milestone{pluralize(self.progress)}"
                imported.append(rows + (f" ({', '.join(states)})" if states else ""))
            if self.events_added:
                events = f"{self.events_added} history event{pluralize(self.events_added)}"
                there = f" ({self.events_present} already here)" if self.events_present else ""
                imported.append(events + there)
            parts = [f"Imported {' and '.join(imported)}."]
            if self.events_present and not self.events_added:
                count = self.events_present
                parts.append(
                    f"The {count} history event{pluralize(count)} in the file "
                    f"{pluralize(count, 'was,were')} already in your account."
                )
            if self.unchanged:
                other = " other" if self.progress else ""
                parts.append(
                    f"Your progress on {self.unchanged}{other} milestone"
                    f"{pluralize(self.unchanged)} was already as in the file."
                )
        if self.undone:
            count = self.undone
            parts.append(
                f"The file's progress is newer: {count} milestone{pluralize(count)} you had done "
                f"here {pluralize(count, 'is,are')} no longer done."
            )
        if self.kept:
            parts.append(
                f"Kept your own progress on {self.kept} milestone{pluralize(self.kept)}: "
                f"you changed {pluralize(self.kept, 'it,them')} after the file was saved."
            )
        if self.undated:
            count = self.undated
            parts.append(
                f"Kept your own progress on {count}{' other' if self.kept else ''} "
                f"milestone{pluralize(count)}: the file doesn't say when it was saved, so it "
                "doesn't replace what you have."
            )
        if not self.with_profile:
            parts.append("Your profile and followed tracks are unchanged.")
        if self.tracks:
            parts.append(f"You follow {get_text_list(self.tracks, 'and')}.")
        elif self.tracks is not None:  # a learner follows at least one track: none is no choice
            if self.unknown_tracks:
                parts.append("No track the file follows is on this roadmap: " + SAME_TRACKS)
            else:
                parts.append("The file follows no career track: " + SAME_TRACKS)
        parts += progress.cleared_targets_said(self.cleared_targets)  # as the tracks page says
        if self.other_account:  # a learner moving to a new account, or someone else's file
            parts.insert(0, f"The file is from another account, “{self.other_account}”.")
        if "display_name" in self.profile:
            name = self.profile["display_name"]
            parts.append(f"Display name: “{name}”." if name else "Display name: none.")
        if "public_profile" in self.profile:
            parts.append(f"Public page: {'on' if self.profile['public_profile'] else 'off'}.")
        if "hours_per_week" in self.profile:
            hours = self.profile["hours_per_week"]
            parts.append(f"Hours a week: {hours}." if hours else "Hours a week: not set.")
        if "time_zone" in self.profile:
            parts.append(f"Time zone: {self.profile['time_zone'] or 'the site’s'}.")
        if "hide_done" in self.profile:
            hidden = self.profile["hide_done"]
            parts.append(f"Done milestones on the roadmap: {'hidden' if hidden else 'shown'}.")
        if self.unknown_milestones:
            parts.append(
                "Not on this roadmap, so not imported: "
                f"milestone{pluralize(self.unknown_milestones)} {_listed(self.unknown_milestones)}."
            )
        if self.unknown_tracks:
            parts.append(
                f"Unknown track{pluralize(self.unknown_tracks)}, not followed: "
                f"{_listed(self.unknown_tracks)}."
            )
        return " ".join(parts)


def _listed(names, most=10):
    """The first `most` names, and how many more: a message to read, not a list to keep."""
    listed = ", ".join(names[:most])
    return f"{listed} and {intcomma(len(names) - most)} more" if len(names) > most else listed


def import_data(*, user, data, with_profile=False):
    """Bring an exported file's data into the user's account and report what happened.

    Progress rows in the file replace the user's rows for the same milestones, but for rows the
    user changed after the file's (a tick since the export stays); other rows stay.
    Events are added unless the same change at the same moment is already recorded. With
    `with_profile`, followed tracks become exactly those the file lists (if it lists one this
    roadmap has: a learner follows at least one), and the profile's settings (display name,
    public page, hours a week, time zone, hiding done milestones) come from the file; the
    username and email always stay. A section the file leaves out changes nothing. Slugs this
    roadmap doesn't know are reported.
    """
    clean = validate(data)
    with transaction.atomic():
        # One import into an account at a time: the second one waits, then finds the events the
        # first added, so a file sent twice at once adds its history once (SQLite writes one
        # transaction at a time anyway). "No key": a tick's rows, which name the account, can
        # still be written meanwhile, or a tick holding its row would deadlock with the import.
        get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
        report = ImportReport(with_profile=with_profile)
        if clean.account.lower() not in ("", user.username.lower()):
            report.other_account = clean.account
        slugs = {entry["slug"] for entry in clean.progress} | {e[0] for e in clean.events}
        # A draft is not this roadmap's to a file: no learner had it, and an import must not
        # tell that it exists.
        published = Milestone.objects.exclude(changes.is_draft())
        milestones = published.in_bulk(slugs, field_name="slug")
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
    entries = [entry for entry in entries if entry["slug"] in milestones]
    # Locked: a tick of one of them meanwhile is either seen here or waits for the import. A row
    # a tick is creating can't be locked yet: the file's row for it is inserted only if the
    # tick's doesn't land first.
    fields = ["updated_at", "status", "note", "evidence_url", "completed_at"]
    existing = {
        pk: row
        for pk, *row in Progress.objects.select_for_update()
        .filter(user=user, milestone__in=[milestones[entry["slug"]] for entry in entries])
        .values_list("milestone_id", *fields)
    }
    rows, new_rows, now = [], [], timezone.now()
    for entry in entries:
        milestone = milestones[entry["slug"]]
        mine = existing.get(milestone.pk)
        if mine and mine[1:] == [entry[name] for name in fields[1:]]:
            report.unchanged += 1  # as in the file, whenever either was saved
            continue
        if mine and entry["updated_at"] is None:
            report.undated += 1  # the file doesn't say when: the account's own stays
            continue
        if mine and mine[0] > entry["updated_at"]:
            report.kept += 1  # changed since the file was saved: a newer tick is not undone
            continue
        if mine and mine[1] == Status.DONE and entry["status"] != Status.DONE:
            report.undone += 1  # said: the learner's percentages go down
        (rows if mine else new_rows).append(
            Progress(
                user=user,
                milestone=milestone,
                status=entry["status"],
                note=entry["note"],
                evidence_url=entry["evidence_url"],
                updated_at=entry["updated_at"] or now,
                completed_at=entry["completed_at"],
            )
        )
    Progress.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "milestone"],
        update_fields=["status", "note", "evidence_url", "updated_at", "completed_at"],
    )
    if new_rows:
        Progress.objects.bulk_create(new_rows, ignore_conflicts=True)
        # A tick that created one of them first keeps its row: counted as kept, not imported.
        landed = dict(
            Progress.objects.filter(
                user=user, milestone__in=[row.milestone_id for row in new_rows]
            ).values_list("milestone_id", "updated_at")
        )
        written = [row for row in new_rows if landed.get(row.milestone_id) == row.updated_at]
        report.kept += len(new_rows) - len(written)
        rows += written
    report.progress = len(rows)
    report.done = sum(1 for row in rows if row.status == Status.DONE)
    report.in_progress = sum(1 for row in rows if row.status == Status.IN_PROGRESS)


def _import_events(user, events, milestones, report):
    present = set(
        ProgressEvent.objects.filter(user=user).values_list(
            "milestone_id", "from_status", "to_status", "at"
        )
    )
    new = []
    for slug, from_status, to_status, at, was_done_at in events:
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
                was_done_at=was_done_at,
            )
        )
    if new and len(present) > MAX_HISTORY:
        raise ImportRejected(
            f"With this file your history would hold {len(present):,} events; an account keeps "
            f"at most {MAX_HISTORY:,}."
        )
    ProgressEvent.objects.bulk_create(new)
    report.events_added = len(new)


def _import_followed(user, followed, report):
    tracks = Track.objects.in_bulk([entry["slug"] for entry in followed], field_name="slug")
    report.unknown_tracks = [entry["slug"] for entry in followed if entry["slug"] not in tracks]
    known = [(tracks[entry["slug"]], entry) for entry in followed if entry["slug"] in tracks]
    if not known:  # none, or tracks of another roadmap: no choice to take (see the summary)
        report.tracks = []
        return
    report.cleared_targets = progress.set_followed_tracks(
        user=user,
        tracks=[track for track, _ in known],
        since={track.pk: entry["since"] for track, entry in known if entry["since"]},
        targets={track.pk: e["target_date"] for track, e in known if "target_date" in e},
    )
    shown = Track.objects.filter(pk__in=[track.pk for track, _ in known])  # in track order
    report.tracks = [track.name for track in shown]
