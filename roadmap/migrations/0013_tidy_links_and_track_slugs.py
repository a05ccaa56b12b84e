"""Links, names and a track slug stored before today's rules (roadmap/validators.py,
accounts/validators.py): direction formatting is removed from evidence and resource links and from
the names and titles of tracks, sections, milestones and resources, and a track whose slug is
"all" (which /?track=all can't focus on) gets another. Otherwise a learner's own export could not
be imported back, nor the roadmap's dump loaded."""

from functools import reduce
from operator import or_

from django.db import migrations
from django.db.models import Q

DIRECTION_CHARACTERS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def tidy(apps, schema_editor):
    for model, field in (
        ("Progress", "evidence_url"),
        ("Resource", "url"),
        ("Resource", "title"),
        ("Track", "name"),
        ("Section", "title"),
        ("Milestone", "title"),
    ):
        rows = apps.get_model("roadmap", model).objects
        turned = reduce(or_, (Q(**{f"{field}__contains": c}) for c in DIRECTION_CHARACTERS))
        for pk, text in rows.filter(turned).values_list("pk", field).iterator():
            tidied = text.translate(dict.fromkeys(map(ord, DIRECTION_CHARACTERS)))
            rows.filter(pk=pk).update(**{field: tidied})
    tracks = apps.get_model("roadmap", "Track").objects
    if tracks.filter(slug="all").exists():
        slug, n = "all-track", 1
        while tracks.filter(slug=slug).exists():
            n += 1
            slug = f"all-track-{n}"
        tracks.filter(slug="all").update(slug=slug)


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0012_track_slug_not_all")]

    operations = [migrations.RunPython(tidy, migrations.RunPython.noop)]
