"""The roadmap's content, as staff edit it: career tracks, sections, milestones with their
resources, and how much each milestone counts toward each track."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.validators import validate_lines, validate_one_line, validate_visible

from ..validators import validate_track_slug, validate_web_url

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
