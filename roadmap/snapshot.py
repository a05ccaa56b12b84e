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
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string as render_template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape, strip_spaces_between_tags
from django.utils.safestring import mark_safe

from .models import Revision, Section, Status, Track

REVISION_TTL = 1.0
TEMPLATE = "roadmap/roadmap.html"

_lock = threading.Lock()
_revision = {"number": None, "checked": 0.0}
_snapshots = {}


# Stand-ins for the per-request values of the pre-rendered status controls.
CSRF_MARK = "CSRFTOKENPLACEHOLDER"
DATE_MARK = "COMPLETEDONPLACEHOLDER"
DATE_ISO_MARK = "COMPLETEDONISOPLACEHOLDER"


class _Marked(NamedTuple):
    status: str
    completed_on: str = DATE_MARK
    completed_on_iso: str = DATE_ISO_MARK


def completion_date(moment, format_string):
    return dateformat.format(timezone.localtime(moment), format_string) if moment else ""


@dataclass(frozen=True)
class MilestoneEntry:
    id: int
    slug: str
    title: str
    status_url: str
    details_url: str
    url: str
    body: str
    blank_details: str
    status_controls: dict

    def get_absolute_url(self):
        return self.url

    def status_control(self, own, csrf_token):
        """The tick controls for this learner: the template rendered once per status for
        this revision, with the request's CSRF token and the completion date put in."""
        html = self.status_controls[own.status if own else Status.NOT_STARTED]
        html = html.replace(CSRF_MARK, escape(csrf_token))
        if own and own.status == Status.DONE:
            html = html.replace(DATE_MARK, escape(own.completed_on)).replace(
                DATE_ISO_MARK, escape(own.completed_on_iso)
            )
        return mark_safe(html)  # noqa: S308 - template output with escaped values put in


@dataclass(frozen=True)
class SectionEntry:
    slug: str
    title: str
    intro: str
    url: str
    milestones: tuple


class Membership(NamedTuple):
    """One active milestone counting toward a track, in roadmap order."""

    milestone: MilestoneEntry
    section: SectionEntry
    weight: int


@dataclass(frozen=True)
class Snapshot:
    revision: int
    sections: tuple
    memberships_by_track: dict
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


def render_to_string(template_name, context):
    """Rendered once per revision and sent with every page: the indentation between tags goes."""
    return mark_safe(strip_spaces_between_tags(render_template(template_name, context).strip()))  # noqa: S308


def entry(milestone):
    return MilestoneEntry(
        id=milestone.pk,
        slug=milestone.slug,
        title=milestone.title,
        status_url=milestone.status_url,
        details_url=milestone.details_url,
        url=milestone.get_absolute_url(),
        body=render_to_string(f"{TEMPLATE}#milestone_body", {"milestone": milestone}),
        blank_details=render_to_string(f"{TEMPLATE}#details", {"milestone": milestone}),
        status_controls={
            status: render_to_string(
                f"{TEMPLATE}#status",
                {"milestone": milestone, "own": _Marked(status), "csrf_token": CSRF_MARK},
            )
            for status in Status.values
        },
    )


def build(revision):
    sections = []
    for section in Section.objects.with_active_milestones():
        milestones = tuple(entry(milestone) for milestone in section.active_milestones)
        sections.append(
            SectionEntry(
                slug=section.slug,
                title=section.title,
                intro=section.intro,
                url=f"{reverse('roadmap:index')}#{section.slug}",
                milestones=milestones,
            )
        )
    visitor_rows = [
        (section, [(m, None, None, "") for m in section.milestones]) for section in sections
    ]
    placed = {m.id: (m, section) for section in sections for m in section.milestones}
    tracks = list(Track.objects.with_active_memberships())
    return Snapshot(
        revision=revision,
        sections=tuple(sections),
        memberships_by_track={
            track.pk: tuple(
                Membership(*placed[membership.milestone_id], membership.weight)
                for membership in track.active_memberships
            )
            for track in tracks
        },
        visitor_sections=render_to_string(f"{TEMPLATE}#sections", {"rows": visitor_rows}),
        career_tracks=render_to_string(f"{TEMPLATE}#career_tracks", {"tracks": tracks}),
    )
