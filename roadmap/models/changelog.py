"""The roadmap's changelog: each edit as learners are told of it, and the revision counter that
keys what is cached for everyone."""

from django.db import models
from django.utils import timezone

from accounts.validators import validate_one_line

from .content import SUMMARY_LENGTH, Milestone, Track


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
        SECTION_RENAMED = "section_renamed", "Section renamed"

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
