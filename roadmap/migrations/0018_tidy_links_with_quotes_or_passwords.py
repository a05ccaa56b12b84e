"""Links stored before the rules for quotes and user names (roadmap/validators.py): a learner's
evidence link or a resource's link with " < or > has them percent-encoded, the same address; one
with a user name or password before its host (shown to everyone who sees the link) loses them.
A learner's export could otherwise not be imported back."""

from urllib.parse import urlsplit, urlunsplit

from django.db import migrations

URL_LENGTH = 500


def tidy(url):
    url = url.replace('"', "%22").replace("<", "%3C").replace(">", "%3E")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return url


def forwards(apps, schema_editor):
    for model, field in (("Progress", "evidence_url"), ("Resource", "url")):
        rows = apps.get_model("roadmap", model).objects
        for pk, url in rows.filter(**{f"{field}__regex": r'["<>@]'}).values_list("pk", field):
            tidied = tidy(url)
            if tidied != url and len(tidied) <= URL_LENGTH:
                rows.filter(pk=pk).update(**{field: tidied})


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0017_learner_dates_checked")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
