"""A learner's pace plan: hours left on a track, when it would be done, what a target date needs.

Pure functions of the milestones' estimates and the learner's statuses and dates; the dashboard
feeds them what it has already read (roadmap/dashboard.py).
"""

import datetime
import math
from dataclasses import dataclass
from fractions import Fraction

from accounts.models import MAX_HOURS_PER_WEEK

from .models import Status

PACE_WEEKS = 4
MIN_HISTORY_WEEKS = 2


def hours_left(milestones):
    """The estimates of the milestones not done, from (estimated hours, status) pairs: one in
    progress counts half."""
    weight = {Status.NOT_STARTED: 1, Status.IN_PROGRESS: 0.5, Status.DONE: 0}
    return sum(hours * weight[status] for hours, status in milestones)


def finish_date(hours, per_week, today):
    """The day `hours` of work are done at `per_week` hours a week, starting today. In exact
    fractions: a pace of 4⅓ h a week, rounded in floating point, made a whole day one day more."""
    return today + datetime.timedelta(days=math.ceil(Fraction(hours) * 7 / per_week))


def needed_per_week(hours, today, target):
    """Whole hours a week that get `hours` done by `target`; None once the target is past."""
    days = (target - today).days
    return math.ceil(hours * 7 / days) if days > 0 else None


@dataclass(frozen=True)
class Pace:
    """Hours a week of milestones finished over the last `weeks` weeks."""

    weeks: int
    hours_per_week: Fraction


def recent_pace(finished, *, now, since):
    """The pace of the last PACE_WEEKS weeks (fewer if the history is shorter) from `finished`,
    (completed at, estimated hours) pairs; None with less than MIN_HISTORY_WEEKS of history,
    which starts at `since` or the first completion if that is earlier."""
    start = min([since, *(at for at, _ in finished)])
    weeks = min(PACE_WEEKS, (now - start).days // 7)
    if weeks < MIN_HISTORY_WEEKS:
        return None
    window = now - datetime.timedelta(weeks=weeks)
    # One later than now counts too: an imported file's times may be local ones read as UTC.
    return Pace(weeks, Fraction(sum(hours for at, hours in finished if window < at), weeks))


@dataclass(frozen=True)
class Plan:
    """One followed track's numbers, at the hours a week the learner gives (`per_week`, or None)
    and at their real `pace` (or None)."""

    hours_left: float
    today: datetime.date
    per_week: int | None = None
    target: datetime.date | None = None
    pace: Pace | None = None

    @property
    def finish(self):
        """None with no plan, or nothing left to finish."""
        if self.per_week and self.hours_left:
            return finish_date(self.hours_left, self.per_week, self.today)
        return None

    @property
    def weeks_left(self):
        """The weeks `finish` falls within, said as "within": a target that many weeks ahead
        needs no more hours a week than the plan has, one a week sooner does."""
        return math.ceil((self.finish - self.today).days / 7) if self.finish else None

    @property
    def needed(self):
        return needed_per_week(self.hours_left, self.today, self.target) if self.target else None

    @property
    def beyond_plan(self):
        """The hours a week the target needs on top of the plan's (0 within it), or None."""
        if self.needed is None or not self.per_week:
            return None
        return max(self.needed - self.per_week, 0)

    @property
    def out_of_reach(self):
        """The target needs more hours a week than a plan can have."""
        return self.needed is not None and self.needed > MAX_HOURS_PER_WEEK

    @property
    def pace_finish(self):
        if self.pace and self.pace.hours_per_week:
            return finish_date(self.hours_left, self.pace.hours_per_week, self.today)
        return None
