"""What each learner has done: their progress on each milestone, its history, and the tracks
they follow."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from accounts.validators import validate_lines

from ..validators import validate_not_in_future, validate_target_in_reach, validate_web_url
from .content import NOTE_LENGTH, URL_LENGTH, Milestone, Status, Track


class ProgressQuerySet(models.QuerySet):
    def own(self, user):
        """milestone id -> the user's row on it (`status`, `completed_at`, `note`,
        `evidence_url`), for the milestones they have one for: one query."""
        rows = self.filter(user=user).values_list(
            "milestone_id", "status", "completed_at", "note", "evidence_url", named=True
        )
        return {row.milestone_id: row for row in rows}


class Progress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(max_length=NOTE_LENGTH, blank=True, validators=[validate_lines])
    evidence_url = models.URLField(
        "evidence link", max_length=URL_LENGTH, blank=True, validators=[validate_web_url]
    )
    # The import's checks, for the admin too: a date ahead of now would undo a later tick.
    updated_at = models.DateTimeField(default=timezone.now, validators=[validate_not_in_future])
    completed_at = models.DateTimeField(null=True, blank=True, validators=[validate_not_in_future])

    objects = ProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "milestone"], name="unique_user_milestone"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="progress_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DONE, completed_at__isnull=False)
                | (~Q(status=Status.DONE) & Q(completed_at__isnull=True)),
                name="progress_completed_at_iff_done",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), NOTE_LENGTH), name="progress_note_length"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.milestone}: {self.get_status_display()}"


class ProgressEvent(models.Model):
    """One status change, appended and never edited: the learner's history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress_events"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    # An untick's: when the milestone had been done. Ticked again soon after (a slip undone),
    # it is done on that day again (roadmap.progress.SLIP).
    was_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "at"], name="progress_event_user_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status__in=Status.values) & Q(to_status__in=Status.values),
                name="progress_event_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.milestone}: {self.from_status} → {self.to_status}"


class EnrollmentQuerySet(models.QuerySet):
    def track_ids(self, user):
        """The ids of the tracks the user follows: one query."""
        return set(self.filter(user=user).order_by().values_list("track_id", flat=True))

    def target_dates(self, user):
        """track id -> the user's target date (or None) for each track they follow: one query."""
        return dict(self.filter(user=user).order_by().values_list("track_id", "target_date"))


class Enrollment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="enrollments")
    since = models.DateTimeField(default=timezone.now, validators=[validate_not_in_future])
    target_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the learner means to have the track done.",
        validators=[validate_target_in_reach],
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["track__position"]
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="unique_user_track"),
        ]

    def __str__(self):
        return f"{self.user} follows {self.track}"
