"""Links stored before the rules for quotes and user names (roadmap/validators.py). A user name or
password before a link's host (shown to everyone who sees the link) is dropped. Quotes and angle
brackets are percent-encoded and backslashes made slashes: the same address, as a browser reads
it. A learner's evidence link too long for that is cleared (its note and status stay), as its
export could not be imported back; a resource's keeps them, for an editor to correct."""

from urllib.parse import urlsplit, urlunsplit

from django.db import migrations
from django.db.models import F
from django.utils import timezone

URL_LENGTH = 500


def without_userinfo(url):
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def tidy(url, clear_if_too_long):
    url = without_userinfo(url.replace("\\", "/"))  # as a browser reads it
    encoded = url.replace('"', "%22").replace("<", "%3C").replace(">", "%3E")
    if len(encoded) <= URL_LENGTH:
        return encoded
    return "" if clear_if_too_long else url


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
