"""Every write to a learner's progress and followed tracks goes through here.

A status change locks the learner's row on the milestone, then writes the row and its event in the
same transaction: concurrent ticks of one milestone take turns, every real change appends exactly
one event, and the event's time is taken once the row is locked, so that the history sorted by
time is the order in which the changes were made.
"""

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from .models import Enrollment, Progress, ProgressEvent, Status

# What a tick form's checkbox left unticked says (its hidden default): not done. A done milestone
# goes back to the status it had before its tick; any other stays as it is, so that a second
# untick (a double submit, an older tab) changes nothing.
NOT_DONE = "not_done"
# A milestone ticked again within SLIP of its untick (a slip, undone) is done on the day it had.
SLIP = timedelta(minutes=10)
# The in-progress button (keep_done): it moves a milestone between not started and in progress,
# never out of done, which only the checkbox does. From an older tab, where the milestone was not
# done yet, it changes nothing.


class LastTrack(Exception):
    """A learner follows at least one track: the last one can't be unfollowed."""


def set_status(*, user, milestone, status, now=None, keep_done=False):
    """Set the user's status on a milestone (anything with its `id`); return the one it has now.

    Creates the progress row if needed, sets or clears `completed_at`, and appends a
    ProgressEvent when the status really changes. `status` may be NOT_DONE (see there); with
    `keep_done`, only NOT_DONE leaves done. Raises IntegrityError if the milestone is gone.
    """
    if status not in Status.values and status != NOT_DONE:
        raise ValueError(f"Unknown status {status!r}")
    try:
        return _set_status(user, milestone.id, status, now, keep_done)
    except IntegrityError:
        # Another request created the row between our read and our insert: it exists now,
        # and the second attempt locks it. (Or the milestone is gone, and this raises again.)
        return _set_status(user, milestone.id, status, now, keep_done)


@transaction.atomic
def _set_status(user, milestone_id, status, now, keep_done):
    row = Progress.objects.select_for_update().filter(user=user, milestone=milestone_id).first()
    now = now or timezone.now()  # after the lock: times follow the order of the writes
    previous = row.status if row else Status.NOT_STARTED
    if status == NOT_DONE and previous == Status.DONE:
        ticks = ProgressEvent.objects.filter(user=user, milestone=milestone_id, to_status=previous)
        before = ticks.order_by("-at", "-pk").values_list("from_status", flat=True).first()
        status = before or Status.NOT_STARTED
    elif status == NOT_DONE or (keep_done and previous == Status.DONE):
        status = previous
    if previous == status:
        return status
    was_done_at = row.completed_at if previous == Status.DONE else None
    completed_at = now if status == Status.DONE else None
    if completed_at and row and now - row.updated_at <= SLIP:  # (else no untick that recent)
        completed_at = _slip_undone(user, milestone_id, now) or now
    if row is None:
        Progress.objects.create(
            user=user,
            milestone_id=milestone_id,
            status=status,
            updated_at=now,
            completed_at=completed_at,
        )
    else:
        row.status, row.updated_at, row.completed_at = status, now, completed_at
        row.save(update_fields=["status", "updated_at", "completed_at"])
    record_event(user, milestone_id, previous, status, now, was_done_at)
    return status


def record_event(user, milestone_id, previous, status, at, was_done_at=None):
    """Append a status change to the learner's history (a tick's, or a staff edit's in the
    admin), with the day it had been done when it leaves done."""
    ProgressEvent.objects.create(
        user=user,
        milestone_id=milestone_id,
        from_status=previous,
        to_status=status,
        at=at,
        was_done_at=was_done_at if previous == Status.DONE else None,
    )


def _slip_undone(user, milestone_id, now):
    """The day the milestone had been done on, if its last change was unticking it within SLIP."""
    events = ProgressEvent.objects.filter(user=user, milestone=milestone_id)
    last = events.order_by("-at", "-pk").values_list("from_status", "at", "was_done_at").first()
    if last and last[0] == Status.DONE and now - last[1] <= SLIP:
        return last[2]
    return None


def fingerprint(note, evidence_url):
    """A short mark of a note and link as an editor opened with them (save_details)."""
    return hashlib.sha256(f"{note}\0{evidence_url}".encode()).hexdigest()[:16]


@transaction.atomic
def save_details(*, user, milestone, note, evidence_url, opened_with="", now=None):
    """Store the user's note and evidence link on a milestone, keeping its status.

    With `opened_with` (the fingerprint of what the editor opened with): if the note or link was
    saved otherwise since (in another tab), nothing is written and the (note, link) saved are
    returned, for the learner to choose. The row is locked; without one, it is made with the
    note, unless another save or a tick makes it first: then that one is checked against, so
    two saves at once take turns.
    """

    def clashes(saved):
        return opened_with and opened_with != fingerprint(*saved) and saved != (note, evidence_url)

    now = now or timezone.now()
    mine = Progress.objects.select_for_update().filter(user=user, milestone_id=milestone.id)
    saved = mine.values_list("note", "evidence_url").first()
    if saved is None:
        if clashes(("", "")):
            return ("", "")
        row = Progress(
            user=user,
            milestone_id=milestone.id,
            note=note,
            evidence_url=evidence_url,
            updated_at=now,
        )
        Progress.objects.bulk_create([row], ignore_conflicts=True)
        saved = mine.values_list("note", "evidence_url").get()
        if saved == (note, evidence_url):
            return None
    if clashes(saved):
        return saved
    mine.update(note=note, evidence_url=evidence_url, updated_at=now)
    return None


def follow(*, user, track, target=None):
    """Follow a track, with the `target` date if given; False if it was followed already (its
    target date then stays as it is)."""
    defaults = {"target_date": target}
    return Enrollment.objects.get_or_create(user=user, track=track, defaults=defaults)[1]


@transaction.atomic
def unfollow(*, user, track):
    """Stop following a track: (False, None) if it wasn't followed, else (True, the target date
    that went with it, read under the lock: not one an earlier read missed); LastTrack if it is
    the only one followed."""
    # Without the tracks' order, which would join (and lock) the tracks, shared by everyone.
    mine = Enrollment.objects.select_for_update().filter(user=user).order_by()
    followed = dict(mine.values_list("track", "target_date"))
    if track.pk not in followed:
        return False, None
    if len(followed) == 1:
        raise LastTrack(f"You follow only {track.name}: follow another track first.")
    Enrollment.objects.filter(user=user, track=track).delete()
    return True, followed[track.pk]


def set_target(*, user, track_slug, target):
    """Set (or, with None, clear) the user's target date for a track; False if not followed."""
    followed = Enrollment.objects.filter(user=user, track__slug=track_slug)
    return bool(followed.update(target_date=target))


@transaction.atomic
def set_followed_tracks(*, user, tracks, since=None, targets=None):
    """Follow exactly these tracks. A new one is followed since now, or `since[track id]` (an
    import); one already followed keeps its date, or takes an earlier one from `since` (an
    import into an account that chose its tracks at sign-up). A track in `targets` (track id ->
    date or None) gets that target date; the others already followed keep theirs. The same
    choice saved twice at once (a double click) follows each track once. Returns the target
    dates that went with the tracks no longer followed: (track name, date) pairs."""
    since, targets, wanted = since or {}, targets or {}, {track.pk for track in tracks}
    # One choice at a time per account (two tabs, an import), as an import takes its turn: two
    # at once each deleted the track the other kept, and the learner followed none.
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
    left = Enrollment.objects.filter(user=user).exclude(track__in=wanted)
    cleared = list(left.exclude(target_date=None).values_list("track__name", "target_date"))
    left.delete()
    existing = set(Enrollment.objects.filter(user=user).values_list("track", flat=True))
    Enrollment.objects.bulk_create(
        (
            Enrollment(
                user=user,
                track_id=pk,
                since=since.get(pk) or timezone.now(),
                target_date=targets.get(pk),
            )
            for pk in wanted - existing
        ),
        ignore_conflicts=True,
    )
    for pk in existing & wanted & since.keys():
        Enrollment.objects.filter(user=user, track=pk, since__gt=since[pk]).update(since=since[pk])
    for pk in existing & wanted & targets.keys():
        Enrollment.objects.filter(user=user, track=pk).update(target_date=targets[pk])
    return cleared


def cleared_targets_said(cleared):
    """What the tracks page and an import say of the target dates set_followed_tracks cleared."""
    return [
        f"The target date for {name}, {date_format(target, 'j F Y')}, is cleared."
        for name, target in cleared
    ]
