"""Every write to a learner's progress and followed tracks goes through here.

Status changes are compare-and-set: the row is updated only if it still holds the status we read,
so concurrent ticks of the same milestone serialize cleanly and every real change appends exactly
one event, in the order the changes were committed.
"""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.sessions import drop_rows_read_with_session
from config.prepared import (
    PreparedInsert,
    PreparedInsertThenInsert,
    PreparedUpdate,
    PreparedUpdateThenInsert,
)

from .models import Enrollment, Progress, ProgressEvent, Status, Track

ATTEMPTS = 10

# A tick's two writes, compiled once: building them through the ORM cost more CPU than running
# them (config/prepared.py).
_change_status = PreparedUpdate(
    Progress, fields=["status", "updated_at", "completed_at"], where=["id", "status"]
)
_append_event = PreparedInsert(ProgressEvent, "user", "milestone", "from_status", "to_status", "at")
# On PostgreSQL the two are one statement: no transaction needed, one round trip. So is the
# first tick of a milestone: the row (unless another request wrote it first) and its event.
_change_status_and_append_event = PreparedUpdateThenInsert(_change_status, _append_event)
_create_row_and_append_event = PreparedInsertThenInsert(
    PreparedInsert(
        Progress,
        "user",
        "milestone",
        "status",
        "note",
        "evidence_url",
        "updated_at",
        "completed_at",
        ignore_conflicts=True,
    ),
    _append_event,
)


class StatusConflict(Exception):
    """Another request changed the same progress row first; the caller's attempt is retried."""


def _current(user, milestone):
    """(row id, status, completed at) of the user's progress on the milestone, reusing the
    `own_*` values of a milestone read with its progress when there are some."""
    if hasattr(milestone, "own_id"):
        status = milestone.own_status or Status.NOT_STARTED
        return milestone.own_id, status, getattr(milestone, "own_completed_at", None)
    row = (
        Progress.objects.filter(user=user, milestone=milestone)
        .values("id", "status", "completed_at")
        .first()
    )
    if row is None:
        return None, Status.NOT_STARTED, None
    return row["id"], row["status"], row["completed_at"]


def set_status(*, user, milestone, status, now=None):
    """Set the user's status on a milestone; return the status it had before.

    Upserts the progress row, sets or clears `completed_at`, and appends a ProgressEvent only
    when the status really changed, atomically: in one transaction, or on PostgreSQL in one
    statement. A `milestone` carrying `own_*` values (as read with its progress) skips the read
    and is kept in step with what was written.
    """
    if status not in Status.values:
        raise ValueError(f"Unknown status {status!r}")
    drop_rows_read_with_session()
    for _ in range(ATTEMPTS):
        try:
            return _set_status_once(user, milestone, status, now or timezone.now())
        except (StatusConflict, IntegrityError):
            # Another request won the race: read the row afresh on the next attempt.
            milestone.__dict__.pop("own_id", None)
    raise StatusConflict(f"Gave up after {ATTEMPTS} concurrent changes to {milestone.slug}")


def _set_status_once(user, milestone, status, now):
    """One compare-and-set attempt: the row changes (and the event is appended) only if it still
    holds the status read; StatusConflict or IntegrityError when another request came first."""
    row_id, previous, previous_completed_at = _current(user, milestone)
    if previous == status:
        # Nothing to write; after a lost race the row was read afresh, so show what it holds.
        _keep_annotations_in_step(
            milestone, own_id=row_id, own_status=previous, own_completed_at=previous_completed_at
        )
        return previous
    completed_at = now if status == Status.DONE else None
    values = {"status": status, "updated_at": now, "completed_at": completed_at}
    where = {"id": row_id, "status": previous}
    event = dict(
        user=user.pk, milestone=milestone.pk, from_status=previous, to_status=status, at=now
    )
    if connection.vendor == "postgresql":
        if row_id is not None:
            if not _change_status_and_append_event.run(values=values, where=where, row=event):
                raise StatusConflict
        else:
            new_row = dict(values, user=user.pk, milestone=milestone.pk, note="", evidence_url="")
            row_id = _create_row_and_append_event.run(values=new_row, row=event)
            if row_id is None:  # another request created the row first
                raise StatusConflict
    else:
        with transaction.atomic():
            if row_id is None:
                row_id = Progress.objects.create(user=user, milestone=milestone, **values).pk
            elif not _change_status.run(values=values, where=where):
                raise StatusConflict
            _append_event.run(**event)
    _keep_annotations_in_step(
        milestone, own_id=row_id, own_status=status, own_completed_at=completed_at
    )
    return previous


def _keep_annotations_in_step(milestone, **values):
    """A milestone read with `with_own_progress` shows what was just written, without a re-read."""
    if hasattr(milestone, "own_status"):
        for name, value in values.items():
            setattr(milestone, name, value)


@transaction.atomic
def save_details(*, user, milestone, note, evidence_url, now=None):
    """Store the user's note and evidence link on a milestone, keeping its status."""
    now = now or timezone.now()
    drop_rows_read_with_session()
    updated = Progress.objects.filter(user=user, milestone=milestone).update(
        note=note, evidence_url=evidence_url, updated_at=now
    )
    if not updated:
        Progress.objects.create(
            user=user, milestone=milestone, note=note, evidence_url=evidence_url, updated_at=now
        )
    _keep_annotations_in_step(milestone, own_note=note, own_evidence_url=evidence_url)


def follow(*, user, track):
    Enrollment.objects.get_or_create(user=user, track=track)


def unfollow(*, user, track):
    Enrollment.objects.filter(user=user, track=track).delete()


@transaction.atomic
def set_followed_tracks(*, user, tracks):
    """Follow exactly these tracks: keep the `since` date of those already followed."""
    wanted = {track.pk for track in tracks}
    Enrollment.objects.filter(user=user).exclude(track__in=wanted).delete()
    existing = set(Enrollment.objects.filter(user=user).values_list("track", flat=True))
    Enrollment.objects.bulk_create(Enrollment(user=user, track_id=pk) for pk in wanted - existing)


def followed_tracks(user):
    return Track.objects.filter(enrollments__user=user)
