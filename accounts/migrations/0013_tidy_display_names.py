"""Display names stored before the rules of 0012: a line or paragraph separator becomes a space,
and a name that shows nothing (only spaces, zero-width characters, fillers) is cleared, so the
username shows instead. Otherwise the learner's own export could not be imported back."""

import unicodedata

from django.db import migrations

FILLERS = "\u115f\u1160\u3164\uffa0\u2800"
UNSEEN = {"Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me"}


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, name in User.objects.exclude(display_name="").values_list("pk", "display_name"):
        tidied = name.replace("\u2028", " ").replace("\u2029", " ").strip()
        if all(c in FILLERS or unicodedata.category(c) in UNSEEN for c in tidied):
            tidied = ""
        if tidied != name:
            User.objects.filter(pk=pk).update(display_name=tidied)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_username_and_name_rules")]

    operations = [migrations.RunPython(tidy, migrations.RunPython.noop)]
