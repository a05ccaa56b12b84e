"""The roadmap's content, read and rendered once per content revision instead of once per request.

The roadmap changes when an editor saves something; it is read on every page view. So the parts of
the page that are the same for everyone (descriptions, resources, track weights, the career track
cards, the whole page for a visitor) are rendered once per revision and kept in memory. Every
content write calls `content_changed()`; each process notices a new revision within
`REVISION_TTL` seconds, or at once in the process that made the change.
"""

import functools
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from html import escape  # Django's escape() without its lazy-string wrapper: same output
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string as render_template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .models import Revision, Section, Status, Track, percent

REVISION_TTL = 1.0
# Part of the shared cache key, with release(): a release that changes what a snapshot holds
# never reads one pickled by another (Redis outlives deploys; releases overlap in a rolling one).
SNAPSHOT_FORMAT = 4
TEMPLATE = "roadmap/roadmap.html"
DASHBOARD = "roadmap/dashboard.html"
PUBLIC = "roadmap/public.html"

_lock = threading.Lock()
_revision = {"number": None, "checked": 0.0}
_snapshots = {}


class Holes(NamedTuple):
    """Template output with named holes: `texts` is the HTML around them, `names` what goes in
    each. Filling joins strings; the filled-in values are never scanned for marks."""

    texts: tuple
    names: tuple

    @classmethod
    def render(cls, template_name, context, *, whole_page=False, **marked):
        """Render once with each `marked` value (name -> a function of the mark that gives the
        template's stand-in) in the context, and split the output at the marks. A part of a page
        loses the indentation between its tags; a `whole_page` is kept as the template wrote it,
        since the space between two inline elements of its text shows."""
        token = secrets.token_hex(8)

        def mark(name):
            return mark_safe(f"\x00{token}:{name}\x00")  # noqa: S308 - a marker, no input

        context = {**context, **{key: stand_in(mark) for key, stand_in in marked.items()}}
        if whole_page:
            html = render_template(template_name, context)
        else:
            html = render_to_string(template_name, context)
        parts = re.split(f"\x00{token}:([^\x00]+)\x00", html)
        return cls(tuple(parts[0::2]), tuple(parts[1::2]))

    def fill(self, fill):
        """The HTML with `fill(name)` (safe HTML) in each hole."""
        out = [self.texts[0]]
        for name, text in zip(self.names, self.texts[1:], strict=True):
            out.append(fill(name))
            out.append(text)
        return mark_safe("".join(out))  # noqa: S308 - template output with safe HTML put in


class _MarkedTrack(NamedTuple):
    """A track with marks for a learner's numbers, for the progress bars and the cards."""

    slug: str
    name: str
    total_count: int
    total_weight: int
    percent: str
    done_count: str
    done_weight: str


class _MarkedCard(NamedTuple):
    track: _MarkedTrack
    followed: bool
    sections: bool
    next_up: object
    left: object
    next_up_html: str
    sections_html: str
    left_summary: str
    left_html: str


def track_cards(track):
    """The dashboard card of a track in each shape: (followed, anything left) -> Holes."""
    count = len(track.active_memberships)
    weight = sum(membership.weight for membership in track.active_memberships)

    def card(followed, has_left):
        def marked(mark):
            return _MarkedCard(
                _MarkedTrack(
                    track.slug,
                    track.name,
                    count,
                    weight,
                    mark("percent"),
                    mark("done_count"),
                    mark("done_weight"),
                ),
                followed=followed,
                sections=bool(count),
                next_up=mark("next_up") if has_left else [],
                left=mark("left") if has_left else [],
                next_up_html=mark("next_up_html"),
                sections_html=mark("sections_html"),
                left_summary=mark("left_summary"),
                left_html=mark("left_html"),
            )

        return Holes.render(
            f"{DASHBOARD}#track_card",
            {},
            card=marked,
            csrf_token=lambda mark: mark("csrf_token"),
        )

    return {
        (followed, has_left): card(followed, has_left)
        for followed in (True, False)
        for has_left in (True, False)
        if count or not has_left
    }


class _MarkedItem(NamedTuple):
    milestone: object
    done_at_iso: str
    done_on: str
    evidence_url: str


class _Marked(NamedTuple):
    """The stand-in for a learner's own progress when the status controls are pre-rendered."""

    status: str
    completed_on: str
    completed_on_iso: str
    note: str = ""
    evidence_url: str = ""


@functools.lru_cache(maxsize=2048)
def _format_day(day, format_string, language):
    return dateformat.format(day, format_string)


def completion_date(moment, format_string, zone=None):
    """A completion time as a local date in `format_string`; `zone` saves looking up the
    current time zone when many dates are formatted (learners finish things on few days)."""
    if not moment:
        return ""
    day = timezone.localdate(moment, zone or timezone.get_current_timezone())
    return _format_day(day, format_string, get_language())


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
    status_controls: dict  # status -> Holes for the CSRF token and the completion date
    saved_details: dict  # (has a note, has evidence) -> Holes for them
    public_items: dict  # has evidence -> Holes for the public page's item (dates, evidence)

    def get_absolute_url(self):
        return self.url

    def status_control(self, own, csrf_token, zone=None):
        """The tick controls for this learner: the template rendered once per status for this
        revision, with the request's CSRF token and the completion date put in."""
        status = (own and own.status) or Status.NOT_STARTED
        values = {"csrf_token": escape(csrf_token)}
        if status == Status.DONE:
            zone = zone or timezone.get_current_timezone()
            values.update(
                completed_on=escape(completion_date(own.completed_at, "j M Y", zone)),
                completed_on_iso=escape(completion_date(own.completed_at, "Y-m-d", zone)),
            )
        return self.status_controls[status].fill(values.__getitem__)

    def details(self, own):
        """The learner's note and evidence link, or the invitation to add them."""
        if not own or not (own.note or own.evidence_url):
            return self.blank_details
        values = {
            "note": linebreaksbr(own.note, autoescape=True),
            "evidence_url": escape(own.evidence_url),
        }
        return self.saved_details[bool(own.note), bool(own.evidence_url)].fill(values.__getitem__)

    def public_item(self, completed_at, evidence_url, zone):
        """The public page's line for this milestone, done at `completed_at`."""
        values = {
            "done_at_iso": escape(timezone.localtime(completed_at, zone).isoformat()),
            "done_on": escape(completion_date(completed_at, "j F Y", zone)),
            "evidence_url": escape(evidence_url),
        }
        return self.public_items[bool(evidence_url)].fill(values.__getitem__)


@dataclass(frozen=True)
class SectionEntry:
    slug: str
    title: str
    intro: str
    url: str
    milestones: tuple


@dataclass(frozen=True)
class TrackCompletion:
    """A track with a learner's completion: what `Track.objects.with_completion` gives, worked
    out from the snapshot's active memberships and the milestones the learner has done."""

    pk: int
    slug: str
    name: str
    done_weight: int
    total_weight: int
    done_count: int
    total_count: int

    @property
    def percent(self):
        return percent(self.done_weight, self.total_weight)

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class TrackEntry:
    pk: int
    slug: str
    name: str
    weights: tuple  # (milestone id, weight) of each active milestone counting toward it

    @functools.cached_property
    def total_weight(self):
        return sum(weight for _, weight in self.weights)

    def completion(self, done_ids):
        done = [weight for milestone_id, weight in self.weights if milestone_id in done_ids]
        return TrackCompletion(
            self.pk,
            self.slug,
            self.name,
            done_weight=sum(done),
            total_weight=self.total_weight,
            done_count=len(done),
            total_count=len(self.weights),
        )


class Membership(NamedTuple):
    """One active milestone counting toward a track, in roadmap order, with its dashboard list
    items ("next up" and "what's left") rendered for each status that isn't done."""

    milestone: MilestoneEntry
    section: SectionEntry
    weight: int
    next_item: dict = None
    left_item: dict = None

    @classmethod
    def render(cls, milestone, section, weight):
        plain = cls(milestone, section, weight)

        def items(partial):
            return {
                status: render_to_string(
                    f"{DASHBOARD}#{partial}", {"membership": plain, "own_status": status}
                )
                for status in (Status.NOT_STARTED, Status.IN_PROGRESS)
            }

        return plain._replace(next_item=items("next_item"), left_item=items("left_item"))


class _MarkedRow(NamedTuple):
    section: SectionEntry
    total_count: int
    total_weight: int
    done_count: str
    done_weight: str


def section_rows(track, memberships):
    """A track's per-section breakdown rows, with holes for what the learner has done."""
    totals = {}  # section slug -> (section, count, weight), in roadmap order
    for membership in memberships:
        section = membership.section
        _, count, weight = totals.get(section.slug, (section, 0, 0))
        totals[section.slug] = (section, count + 1, weight + membership.weight)
    return {
        section.slug: Holes.render(
            f"{DASHBOARD}#section_row",
            {"track": track},
            row=lambda mark, section=section, count=count, weight=weight: _MarkedRow(
                section, count, weight, mark("done_count"), mark("done_weight")
            ),
        )
        for section, count, weight in totals.values()
    }


@dataclass(frozen=True)
class Snapshot:
    revision: int
    sections: tuple
    tracks: tuple  # TrackEntry, in order
    memberships_by_track: dict
    section_rows_by_track: dict  # track id -> section slug -> Holes for the dashboard's table
    cards_by_track: dict  # track id -> {(followed, anything left): Holes}
    visitor_sections: str
    career_tracks: str
    # The learner's sections, with a hole for each milestone's tick controls and details.
    learner_sections_holes: Holes
    milestones_by_id: dict
    milestones_by_slug: dict
    # "Your progress", for the page and for an out-of-band swap, with holes for the numbers.
    track_bars_holes: dict
    # The whole roadmap page of a learner, header included, with holes for the learner's name,
    # the CSRF token, the progress bars and the sections.
    learner_page_holes: Holes = field(default=None, repr=False)
    # The dashboard, likewise: holes for the name, token, cards, activity and sharing, and what
    # it says about sharing to a learner without a public page.
    dashboard_page_holes: Holes = field(default=None, repr=False)
    dashboard_share_off: str = field(default=None, repr=False)

    def track_bars(self, completion, *, oob=False):
        """The "Your progress" bars for `completion` (this snapshot's `completion()`)."""
        values = {}
        for track in completion:
            values[f"percent:{track.pk}"] = str(track.percent)
            values[f"done:{track.pk}"] = str(track.done_count)
        return self.track_bars_holes[oob].fill(values.__getitem__)

    def completion(self, done_ids):
        """Every track, in order, with the completion of a learner who has done `done_ids`."""
        return [track.completion(done_ids) for track in self.tracks]

    def completion_of(self, own):
        """completion() for a learner whose rows are `own` (milestone id -> their progress on
        it: anything with a `status`, as roadmap.views.own_rows gives)."""
        return self.completion({m for m, mine in own.items() if mine.status == Status.DONE})

    def learner_sections(self, own, csrf_token):
        """The roadmap's sections for a learner whose progress is `own` (milestone id ->
        OwnProgress): the pre-rendered HTML with this learner's controls and details put in."""
        zone = timezone.get_current_timezone()

        def fill(name):
            kind, milestone_id = name.split(":")
            milestone = self.milestones_by_id[int(milestone_id)]
            mine = own.get(milestone.id)
            if kind == "status":
                return milestone.status_control(mine, csrf_token, zone)
            return milestone.details(mine)

        return self.learner_sections_holes.fill(fill)

    def learner_page(self, user, own, csrf_token):
        """The roadmap page of `user`, whose progress is `own`: what the template renders for
        them when there are no messages to show."""
        values = {
            "user": escape(str(user)),
            "csrf_token": escape(csrf_token),
            "track_bars": self.track_bars(self.completion_of(own)),
            "sections": self.learner_sections(own, csrf_token),
        }
        return self.learner_page_holes.fill(values.__getitem__)

    def dashboard_page(self, user, csrf_token, cards, activity, share):
        """The dashboard of `user`: their track `cards` (roadmap.dashboard.TrackCard), their
        `activity` (roadmap.dashboard.Activity) and the `share` section's HTML, as the template
        renders them when there are no messages to show."""
        this_week = activity.this_week.count
        values = {
            "user": escape(str(user)),
            "csrf_token": escape(csrf_token),
            "cards": "".join(card.html for card in cards),
            "streak": escape(activity.streak_text),
            "total": str(activity.total),
            "this_week": str(this_week),
            "bars": activity.bars_html,
            "rows": activity.rows_html,
            "share": share,
        }
        return self.dashboard_page_holes.fill(values.__getitem__)


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


def current_revision(fresh=False):
    """A token naming the content revision; unique across databases, so a shared cache is safe.
    Read from the database at most once a second, or now when `fresh`."""
    now = time.monotonic()
    with _lock:
        recent = now - _revision["checked"] < REVISION_TTL
        if _revision["number"] is not None and recent and not fresh:
            return _revision["number"]
    row = Revision.objects.values_list("number", "changed_at").first()
    token = f"{row[0]}-{row[1].timestamp()}" if row else "none"
    with _lock:
        _revision.update(number=token, checked=now)
    return token


@functools.cache
def release():
    """A digest of what the renderings depend on besides the content: the project's templates
    and the static files' hashed names. In the shared cache key, so that no release serves pages
    rendered by another, which would link to static files it doesn't have."""
    digest = hashlib.sha256()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(directory)).encode() + b"\0")
                digest.update(path.read_bytes())
    names = getattr(staticfiles_storage, "hashed_files", None) or {}
    digest.update(json.dumps(sorted(names.items())).encode())
    return digest.hexdigest()[:16]


def get_snapshot(fresh=False):
    """The snapshot of the current content revision (checked now when `fresh`)."""
    revision = current_revision(fresh)
    snapshot = _snapshots.get(revision)
    if snapshot is None:
        key = f"roadmap:snapshot:v{SNAPSHOT_FORMAT}:{release()}:{revision}"
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
    def status_controls(status):
        def own(mark):
            return _Marked(status, mark("completed_on"), mark("completed_on_iso"))

        return Holes.render(
            f"{TEMPLATE}#status",
            {"milestone": milestone},
            own=own,
            csrf_token=lambda mark: mark("csrf_token"),
        )

    def saved_details(has_note, has_evidence):
        def own(mark):
            return _Marked(
                Status.NOT_STARTED,
                "",
                "",
                note=mark("note") if has_note else "",
                evidence_url=mark("evidence_url") if has_evidence else "",
            )

        return Holes.render(f"{TEMPLATE}#details", {"milestone": milestone}, own=own)

    def public_item(has_evidence):
        def item(mark):
            return _MarkedItem(
                milestone,
                mark("done_at_iso"),
                mark("done_on"),
                mark("evidence_url") if has_evidence else "",
            )

        return Holes.render(f"{PUBLIC}#public_item", {}, item=item)

    return MilestoneEntry(
        id=milestone.pk,
        slug=milestone.slug,
        title=milestone.title,
        status_url=milestone.status_url,
        details_url=milestone.details_url,
        url=milestone.get_absolute_url(),
        body=render_to_string(f"{TEMPLATE}#milestone_body", {"milestone": milestone}),
        blank_details=render_to_string(f"{TEMPLATE}#details", {"milestone": milestone}),
        status_controls={status: status_controls(status) for status in Status.values},
        saved_details={
            (has_note, has_evidence): saved_details(has_note, has_evidence)
            for has_note in (True, False)
            for has_evidence in (True, False)
            if has_note or has_evidence
        },
        public_items={has_evidence: public_item(has_evidence) for has_evidence in (True, False)},
    )


class _PageUser(NamedTuple):
    """The stand-in for a logged-in user when a whole page is pre-rendered."""

    name: str
    is_authenticated: bool = True

    def __str__(self):
        return self.name


class _PageMatch(NamedTuple):
    url_name: str


class _PageRequest(NamedTuple):
    """The stand-in for the request when a whole page is pre-rendered: what base.html uses of
    a logged-in user's request (the equivalence tests compare it with a real one)."""

    resolver_match: _PageMatch

    @classmethod
    def of(cls, url_name):
        """For the page that `url_name` ("roadmap:index") names."""
        return cls(_PageMatch(url_name.rpartition(":")[2]))


def logged_in_page(template_name, url_name, snapshot, **marked):
    """A whole page (the one `url_name` names) as a logged-in learner sees it when there are no
    messages to show: holes for base.html's user and CSRF token, and the page's `marked` ones."""
    return Holes.render(
        template_name,
        {"snapshot": snapshot, "request": _PageRequest.of(url_name), "messages": ()},
        whole_page=True,
        user=lambda mark: _PageUser(mark("user")),
        csrf_token=lambda mark: mark("csrf_token"),
        **marked,
    )


def learner_page(snapshot):
    """The roadmap page, with holes for the progress bars and the sections."""
    return logged_in_page(
        TEMPLATE,
        "roadmap:index",
        snapshot,
        track_bars=lambda mark: mark("track_bars"),
        sections=lambda mark: mark("sections"),
    )


class _PageCard(NamedTuple):
    html: str


class _PageWeek(NamedTuple):
    count: str


class _PageActivity(NamedTuple):
    """The stand-in for roadmap.dashboard.Activity when the dashboard is pre-rendered."""

    streak_text: str
    total: str
    this_week: _PageWeek
    bars_html: str
    rows_html: str
    width: int
    height: int
    baseline: int


def dashboard_page(snapshot):
    """The dashboard, with holes for the cards, the activity and what it says about sharing."""
    from .dashboard import Activity  # which imports this module

    return logged_in_page(
        DASHBOARD,
        "roadmap:dashboard",
        snapshot,
        cards=lambda mark: [_PageCard(mark("cards"))],
        activity=lambda mark: _PageActivity(
            mark("streak"),
            mark("total"),
            _PageWeek(mark("this_week")),
            mark("bars"),
            mark("rows"),
            Activity.width,
            Activity.height,
            Activity.baseline,
        ),
        share=lambda mark: mark("share"),
    )


def build(revision):
    snapshot = build_parts(revision)
    return replace(
        snapshot,
        learner_page_holes=learner_page(snapshot),
        dashboard_page_holes=dashboard_page(snapshot),
        dashboard_share_off=render_template(f"{DASHBOARD}#share", {}),
    )


def build_parts(revision):
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
    memberships_by_track = {
        track.pk: tuple(
            Membership.render(*placed[membership.milestone_id], membership.weight)
            for membership in track.active_memberships
        )
        for track in tracks
    }
    return Snapshot(
        revision=revision,
        sections=tuple(sections),
        tracks=tuple(
            TrackEntry(
                track.pk,
                track.slug,
                track.name,
                tuple((m.milestone_id, m.weight) for m in track.active_memberships),
            )
            for track in tracks
        ),
        memberships_by_track=memberships_by_track,
        section_rows_by_track={
            track.pk: section_rows(track, memberships_by_track[track.pk]) for track in tracks
        },
        cards_by_track={track.pk: track_cards(track) for track in tracks},
        visitor_sections=render_to_string(f"{TEMPLATE}#sections", {"rows": visitor_rows}),
        career_tracks=render_to_string(f"{TEMPLATE}#career_tracks", {"tracks": tracks}),
        learner_sections_holes=Holes.render(
            f"{TEMPLATE}#sections",
            {},
            rows=lambda mark: [
                (
                    section,
                    [
                        (m, None, mark(f"status:{m.id}"), mark(f"details:{m.id}"))
                        for m in section.milestones
                    ],
                )
                for section in sections
            ],
        ),
        milestones_by_id={m.id: m for m, _ in placed.values()},
        milestones_by_slug={m.slug: m for m, _ in placed.values()},
        track_bars_holes={oob: track_bars(tracks, oob) for oob in (False, True)},
    )


def track_bars(tracks, oob):
    return Holes.render(
        f"{TEMPLATE}#track_bars",
        {"oob": oob},
        completion=lambda mark: [
            _MarkedTrack(
                t.slug,
                t.name,
                len(t.active_memberships),
                sum(membership.weight for membership in t.active_memberships),
                mark(f"percent:{t.pk}"),
                mark(f"done:{t.pk}"),
                mark(f"done_weight:{t.pk}"),  # not shown in the bars
            )
            for t in tracks
        ],
    )
