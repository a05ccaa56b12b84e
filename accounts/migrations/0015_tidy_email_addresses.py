"""Email addresses stored before today's rule (accounts/validators.py validate_mail_address):
spaces and invisible characters are removed, a quoted local part loses its quotes, and letters
take their plain form. One that is still no mailbox as written (no domain mail can reach, or
another account's address in another spelling) is cleared: its learner logs in with their
username and gives an address again on their profile. Otherwise the admin could not save the
account, not even to shut it out."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import migrations

UNSEEN = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def mailbox(address):
    """`address` as today's rule takes it, or "" when it can't be made one."""
    address = "".join(c for c in address if unicodedata.category(c) not in UNSEEN)
    address = unicodedata.normalize("NFKC", address)
    local, _, domain = address.rpartition("@")
    if len(local) > 1 and local[0] == local[-1] == '"':
        local = local[1:-1]
        address = f"{local}@{domain}"
    try:
        validate_email(address)
        domain.encode("idna")
    except (ValidationError, UnicodeError):
        return ""
    return "" if '"' in address else address


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, stored in User.objects.exclude(email="").values_list("pk", "email").iterator():
        address = mailbox(stored)
        if address and User.objects.filter(email__iexact=address).exclude(pk=pk).exists():
            address = ""
        if address != stored:
            User.objects.filter(pk=pk).update(email=address)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0014_email_one_mailbox")]

    operations = [migrations.RunPython(tidy, migrations.RunPython.noop)]
