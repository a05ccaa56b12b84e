"""Completion checked against a plain-Python computation over random roadmaps and progress."""

import math
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmap import dashboard
from roadmap.models import Enrollment, Progress, Status, Track, TrackMilestone
from roadmap.snapshot import content_changed, get_snapshot
from tests.factories import MilestoneFactory, SectionFactory, TrackFactory

pytestmark = pytest.mark.django_db

TRACKS = 3
SECTIONS = 2
OTHER_LEARNERS = 2

statuses = st.sampled_from([None, *Status.values])
milestones = st.fixed_dictionaries(
    {
        "section": st.integers(0, SECTIONS - 1),
        "archived": st.booleans(),
        # track index → weight; an empty dict is a milestone that counts toward no track
        "weights": st.dictionaries(st.integers(0, TRACKS - 1), st.integers(1, 5)),
        # one status per learner (the learner first), None where they have no progress row
        "statuses": st.lists(statuses, min_size=1 + OTHER_LEARNERS, max_size=1 + OTHER_LEARNERS),
    }
)
roadmaps = st.lists(milestones, max_size=10)


def expected(roadmap):
    """(done_weight, total_weight, done_count, total_count, percent) per track index."""
    result = {}
    for track in range(TRACKS):
        counted = [m for m in roadmap if track in m["weights"] and not m["archived"]]
        done = [m for m in counted if m["statuses"][0] == Status.DONE]
        done_weight = sum(m["weights"][track] for m in done)
        total_weight = sum(m["weights"][track] for m in counted)
        percent = math.floor(Fraction(done_weight, total_weight) * 100) if total_weight else 0
        result[track] = (done_weight, total_weight, len(done), len(counted), percent)
    return result


def build(roadmap):
    tracks = [TrackFactory(position=n) for n in range(TRACKS)]
    sections = [SectionFactory(position=n) for n in range(SECTIONS)]
    # Created without a password: hashing one per example would dominate the run time.
    learners = [
        get_user_model().objects.create(username=f"learner-{n}") for n in range(1 + OTHER_LEARNERS)
    ]
    memberships, progress = [], []
    for position, spec in enumerate(roadmap):
        milestone = MilestoneFactory(
            section=sections[spec["section"]], position=position, is_archived=spec["archived"]
        )
        memberships += [
            TrackMilestone(track=tracks[track], milestone=milestone, weight=weight)
            for track, weight in spec["weights"].items()
        ]
        progress += [
            Progress(
                user=learner,
                milestone=milestone,
                status=status,
                completed_at=timezone.now() if status == Status.DONE else None,
            )
            for learner, status in zip(learners, spec["statuses"], strict=True)
            if status is not None
        ]
    TrackMilestone.objects.bulk_create(memberships)
    Progress.objects.bulk_create(progress)
    return tracks, learners[0]


# The database fixture is shared by every example; each example rolls its own rows back.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(roadmap=roadmaps)
def test_completion_matches_a_plain_python_computation(db, roadmap):
    with transaction.atomic():
        tracks, learner = build(roadmap)
        content_changed()
        want = expected(roadmap)
        completion = {t.pk: t for t in Track.objects.with_completion(learner)}
        own, followed = Progress.objects.own(learner), Enrollment.objects.track_ids(learner)
        cards = {c.track.pk: c for c in dashboard.track_cards(get_snapshot(), own, followed)}
        for index, track in enumerate(tracks):
            got = completion[track.pk]
            done_weight, total_weight, done_count, total_count, percent = want[index]
            assert (got.done_weight, got.total_weight) == (done_weight, total_weight)
            assert (got.done_count, got.total_count) == (done_count, total_count)
            assert got.percent == percent
            assert 0 <= got.percent <= 100
            assert (got.percent == 100) == (total_weight > 0 and done_weight == total_weight)

            card = cards[track.pk]  # worked out in Python from the snapshot, as pages do
            assert (card.track.done_weight, card.track.total_weight) == (done_weight, total_weight)
            assert (card.track.done_count, card.track.total_count) == (done_count, total_count)
            assert card.track.percent == percent
            assert sum(row.done_weight for row in card.sections) == done_weight
            assert sum(row.total_weight for row in card.sections) == total_weight
            assert sum(row.total_count for row in card.sections) == total_count
            assert len(card.left) == total_count - done_count
            assert card.left_weight == total_weight - done_weight
        transaction.set_rollback(True)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(roadmap=roadmaps)
def test_doing_every_active_milestone_reaches_a_hundred_percent(db, roadmap):
    roadmap = [{**spec, "statuses": [Status.DONE, *spec["statuses"][1:]]} for spec in roadmap]
    with transaction.atomic():
        _, learner = build(roadmap)
        for track in Track.objects.with_completion(learner):
            assert track.percent == (100 if track.total_weight else 0)
        transaction.set_rollback(True)
