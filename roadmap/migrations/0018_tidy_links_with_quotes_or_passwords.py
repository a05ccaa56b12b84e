"""Links stored before the rules for quotes, backslashes and user names (roadmap/validators.py).
A user name or password before a link's host (shown to everyone who sees the link) is dropped,
and quotes and angle brackets are percent-encoded: the same address. A learner's evidence link
with a backslash before its query (a browser reads its host one way, Python another), or too
long once encoded, is cleared (its note and status stay), as its export could not be imported
back; a resource's is kept as it is, for an editor to correct."""

import re
from urllib.parse import urlsplit, urlunsplit

from django.db import migrations
from django.db.models import F
from django.utils import timezone

URL_LENGTH = 500


def tidy(url, learners):
    if re.match(r"[^?#]*\\", url):  # a host and a password a browser and Python read apart
        return "" if learners else url
    parts = urlsplit(url)
    if "@" in parts.netloc:
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    encoded = url.replace('"', "%22").replace("<", "%3C").replace(">", "%3E")
    if len(encoded) <= URL_LENGTH:
        return encoded
    return "" if learners else url


def forwards(apps, schema_editor):
    for model, field, clear in (("Progress", "evidence_url", True), ("Resource", "url", False)):
        rows = apps.get_model("roadmap", model).objects
        for pk, url in rows.filter(**{f"{field}__regex": r'["<>@\\]'}).values_list("pk", field):
            tidied = tidy(url, clear)
            if tidied != url:
                rows.filter(pk=pk).update(**{field: tidied})
                if model == "Resource":  # the processes running read the roadmap again
                    revision = apps.get_model("roadmap", "Revision").objects
                    revision.update(number=F("number") + 1, changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0017_learner_dates_checked")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
