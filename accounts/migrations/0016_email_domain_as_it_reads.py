"""Stored addresses take their domain in one spelling (accounts.validators.one_spelling): as it
reads ("xn--mnchen-3ya.de", as mail writes it, is "münchen.de"), unless Django's mail would send
it to another name ("straße.de" it sends to "strasse.de": it is "xn--strae-oqa.de").
As in 0015, an address that is then another account's (as the database compares them) is cleared:
its learner logs in with their username and gives an address again on their profile."""

import accounts.models
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Lower


def one_spelling(domain):
    """accounts.validators.one_spelling as it is today (a migration doesn't follow the app)."""
    labels = []
    for label in domain.split("."):
        try:
            if label.isascii():
                label = label.encode().decode("idna")
            elif label.encode("idna").decode("idna") != label:
                label = "xn--" + label.encode("punycode").decode()
        except UnicodeError:
            pass
        labels.append(label)
    return ".".join(labels)


def as_it_reads(address):
    name, _, domain = address.rpartition("@")
    return f"{name}@{one_spelling(domain.lower())}"


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, stored in list(User.objects.exclude(email="").values_list("pk", "email")):
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
