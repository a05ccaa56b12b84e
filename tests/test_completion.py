import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from roadmap.models import Status, Track
from tests.factories import (
    MilestoneFactory,
    ProgressFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def done(user, milestone):
    return ProgressFactory(
        user=user, milestone=milestone, status=Status.DONE, completed_at=timezone.now()
    )


def completion(user):
    return {
        t.slug: (t.percent, t.done_count, t.total_count)
        for t in Track.objects.with_completion(user)
    }


def test_completion_is_weighted_and_counts_one_tick_for_every_track():
    engineer, scientist = TrackFactory(slug="engineer"), TrackFactory(slug="scientist")
    api, paper = MilestoneFactory(), MilestoneFactory()
    TrackMilestoneFactory(track=engineer, milestone=api, weight=3)
    TrackMilestoneFactory(track=engineer, milestone=paper, weight=1)
    TrackMilestoneFactory(track=scientist, milestone=api, weight=1)
    TrackMilestoneFactory(track=scientist, milestone=paper, weight=3)
    user = UserFactory()
    done(user, api)
    assert completion(user) == {"engineer": (75, 1, 2), "scientist": (25, 1, 2)}


def test_other_learners_progress_never_counts():
    membership = TrackMilestoneFactory(weight=2)
    TrackMilestoneFactory(track=membership.track, weight=2)
    for _ in range(3):
        done(UserFactory(), membership.milestone)
    me = UserFactory()
    assert completion(me)[membership.track.slug] == (0, 0, 2)
    done(me, membership.milestone)
    assert completion(me)[membership.track.slug] == (50, 1, 2)


def test_in_progress_is_not_done_and_archived_milestones_never_count():
    track = TrackFactory()
    started, archived, todo = (
        MilestoneFactory(),
        MilestoneFactory(is_archived=True),
        MilestoneFactory(),
    )
    for milestone in (started, archived, todo):
        TrackMilestoneFactory(track=track, milestone=milestone, weight=5)
    user = UserFactory()
    ProgressFactory(user=user, milestone=started, status=Status.IN_PROGRESS)
    done(user, archived)
    assert completion(user)[track.slug] == (0, 0, 2)
    done(user, todo)
    assert completion(user)[track.slug] == (50, 1, 2)


def test_an_empty_track_is_zero_percent_and_a_finished_one_is_a_hundred():
    empty, small = TrackFactory(), TrackFactory()
    memberships = [TrackMilestoneFactory(track=small, weight=w) for w in (1, 2, 5)]
    user = UserFactory()
    for membership in memberships[:2]:
        done(user, membership.milestone)
    assert completion(user)[empty.slug] == (0, 0, 0)
    assert completion(user)[small.slug] == (37, 2, 3)
    done(user, memberships[2].milestone)
    assert completion(user)[small.slug] == (100, 3, 3)


def test_a_visitor_has_zero_everywhere():
    membership = TrackMilestoneFactory()
    done(UserFactory(), membership.milestone)
    assert completion(AnonymousUser())[membership.track.slug] == (0, 0, 1)


def test_it_is_one_query_for_all_tracks(django_assert_num_queries):
    for _ in range(3):
        TrackMilestoneFactory()
    user = UserFactory()
    with django_assert_num_queries(1):
        list(Track.objects.with_completion(user))


def test_tracks_come_in_roadmap_order():
    later, earlier = TrackFactory(position=2), TrackFactory(position=1)
    assert list(Track.objects.with_completion(UserFactory())) == [earlier, later]


def test_the_pages_numbers_match_the_aggregate_for_each_learner():
    """Pages work completion out from the snapshot's weights and the learner's own rows; it must
    be what the aggregate query gives, learner by learner."""
    from roadmap.models import Progress
    from roadmap.snapshot import done_ids, get_snapshot

    def pages_completion(learner):
        return get_snapshot().completion(done_ids(Progress.objects.own(learner)))

    memberships = [TrackMilestoneFactory(weight=w) for w in (1, 2, 3)]
    ada, alan = UserFactory(), UserFactory()
    done(ada, memberships[0].milestone)
    done(alan, memberships[2].milestone)
    for learner in (ada, alan, UserFactory()):
        pages = [
            (t.pk, t.slug, t.percent, t.done_count, t.total_count, t.done_weight, t.total_weight)
            for t in pages_completion(learner)
        ]
        orm = [
            (t.pk, t.slug, t.percent, t.done_count, t.total_count, t.done_weight, t.total_weight)
            for t in Track.objects.with_completion(learner)
        ]
        assert pages == orm
    assert [t.done_count for t in pages_completion(ada)] == [1, 0, 0]
    assert [t.done_count for t in pages_completion(alan)] == [0, 0, 1]
