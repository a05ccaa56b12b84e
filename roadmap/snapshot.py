"""The roadmap's content, read and rendered once per content revision instead of once per request.

The roadmap changes when an editor saves something; it is read on every page view. So the parts of
the page that are the same for everyone (descriptions, resources, track weights, the career track
cards, the whole page for a visitor) are rendered once per revision and kept in memory. Every
content write calls `content_changed()`; each process notices a new revision within
`REVISION_TTL` seconds, or at once in the process that made the change.
"""

import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Revision, Section, Track

REVISION_TTL = 1.0
TEMPLATE = "roadmap/roadmap.html"

_lock = threading.Lock()
_revision = {"number": None, "checked": 0.0}
_snapshots = {}


@dataclass(frozen=True)
class MilestoneEntry:
    id: int
    slug: str
    title: str
    status_url: str
    details_url: str
    body: str


@dataclass(frozen=True)
class SectionEntry:
    slug: str
    title: str
    intro: str
    milestones: tuple


@dataclass(frozen=True)
class Snapshot:
    revision: int
    sections: tuple
    milestones_by_id: dict
    visitor_sections: str
    career_tracks: str


def content_changed():
    """Record that roadmap content changed; cached renderings are rebuilt on next use."""
    if not Revision.objects.update(number=F("number") + 1, changed_at=timezone.now()):
        Revision.objects.create(number=1)
    # Now, for the rest of this transaction; and again once committed, in case another request
    # of this process read the old revision in between.
    forget_revision()
    transaction.on_commit(forget_revision)


def forget_revision():
    with _lock:
        _revision["number"] = None
        _snapshots.clear()


def current_revision():
    """A token naming the content revision; unique across databases, so a shared cache is safe."""
    now = time.monotonic()
    with _lock:
        if _revision["number"] is not None and now - _revision["checked"] < REVISION_TTL:
            return _revision["number"]
    row = Revision.objects.values_list("number", "changed_at").first()
    token = f"{row[0]}-{row[1].timestamp()}" if row else "none"
    with _lock:
        _revision.update(number=token, checked=now)
    return token


def get_snapshot():
    revision = current_revision()
    snapshot = _snapshots.get(revision)
    if snapshot is None:
        key = f"roadmap:snapshot:{revision}"
        snapshot = cache.get(key)
        if snapshot is None:
            snapshot = build(revision)
            cache.set(key, snapshot, timeout=24 * 3600)
        with _lock:
            _snapshots.clear()
            _snapshots[revision] = snapshot
    return snapshot


def build(revision):
    sections = []
    for section in Section.objects.with_active_milestones():
        milestones = tuple(
            MilestoneEntry(
                id=milestone.pk,
                slug=milestone.slug,
                title=milestone.title,
                status_url=milestone.status_url,
                details_url=milestone.details_url,
                body=render_to_string(f"{TEMPLATE}#milestone_body", {"milestone": milestone}),
            )
            for milestone in section.active_milestones
        )
        sections.append(
            SectionEntry(
                slug=section.slug, title=section.title, intro=section.intro, milestones=milestones
            )
        )
    visitor_rows = [(section, [(m, None) for m in section.milestones]) for section in sections]
    return Snapshot(
        revision=revision,
        sections=tuple(sections),
        milestones_by_id={m.id: m for section in sections for m in section.milestones},
        visitor_sections=render_to_string(
            f"{TEMPLATE}#sections", {"rows": visitor_rows, "learner": False}
        ),
        career_tracks=render_to_string(
            f"{TEMPLATE}#career_tracks", {"tracks": Track.objects.with_active_memberships()}
        ),
    )
