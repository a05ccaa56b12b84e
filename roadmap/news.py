"""What changed in the roadmap since a learner last caught up, and when they last came.

The roadmap and the dashboard tell a learner of the changes made after their `changes_seen_at`
until they dismiss them, which moves the mark. The snapshot knows when the latest change was
made, so a learner who is up to date costs no query.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from . import changes
from .models import ContentChange, Status, percent
from .snapshot import done_ids

VISIT_EVERY = timedelta(hours=1)
Kind = ContentChange.Kind
WEIGHTS = (Kind.WEIGHT_ADDED, Kind.WEIGHT_CHANGED, Kind.WEIGHT_REMOVED)
NEW, BACK, CHANGED = "new", "back", "changed"


def note_visit(user):
    """Record a learner's visit at most once an hour; of two requests at once, one writes."""
    now = timezone.now()
    if user.last_visit_at and user.last_visit_at > now - VISIT_EVERY:
        return
    stale = Q(last_visit_at__isnull=True) | Q(last_visit_at__lte=now - VISIT_EVERY)
    get_user_model().objects.filter(stale, pk=user.pk).update(last_visit_at=now)


def mark_seen(user, until):
    """The learner dismissed the changes shown, made up to `until`: the mark moves there, never
    past now and never backwards. Not to now: a change is timed when it is recorded, before its
    transaction commits, so one that was not yet visible may be older than this moment."""
    now = timezone.now()
    mark = min(until, now)
    if mark <= user.changes_seen_at:  # also keeps dates the database can't hold out of it
        return
    mark = mark.astimezone(UTC)  # PostgreSQL holds offsets up to ±15:59, ISO 8601 to ±23:59
    get_user_model().objects.filter(pk=user.pk, changes_seen_at__lt=mark).update(
        changes_seen_at=mark, changes_dismissed_at=now
    )


@dataclass(frozen=True)
class Moved:
    """A followed track whose percentage the changes moved, for what the learner has done now."""

    name: str
    by: int  # percentage points, up or down

    @property
    def points(self):
        return abs(self.by)


@dataclass(frozen=True)
class News:
    since: object  # when the learner last caught up (dismissed), or their first mark
    until: object  # the latest change told of: what dismissing marks as seen
    new: tuple  # MilestoneEntry added since, on the roadmap, in roadmap order
    back: tuple  # (MilestoneEntry, its other changes' summaries) of those brought back since
    changed: tuple  # (MilestoneEntry, its changes' summaries) of those otherwise changed since
    archived: tuple  # titles of milestones archived since
    kept: tuple  # those of them the learner has progress, a note or a link on
    toward: tuple  # (track name, how many of the new milestones count toward it), followed
    other_new: int  # how many of the new milestones count toward none of the followed tracks
    moved: tuple  # Moved
    tags: dict = field(default_factory=dict)  # milestone id -> NEW, BACK or CHANGED
    new_tracks: tuple = ()  # TrackEntry added since, still on the roadmap
    renamed_tracks: tuple = ()  # (name at the mark, TrackEntry, followed?) of tracks renamed
    deleted: tuple = ()  # titles of milestones deleted since


def since_mark(user, snapshot, own, followed):
    """The News for a learner with the progress rows `own` (milestone id -> row) who follows
    `followed` (track ids), or None: one query, only when the snapshot knows of a change after
    their mark."""
    mark = user.changes_seen_at
    if snapshot.latest_change is None or snapshot.latest_change <= mark:
        return None
    done = done_ids(own)
    # None the snapshot doesn't hold (made since it was read): told on a later page, and not
    # marked seen by dismissing this one.
    rows = ContentChange.objects.filter(draft=False, at__gt=mark, pk__lte=snapshot.last_change_id)
    rows = rows.order_by("at", "pk")
    added, archived, first_archival, said, new_tracks, deleted = set(), {}, {}, {}, {}, {}
    renamed = {}  # track id -> (its name at the mark, when it was first renamed since)
    added_gone = set()  # titles of milestones added since and deleted since
    total, done_points = Counter(), Counter()
    until = mark
    first_change, first_move = {}, {}  # milestone id, track id -> when its first change was made
    for kind, pk, track_id, title, points, at, summary, line, before in rows.values_list(
        "kind",
        "milestone_id",
        "track_id",
        "milestone__title",
        "points",
        "at",
        "summary",
        "detail",
        "before",
    ):
        until = max(until, at)
        if kind == Kind.TRACK_ADDED:
            new_tracks.setdefault(track_id, at)
        elif kind == Kind.TRACK_RENAMED and before:
            renamed.setdefault(track_id, (before["name"], at))
        for track, moved in points.items():
            total[int(track)] += moved
            done_points[int(track)] += moved if pk in done else 0
            first_move.setdefault(int(track), at)
        # Deleted since (its entries lost their link) and on the roadmap at the mark: deleted
        # while it counted, or archived since (one archived before the mark was told of then),
        # and not one added since.
        if pk is None and (kind == Kind.ARCHIVED or (kind == Kind.DELETED and points)):
            deleted.setdefault(changes.quoted_title(summary), at)
        elif pk is None and kind == Kind.ADDED:
            added_gone.add(changes.quoted_title(summary))
        # A weight toward a track deleted since says nothing true any more.
        toward_a_deleted_track = kind in WEIGHTS and track_id is None
        if pk is None or toward_a_deleted_track:
            continue
        first_change.setdefault(pk, at)
        if kind == Kind.ADDED:
            added.add(pk)
        elif kind in (Kind.ARCHIVED, Kind.UNARCHIVED):
            first_archival.setdefault(pk, kind)
            # On the roadmap at the mark, or added since and seen: ticked or written on.
            seen = pk not in added or (pk in own and has_something(own[pk]))
            if kind == Kind.ARCHIVED and first_archival[pk] == kind and seen:
                archived[pk] = title
        else:
            said.setdefault(pk, []).append(Edit.of(line, track_id, before))
    said = as_it_is_now(said, snapshot)
    # Back: archived at the mark (its first such change since is its return). One archived and
    # brought back since was on the roadmap all along: only its other edits are news.
    returned = {pk for pk, kind in first_archival.items() if kind == Kind.UNARCHIVED} - added
    touched = added | returned | said.keys()
    shown = [m for s in snapshot.sections for m in s.milestones if m.id in touched]
    new = tuple(m for m in shown if m.id in added)
    mine = [track for track in snapshot.tracks if track.pk in followed]
    moved, told = [], [first_change[m.id] for m in shown]
    for track in mine:
        now = track.completion(done)
        was_total = now.total_weight - total[track.pk]
        before = percent(now.done_weight - done_points[track.pk], was_total)
        # No milestone counting toward it then, or now: it had no percentage to move from (to).
        if was_total and now.total_weight and before != now.percent:
            moved.append(Moved(track.name, now.percent - before))
            told.append(first_move[track.pk])
    back = tuple((m, said.get(m.id, ())) for m in shown if m.id in returned)
    changed = tuple((m, said[m.id]) for m in shown if m.id not in added and m.id not in returned)
    archived = {pk: t for pk, t in archived.items() if pk not in snapshot.by_id}
    # Those the learner had ticked or written on: kept, on their data page.
    kept = tuple(t for pk, t in archived.items() if pk in own and has_something(own[pk]))
    told += [first_change[pk] for pk in archived]
    tracks = tuple(t for t in snapshot.tracks if t.pk in new_tracks)  # not deleted since
    # Deleted, and one of its title added since (its file loaded again): one milestone, new.
    added_gone |= {changes.one_line(m.title) for m in new}
    deleted = {title: at for title, at in deleted.items() if title not in added_gone}
    told += [new_tracks[t.pk] for t in tracks] + list(deleted.values())
    renamed_tracks = tuple(
        (renamed[t.pk][0], t, t.pk in followed)
        for t in snapshot.tracks
        if t.pk in renamed
        and t.pk not in new_tracks
        and changes.one_line(t.name) != renamed[t.pk][0]  # not renamed back
    )
    told += [renamed[t.pk][1] for _, t, _ in renamed_tracks]
    if not told:
        return None
    # Since they last dismissed the news, unless a change told of here was made before that
    # (while the page they dismissed was open): then since the mark.
    dismissed = user.changes_dismissed_at
    return News(
        since=dismissed if dismissed and dismissed <= min(told) else mark,
        until=until,
        new=new,
        back=back,
        changed=changed,
        archived=tuple(archived.values()),
        kept=kept,
        toward=tuple(
            (t.name, count) for t in mine if (count := sum(m.id in t.weights for m in new))
        ),
        other_new=sum(not any(m.id in t.weights for t in mine) for m in new) if mine else 0,
        moved=tuple(moved),
        tags={m.id: NEW if m.id in added else BACK if m.id in returned else CHANGED for m in shown},
        new_tracks=tracks,
        renamed_tracks=renamed_tracks,
        deleted=tuple(deleted),
    )


class Edit(NamedTuple):
    """One edit of a milestone since the mark: its line, what it changed (`aspect`: "title",
    "description", "hours", "section", ("weight", track id) or "resources") and how that was
    before it (its resources: the (title, url, -1 or +1) moves it made)."""

    line: str
    aspect: tuple | None  # None: an entry from before the changelog kept what it changed
    before: object

    @classmethod
    def of(cls, line, track_id, before):
        if not before:
            return cls(line, None, None)
        ((aspect, value),) = before.items()
        if aspect == "resource":  # as entries kept it before renames were told: one title's
            name, links = value
            aspect, value = "resources", [[name, url, move] for url, move in links]
        if aspect == "resources":
            return cls(line, (aspect,), tuple(tuple(move) for move in value))
        return cls(line, (aspect, track_id) if aspect == "weight" else (aspect,), value)


def as_it_is_now(said, snapshot):
    """The lines to say of each milestone (id -> its Edits, oldest first), as it is now: of
    each title, description, hours, section, weight or the resources, the edits on the way from how
    it was at the mark to how it is now, without the detours (one put back as it was is news
    of nothing). Renamed from the title it has now, it was news of nothing."""
    kept = {}
    names = {track.pk: changes.one_line(track.name) for track in snapshot.tracks}
    for pk, edits in said.items():
        m = snapshot.by_id.get(pk)
        if m is None or any(edit.aspect is None for edit in edits):
            told = [edit.line for edit in edits]  # not shown, or told step by step
        else:
            told = the_way(edits, now_of(m, snapshot), names)
        lines = []
        for line in told:  # oldest first; a line made again said once
            if lines[-1:] != [line]:
                lines.append(line)
        if lines:
            kept[pk] = lines
    return kept


def now_of(m, snapshot):
    """How each thing an edit may change is now on the milestone `m` (aspect -> value)."""
    section = next(s.slug for s in snapshot.sections if m in s.milestones)
    now = {
        ("title",): changes.one_line(m.title),
        ("description",): changes.digest(m.description),
        ("hours",): m.estimated_hours,
        ("section",): section,
    }
    return now | {("weight", track): weight for track, _, weight in m.weights}


def the_way(edits, now, names):
    """The lines of the edits (oldest first) that lead from how each thing was at the mark to
    how it is `now`: an edit that makes a thing as it was before an edit on the way closes a
    loop, and the loop's edits are left out; several left of a title, description, estimate
    or weight are said in one (a weight by its track's name now). The resources are told as
    they differ from the mark's, at their first edit's place: renamed, linked anew, added,
    removed."""
    ways = defaultdict(list)  # aspect -> the indexes of its edits
    for n, edit in enumerate(edits):
        ways[edit.aspect].append(n)
    kept = {}  # index of an edit on the way -> its lines
    for aspect, steps in ways.items():
        if aspect == ("resources",):
            moved = Counter()
            for n in steps:
                for title, url, move in edits[n].before:
                    moved[title, url] += move
            had = Counter({pair: -count for pair, count in moved.items() if count < 0})
            has = Counter({pair: count for pair, count in moved.items() if count > 0})
            kept[steps[0]] = [change.detail for change in changes.resource_changes(had, has)]
            continue
        values = [edits[n].before for n in steps] + [now.get(aspect)]
        way = []  # places in `steps` of the edits on the way
        for place in range(len(steps)):
            way.append(place)
            back_to = next((i for i, k in enumerate(way) if values[k] == values[place + 1]), None)
            if back_to is not None:
                del way[back_to:]
        way = [steps[place] for place in way]
        if way and aspect[0] == "weight" and aspect[1] in names:  # by the track's name now
            was, weight = edits[way[0]].before, now.get(aspect)
            kept[way[0]] = [changes.weight_changed(names[aspect[1]], weight, was)]
        elif len(way) > 1 and aspect[0] in SAID_ONCE:  # from how it was at the mark to now
            kept[way[0]] = [SAID_ONCE[aspect[0]](edits[way[0]], now.get(aspect))]
        else:
            kept.update((n, [edits[n].line]) for n in way)
    return [line for n in sorted(kept) for line in kept[n]]


# The edits of a title, a description or an estimate on the way, said in one: "now takes about
# 9 h, was 8 h; now takes about 12 h, was 9 h" was one estimate, from 8 h to 12 h.
SAID_ONCE = {
    "title": lambda first, now: first.line,  # renamed from the title at the mark
    "description": lambda first, now: first.line,
    "hours": lambda first, now: changes.hours_changed(now, first.before),
}


def has_something(row):
    """A progress row with something of the learner's: a status, a note or an evidence link."""
    return row.status != Status.NOT_STARTED or bool(row.note or row.evidence_url)
