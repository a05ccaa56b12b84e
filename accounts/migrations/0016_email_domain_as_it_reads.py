"""Stored addresses take their domain as it reads ("xn--mnchen-3ya.de", as mail writes it, is
"münchen.de"; accounts.models.UserManager.normalize_email), so that one mailbox has one spelling.
As in 0015, an address that is then another account's, or whose domain is no name at all, is
cleared: its learner logs in with their username and gives an address again on their profile."""

import accounts.models
from django.db import migrations


def as_it_reads(address):
    name, _, domain = address.rpartition("@")
    try:
        labels = [part.encode().decode("idna") if part.isascii() else part for part in domain.lower().split(".")]
    except UnicodeError:
        return ""
    return f"{name}@{'.'.join(labels)}"


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, stored in User.objects.filter(email__icontains="xn--").values_list("pk", "email"):
        address = as_it_reads(stored)
        if address and User.objects.filter(email__iexact=address).exclude(pk=pk).exists():
            address = ""
        if address != stored:
            User.objects.filter(pk=pk).update(email=address)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0015_tidy_email_addresses")]

    operations = [
        migrations.AlterModelManagers(
            name="user", managers=[("objects", accounts.models.UserManager())]
        ),
        migrations.RunPython(tidy, migrations.RunPython.noop),
    ]
