"""What the dashboard, the public page and the badge show, worked out from a learner's rows.

Every number comes from the roadmap snapshot's active milestones and weights and one read of the
learner's progress rows, the same way as on the roadmap page (`Snapshot.completion`), so the
headline, the breakdown and the chart always agree. `Track.objects.with_completion` is the
aggregate query they are checked against.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from . import focus, planner
from .models import Status
from .snapshot import done_ids

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
    done_count: int = 0
    total_count: int = 0
    done_weight: int = 0
    total_weight: int = 0


@dataclass(frozen=True)
class Left:
    """A milestone still between the learner and 100 % on a track (snapshot.Membership)."""

    membership: object
    status: str

    @property
    def milestone(self):
        return self.membership.milestone

    @property
    def weight(self):
        return self.membership.weight

    @property
    def next_item(self):
        return self.membership.next_item[self.status]

    @property
    def left_item(self):
        return self.membership.left_item[self.status]


@dataclass
class TrackCard:
    track: object  # snapshot.TrackCompletion
    sections: list[SectionProgress] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    plan: planner.Plan | None = None  # for a followed track
    only_followed: bool = False  # the one track followed: it can't be unfollowed

    @property
    def hours_left(self):
        return planner.hours_left(
            (item.milestone.estimated_hours, item.status) for item in self.left
        )

    @property
    def left_weight(self):
        return sum(item.weight for item in self.left)

    @property
    def next_up(self):
        return focus.next_up(self.left)


def track_cards(snapshot, own, followed_ids):
    """One card per track, followed tracks first, for a learner whose rows are `own`
    (milestone id -> row) and who follows the tracks `followed_ids`."""
    done = done_ids(own)
    memberships = {track.pk: track.memberships for track in snapshot.tracks}
    cards = []
    for completion in snapshot.completion(done, followed_ids):
        only = len(followed_ids) == 1 and completion.pk in followed_ids
        card = TrackCard(track=completion, only_followed=only)
        for membership in memberships[completion.pk]:
            if not card.sections or card.sections[-1].section != membership.section:
                card.sections.append(SectionProgress(section=membership.section))
            row = card.sections[-1]
            row.total_count += 1
            row.total_weight += membership.weight
            status = own.get(membership.milestone.id, focus.NOT_STARTED).status
            if status == Status.DONE:
                row.done_count += 1
                row.done_weight += membership.weight
            else:
                card.left.append(Left(membership, status))
        cards.append(card)
    return cards


def finished(snapshot, own):
    """(completed at, estimated hours) of each active milestone done in `own`."""
    return [
        (row.completed_at, snapshot.by_id[milestone_id].estimated_hours)
        for milestone_id, row in own.items()
        if row.status == Status.DONE and milestone_id in snapshot.by_id
    ]


def plan(cards, snapshot, own, *, user, targets, now=None):
    """Give each followed card its plan at the user's hours a week, target date for the track
    (`targets`: track id -> date or None) and pace of the last weeks."""
    now = now or timezone.now()
    pace = planner.recent_pace(finished(snapshot, own), now=now, since=user.date_joined)
    today = timezone.localdate(now)
    for card in cards:
        if card.track.followed:
            target = targets.get(card.track.pk)
            card.plan = planner.Plan(card.hours_left, today, user.hours_per_week, target, pace)
    return cards


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


@dataclass
class Activity:
    weeks: list[Week]
    streak: int

    width = WEEKS * (CHART_BAR_WIDTH + CHART_GAP)
    height = CHART_TOP + CHART_PLOT_HEIGHT + CHART_AXIS_HEIGHT
    baseline = CHART_TOP + CHART_PLOT_HEIGHT

    @property
    def total(self):
        return sum(week.count for week in self.weeks)

    @property
    def this_week(self):
        return self.weeks[-1]


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


def activity(snapshot, own, *, now=None):
    """Milestones done per week (Monday to Sunday in the learner's time zone), the last 12 weeks.

    Counts the active milestones that are done now, in the week of their completion date: a
    milestone ticked and then unticked counts nowhere, so the chart agrees with the done counts.
    """
    zone = timezone.get_current_timezone()
    current_week = week_start(timezone.localdate(now or timezone.now(), timezone=zone))
    counts = Counter(
        week_start(timezone.localtime(at, zone).date()) for at, _ in finished(snapshot, own)
    )
    starts = [current_week - datetime.timedelta(weeks=n) for n in reversed(range(WEEKS))]
    tallest = max(counts[start] for start in starts) or 1
    weeks = []
    for index, start in enumerate(starts):
        count = counts[start]
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


def public_done(snapshot, done):
    """The done, active milestones (milestone id -> (completed at, evidence URL)) for the
    public page: (section, [(milestone, completed at, evidence URL)]) in roadmap order."""
    groups = []
    for section in snapshot.sections:
        items = [(m, *done[m.id]) for m in section.milestones if m.id in done]
        if items:
            groups.append((section, items))
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


def badge(track):
    """A shields.io-style badge for a track with its completion."""
    if not track.total_count:
        return Badge(label=track.name, message="no milestones yet", color="#555")
    return Badge(
        label=track.name,
        message=f"{track.percent} %",
        color="#176639" if track.percent == 100 else "#1f4e8c",
    )


UNKNOWN_TRACK_BADGE = Badge(label="Next Steps", message="unknown track", color="#9f3a38")
NO_PAGE_BADGE = Badge(label="Next Steps", message="no public page", color="#9f3a38")
