"""The roadmap as one human-readable YAML file: read, validate, load into the database, dump.

Loading upserts by slug inside one transaction, archives milestones the file no longer lists and
never deletes a learner's progress. Dumping writes active content only, so dump -> load -> dump is
stable byte for byte.
"""

from collections.abc import Hashable
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import changes
from .load_report import LoadReport
from .models import (
    MAX_ESTIMATED_HOURS,
    Milestone,
    Resource,
    Section,
    Status,
    Track,
    TrackMilestone,
)
from .snapshot import content_changed
from .validators import validate_anchor, validate_track_ids

DEFAULT_PATH = Path(__file__).resolve().parent / "content" / "roadmap.yaml"


class ContentError(Exception):
    """The file is not a valid roadmap; the message names the place."""


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: PyYAML keeps the last,
    and a second `slug:` made a section of its own, moving the first's milestones there."""

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # refused by the safe loader itself
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    problem=f"the key “{key}” is given twice", problem_mark=key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep)


def parse(text, source="roadmap file", existing=None, existing_tracks=frozenset()):
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{source}{where}: not valid YAML ({problem}).") from exc
    return validate(data, existing, existing_tracks)


def _mapping(value, place, required, optional=()):
    if not isinstance(value, dict):
        raise ContentError(f"{place}: expected a mapping with keys {', '.join(required)}.")
    missing = [key for key in required if key not in value]
    if missing:
        raise ContentError(f"{place}: missing {', '.join(missing)}.")
    unknown = [str(key) for key in value if key not in (*required, *optional)]
    if unknown:
        raise ContentError(f"{place}: unknown key {', '.join(unknown)}.")
    return value


def _list(value, place):
    if not isinstance(value, list):
        raise ContentError(f"{place}: expected a list.")
    return value


def _field(model, name, value, place):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ContentError(f"{place}.{name}: expected text, got {type(value).__name__}.")
    try:
        return model._meta.get_field(name).clean(value.strip(), None)
    except ValidationError as exc:
        raise ContentError(f"{place}.{name}: {' '.join(exc.messages)}") from exc


def _fields(model, raw, place, names):
    """The text fields `names` of the mapping `raw`, each cleaned by the model's field."""
    return {name: _field(model, name, raw.get(name), place) for name in names}


def _unique(slug, seen, place):
    if slug in seen:
        raise ContentError(f"{place}.slug: '{slug}' is used twice in the file.")
    seen.add(slug)


def _anchor(slug, seen, place, existing, kind):
    """A section's or milestone's (`kind`) slug: its place on the roadmap page (/#slug), one
    each. One the database has already for that kind is let through, as the admin does: slugs
    are fixed once saved. One the other kind has is refused, as there."""
    _unique(slug, seen, place)
    if slug not in existing.get(kind, ()):
        other = "milestone" if kind == "section" else "section"
        if slug in existing.get(other, ()):
            raise ContentError(
                f"{place}.slug: a {other} has the slug '{slug}', and each is a place of its own "
                f"on the roadmap page (/#{slug}): choose another."
            )
        _refuse(validate_anchor, slug, place)


def _refuse(validator, slug, place):
    try:
        validator(slug)
    except ValidationError as exc:
        raise ContentError(f"{place}.slug: {' '.join(exc.messages)}") from exc


def validate(data, existing=None, existing_tracks=frozenset()):
    """Check the whole structure and return it normalised; raise ContentError naming the place.
    `existing` are the sections' and milestones' slugs the database has (saved_anchors()),
    `existing_tracks` its tracks': the rules for new ones let them through."""
    existing = existing or {}
    root = _mapping(data, "top level", ("tracks", "sections"))
    result = {"tracks": [], "sections": []}
    track_slugs = set()
    for i, raw in enumerate(_list(root["tracks"], "tracks")):
        place = f"tracks[{i}]"
        _mapping(raw, place, ("slug", "name"), ("summary",))
        track = _fields(Track, raw, place, ("slug", "name", "summary"))
        if track["slug"] not in existing_tracks:
            _refuse(validate_track_ids, track["slug"], place)
        _unique(track["slug"], track_slugs, place)
        result["tracks"].append(track)

    anchors = set()  # the sections' and milestones' slugs
    for i, raw in enumerate(_list(root["sections"], "sections")):
        place = f"sections[{i}]"
        _mapping(raw, place, ("slug", "title", "milestones"), ("intro",))
        section = {**_fields(Section, raw, place, ("slug", "title", "intro")), "milestones": []}
        _anchor(section["slug"], anchors, place, existing, "section")
        for j, raw_milestone in enumerate(_list(raw["milestones"], f"{place}.milestones")):
            section["milestones"].append(
                _validate_milestone(
                    raw_milestone, f"{place}.milestones[{j}]", track_slugs, anchors, existing
                )
            )
        result["sections"].append(section)
    if not any(section["milestones"] for section in result["sections"]):
        raise ContentError("sections: no milestone in the file: loading it would archive them all.")
    return result


def _validate_milestone(raw, place, track_slugs, anchors, existing):
    _mapping(
        raw, place, ("slug", "title", "estimated_hours"), ("description", "resources", "tracks")
    )
    hours, slug = raw["estimated_hours"], _field(Milestone, "slug", raw.get("slug"), place)
    place = f"{place} ({slug})"  # each of its other fields' places names it
    milestone = {
        "slug": slug,
        **_fields(Milestone, raw, place, ("title", "description")),
        "estimated_hours": hours,
        "resources": [],
        "tracks": {},
    }
    _anchor(milestone["slug"], anchors, place, existing, "milestone")
    if type(hours) is not int or not 1 <= hours <= MAX_ESTIMATED_HOURS:
        raise ContentError(
            f"{place}.estimated_hours: must be a whole number of hours from 1 to "
            f"{MAX_ESTIMATED_HOURS}."
        )
    links = {}  # url -> the place of the resource that has it
    for k, raw_resource in enumerate(_list(raw.get("resources") or [], f"{place}.resources")):
        resource_place = f"{place}.resources[{k}]"
        _mapping(raw_resource, resource_place, ("title", "url"))
        resource = _fields(Resource, raw_resource, resource_place, ("title", "url"))
        if resource["url"] in links:
            raise ContentError(
                f"{resource_place}.url: the same link as resources[{links[resource['url']]}] "
                "(a milestone lists each link once)."
            )
        links[resource["url"]] = k
        milestone["resources"].append(resource)
    tracks = raw.get("tracks") or {}
    if not isinstance(tracks, dict):
        raise ContentError(f"{place}.tracks: expected a mapping of track slug to weight.")
    for slug, weight in tracks.items():
        if slug not in track_slugs:
            raise ContentError(f"{place}.tracks: unknown track '{slug}'.")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 5:
            raise ContentError(f"{place}.tracks.{slug}: weight must be a whole number from 1 to 5.")
        milestone["tracks"][slug] = weight
    return milestone


def _upsert(model, slug, values):
    """The row with this slug, made to hold `values`, and what that was: "created", "restored"
    (an archived milestone), "moved" (its position alone), "updated" or None."""
    obj = model.objects.filter(slug=slug).first()
    if obj is None:
        return model.objects.create(slug=slug, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, None
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    if "is_archived" in changed:
        return obj, "restored"
    return obj, "moved" if changed == ["position"] else "updated"


def _orders():
    """The slugs in their order now: tracks, sections, and each section's active milestones."""
    milestones = {}
    rows = Milestone.objects.active().order_by("position", "pk")
    for section, slug in rows.values_list("section__slug", "slug"):
        milestones.setdefault(section, []).append(slug)
    tracks = list(Track.objects.order_by("position", "pk").values_list("slug", flat=True))
    sections = list(Section.objects.order_by("position", "pk").values_list("slug", flat=True))
    return tracks, sections, milestones


def _reordered(was, now):
    """Whether the slugs in both `was` and `now` come in another order in `now`."""
    both = set(was) & set(now)
    return [slug for slug in was if slug in both] != [slug for slug in now if slug in both]


def _sync_resources(milestone, resources):
    current = [(r.title, r.url) for r in milestone.resources.all()]
    wanted = [(r["title"], r["url"]) for r in resources]
    if current == wanted:
        return False
    milestone.resources.all().delete()
    Resource.objects.bulk_create(
        Resource(milestone=milestone, title=title, url=url, position=position)
        for position, (title, url) in enumerate(wanted)
    )
    return True


def _sync_tracks(milestone, weights, tracks_by_slug):
    current = {m.track.slug: m.weight for m in milestone.memberships.select_related("track")}
    if current == weights:
        return False
    milestone.memberships.exclude(track__slug__in=weights).delete()
    for slug, weight in weights.items():
        if current.get(slug) != weight:
            TrackMilestone.objects.update_or_create(
                track=tracks_by_slug[slug], milestone=milestone, defaults={"weight": weight}
            )
    return True


@transaction.atomic
def load(content):
    """Make the database match validated content; return what changed."""
    report = LoadReport()
    changes.lock()  # first, as every writer of content: two loads at once take turns
    # The first load of a fresh install is the roadmap itself, not a change to it.
    before = changes.state() if Milestone.objects.exists() else None
    now = timezone.now()  # one change: its entries read in the order they are made
    tracks_by_slug, names = {}, dict(Track.objects.values_list("slug", "name"))
    tracks_were, sections_were, milestones_were = _orders()
    for position, track in enumerate(content["tracks"]):
        values = {"name": track["name"], "summary": track["summary"], "position": position}
        obj, change = _upsert(Track, track["slug"], values)
        report.note(change, "tracks", track["slug"])
        if change == "created" and before is not None:
            changes.record_new_track(obj, now)
        elif change == "updated":
            changes.record_renamed_track(obj, names[track["slug"]], now)
        tracks_by_slug[track["slug"]] = obj
    # A track the file no longer names may have followers: it stays, after the file's tracks
    # (it held a place among them), and the report names it.
    unlisted = Track.objects.exclude(slug__in=tracks_by_slug)
    for position, track in enumerate(unlisted, start=len(tracks_by_slug)):
        if track.position != position:
            track.position = position
            track.save(update_fields=["position"])
            report.note("moved", "tracks", track.slug)
        report.unlisted.append(track.slug)
    if _reordered(tracks_were, [track["slug"] for track in content["tracks"]]):
        report.reordered.append("tracks")
    if _reordered(sections_were, [section["slug"] for section in content["sections"]]):
        report.reordered.append("sections")

    listed = set()
    for section_position, section in enumerate(content["sections"]):
        values = {
            "title": section["title"],
            "intro": section["intro"],
            "position": section_position,
        }
        section_obj, change = _upsert(Section, section["slug"], values)
        report.note(change, "sections", section["slug"])
        listing = [milestone["slug"] for milestone in section["milestones"]]
        if _reordered(milestones_were.get(section["slug"], []), listing):
            report.reordered_in.append(section["slug"])
        for position, milestone in enumerate(section["milestones"]):
            listed.add(milestone["slug"])
            values = {
                "section": section_obj,
                "title": milestone["title"],
                "estimated_hours": milestone["estimated_hours"],
                "description": milestone["description"],
                "position": position,
                "is_archived": False,
            }
            obj, change = _upsert(Milestone, milestone["slug"], values)
            synced = _sync_resources(obj, milestone["resources"])
            synced |= _sync_tracks(obj, milestone["tracks"], tracks_by_slug)
            if synced and change in (None, "moved"):
                change = "updated"
            report.note(change, "milestones", milestone["slug"])

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
    sections = Section.objects.exclude(
        slug__in=[section["slug"] for section in content["sections"]]
    )
    report.unlisted_sections = list(sections.values_list("slug", flat=True))
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
