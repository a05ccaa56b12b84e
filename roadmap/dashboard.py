"""What the dashboard, the public page and the badge read: a constant number of queries each.

The headline numbers and everything else (the per-section breakdown, what's left, what's next)
are worked out from the roadmap snapshot's active milestones and weights and one read of the user's
statuses, the same way as on the roadmap page (`Snapshot.completion`), so the headline and the
breakdown always agree. `Track.objects.with_completion` is the aggregate query they are checked
against.
"""

import datetime
import functools
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from . import queries
from .models import Status, Track
from .snapshot import get_snapshot

DASHBOARD = "roadmap/dashboard.html"
NEXT_UP = 3
WEEKS = 12

CHART_BAR_WIDTH = 28
CHART_GAP = 12
CHART_PLOT_HEIGHT = 100
CHART_TOP = 16
CHART_AXIS_HEIGHT = 20

BADGE_HEIGHT = 20
BADGE_CHAR_WIDTH = 7
BADGE_PADDING = 6


@dataclass
class SectionProgress:
    section: object
    row: object  # the table row rendered for this revision, with holes for the done numbers
    done_count: int = 0
    total_count: int = 0
    done_weight: int = 0
    total_weight: int = 0

    @property
    def html(self):
        values = {"done_count": str(self.done_count), "done_weight": str(self.done_weight)}
        return self.row.fill(values.__getitem__)


class Left(NamedTuple):
    """A milestone still between the learner and 100 % on a track."""

    membership: object
    own_status: str

    @property
    def milestone(self):
        return self.membership.milestone

    @property
    def weight(self):
        return self.membership.weight


@dataclass
class TrackCard:
    track: Track
    followed: bool
    sections: list[SectionProgress] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    shapes: dict = None  # the snapshot's Holes of this track's card, by shape
    csrf_token: str = ""

    @property
    def html(self):
        """The card: the snapshot's rendering of its shape with this learner's numbers put in."""
        holes = self.shapes[self.followed, bool(self.left)]
        values = {
            "percent": str(self.track.percent),
            "done_count": str(self.track.done_count),
            "done_weight": str(self.track.done_weight),
            "csrf_token": escape(self.csrf_token),
        }
        # The other holes are named after this card's properties that render them (the lists,
        # the rows, the "what's left" summary), worked out only when its shape has them.
        return holes.fill(lambda name: values[name] if name in values else getattr(self, name))

    @property
    def left_summary(self):
        return _left_summary(len(self.left), self.left_weight)

    @property
    def left_weight(self):
        return sum(item.weight for item in self.left)

    @property
    def next_up(self):
        """What to work on next: started milestones first, then the roadmap's order."""
        started = [m for m in self.left if m.own_status == Status.IN_PROGRESS]
        return (started + [m for m in self.left if m.own_status != Status.IN_PROGRESS])[:NEXT_UP]

    # The lists, joined from the items the snapshot rendered for this revision.
    @property
    def next_up_html(self):
        return mark_safe("".join(m.membership.next_item[m.own_status] for m in self.next_up))  # noqa: S308

    @property
    def left_html(self):
        return mark_safe("".join(m.membership.left_item[m.own_status] for m in self.left))  # noqa: S308

    @property
    def sections_html(self):
        return mark_safe("".join(row.html for row in self.sections))  # noqa: S308


@functools.lru_cache(maxsize=1024)
def _left_summary(count, weight):
    return render_to_string(f"{DASHBOARD}#left_summary", {"count": count, "weight": weight})


def track_cards(user, *, track=None, csrf_token="", fresh=False):
    """One card per track (or just for `track`), followed tracks first.

    The user's statuses (read with the session, or one query) and enrollments (one query). The
    tracks, which milestones count toward each, with which weight and in which section, come
    from the roadmap snapshot (of the content revision read now when `fresh`).
    """
    snapshot = get_snapshot(fresh=fresh)
    memberships = snapshot.memberships_by_track
    statuses = queries.statuses(user)
    followed = queries.followed_track_ids(user)
    cards = []
    done = {milestone_id for milestone_id, status in statuses.items() if status == Status.DONE}
    for row in snapshot.completion(done):
        if track is not None and row.pk != track.pk:
            continue
        card = TrackCard(
            track=row,
            followed=row.pk in followed,
            shapes=snapshot.cards_by_track[row.pk],
            csrf_token=csrf_token,
        )
        rows = snapshot.section_rows_by_track.get(row.pk, {})
        for membership in memberships.get(row.pk, ()):
            section, weight = membership.section, membership.weight
            if not card.sections or card.sections[-1].section != section:
                card.sections.append(SectionProgress(section=section, row=rows[section.slug]))
            breakdown = card.sections[-1]
            breakdown.total_count += 1
            breakdown.total_weight += weight
            status = statuses.get(membership.milestone.id, Status.NOT_STARTED)
            if status == Status.DONE:
                breakdown.done_count += 1
                breakdown.done_weight += weight
            else:
                card.left.append(Left(membership, status))
        cards.append(card)
    return sorted(cards, key=lambda card: not card.followed)


@dataclass(frozen=True)
class Week:
    start: datetime.date
    count: int
    x: int = 0
    y: int = 0
    height: int = 0

    bar_width = CHART_BAR_WIDTH
    axis_label_y = CHART_TOP + CHART_PLOT_HEIGHT + CHART_AXIS_HEIGHT - 5

    @property
    def label_x(self):
        return self.x + CHART_BAR_WIDTH // 2

    @property
    def count_y(self):
        return self.y - 4

    @property
    def short_label(self):
        return f"{self.start.day} {self.start:%b}"

    @property
    def long_label(self):
        return f"{self.start.day} {self.start:%B %Y}"


@dataclass
class Activity:
    weeks: list[Week]
    streak: int

    width = WEEKS * (CHART_BAR_WIDTH + CHART_GAP)
    height = CHART_TOP + CHART_PLOT_HEIGHT + CHART_AXIS_HEIGHT
    baseline = CHART_TOP + CHART_PLOT_HEIGHT

    @property
    def streak_text(self):
        return f"{self.streak} week{'' if self.streak == 1 else 's'}"

    @property
    def total(self):
        return sum(week.count for week in self.weeks)

    @property
    def this_week(self):
        return self.weeks[-1]

    @property
    def bars_html(self):
        return mark_safe("".join(_render_week("week_bar", week) for week in self.weeks))  # noqa: S308

    @property
    def rows_html(self):
        return mark_safe("".join(_render_week("week_row", week) for week in self.weeks))  # noqa: S308


@functools.lru_cache(maxsize=4096)
def _render_week(partial, week):
    """A week's bar or table row: the same weeks (start, count, scale) recur for many learners,
    so each is rendered once. Weeks are immutable and their output depends on nothing else."""
    return render_to_string(f"{DASHBOARD}#{partial}", {"week": week}).strip()


def week_start(day):
    return day - datetime.timedelta(days=day.weekday())


def streak(active_weeks, *, current_week):
    """Consecutive weeks with a milestone done, counting back from this week.

    A week that has just begun without one yet doesn't break the streak: it then counts from last
    week.
    """
    week = current_week if current_week in active_weeks else current_week - datetime.timedelta(7)
    length = 0
    while week in active_weeks:
        length += 1
        week -= datetime.timedelta(7)
    return length


def activity(user, *, now=None):
    """Milestones done per week (Monday to Sunday in settings.TIME_ZONE), the last 12 weeks.

    One query: the user's done events, all of them, since a streak can be long; grouped by week
    here, so that weeks follow settings.TIME_ZONE the same way on every database.
    A milestone done twice in one week counts once; one archived since still counts, as the work
    was done.
    """
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    current_week = week_start(timezone.localdate(now or timezone.now(), timezone=zone))
    done_in_week = defaultdict(set)
    for at, milestone_id in queries.done_events(user):
        done_in_week[week_start(timezone.localtime(at, zone).date())].add(milestone_id)
    counts = {week: len(milestones) for week, milestones in done_in_week.items()}
    starts = [current_week - datetime.timedelta(weeks=n) for n in reversed(range(WEEKS))]
    tallest = max((counts.get(start, 0) for start in starts), default=0) or 1
    weeks = []
    for index, start in enumerate(starts):
        count = counts.get(start, 0)
        height = count * CHART_PLOT_HEIGHT // tallest
        weeks.append(
            Week(
                start=start,
                count=count,
                x=index * (CHART_BAR_WIDTH + CHART_GAP) + CHART_GAP // 2,
                y=CHART_TOP + CHART_PLOT_HEIGHT - height,
                height=height,
            )
        )
    return Activity(weeks=weeks, streak=streak(counts.keys(), current_week=current_week))


class DoneGroup(NamedTuple):
    section: object
    items: str


def public_done(done):
    """The done, active milestones (milestone id -> (completed at, evidence URL)) for the
    public page, grouped by section in roadmap order."""
    zone = timezone.get_current_timezone()
    groups = []
    for section in get_snapshot().sections:
        items = [
            milestone.public_item(*done[milestone.id], zone)
            for milestone in section.milestones
            if milestone.id in done
        ]
        if items:
            groups.append(DoneGroup(section, mark_safe("".join(items))))  # noqa: S308
    return groups


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    color: str

    height = BADGE_HEIGHT

    @property
    def label_text_width(self):
        return len(self.label) * BADGE_CHAR_WIDTH

    @property
    def message_text_width(self):
        return len(self.message) * BADGE_CHAR_WIDTH

    @property
    def label_width(self):
        return self.label_text_width + 2 * BADGE_PADDING

    @property
    def message_width(self):
        return self.message_text_width + 2 * BADGE_PADDING

    @property
    def width(self):
        return self.label_width + self.message_width

    @property
    def label_x(self):
        return self.label_width / 2

    @property
    def message_x(self):
        return self.label_width + self.message_width / 2


@functools.lru_cache(maxsize=1024)
def badge_svg(badge):
    """The badge as SVG: a badge is its label, message and colour, so each is rendered once."""
    return render_to_string("roadmap/badge.svg", {"badge": badge})


def badge(track):
    """A shields.io-style badge for a track annotated with completion."""
    return Badge(
        label=track.name,
        message=f"{track.percent} %",
        color="#176639" if track.percent == 100 else "#1f4e8c",
    )
