"""The reads every learner request makes, defined in the ORM and compiled once (config.prepared)."""

from config.prepared import Prepared

from .models import Milestone, Progress, Track

_completion = Prepared(lambda user_id: Track.objects.with_completion(user_id), user_id=-918_273_645)
_own_progress = Prepared(
    lambda user_id: Progress.objects.filter(user=user_id).values_list(
        "milestone_id", "status", "completed_at", "note", "evidence_url"
    ),
    user_id=-918_273_645,
)
_milestone = Prepared(
    lambda user_id, slug: Milestone.objects.active().with_own_progress(user_id).filter(slug=slug),
    user_id=-918_273_645,
    slug="\x00milestone-slug-placeholder",
)


def completion(user):
    """Every track, in order, annotated by `TrackQuerySet.with_completion` for this user."""
    if not user.is_authenticated:
        return list(Track.objects.with_completion(None))
    return list(_completion.run(user_id=user.pk))


def milestone_with_progress(*, user, slug):
    """The active milestone with this slug and the user's own progress, in one query.

    Raises Milestone.DoesNotExist for an unknown or archived slug.
    """
    found = list(_milestone.run(user_id=user.pk, slug=slug))
    if not found:
        raise Milestone.DoesNotExist(f"No active milestone {slug!r}")
    return found[0]


def own_progress(user):
    """(milestone id, status, completed at, note, evidence URL) of each of the user's rows."""
    return _own_progress.run(user_id=user.pk)
