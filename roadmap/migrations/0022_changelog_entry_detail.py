"""Each changelog entry keeps what a learner's news says of it after the milestone's link, which
names it ("now takes about 6 h, was 4 h"): the news no longer takes the summary's sentence apart.
Entries made before are taken apart here, once, by the title the milestone had when each was
made: its title now, and before each rename (newest first) the title it was renamed from."""

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
    entries = ContentChange.objects.filter(milestone__isnull=False).select_related("milestone")
    titles = {}  # milestone id -> its title when the entries read so far were made
    for entry in entries.order_by("milestone", "-at", "-pk").iterator():
        if entry.milestone_id not in titles:
            now = entry.milestone.title
            titles[entry.milestone_id] = " ".join(CONTROL_CHARACTERS.sub(" ", now).split())
        quoted = f"“{titles[entry.milestone_id]}”"
        if entry.kind not in TOLD_AFTER_THE_LINK:
            continue
        entry.detail = without_title(entry.summary, quoted)
        entry.save(update_fields=["detail"])
        renamed = re.match(rf"Renamed “(.*)” to {re.escape(quoted)}", entry.summary)
        if renamed:  # the entries made before it say the title it had then
            titles[entry.milestone_id] = renamed[1]


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
