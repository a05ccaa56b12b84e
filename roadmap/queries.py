"""The reads every learner request makes, defined in the ORM and compiled once (config.prepared)."""

from django.contrib.auth import get_user_model
from django.db.models import FilteredRelation, Q

from accounts.sessions import take_rows_read_with_session
from config.prepared import Prepared

from .models import Enrollment, Milestone, Progress, ProgressEvent, Status

# The learner's progress rows as the pages use them (own_progress); milestone_id is never NULL.
OWN_PROGRESS = ("milestone_id", "status", "completed_at", "note", "evidence_url", "id")

_own_progress = Prepared(
    lambda user_id: Progress.objects.filter(user=user_id).values_list(*OWN_PROGRESS),
    user_id=-918_273_645,
)
_statuses = Prepared(
    lambda user_id: Progress.objects.filter(user=user_id).values_list("milestone_id", "status"),
    user_id=-918_273_645,
)
_followed = Prepared(
    lambda user_id: Enrollment.objects.filter(user=user_id).values_list("track_id", flat=True),
    user_id=-918_273_645,
)
_done_events = Prepared(
    lambda user_id: ProgressEvent.objects.filter(user=user_id, to_status=Status.DONE).values_list(
        "at", "milestone_id"
    ),
    user_id=-918_273_645,
)
_public_progress = Prepared(
    lambda username: (
        get_user_model()
        ._default_manager.filter(username=username, public_profile=True, is_active=True)
        .annotate(done=FilteredRelation("progress", condition=Q(progress__status=Status.DONE)))
        .values_list(
            "id",
            "username",
            "display_name",
            "done__milestone_id",
            "done__completed_at",
            "done__evidence_url",
        )
    ),
    username="\x00username-placeholder",
)
_milestone = Prepared(
    lambda user_id, slug: Milestone.objects.active().with_own_progress(user_id).filter(slug=slug),
    user_id=-918_273_645,
    slug="\x00milestone-slug-placeholder",
)


def milestone_with_progress(*, user, slug):
    """The active milestone with this slug and the user's own progress, in one query.

    Raises Milestone.DoesNotExist for an unknown or archived slug.
    """
    found = list(_milestone.run(user_id=user.pk, slug=slug))
    if not found:
        raise Milestone.DoesNotExist(f"No active milestone {slug!r}")
    return found[0]


def own_progress(user):
    """(milestone id, status, completed at, note, evidence URL, row id) of the user's rows: the
    ones read with this request's session, the first time they are asked for (see
    RoadmapConfig.ready), else read now."""
    rows = take_rows_read_with_session(user)
    if rows is None:
        rows = _own_progress.run(user_id=user.pk)
    return rows


def statuses(user):
    """milestone id -> status, for the milestones the user has a row for."""
    rows = take_rows_read_with_session(user)
    if rows is not None:
        return {milestone_id: status for milestone_id, status, *_ in rows}
    return dict(_statuses.run(user_id=user.pk))


def followed_track_ids(user):
    return set(_followed.run(user_id=user.pk))


def done_events(user):
    """(when, milestone id) of every time the user marked a milestone done."""
    return _done_events.run(user_id=user.pk)


def public_progress(username):
    """The active user with this username and a public page, and what they have done, in one
    query: (owner, {milestone id: (completed at, evidence URL)}), or None for no such page.
    The note is never read: this feeds the public page and the badge."""
    rows = _public_progress.run(username=username)
    if not rows:
        return None
    user_id, username, display_name = rows[0][:3]
    owner = get_user_model().from_db(
        "default", ["id", "username", "display_name"], [user_id, username, display_name]
    )
    done = {row[3]: (row[4], row[5]) for row in rows if row[3] is not None}
    return owner, done
