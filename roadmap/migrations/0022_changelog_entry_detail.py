"""Each changelog entry keeps what a learner's news says of it after the milestone's link, which
names it ("now takes about 6 h, was 4 h"): the news no longer takes the summary's sentence apart.
Entries made before are taken apart here, once, as the news did, by the milestone's title now."""

import re

from django.db import migrations, models

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
TOLD_AFTER_THE_LINK = (
    "edited",
    "weight_added",
    "weight_changed",
    "weight_removed",
    "resource_added",
    "resource_removed",
)


def without_title(summary, quoted):
    line = summary.removeprefix(f"{quoted} ").replace(f"; {quoted} ", "; ")
    renamed = re.fullmatch(
        rf"Renamed (“.*”) to {re.escape(quoted)}( and changed its description)?", line
    )
    if renamed:
        return f"Renamed from {renamed[1]}{renamed[2] or ''}"
    for said, short in (
        ("New resource for", "New resource"),
        ("Resource removed from", "Resource removed"),
    ):
        if line.startswith(f"{said} {quoted}: "):
            return short + line.removeprefix(f"{said} {quoted}")
    return "Changed the description" if line == f"Changed the description of {quoted}" else line


def fill_details(apps, schema_editor):
    ContentChange = apps.get_model("roadmap", "ContentChange")
    entries = ContentChange.objects.filter(
        kind__in=TOLD_AFTER_THE_LINK, milestone__isnull=False
    ).select_related("milestone")
    for entry in entries.iterator():
        title = " ".join(CONTROL_CHARACTERS.sub(" ", entry.milestone.title).split())
        entry.detail = without_title(entry.summary, f"“{title}”")
        entry.save(update_fields=["detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0021_changelog_order_of_one_save"),
    ]

    operations = [
        migrations.AddField(
            model_name="contentchange",
            name="detail",
            field=models.CharField(blank=True, editable=False, max_length=500),
        ),
        migrations.RunPython(fill_details, migrations.RunPython.noop, elidable=True),
    ]
