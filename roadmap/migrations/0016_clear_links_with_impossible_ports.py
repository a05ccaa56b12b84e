"""Evidence links stored before the port rule (roadmap/validators.py): one whose port no address
can have (0, or past 65535) was a dead link, and a learner's own export could not be imported
back. It is cleared; the note and the status stay."""

from urllib.parse import urlsplit

from django.db import migrations


def possible(url):
    try:
        return urlsplit(url).port != 0
    except ValueError:
        return False


def clear(apps, schema_editor):
    rows = apps.get_model("roadmap", "Progress").objects
    with_port = rows.filter(evidence_url__regex=r"^[a-zA-Z]+://[^/?#]*:[0-9]")
    dead = [pk for pk, url in with_port.values_list("pk", "evidence_url") if not possible(url)]
    rows.filter(pk__in=dead).update(evidence_url="")


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0015_titles_that_show")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
