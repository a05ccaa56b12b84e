"""The roadmap's changelog, recorded as the content changes.

Every writer of content (the admin, `load_roadmap`) takes the `state()` of the milestones it is
about to touch, writes, and hands before and after to `record()` in the same transaction: one
ContentChange row for each thing a learner would notice (a milestone added, edited, given another
effort estimate, moved to another section, archived, back or deleted; a track weight added,
changed or removed; a resource added, removed, renamed or given a new link; a track added,
renamed or deleted; a section renamed). Each row keeps how it moved every track's total
weight, so that a learner can be told how far their percentage moved. An entry, once written,
stays as it is: a learner who dismissed it is never told it again, and the feed's link to it
keeps its place. Only a draft's entries go, unread, when it is put on the roadmap.
"""

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.validators import CONTROL_CHARACTERS

from .models import (
    SUMMARY_LENGTH,
    ContentChange,
    Milestone,
    Resource,
    Revision,
    Track,
    TrackMilestone,
)

Kind = ContentChange.Kind


@dataclass(frozen=True)
class State:
    """A milestone's content as learners see it."""

    title: str = ""
    description: str = ""
    archived: bool = False
    resources: tuple = ()  # (title, url) pairs
    weights: dict = field(default_factory=dict)  # track id -> weight
    hours: int = 0  # the effort estimate
    section: tuple = (None, "", "")  # (id, title, slug) of its section
    draft: bool = False  # added archived, never on the roadmap yet


NEW = State()


def lock():
    """Take the content lock (the revision's row) for the rest of this transaction. Every writer
    of content takes it before it reads or writes anything: writers take turns from reading
    `before` to their commit, so two at once can't both record one change, nor deadlock over
    the rows each wrote first (on PostgreSQL; SQLite's transactions take turns anyway). Out of
    a transaction it is refused on SQLite too, as PostgreSQL refuses it."""
    if transaction.get_autocommit():
        raise transaction.TransactionManagementError("The content lock is held by a transaction.")
    if not list(Revision.objects.select_for_update().values_list("pk", flat=True)):
        # No row to lock (a database flushed since migration 0003 made it): made, then locked.
        Revision.objects.get_or_create(pk=1)
        list(Revision.objects.select_for_update().values_list("pk", flat=True))


def is_draft():
    """Whether a milestone (the row of the query it goes in) is a draft: added archived and never
    on the roadmap since, as its entries say."""
    return Exists(ContentChange.objects.filter(milestone=OuterRef("pk"), draft=True))


def state(ids=None):
    """{milestone id: State} of the milestones `ids` (every one when None), under the content
    lock: four queries (whether each is a draft is read with its row)."""
    lock()
    milestones, resources, memberships = Milestone.objects, Resource.objects, TrackMilestone.objects
    if ids is not None:
        milestones = milestones.filter(pk__in=ids)
        resources = resources.filter(milestone__in=ids)
        memberships = memberships.filter(milestone__in=ids)
    links = defaultdict(list)
    for pk, title, url in resources.order_by("position", "pk").values_list(
        "milestone_id", "title", "url"
    ):
        links[pk].append((title, url))
    weights = defaultdict(dict)
    for pk, track, weight in memberships.values_list("milestone_id", "track_id", "weight"):
        weights[pk][track] = weight
    fields = ("pk", "title", "description", "is_archived", "estimated_hours", "draft")
    rows = (
        milestones.order_by("pk")
        .annotate(draft=is_draft())
        .values_list(*fields, "section", "section__title", "section__slug")
    )
    return {
        pk: State(
            title, description, archived, tuple(links[pk]), weights[pk], hours, section, draft
        )
        for pk, title, description, archived, hours, draft, *section in rows
    }


def record(before, after, now=None):
    """Write the changes from `before` to `after` (two `state()`s) to the changelog, made `now`;
    a milestone in `before` alone was deleted."""
    now, tracks = now or timezone.now(), {}
    if any(before.get(pk, NEW).weights != new.weights for pk, new in after.items()):
        tracks = dict(Track.objects.values_list("pk", "name"))
    rows, shown = [], []
    for pk, new in after.items():
        old = before.get(pk)
        # A draft stays one while archived; put on the roadmap, it is shown.
        draft = new.archived and (old is None or old.draft)
        if old and old.draft and not new.archived:
            shown.append(pk)
        rows += _changes(pk, old, new, tracks, now, draft=draft, first_shown=pk in shown)
    for pk in before.keys() - after.keys():
        rows.append(_deleted(before[pk], now))
    # What editors did to a draft before it was on the roadmap (a working title, say) was no
    # learner's news: its entries go, and "Put … on the roadmap for the first time" says it all.
    ContentChange.objects.filter(milestone__in=shown, draft=True).delete()
    ContentChange.objects.bulk_create(rows)


def record_new_track(track, now=None):
    """A career track added (`now`): learners are told of it, to focus on or follow."""
    summary = f"Added the track “{one_line(track.name)}”"
    at = now or timezone.now()
    ContentChange.objects.create(kind=Kind.TRACK_ADDED, track=track, summary=summary, at=at)


def record_renamed(item, was, now=None):
    """A track or a section given a new name (it was `was`): the changelog links the two names,
    which its older entries and learners' files speak of. A name only spaced otherwise is no
    rename, nor is a section's with no milestone on the roadmap (learners don't see it)."""
    old, new = one_line(was), one_line(str(item))
    track = item if isinstance(item, Track) else None
    if old == new or (track is None and not item.milestones.filter(is_archived=False).exists()):
        return
    ContentChange.objects.create(
        kind=Kind.TRACK_RENAMED if track else Kind.SECTION_RENAMED,
        track=track,
        summary=f"Renamed the {'track' if track else 'section'} “{old}” to “{new}”",
        at=now or timezone.now(),
        before={"name": old} if track else None,  # for the news of those who follow it
    )


def record_deleted_tracks(tracks):
    """One entry for each deleted track, given as (name, how many milestones counted toward
    it). Only a track nobody follows can be deleted: no learner's percentage moved, so it is no
    news."""
    now = timezone.now()
    ContentChange.objects.bulk_create(
        ContentChange(
            kind=Kind.TRACK_DELETED,
            summary=f"Deleted the track “{one_line(name)}”: "
            + (f"{count} milestone{pluralize(count)}" if count else "no milestone")
            + " counted toward it",
            at=now,
        )
        for name, count in tracks
    )


def _changes(pk, old, new, tracks, now, *, draft=False, first_shown=False):
    title = one_line(new.title)
    rows = []

    def add(kind, summary, track=None, points=None, *, detail="", before=None):
        rows.append(
            ContentChange(
                kind=kind,
                milestone_id=pk,
                track_id=track,
                summary=clipped(summary),
                detail=clipped(detail),
                points=points or {},
                before=before,
                at=now,
                draft=draft,
            )
        )

    def edit(kind, detail, track=None, points=None, before=None):
        """An entry whose summary is the title, then what changed ("now takes about 6 h")."""
        add(kind, f"“{title}” {detail}", track, points, detail=detail, before=before)

    if old is None:
        archived = ", archived: not on the roadmap yet" if new.archived else ""
        add(Kind.ADDED, f"Added “{title}”{archived}")
        old = NEW
    elif old.archived != new.archived:
        # Every weight it has comes in (or goes out) with it.
        sign = -1 if new.archived else 1
        weights = old.weights if new.archived else new.weights
        points = {str(track): sign * weight for track, weight in weights.items()}
        if first_shown:  # a draft, now on the roadmap for the first time: new, not back,
            # and as it is now: what it was as a draft (a working title, say) is no news.
            add(Kind.ADDED, f"Put “{title}” on the roadmap for the first time", points=points)
            return rows
        if new.archived:
            add(Kind.ARCHIVED, f"Archived “{title}”", points=points)
        else:
            add(Kind.UNARCHIVED, f"Brought back “{title}”", points=points)
    # Titles as a page shows them: a second space between two words is no rename.
    if old is not NEW and (was_titled := one_line(old.title)) != title:
        summary, detail = f"Renamed “{was_titled}” to “{title}”", f"Renamed from “{was_titled}”"
        add(Kind.EDITED, summary, detail=detail, before={"title": was_titled})
    if old is not NEW and old.description != new.description:
        summary, detail = f"Changed the description of “{title}”", "New description"
        add(Kind.EDITED, summary, detail=detail, before={"description": digest(old.description)})
    # Into another section (load_roadmap keeps a renamed section's row: that is no move).
    if old is not NEW and old.section[0] != new.section[0]:
        left, went = one_line(old.section[1]), one_line(new.section[1])
        edit(Kind.EDITED, f"moved from “{left}” to “{went}”", before={"section": old.section[2]})
    if old is not NEW and old.hours != new.hours:
        edit(Kind.EDITED, hours_changed(new.hours, old.hours), before={"hours": old.hours})
    active = not old.archived and not new.archived
    for track in sorted(old.weights.keys() | new.weights.keys()):
        was, weight = old.weights.get(track), new.weights.get(track)
        if was == weight:
            continue
        name = one_line(tracks.get(track, "a track"))
        points = {str(track): (weight or 0) - (was or 0)} if active else {}
        kind = Kind.WEIGHT_CHANGED
        if was is None:
            kind = Kind.WEIGHT_ADDED
        elif weight is None:
            kind = Kind.WEIGHT_REMOVED
        edit(kind, weight_changed(name, weight, was), track, points, {"weight": was})
    # Resources by title as a page shows it; each entry keeps how it moved them.
    had, has = (Counter((one_line(n), url) for n, url in s.resources) for s in (old, new))
    for change in resource_changes(had, has):
        before = {"resources": change.moves}
        if change.kind == Kind.EDITED:
            edit(Kind.EDITED, change.detail, before=before)
        else:
            said = (
                "New resource for"
                if change.kind == Kind.RESOURCE_ADDED
                else "Resource removed from"
            )
            add(
                change.kind, f"{said} “{title}”: {change.name}", detail=change.detail, before=before
            )
    return rows


class ResourceChange(NamedTuple):
    kind: str
    name: str  # the resource's title (its new one, renamed)
    detail: str  # what the news says of it, after the milestone's link
    moves: list  # [title, url, -1 or +1]: the (title, url) pairs it took away and added


def resource_changes(had, has):
    """The ResourceChanges that take a milestone's resources from `had` to `has` (Counters of
    (title, url) pairs), one for each a learner would tell: a link kept under a new title is
    the resource renamed, a title kept with a new link the resource linked anew; the rest were
    added or removed."""
    gained, lost = list((has - had).elements()), list((had - has).elements())
    found = []
    for (was, url), (name, _) in _paired(gained, lost, by=1):
        moves = [[was, url, -1], [name, url, 1]]
        found.append(
            ResourceChange(Kind.EDITED, name, f"now lists its resource “{was}” as “{name}”", moves)
        )
    for (name, url), (_, new_url) in _paired(gained, lost, by=0):
        moves = [[name, url, -1], [name, new_url, 1]]
        detail = f"now links its resource “{name}” to a new address"
        found.append(ResourceChange(Kind.EDITED, name, detail, moves))
    for name, url in gained:
        found.append(
            ResourceChange(Kind.RESOURCE_ADDED, name, f"New resource: {name}", [[name, url, 1]])
        )
    for name, url in lost:
        detail = f"Resource removed: {name}"
        found.append(ResourceChange(Kind.RESOURCE_REMOVED, name, detail, [[name, url, -1]]))
    return found


def _paired(gained, lost, by):
    """The (lost, gained) pairs of the same title (by=0) or link (by=1), taken out of both."""
    pairs = []
    for new in list(gained):
        old = next((old for old in lost if old[by] == new[by]), None)
        if old is not None:
            gained.remove(new)
            lost.remove(old)
            pairs.append((old, new))
    return pairs


def weight_changed(name, now, was):
    """What a weight's entry says of it (and the news of several, in one, by the name now)."""
    if was is None:
        return f"counts {now} of 5 toward {name}"
    if now is None:
        return f"no longer counts toward {name}"
    return f"counts {now} of 5 toward {name}, was {was}"


def hours_changed(now, was):
    """What an estimate's entry says of it (and the news of several, in one)."""
    return f"now takes about {now} h, was {was} h"


def digest(text):
    """What a description's entry keeps of the text it replaced: whether it is back is news."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _deleted(old, now):
    """A deleted milestone: its weights go with it, unless it was archived already."""
    points = {} if old.archived else {str(track): -w for track, w in old.weights.items()}
    summary = f"Deleted “{one_line(old.title)}”"
    return ContentChange(kind=Kind.DELETED, summary=summary, points=points, at=now, draft=old.draft)


def quoted_title(summary):
    """The title in an entry of a milestone added, archived or deleted ("Added “…”",
    "Archived “…”", "Deleted “…”"): all that is left of a deleted milestone in its entries,
    whose link went with it."""
    return summary[summary.find("“") + 1 : summary.rfind("”")]


def clipped(summary):
    """The summary as an entry holds it: three long titles are more (cut by characters as
    stored, not as shown: Django's Truncator counts a combining mark as nothing)."""
    if len(summary) <= SUMMARY_LENGTH:
        return summary
    return summary[: SUMMARY_LENGTH - 1] + "…"


# Characters that show nothing, even at the ends of a title (a paste brings them along). Not the
# direction marks: they place the punctuation of right-to-left text.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Of those, the ones with nothing to do inside a title either (the joiners join emoji and
# letters, a soft hyphen places a break): a zero-width space, a word joiner, a byte-order mark.
NOTHING_INSIDE = str.maketrans("", "", "\u200b\u2060\ufeff")


def one_line(text):
    """Text on one line without control characters, whatever was stored before, nor characters
    that show nothing at its ends or anywhere: a title with one more of those is no rename."""
    text = CONTROL_CHARACTERS.sub(" ", text).translate(NOTHING_INSIDE)
    return " ".join(text.split()).strip(ZERO_WIDTH).strip()
