"""Entries of drafts (milestones added archived, never on the roadmap since) are marked as such:
the changelog, the feed and the news leave them out until the milestone is put on the roadmap.
A draft already deleted can't be told apart from any other deleted milestone: its entries stay."""

from django.db import migrations, models


def mark_drafts(apps, schema_editor):
    ContentChange = apps.get_model("roadmap", "ContentChange")
    Milestone = apps.get_model("roadmap", "Milestone")
    drafts = Milestone.objects.filter(is_archived=True, changes__kind="added").exclude(
        changes__kind__in=("archived", "unarchived")
    )
    ContentChange.objects.filter(milestone__in=drafts).update(draft=True)


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0019_untick_keeps_the_day_done"),
    ]

    operations = [
        migrations.AddField(
            model_name="contentchange",
            name="draft",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_drafts, migrations.RunPython.noop, elidable=True),
    ]
