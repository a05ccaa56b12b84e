"""Display names stored before today's rules (accounts/validators.py): a control character, a line
or paragraph separator becomes a space, a direction override is removed, and a name that shows
nothing (only spaces, zero-width characters, fillers) is cleared, so the username shows instead.
Otherwise the learner's own export could not be imported back."""

import re
import unicodedata

from django.db import migrations

NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff\u2028\u2029]")
DIRECTION_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069]")
FILLERS = "\u115f\u1160\u3164\uffa0\u2800"
UNSEEN = {"Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me"}


def tidy(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    names = User.objects.exclude(display_name="").values_list("pk", "display_name")
    for pk, name in names.iterator():
        tidied = NOT_IN_A_LINE.sub(" ", DIRECTION_CHARACTERS.sub("", name)).strip()
        if all(c in FILLERS or unicodedata.category(c) in UNSEEN for c in tidied):
            tidied = ""
        if tidied != name:
            User.objects.filter(pk=pk).update(display_name=tidied)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_username_and_name_rules")]

    operations = [migrations.RunPython(tidy, migrations.RunPython.noop)]
