"""The roadmap as one human-readable YAML file: load into the database (the file read and
validated by roadmap/content_checks.py first), and dump.

Loading upserts by slug inside one transaction, archives milestones the file no longer lists and
never deletes a learner's progress. Dumping writes active content only, so dump -> load -> dump is
stable byte for byte.
"""

from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from . import changes
from .content_checks import ContentError, parse
from .load_report import LoadReport
from .models import (
    Milestone,
    Resource,
    Section,
    Status,
    Track,
    TrackMilestone,
)
from .snapshot import content_changed

DEFAULT_PATH = Path(__file__).resolve().parent / "content" / "roadmap.yaml"


def _upsert(model, slug, values, saved):
    """The row with this slug (`saved`: the rows by slug), made to hold `values`, and the fields
    written ("slug": made)."""
    obj = saved.get(slug)
    if obj is None:
        return model.objects.create(slug=slug, **values), {"slug"}
    changed = {name for name, value in values.items() if getattr(obj, name) != value}
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)  # none: not saved
    return obj, changed


def _said(changed, synced=False):
    """What the report says of a row whose `changed` fields were written (and its resources or
    weights, when `synced`): "created", or some of "restored", "updated", "moved" (its place)."""
    if "slug" in changed:
        return ["created"]
    said = ["restored"] if "is_archived" in changed else []
    if synced or changed - {"position", "is_archived"}:
        return [*said, "updated"]
    return [*said, "moved"] if "position" in changed else said


def _orders():
    """The slugs in their order now: the sections, and each section's active milestones."""
    milestones = {}
    rows = Milestone.objects.active().order_by("position", "pk")
    for section, slug in rows.values_list("section__slug", "slug"):
        milestones.setdefault(section, []).append(slug)
    sections = list(Section.objects.order_by("position", "pk").values_list("slug", flat=True))
    return sections, milestones


def _reordered(was, now):
    """Whether the slugs in both `was` and `now` come in another order in `now`."""
    both = set(was) & set(now)
    return [slug for slug in was if slug in both] != [slug for slug in now if slug in both]


def _sync_resources(milestone, resources, new):
    """Make the milestone's resources the file's (`new`: it was just made, and has none)."""
    current = [] if new else [(r.title, r.url) for r in milestone.resources.all()]  # prefetched
    wanted = [(r["title"], r["url"]) for r in resources]
    if current == wanted:
        return False
    if current:
        milestone.resources.all().delete()
    Resource.objects.bulk_create(
        Resource(milestone=milestone, title=title, url=url, position=position)
        for position, (title, url) in enumerate(wanted)
    )
    return True


def _sync_tracks(milestone, weights, tracks_by_slug, new):
    """Make what the milestone counts toward the file's (`new`: it was just made)."""
    current = {} if new else {m.track.slug: m.weight for m in milestone.memberships.all()}
    if current == weights:
        return False
    if current.keys() - weights.keys():
        milestone.memberships.exclude(track__slug__in=weights).delete()
    TrackMilestone.objects.bulk_create(
        TrackMilestone(track=tracks_by_slug[slug], milestone=milestone, weight=weight)
        for slug, weight in weights.items()
        if slug not in current
    )
    for slug, weight in weights.items():
        if slug in current and current[slug] != weight:
            milestone.memberships.filter(track=tracks_by_slug[slug]).update(weight=weight)
    return True


@transaction.atomic
def load(content):
    """Make the database match validated content; return what changed."""
    report = LoadReport()
    changes.lock()  # first, as every writer of content: two loads at once take turns
    # The first load of a fresh install is the roadmap itself, not a change to it.
    before = changes.state() if Milestone.objects.exists() else None
    now = timezone.now()  # one change: its entries read in the order they are made
    saved_tracks = {track.slug: track for track in Track.objects.all()}  # in their order
    tracks_by_slug, names = {}, {slug: track.name for slug, track in saved_tracks.items()}
    saved_sections = Section.objects.in_bulk(field_name="slug")
    titles = {slug: section.title for slug, section in saved_sections.items()}
    # Each milestone with what is compared below: no query of its own when nothing changed.
    weights = Prefetch("memberships", TrackMilestone.objects.select_related("track"))
    saved_milestones = Milestone.objects.prefetch_related("resources", weights).in_bulk(
        field_name="slug"
    )
    sections_were, milestones_were = _orders()
    in_file = [section["slug"] for section in content["sections"]]
    for position, track in enumerate(content["tracks"]):
        values = {"name": track["name"], "summary": track["summary"], "position": position}
        obj, changed = _upsert(Track, track["slug"], values, saved_tracks)
        report.note(_said(changed), "tracks", track["slug"])
        if "slug" in changed and before is not None:
            changes.record_new_track(obj, now)
        elif "name" in changed:
            changes.record_renamed(obj, names[track["slug"]], now)
        tracks_by_slug[track["slug"]] = obj
    # A track the file no longer names may have followers: it stays, after the file's tracks
    # (it held a place among them), and the report names it.
    unlisted = Track.objects.exclude(slug__in=tracks_by_slug)
    for position, track in enumerate(unlisted, start=len(tracks_by_slug)):
        if track.position != position:
            track.position = position
            track.save(update_fields=["position"])
            report.note(["moved"], "tracks", track.slug)
        report.unlisted.append(track.slug)
    if _reordered(list(names), [track["slug"] for track in content["tracks"]]):
        report.reordered.append("tracks")
    if _reordered(sections_were, in_file):
        report.reordered.append("sections")
    # Kept, as a track is: the file's own are all made or updated below.
    report.unlisted_sections = [slug for slug in sections_were if slug not in in_file]

    listed = set()
    for section_position, section in enumerate(content["sections"]):
        values = {
            "title": section["title"],
            "intro": section["intro"],
            "position": section_position,
        }
        section_obj, changed = _upsert(Section, section["slug"], values, saved_sections)
        if "title" in changed and "slug" not in changed:
            changes.record_renamed(section_obj, titles[section["slug"]], now)
        report.note(_said(changed), "sections", section["slug"])
        listing = [milestone["slug"] for milestone in section["milestones"]]
        if _reordered(milestones_were.get(section["slug"], []), listing):
            report.reordered_in.append(section["slug"])
        for position, milestone in enumerate(section["milestones"]):
            listed.add(milestone["slug"])
            values = {
                "section_id": section_obj.pk,
                "title": milestone["title"],
                "estimated_hours": milestone["estimated_hours"],
                "description": milestone["description"],
                "position": position,
                "is_archived": False,
            }
            obj, changed = _upsert(Milestone, milestone["slug"], values, saved_milestones)
            new = "slug" in changed
            synced = _sync_resources(obj, milestone["resources"], new)
            synced |= _sync_tracks(obj, milestone["tracks"], tracks_by_slug, new)
            report.note(_said(changed, synced), "milestones", milestone["slug"])

    stale = Milestone.objects.active().exclude(slug__in=listed)
    started = Count("progress", filter=~Q(progress__status=Status.NOT_STARTED))
    counted = sorted(stale.annotate(n=started).values_list("slug", "n", "title"))
    report.archived = [slug for slug, *_ in counted]
    report.held = {slug: n for slug, n, _ in counted if n}
    # A slug renamed in the file reads as one milestone archived and one new of its title.
    new = report.created["milestones"]
    titles = {m["title"]: m["slug"] for s in content["sections"] for m in s["milestones"]}
    report.alike = [
        (old, titles[title]) for old, n, title in counted if n and titles.get(title) in new
    ]
    stale.update(is_archived=True)
    if report.changed:
        if before is not None:
            changes.record(before, changes.state(), now)
        content_changed()
    return report


def dump():
    """The active roadmap as plain data, in the file's shape and order."""
    return {
        "tracks": [
            {"slug": t.slug, "name": t.name, "summary": t.summary} for t in Track.objects.all()
        ],
        "sections": [
            {
                "slug": s.slug,
                "title": s.title,
                "intro": s.intro,
                "milestones": [
                    {
                        "slug": m.slug,
                        "title": m.title,
                        "estimated_hours": m.estimated_hours,
                        "description": m.description,
                        "resources": [{"title": r.title, "url": r.url} for r in m.resources.all()],
                        "tracks": {tm.track.slug: tm.weight for tm in m.memberships.all()},
                    }
                    for m in s.active_milestones
                ],
            }
            for s in Section.objects.with_active_milestones()
        ],
    }


def to_yaml(data):
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def load_file(path=DEFAULT_PATH):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot be read ({exc}).") from exc
    tracks = set(Track.objects.values_list("slug", flat=True))
    return load(parse(text, str(path), saved_anchors(), tracks))


def saved_anchors():
    """The sections' and milestones' slugs the database has: fixed once saved, whatever the
    rules for new ones (validate_anchor, as validate_track_ids for the tracks')."""
    return {
        "section": set(Section.objects.values_list("slug", flat=True)),
        "milestone": set(Milestone.objects.values_list("slug", flat=True)),
    }
