"""Which milestones the roadmap page shows: all of them, or those of the tracks in focus.

`/?track=<slug>` focuses on one track, `/?track=all` on none; without it a learner sees the
tracks they follow and a visitor everything. A done milestone is shown collapsed, or not at all
when the learner hides what's done; for JUST_DONE after its tick it is shown open, hidden or
not, to untick a slip (on the page a tick without JavaScript comes back to, or after a reload).
"""

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import NamedTuple

from django.utils import timezone

from .models import Status
from .validators import ALL_TRACKS as ALL

NEXT_UP = 3
JUST_DONE = timedelta(minutes=10)


@dataclass(frozen=True)
class Mark:
    """A learner's progress on a milestone without a row of theirs (or as a public page shows
    it): a status and nothing else."""

    status: str
    completed_at: object = None
    note: str = ""
    evidence_url: str = ""


NOT_STARTED = Mark(Status.NOT_STARTED)
DONE = Mark(Status.DONE)


@dataclass(frozen=True)
class Focus:
    slug: str  # a track's slug, ALL, or "" for the learner's own tracks
    tracks: tuple  # snapshot.TrackEntry in focus; empty for the whole roadmap
    gaps: bool = False  # the map's numbers have gaps: milestones it leaves out

    @property
    def track(self):
        """The one track in focus, whose weights each milestone then shows."""
        return self.tracks[0] if len(self.tracks) == 1 else None

    def includes(self, milestone_id):
        return not self.tracks or any(milestone_id in t.weights for t in self.tracks)


def choose(param, snapshot, followed_ids):
    """The focus asked for by `?track=` (`param`, None when absent); None for an unknown track."""
    if param == ALL:
        return Focus(ALL, ())
    if param is not None:
        tracks = tuple(t for t in snapshot.tracks if t.slug == param)
        if not tracks:
            return None
    else:
        tracks = tuple(t for t in snapshot.tracks if t.pk in followed_ids)
    chosen = Focus(param or "", tracks)
    shown = (
        [m for m in section.milestones if chosen.includes(m.id)] for section in snapshot.sections
    )
    return replace(chosen, gaps=any(m.number != n for part in shown for n, m in enumerate(part, 1)))


@dataclass(frozen=True)
class Shown:
    """A milestone as the page shows it: the learner's row (`mine`, None for a visitor), the
    weight toward the track in focus (None unless one track is), its node on the map and
    whether it is new or changed since the learner last caught up."""

    milestone: object
    mine: object
    weight: int | None = None
    map_node: str = ""
    tag: str = ""
    hidden: bool = False  # hideable, not just done, and the learner hides what's done
    just_done: bool = False  # done within JUST_DONE: shown open
    hideable: bool = False  # done, without news (whose link leads to it): what "hide done" hides
    counts_toward: str = ""  # the tracks it counts toward, but the one in focus

    @property
    def status(self):
        return self.mine.status if self.mine else Status.NOT_STARTED


class Part(NamedTuple):
    """A section of the roadmap page and its milestones in focus."""

    section: object  # snapshot.SectionEntry
    items: list  # Shown

    @property
    def all_hidden(self):
        return all(item.hidden for item in self.items)


def sections(
    snapshot,
    focus,
    own,
    *,
    learner=True,
    hide_done=False,
    hidden_since=None,
    public=False,
    tags=None,
    show=None,
):
    """[Part] of the milestones in focus, sections without any left out; `own`
    is the learner's rows by milestone id (a visitor has none, and `learner` False). The map's
    nodes are the snapshot's, for each status, for the roadmap page or a `public` one; `tags`
    are the news's (milestone id -> "new" or "changed"), whose milestones `hide_done` keeps, as
    the one a link led to (`show`, its id). One done before the learner asked to hide what's
    done (`hidden_since`) is hidden, just done or not: the button seemed to do nothing."""
    tags, track, shown = tags or {}, focus.track, []
    now = timezone.now()
    for section in snapshot.sections:
        milestones = []
        for m in section.milestones:
            if focus.includes(m.id):
                mine = own.get(m.id, NOT_STARTED) if learner else None
                status = mine.status if mine else Status.NOT_STARTED
                at = mine and mine.completed_at
                # Not one dated after now (a file's local time read as UTC): it stayed open a day.
                just_done = status == Status.DONE and not public and bool(at)
                just_done = just_done and now - JUST_DONE < at <= now
                # Ticked before the learner asked to hide what's done: hidden with the rest.
                just_done = just_done and not (hide_done and hidden_since and at <= hidden_since)
                hideable = status == Status.DONE and m.id not in tags
                hidden = hide_done and hideable and not just_done and m.id != show
                node = "hidden" if hidden else status
                weight = track.weights[m.id] if track else None
                map_node = m.map_nodes[("public", node) if public else node]
                tag = tags.get(m.id, "")
                # A weight an editor committed between the snapshot's two reads is the track's
                # only, until the next request reads the new revision.
                counts = m.counts_toward.get(track.pk if track else None, "")
                shown_as = Shown(
                    m, mine, weight, map_node, tag, hidden, just_done, hideable, counts
                )
                milestones.append(shown_as)
        if milestones:
            shown.append(Part(section, milestones))
    return shown


def next_up(items):
    """What to work on next among `items` (anything with a status): the ones not done, started
    first, then in the order given."""
    left = [item for item in items if item.status != Status.DONE]
    return sorted(left, key=lambda item: item.status != Status.IN_PROGRESS)[:NEXT_UP]
