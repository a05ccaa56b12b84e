from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from accounts.validators import validate_lines, validate_one_line, validate_visible

from .validators import (
    validate_not_in_future,
    validate_target_in_reach,
    validate_track_slug,
    validate_web_url,
)

SLUG_LENGTH = 80
NOTE_LENGTH = 2000
URL_LENGTH = 500
SUMMARY_LENGTH = 500  # a changelog entry's summary
MAX_ESTIMATED_HOURS = 200


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


def percent(done_weight, total_weight):
    """Whole percent done, rounded down so that 100 means every milestone is done."""
    if not total_weight:
        return 0
    return done_weight * 100 // total_weight


class TrackQuerySet(models.QuerySet):
    def with_completion(self, user):
        """Annotate each track with `user`'s `total_weight`, `done_weight`, `total_count` and
        `done_count` over active milestones (`user`: a user, an id; None or anonymous: nothing):
        the Markdown export's query, which the tests hold `Snapshot.completion` to. The user is
        in the join condition, so each membership meets one progress row at most."""
        active = Q(memberships__milestone__is_archived=False)
        user_id = getattr(user, "pk", user) if getattr(user, "is_authenticated", True) else None
        if user_id is not None:
            tracks = self.annotate(
                own_progress=FilteredRelation(
                    "memberships__milestone__progress",
                    condition=Q(memberships__milestone__progress__user=user_id),
                )
            )
            done = active & Q(own_progress__status=Status.DONE)
        else:
            tracks, done = self, Q(pk__in=[])
        return tracks.annotate(
            total_weight=Coalesce(Sum("memberships__weight", filter=active), 0),
            done_weight=Coalesce(Sum("memberships__weight", filter=done), 0),
            total_count=Count("memberships", filter=active),
            done_count=Count("memberships", filter=done),
        ).order_by("position", "pk")

    def with_active_memberships(self):
        """Tracks with `.active_memberships`: the active milestones counting toward each."""
        return self.prefetch_related(
            models.Prefetch(
                "memberships",
                queryset=TrackMilestone.objects.filter(milestone__is_archived=False)
                .select_related("milestone")
                .order_by("milestone"),  # the milestone's own ordering: the roadmap's
                to_attr="active_memberships",
            )
        )


class Track(models.Model):
    name = models.CharField(max_length=100, validators=[validate_one_line, validate_visible])
    slug = models.SlugField(max_length=SLUG_LENGTH, unique=True, validators=[validate_track_slug])
    summary = models.TextField(blank=True, validators=[validate_lines])
    position = models.PositiveIntegerField(default=0)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name

    @property
    def percent(self):
        return percent(self.done_weight, self.total_weight)


class SectionQuerySet(models.QuerySet):
    def with_active_milestones(self):
        """Sections with `.active_milestones`, each with its resources and track memberships (in
        track order)."""
        return self.prefetch_related(
            models.Prefetch(
                "milestones",
                queryset=Milestone.objects.active()
                .order_by("position", "pk")
                .prefetch_related(
                    "resources",
                    models.Prefetch(
                        "memberships",
                        queryset=TrackMilestone.objects.select_related("track").order_by(
                            "track__position", "track_id"
                        ),
                    ),
                ),
                to_attr="active_milestones",
            )
        )


class Section(models.Model):
    title = models.CharField(max_length=200, validators=[validate_one_line, validate_visible])
    slug = models.SlugField(max_length=SLUG_LENGTH, unique=True)
    intro = models.TextField(blank=True, validators=[validate_lines])
    position = models.PositiveIntegerField(default=0)

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class MilestoneQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_archived=False)

    def with_own_progress(self, user):
        """Annotate the user's `own_note` and `own_evidence_url` (None without a row of theirs).
        The user is in the join condition: no other learner's row can be read through it, and
        each milestone stays one row."""
        return self.annotate(
            own=FilteredRelation("progress", condition=Q(progress__user=user))
        ).annotate(
            own_note=F("own__note"),
            own_evidence_url=F("own__evidence_url"),
        )


def whole_roadmap_url():
    """The roadmap with every milestone shown, where a link to any of them lands: a learner's
    own view shows only the tracks they follow."""
    return reverse("roadmap:index") + "?track=all"


class Milestone(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(max_length=200, validators=[validate_one_line, validate_visible])
    slug = models.SlugField(max_length=SLUG_LENGTH, unique=True)
    description = models.TextField(blank=True, validators=[validate_lines])
    position = models.PositiveIntegerField(default=0)
    estimated_hours = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ESTIMATED_HOURS)],
        help_text=f"About how many hours it takes, from 1 to {MAX_ESTIMATED_HOURS}.",
    )
    is_archived = models.BooleanField(
        "archived",
        default=False,
        help_text="Archived milestones are hidden from the roadmap and never count toward "
        "completion. Learners keep their progress; un-archiving brings it back.",
    )
    tracks = models.ManyToManyField(Track, through="TrackMilestone", related_name="milestones")

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        # Roadmap order: sections as Section orders them (a new one may share a position).
        ordering = ["section__position", "section__pk", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_hours__gte=1, estimated_hours__lte=MAX_ESTIMATED_HOURS),
                name="milestone_estimated_hours_1_to_200",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return whole_roadmap_url() + f"#{self.slug}"

    @property
    def status_url(self):
        return reverse("roadmap:set_status", args=[self.slug])

    @property
    def details_url(self):
        return reverse("roadmap:details", args=[self.slug])


class Resource(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200, validators=[validate_one_line, validate_visible])
    url = models.URLField(max_length=URL_LENGTH, validators=[validate_web_url])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class TrackMilestone(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="memberships")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="memberships")
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="How much this milestone counts toward the track, from 1 to 5.",
    )

    class Meta:
        ordering = ["track__position", "pk"]
        verbose_name = "track membership"
        constraints = [
            models.UniqueConstraint(fields=["track", "milestone"], name="unique_track_milestone"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=5), name="track_milestone_weight_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.milestone} counts toward {self.track}"


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


class Revision(models.Model):
    """How many times the roadmap's content has changed: cached renderings are keyed by it."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"roadmap revision {self.number}"


class ContentChange(models.Model):
    """One edit of the roadmap, as learners are told of it: recorded by roadmap/changes.py."""

    class Kind(models.TextChoices):
        ADDED = "added", "Milestone added"
        EDITED = "edited", "Milestone edited"
        ARCHIVED = "archived", "Milestone archived"
        UNARCHIVED = "unarchived", "Milestone back on the roadmap"
        WEIGHT_ADDED = "weight_added", "Now counts toward a track"
        WEIGHT_CHANGED = "weight_changed", "Counts differently toward a track"
        WEIGHT_REMOVED = "weight_removed", "No longer counts toward a track"
        RESOURCE_ADDED = "resource_added", "Resource added"
        RESOURCE_REMOVED = "resource_removed", "Resource removed"
        DELETED = "deleted", "Milestone deleted"
        TRACK_ADDED = "track_added", "Track added"
        TRACK_DELETED = "track_deleted", "Track deleted"
        TRACK_RENAMED = "track_renamed", "Track renamed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The log outlives what it speaks of: the summary names it.
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    summary = models.CharField(max_length=SUMMARY_LENGTH, validators=[validate_one_line])
    # The summary without the title, as the news says it after the milestone's link: "now takes…"
    detail = models.CharField(max_length=SUMMARY_LENGTH, blank=True, editable=False)
    # How the change moved each track's total weight: {track id: points}, for percentages.
    points = models.JSONField(default=dict, blank=True)
    # What it changed, as it was: {"title"/"hours"/"section" (slug)/"weight" (toward its track)/
    # "description" (digest): value} or {"resources": [[title, url, ±1], …]}, for the news.
    before = models.JSONField(null=True, blank=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Of a draft (a milestone added archived, never on the roadmap yet, or deleted so): left out
    # of the changelog, the feed and the news (draft=False) until it is put on the roadmap.
    draft = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "pk"]  # newest first; one save's entries in the order it made them

    def __str__(self):
        return self.summary
