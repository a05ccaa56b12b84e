"""Stored addresses take their domain in one spelling (accounts.validators.one_spelling): as it
reads ("xn--mnchen-3ya.de", as mail writes it, is "münchen.de"). As in 0015, one the rule now
refuses is cleared (a domain Django's mail sent to another name: "straße.de" it sent to
"strasse.de"), and so is one that is then another account's (as the database compares them): its
learner logs in with their username and gives an address again on their profile."""

import unicodedata

import accounts.models
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Lower


def as_it_reads(address):
    """accounts.validators.one_spelling as it is today (a migration doesn't follow the app);
    "" for an address the rules refuse."""
    name, _, domain = address.rpartition("@")
    labels = "".join(map(str.lower, domain)).split(".")
    for i, label in enumerate(labels):
        try:
            read = label.encode().decode("idna") if label.isascii() else label
        except UnicodeError:
            continue
        if taken(f"{name}@{'.'.join([*labels[:i], read, *labels[i + 1 :]])}"):
            labels[i] = read
    address = f"{name}@{'.'.join(labels)}"
    return address if taken(address) else ""


def taken(address):
    try:
        validate_email(address)
        validate_mail_address(address)
    except ValidationError:
        return False
    return True


def validate_mail_address(address):
    """accounts.validators.validate_mail_address as it is today."""
    if '"' in address:
        raise ValidationError("quoted")
    if any(unicodedata.category(c) in {"Zs", "Zl", "Zp", "Cf", "Cc"} for c in address):
        raise ValidationError("invisible")
    if unicodedata.normalize("NFKC", address) != address:
        raise ValidationError("not plain")
    domain = address.rpartition("@")[2]
    sent = [sent_as(label) for label in domain.split(".")]
    try:
        domain.encode("idna")
    except UnicodeError:
        sent.append(None)
    if None in sent or ".".join(sent) != "".join(map(str.lower, domain)):
        raise ValidationError("sent elsewhere")


def sent_as(label):
    if label.isascii():
        return "".join(map(str.lower, label))
    try:
        return label.encode("idna").decode("idna")
    except UnicodeError:
        return None


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, stored in list(User.objects.exclude(email="").values_list("pk", "email")):
        address = as_it_reads(stored)
        others = User.objects.exclude(pk=pk).annotate(folded=Lower("email"))
        if address and address != stored and others.filter(folded=Lower(Value(address))).exists():
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
