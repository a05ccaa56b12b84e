"""Stored addresses take their domain as it reads ("xn--mnchen-3ya.de", as mail writes it, is
"münchen.de"; accounts.models.UserManager.normalize_email), so that one mailbox has one spelling.
One whose domain Python can't read back (a name of newer rules, "xn--strae-oqa.de") stays as it is.
As in 0015, an address that is then another account's (as the database compares them) is cleared:
its learner logs in with their username and gives an address again on their profile."""

import accounts.models
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Lower


def as_it_reads(address):
    name, _, domain = address.rpartition("@")
    try:
        labels = [part.encode().decode("idna") if part.isascii() else part for part in domain.lower().split(".")]
    except UnicodeError:
        return address
    return f"{name}@{'.'.join(labels)}"


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, stored in User.objects.filter(email__icontains="xn--").values_list("pk", "email"):
        address = as_it_reads(stored)
        others = User.objects.exclude(pk=pk).annotate(folded=Lower("email"))
        if address != stored and others.filter(folded=Lower(Value(address))).exists():
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
