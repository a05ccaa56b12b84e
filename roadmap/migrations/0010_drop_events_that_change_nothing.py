"""History events from a status to the same one: a tick never records one, but imports before
this took them from a file. They are no change, so they go (imports now leave them out)."""

from django.db import migrations
from django.db.models import F


def drop(apps, schema_editor):
    ProgressEvent = apps.get_model("roadmap", "ProgressEvent")
    ProgressEvent.objects.filter(from_status=F("to_status")).delete()


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0009_milestone_order_by_section")]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
