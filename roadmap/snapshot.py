"""The roadmap's content as the pages show it, read once per content revision.

The roadmap is read on every page view and changes only when an editor saves. Each process keeps
the current revision's content in memory: sections, milestones with their resources and track
weights, tracks, and the HTML that is the same for everyone (each milestone's body, the career
tracks, the roadmap as a visitor sees it), rendered once by the templates. Every content write
calls `content_changed()`; a process notices a new revision within `REVISION_TTL` seconds, or at
once if it made the change.

Nothing here is of a learner. The URLs in it are reversed under the script prefix of the request
that builds it (SCRIPT_NAME, from the proxy), so each prefix has its own copy: a request never
gets links made for another prefix.
"""

import logging
import threading
import time
from dataclasses import dataclass, field, replace

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from . import focus
from .focus import Mark, Shown
from .models import (
    ContentChange,
    Revision,
    Section,
    Status,
    Track,
    percent,
    whole_roadmap_url,
)

REVISION_TTL = 1.0
TEMPLATE = "roadmap/roadmap.html"
DASHBOARD = "roadmap/dashboard.html"

PREFIXES = 4  # script prefixes kept at once; one in any ordinary deployment

logger = logging.getLogger(__name__)
_lock = threading.Lock()
# The revision as last read; `forgotten` counts the changes this process made, so that a read
# begun before one of them is not kept after it.
_current = {"revision": None, "checked": 0.0, "forgotten": 0}
_snapshots = {}  # script prefix -> Snapshot of the current revision


@dataclass(frozen=True)
class MilestoneEntry:
    id: int
    slug: str
    title: str
    description: str
    estimated_hours: int
    resources: tuple  # (title, url) pairs
    weights: tuple  # (track id, track name, weight) of each track it counts toward, in order
    url: str  # its place on the roadmap
    status_url: str
    details_url: str
    number: int  # its place in its section, from 1: the map shows it
    # Rendered once: its description and resources; the tracks it counts toward (the others
    # than the one in focus, by its id; all, by None); the link to add a note; and for each
    # status the inside of its tick form and its node on the map (also hidden, and on a public
    # page).
    body: str = ""
    counts_toward: dict = field(default_factory=dict)
    blank_details: str = ""
    controls: dict = field(default_factory=dict)
    map_nodes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SectionEntry:
    slug: str
    title: str
    intro: str
    milestones: tuple


@dataclass(frozen=True)
class Membership:
    milestone: MilestoneEntry
    section: SectionEntry
    weight: int
    # The milestone in the dashboard card's lists, by status (not done): rendered once.
    next_item: dict = field(default_factory=dict)
    left_item: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TrackCompletion:
    """A track with one learner's weighted completion over its active milestones."""

    pk: int
    slug: str
    name: str
    done_weight: int
    total_weight: int
    done_count: int
    total_count: int
    followed: bool = True

    @property
    def percent(self):
        return percent(self.done_weight, self.total_weight)


@dataclass(frozen=True)
class TrackEntry:
    pk: int
    slug: str
    name: str
    summary: str
    memberships: tuple  # Membership of each active milestone counting toward it, roadmap order
    weights: dict = field(default_factory=dict)  # milestone id -> weight

    def completion(self, done_ids, followed=True):
        done = [m.weight for m in self.memberships if m.milestone.id in done_ids]
        return TrackCompletion(
            self.pk,
            self.slug,
            self.name,
            done_weight=sum(done),
            total_weight=sum(m.weight for m in self.memberships),
            done_count=len(done),
            total_count=len(self.memberships),
            followed=followed,
        )


@dataclass(frozen=True)
class Snapshot:
    revision: str
    sections: tuple
    tracks: tuple
    career_tracks: str  # the career-track cards, rendered once
    by_slug: dict = field(default_factory=dict)  # slug -> MilestoneEntry
    by_id: dict = field(default_factory=dict)  # id -> MilestoneEntry
    latest_change: object = None  # when the latest entry the news may tell was made, if any
    last_change_id: int = 0  # that entry's id: the news reads none after it
    visitor_bodies: dict = field(default_factory=dict)  # focus slug -> HTML, on first use

    def visitor_body(self, chosen):
        """The roadmap's body (`#focused`) as every visitor sees it with the focus `chosen`,
        rendered once: it has nothing of a learner or of the request."""
        body = self.visitor_bodies.get(chosen.slug)
        if body is None:
            context = {
                "snapshot": self,
                "focus": chosen,
                "sections": focus.sections(self, chosen, {}, learner=False),
                "signup_url": reverse("signup"),
                "login_url": reverse("login"),
            }
            body = render_to_string(f"{TEMPLATE}#focused", context)
            self.visitor_bodies[chosen.slug] = body
        return body

    def completion(self, done_ids, followed_ids=None):
        """Every track with the completion of a learner who has done the milestones `done_ids`.

        With `followed_ids`, followed tracks come first and the others say they are not followed.
        """
        tracks = [
            track.completion(done_ids, followed_ids is None or track.pk in followed_ids)
            for track in self.tracks
        ]
        return sorted(tracks, key=lambda track: not track.followed)


def done_ids(own):
    """The milestones done in `own` (milestone id -> the learner's progress row)."""
    return {milestone_id for milestone_id, row in own.items() if row.status == Status.DONE}


def content_changed():
    """Record that roadmap content changed: every process reads it again on its next use.
    The app's writers hold the content lock (changes.lock), which makes the row if a flushed
    database has none; tests that edit rows directly call this without it."""
    if not Revision.objects.update(number=F("number") + 1, changed_at=timezone.now()):
        Revision.objects.create(number=1)
    # At once for the rest of this transaction, and again once committed, in case another
    # request of this process read the old revision in between.
    forget_revision()
    transaction.on_commit(forget_revision)


def forget_revision():
    with _lock:
        _current.update(revision=None, checked=0.0, forgotten=_current["forgotten"] + 1)
        _snapshots.clear()


def current_revision(fresh=False):
    """The content revision, read from the database at most once a second (now when `fresh`)."""
    now = time.monotonic()
    with _lock:
        recent = _current["revision"] is not None and now - _current["checked"] < REVISION_TTL
        if recent and not fresh:
            return _current["revision"]
        forgotten = _current["forgotten"]
    try:
        row = Revision.objects.values_list("number", "changed_at").first()
    except (OperationalError, InterfaceError):
        # The database can't be reached: the content this process has is served meanwhile.
        with _lock:
            known = _current["revision"]
            _current["checked"] = now
        if known is None:
            raise
        logger.error("Content revision unreadable: serving revision %s", known, exc_info=True)
        return known
    revision = f"{row[0]}-{row[1].timestamp()}" if row else "none"
    with _lock:
        if _current["forgotten"] == forgotten:  # no change of this process's came meanwhile
            _current.update(revision=revision, checked=now)
    return revision


def get_snapshot(fresh=False):
    """The content of the current revision (looked up now when `fresh`), with URLs under this
    request's script prefix."""
    revision = current_revision(fresh)
    prefix = get_script_prefix()
    snapshot = _snapshots.get(prefix)
    if snapshot is None or snapshot.revision != revision:
        snapshot = build(revision)
        with _lock:
            if len(_snapshots) >= PREFIXES:
                _snapshots.clear()
            if _current["revision"] == revision:
                _snapshots[prefix] = snapshot
    return snapshot


def build(revision, tries=3):
    """Read the roadmap's latest change, the active roadmap and that change again (eight
    queries), and render its shared fragments. The news compares the changes up to that one
    with this roadmap: read again when an editor's save committed in between (content writers
    commit in turn), it would tell a change by a roadmap that already holds the next one."""
    latest = latest_change()
    sections = []
    for section in Section.objects.with_active_milestones():
        milestones = tuple(
            _with_body(
                MilestoneEntry(
                    id=milestone.pk,
                    slug=milestone.slug,
                    title=milestone.title,
                    description=milestone.description,
                    estimated_hours=milestone.estimated_hours,
                    resources=tuple((r.title, r.url) for r in milestone.resources.all()),
                    weights=tuple(
                        (m.track_id, m.track.name, m.weight) for m in milestone.memberships.all()
                    ),
                    url=milestone.get_absolute_url(),
                    status_url=milestone.status_url,
                    details_url=milestone.details_url,
                    number=number,
                )
            )
            for number, milestone in enumerate(section.active_milestones, 1)
        )
        sections.append(SectionEntry(section.slug, section.title, section.intro, milestones))
    placed = {m.id: (m, section) for section in sections for m in section.milestones}
    tracks = []
    for track in Track.objects.with_active_memberships():
        # A milestone an editor committed after the sections were read is left out: its save
        # changed the revision, so the next view reads the roadmap again.
        memberships = [m for m in track.active_memberships if m.milestone_id in placed]
        entries = tuple(
            _with_items(Membership(*placed[m.milestone_id], m.weight)) for m in memberships
        )
        weights = {m.milestone_id: m.weight for m in memberships}
        tracks.append(TrackEntry(track.pk, track.slug, track.name, track.summary, entries, weights))
    tracks = tuple(tracks)
    context = {"tracks": tracks, "roadmap_url": whole_roadmap_url()}
    career_tracks = render_to_string(f"{TEMPLATE}#career_tracks", context)
    by_slug = {m.slug: m for m, _ in placed.values()}
    by_id = {m.id: m for m, _ in placed.values()}
    if tries > 1 and latest_change() != latest:
        return build(revision, tries - 1)
    return Snapshot(
        revision,
        tuple(sections),
        tracks,
        career_tracks,
        by_slug,
        by_id,
        latest_change=latest["at"],
        last_change_id=latest["id"] or 0,
    )


def latest_change():
    """When the latest entry the news may tell was made, and its id ({"at", "id"})."""
    return tellable_changes().aggregate(at=Max("at"), id=Max("pk"))


def tellable_changes():
    """The changelog's entries a learner's news may tell of. Not a track's deletion (only one
    nobody follows can be deleted), nor an edit of a milestone while it is archived (one made
    before its archival is older than that archival's entry, which is told)."""
    Kind = ContentChange.Kind
    archived_edit = Q(milestone__is_archived=True) & ~Q(kind=Kind.ARCHIVED)
    return (
        ContentChange.objects.filter(draft=False)
        .exclude(kind=Kind.TRACK_DELETED)
        .exclude(archived_edit)
    )


def _with_items(membership):
    """The membership with its dashboard list items, for each status but done."""

    def items(partial):
        return {
            status: render_to_string(
                f"{DASHBOARD}#{partial}", {"membership": membership, "status": status}
            )
            for status in (Status.IN_PROGRESS, Status.NOT_STARTED)
        }

    return replace(membership, next_item=items("next_item"), left_item=items("left_item"))


def _with_body(milestone):
    """The milestone with the fragments the pages show of it, the same for everyone."""

    def node(status, **context):
        item = Shown(milestone, Mark(status))
        return render_to_string(f"{TEMPLATE}#map_node", {"item": item, **context})

    def render_counts(focus_id):
        """The tracks it counts toward, but the one in focus (said above the line): all of
        them when `focus_id` is None."""
        weights = [(name, weight) for pk, name, weight in milestone.weights if pk != focus_id]
        context = {"weights": weights, "also": focus_id is not None}
        return render_to_string(f"{TEMPLATE}#counts_toward", context)

    statuses = [Status.DONE, Status.IN_PROGRESS, Status.NOT_STARTED]
    public_url = whole_roadmap_url()
    map_nodes = {status: node(status) for status in statuses}
    map_nodes["hidden"] = node(Status.DONE, hide_done=True)
    map_nodes.update({("public", s): node(s, map_url=public_url, public=True) for s in statuses})
    return replace(
        milestone,
        body=render_to_string(f"{TEMPLATE}#milestone_body", {"milestone": milestone}),
        counts_toward={
            focus_id: render_counts(focus_id)
            for focus_id in (None, *(pk for pk, *_ in milestone.weights))
        },
        blank_details=render_to_string(
            f"{TEMPLATE}#details", {"milestone": milestone, "mine": Mark(Status.NOT_STARTED)}
        ),
        controls={
            status: render_to_string(
                f"{TEMPLATE}#controls", {"milestone": milestone, "status": status}
            )
            for status in statuses
        },
        map_nodes=map_nodes,
    )
