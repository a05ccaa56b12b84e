"""The roadmap file's checks: read as YAML, and validated as a whole before anything is loaded
(roadmap/content.py), each refusal naming its place in the file."""

from collections.abc import Hashable

import yaml
from django.core.exceptions import ValidationError

from .models import MAX_ESTIMATED_HOURS, Milestone, Resource, Section, Track
from .validators import validate_anchor, validate_track_ids


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
