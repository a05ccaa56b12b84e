"""Seed a benchmark database: the real roadmap and many learners with a year of realistic progress.

`prepare_database` wipes and migrates the configured database and loads the real roadmap;
`seed_learners` adds learners through bulk inserts, consistent with what the domain functions
would have written (each progress row's status, `completed_at` and `updated_at` agree with its
event history), and logs a sample of them in. The tests call `seed_learners` on the test database.
"""

import datetime
import os
import random
import time
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils import timezone
from django.utils.crypto import get_random_string

from roadmap.models import (
    Enrollment,
    Milestone,
    Progress,
    ProgressEvent,
    Resource,
    Section,
    Status,
    Track,
    TrackMilestone,
)

# Every learner shares one hash: hashing 10,000 Argon2 passwords would take minutes.
PASSWORD = "bench-learner-password-7"  # noqa: S105
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
TOUCHED = 0.40
TOUCHED_SPREAD = 0.15
STATUS_MIX = ((Status.DONE, 0.55), (Status.IN_PROGRESS, 0.30), (Status.NOT_STARTED, 0.15))
NOTE_SHARE = 0.30
EVIDENCE_SHARE = 0.35
PUBLIC_SHARE = 0.10
YEAR = datetime.timedelta(days=365)
BATCH = 1000
NOTES = (
    "Done on the Titanic data first, then again on the housing prices set.",
    "Stuck on the evaluation part; ask in the study group on Thursday.",
    "Took longer than planned: the raw data had three different date formats and a lot of "
    "duplicated rows. Wrote the cleaning steps down so I can rerun them.",
    "Follow-up: try the same with a gradient-boosted model and compare.",
    "Wrote a short post about it, linked below.",
    "Paired with a friend from the course on this one.",
)


@dataclass
class LoggedIn:
    username: str
    session_key: str
    csrf_secret: str  # the csrftoken cookie
    csrf_token: str  # a token for that secret, as a page gives it to a browser


def masked_token(secret):
    """A CSRF token for the cookie's `secret`, masked as Django puts it in a page."""
    request = HttpRequest()
    request.META["CSRF_COOKIE"] = secret
    return get_token(request)


@dataclass
class SeedResult:
    learners: int = 0
    milestones: int = 0
    progress: int = 0
    events: int = 0
    enrollments: int = 0
    seconds: float = 0.0
    sessions: list[LoggedIn] = field(default_factory=list)
    public_usernames: list[str] = field(default_factory=list)
    milestone_slugs: list[str] = field(default_factory=list)

    def lines(self):
        yield (
            f"Seeded {self.learners} learners on {self.milestones} active milestones in "
            f"{self.seconds:.1f} s: {self.progress} progress rows, {self.events} events, "
            f"{self.enrollments} enrollments, {len(self.public_usernames)} public pages, "
            f"{len(self.sessions)} logged-in sessions."
        )


def prepare_database():
    """A fresh database with the real roadmap: the SQLite file is recreated, PostgreSQL flushed."""
    quiet = {"verbosity": 0, "stdout": open(os.devnull, "w")}  # noqa: SIM115
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(name + suffix):
                os.remove(name + suffix)
        call_command("migrate", interactive=False, **quiet)
    else:
        call_command("migrate", interactive=False, **quiet)
        call_command("flush", interactive=False, **quiet)
    call_command("load_roadmap", **quiet)


def add_milestones(count, *, rng):
    """Grow the roadmap by `count` synthetic active milestones spread over the real sections,
    each counting toward one to three tracks and carrying two resources."""
    sections = list(Section.objects.order_by("position", "pk"))
    tracks = list(Track.objects.order_by("position", "pk"))
    milestones = Milestone.objects.bulk_create(
        Milestone(
            section=sections[n % len(sections)],
            slug=f"bench-extra-{n:03d}",
            title=f"Extra milestone {n}: practise one more thing end to end",
            description=(
                "A synthetic milestone that grows the roadmap for the benchmark. Pick a small "
                "problem, solve it with what you learned, write down what surprised you and share "
                "the result with someone who can give you feedback."
            ),
            estimated_hours=2 + n % 19,
            position=1000 + n,
        )
        for n in range(1, count + 1)
    )
    if milestones[0].pk is None:  # A backend that can't return ids from a bulk insert.
        milestones = list(Milestone.objects.filter(slug__startswith="bench-extra-"))
    Resource.objects.bulk_create(
        Resource(milestone=m, title=title, url=f"https://example.com/{m.slug}/{n}", position=n)
        for m in milestones
        for n, title in enumerate(("A guide to read first", "A worked example"))
    )
    TrackMilestone.objects.bulk_create(
        TrackMilestone(track=track, milestone=m, weight=rng.randint(1, 5))
        for m in milestones
        for track in rng.sample(tracks, rng.randint(1, len(tracks)))
    )
    return milestones


def _status(rng):
    roll = rng.random()
    for status, share in STATUS_MIX:
        if roll < share:
            return status
        roll -= share
    return STATUS_MIX[-1][0]


def _history(status, *, rng, now):
    """The events (from, to, at) leading a fresh row to `status`, oldest first, in the last year."""
    start = now - YEAR + datetime.timedelta(seconds=rng.uniform(0, YEAR.total_seconds() - 7200))

    def later(after):
        room = min((now - after).total_seconds(), 60 * 86400)
        return after + datetime.timedelta(seconds=rng.uniform(60, max(room, 61)))

    ns, ip, done = Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE
    if status == ip:
        return [(ns, ip, start)]
    if status == done:
        if rng.random() < 0.3:
            return [(ns, done, start)]
        return [(ns, ip, start), (ip, done, later(start))]
    # Not started again: a learner who started and went back, or who only wrote a note.
    if rng.random() < 0.5:
        return []
    return [(ns, ip, start), (ip, ns, later(start))]


def _learner_rows(user, milestones, tracks, *, rng, now):
    progress, events = [], []
    share = min(max(rng.gauss(TOUCHED, TOUCHED_SPREAD), 0.0), 1.0)
    for milestone in rng.sample(milestones, round(share * len(milestones))):
        status = _status(rng)
        history = _history(status, rng=rng, now=now)
        last = history[-1][2] if history else now - YEAR * rng.random()
        note = rng.choice(NOTES) if rng.random() < NOTE_SHARE or not history else ""
        evidence = ""
        if status == Status.DONE and rng.random() < EVIDENCE_SHARE:
            evidence = f"https://github.com/{user.username}/{milestone.slug}"
        progress.append(
            Progress(
                user_id=user.pk,
                milestone_id=milestone.pk,
                status=status,
                note=note,
                evidence_url=evidence,
                updated_at=last,
                completed_at=last if status == Status.DONE else None,
            )
        )
        events.extend(
            ProgressEvent(
                user_id=user.pk, milestone_id=milestone.pk, from_status=a, to_status=b, at=at
            )
            for a, b, at in history
        )
    enrollments = [
        Enrollment(user_id=user.pk, track_id=track.pk, since=user.date_joined)
        for track in rng.sample(tracks, rng.randint(1, min(3, len(tracks))))
    ]
    return progress, events, enrollments


def log_in(users):
    """A server-side session per user, as `django.contrib.auth.login` would store it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    logged_in = []
    for user in users:
        session = store()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = AUTH_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        logged_in.append(LoggedIn(user.username, session.session_key, csrf, masked_token(csrf)))
    return logged_in


def seed_learners(*, learners, extra_milestones=0, sessions=500, random_seed=20, now=None):
    """Add `learners` learners with progress on about 40 % of the active milestones, notes and
    evidence on some, one to three followed tracks, a year of events, 10 % with a public page,
    two in three with the hours a week they give; then log in `sessions` of them. Returns what
    the load generator needs."""
    began = time.perf_counter()
    rng = random.Random(random_seed)
    now = now or timezone.now()
    result = SeedResult(learners=learners)
    password = make_password(PASSWORD)
    User = get_user_model()
    with transaction.atomic():
        if extra_milestones:
            add_milestones(extra_milestones, rng=rng)
        milestones = list(Milestone.objects.active().order_by("section__position", "position"))
        tracks = list(Track.objects.order_by("position"))
        offset = User.objects.count()
        everyone = []
        for first in range(0, learners, BATCH):
            users = User.objects.bulk_create(
                User(
                    username=f"learner{offset + n:05d}",
                    email=f"learner{offset + n:05d}@example.com",
                    display_name=f"Learner {offset + n}" if rng.random() < 0.5 else "",
                    password=password,
                    public_profile=rng.random() < PUBLIC_SHARE,
                    hours_per_week=4 + n % 12 if n % 3 else None,
                    date_joined=now - YEAR - datetime.timedelta(days=rng.uniform(0, 30)),
                )
                for n in range(first, min(first + BATCH, learners))
            )
            if users[0].pk is None:  # A backend that can't return ids from a bulk insert.
                users = list(User.objects.filter(username__in=[u.username for u in users]))
            progress, events, enrollments = [], [], []
            for user in users:
                rows = _learner_rows(user, milestones, tracks, rng=rng, now=now)
                progress += rows[0]
                events += rows[1]
                enrollments += rows[2]
            Progress.objects.bulk_create(progress, batch_size=BATCH)
            ProgressEvent.objects.bulk_create(events, batch_size=BATCH)
            Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
            result.progress += len(progress)
            result.events += len(events)
            result.enrollments += len(enrollments)
            result.public_usernames += [u.username for u in users if u.public_profile]
            everyone += users
        result.sessions = log_in(rng.sample(everyone, min(sessions, learners)))
    result.milestones = len(milestones)
    result.milestone_slugs = [m.slug for m in milestones]
    result.seconds = time.perf_counter() - began
    return result


def analyze():
    """After the bulk load: planner statistics on PostgreSQL, as autovacuum would soon gather
    (rather than in the middle of a run); on SQLite the write-ahead log folded into the file."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def write_load_files(result, directory):
    """The files the Lua script reads, one record a line, fields separated by spaces."""
    os.makedirs(directory, exist_ok=True)
    files = {
        "sessions.txt": [
            f"{s.username} {s.session_key} {s.csrf_secret} {s.csrf_token}" for s in result.sessions
        ],
        "public.txt": result.public_usernames,
        "slugs.txt": result.milestone_slugs,
    }
    paths = {}
    for name, lines in files.items():
        paths[name] = os.path.join(directory, name)
        with open(paths[name], "w", encoding="utf-8") as out:
            out.write("".join(f"{line}\n" for line in lines))
    return paths
