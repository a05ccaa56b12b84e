import re

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from roadmap.models import Milestone, Progress, ProgressEvent, Status
from tests.factories import (
    MilestoneFactory,
    ProgressEventFactory,
    ProgressFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def violates(factory, **kwargs):
    """The database itself refuses the row, whatever the forms would have said."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_the_user_model_is_the_projects_own():
    from django.contrib.auth import get_user_model

    assert get_user_model()._meta.label == "accounts.User"


def test_slugs_are_unique():
    TrackFactory(slug="ml-engineer")
    SectionFactory(slug="portfolio")
    MilestoneFactory(slug="kaggle")
    violates(TrackFactory, slug="ml-engineer")
    violates(SectionFactory, slug="portfolio")
    violates(MilestoneFactory, slug="kaggle")


@pytest.mark.parametrize("weight", [0, 6, 100])
def test_it_rejects_a_weight_outside_one_to_five(weight):
    violates(TrackMilestoneFactory, weight=weight)


def test_a_milestone_counts_for_a_track_only_once():
    membership = TrackMilestoneFactory()
    violates(TrackMilestoneFactory, track=membership.track, milestone=membership.milestone)


def test_a_milestone_can_count_toward_several_tracks():
    milestone = MilestoneFactory()
    TrackMilestoneFactory(milestone=milestone, weight=5)
    TrackMilestoneFactory(milestone=milestone, weight=1)
    assert milestone.tracks.count() == 2


def test_one_progress_row_per_user_and_milestone():
    progress = ProgressFactory()
    violates(ProgressFactory, user=progress.user, milestone=progress.milestone)


def test_it_rejects_a_status_outside_the_choices():
    violates(ProgressFactory, status="finished")
    violates(ProgressEventFactory, to_status="finished")


def test_done_progress_has_a_completion_date_and_other_statuses_do_not():
    violates(ProgressFactory, status=Status.DONE, completed_at=None)
    violates(ProgressFactory, status=Status.IN_PROGRESS, completed_at=timezone.now())
    ProgressFactory(status=Status.DONE, completed_at=timezone.now())


def test_it_rejects_a_note_over_two_thousand_characters():
    violates(ProgressFactory, note="x" * 2001)
    ProgressFactory(note="x" * 2000)


def test_a_milestone_with_progress_cannot_be_deleted():
    progress = ProgressFactory()
    with pytest.raises(ProtectedError):
        progress.milestone.delete()
    assert Milestone.objects.filter(pk=progress.milestone.pk).exists()


def test_deleting_a_user_takes_their_progress_and_nobody_elses():
    mine, theirs = ProgressFactory(), ProgressFactory()
    ProgressEventFactory(user=mine.user, milestone=mine.milestone)
    mine.user.delete()
    assert not Progress.objects.filter(pk=mine.pk).exists()
    assert not ProgressEvent.objects.filter(user_id=mine.user_id).exists()
    assert theirs.user.progress.count() == 1


def test_active_excludes_archived_milestones():
    kept = MilestoneFactory()
    MilestoneFactory(is_archived=True)
    assert list(Milestone.objects.active()) == [kept]


def test_the_site_calls_a_learner_by_display_name_and_staff_see_the_account(admin_client):
    """Staff read one learner's rows as another's: "dave", calling himself "alice", was listed
    as alice in the admin, beside alice's own rows."""
    dave = UserFactory(username="dave", display_name="alice")
    alice = UserFactory(username="alice")
    for user in (dave, alice):
        ProgressFactory(user=user, milestone__title="Ship an API", status=Status.IN_PROGRESS)
    page = admin_client.get(reverse("admin:roadmap_progress_changelist")).text
    listed = re.findall(r'<th class="field-user nowrap"><a href="[^"]+">([^<]+)</a>', page)
    assert sorted(listed) == ["alice", "dave"]
    assert (dave.shown_name, alice.shown_name) == ("alice", "alice")  # what the site shows
