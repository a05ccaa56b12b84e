import datetime
import itertools
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.test import RequestFactory
from django.utils import timezone

from bench.seed import PASSWORD, seed_learners, write_load_files
from roadmap.models import Enrollment, Milestone, Progress, ProgressEvent, Status, Track

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def seeded(roadmap):
    return seed_learners(learners=20, sessions=5, now=NOW)


def histories():
    """Each (user, milestone) event history, oldest first."""
    chains = {}
    for event in ProgressEvent.objects.order_by("at", "pk"):
        chains.setdefault((event.user_id, event.milestone_id), []).append(event)
    return chains


def test_it_touches_about_forty_percent_of_the_milestones(seeded):
    milestones = Milestone.objects.active().count()
    assert get_user_model().objects.count() == 20
    assert 0.3 <= Progress.objects.count() / (20 * milestones) <= 0.5
    statuses = set(Progress.objects.values_list("status", flat=True))
    assert statuses == {Status.DONE, Status.IN_PROGRESS, Status.NOT_STARTED}
    assert Progress.objects.exclude(note="").exists()
    assert Progress.objects.exclude(evidence_url="").filter(status=Status.DONE).exists()
    assert seeded.progress == Progress.objects.count()
    assert seeded.events == ProgressEvent.objects.count()


def test_every_status_is_where_its_event_history_leads(seeded):
    chains = histories()
    rows = {(p.user_id, p.milestone_id): p for p in Progress.objects.all()}
    assert set(chains) <= set(rows), "every event belongs to a progress row"
    for key, row in rows.items():
        chain = chains.get(key, [])
        if not chain:
            assert row.status == Status.NOT_STARTED and row.note, "a note, never ticked"
            assert row.completed_at is None
            continue
        assert chain[0].from_status == Status.NOT_STARTED
        for before, after in itertools.pairwise(chain):
            assert after.from_status == before.to_status
        assert chain[-1].to_status == row.status
        assert row.updated_at == chain[-1].at
        if row.status == Status.DONE:
            assert row.completed_at == chain[-1].at
        else:
            assert row.completed_at is None


def test_events_span_the_last_year(seeded):
    times = list(ProgressEvent.objects.values_list("at", flat=True))
    assert min(times) >= NOW - datetime.timedelta(days=365)
    assert max(times) <= NOW
    assert max(times) - min(times) > datetime.timedelta(days=180)


def test_learners_share_one_password_and_follow_one_to_three_tracks(seeded):
    users = list(get_user_model().objects.all())
    assert len({user.password for user in users}) == 1
    assert users[0].check_password(PASSWORD)
    for user in users:
        assert 1 <= Enrollment.objects.filter(user=user).count() <= 3
    public = sorted(u.username for u in users if u.public_profile)
    assert sorted(seeded.public_usernames) == public
    planned = [u.hours_per_week for u in users if u.hours_per_week]
    assert len(planned) == 13  # two in three plan their pace, so the dashboard works it out
    assert all(1 <= hours <= 80 for hours in planned)


def test_sessions_log_in_the_learners_they_were_made_for(seeded):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert len({s.username for s in seeded.sessions}) == 5
    for session in seeded.sessions:
        request = RequestFactory().get("/")
        request.session = store(session_key=session.session_key)
        assert get_user(request).username == session.username


def test_a_session_ticks_with_the_headers_the_load_script_sends(seeded, csrf_client):
    session = seeded.sessions[0]
    csrf_client.cookies["sessionid"] = session.session_key
    csrf_client.cookies["csrftoken"] = session.csrf_secret
    slug = seeded.milestone_slugs[0]
    response = csrf_client.post(
        f"/milestones/{slug}/status/",
        {"status": Status.DONE},
        headers={"hx-request": "true", "x-csrftoken": session.csrf_token},
    )
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.text  # the next tick's form has one
    row = Progress.objects.get(user__username=session.username, milestone__slug=slug)
    assert row.status == Status.DONE


def test_extra_milestones_grow_the_roadmap_and_count_toward_tracks(roadmap):
    before = Milestone.objects.active().count()
    result = seed_learners(learners=3, sessions=1, extra_milestones=12)
    assert result.milestones == before + 12
    extra = Milestone.objects.filter(slug__startswith="bench-extra-")
    assert extra.count() == 12
    for milestone in extra:
        assert 1 <= milestone.memberships.count() <= Track.objects.count()
        assert milestone.resources.exists()


def test_load_files_hold_one_record_a_line(seeded, tmp_path):
    paths = write_load_files(seeded, tmp_path)
    sessions = Path(paths["sessions.txt"]).read_text().splitlines()
    assert [line.split(" ")[0] for line in sessions] == [s.username for s in seeded.sessions]
    assert all(len(line.split(" ")) == 4 for line in sessions)
    assert Path(paths["slugs.txt"]).read_text().split() == seeded.milestone_slugs
