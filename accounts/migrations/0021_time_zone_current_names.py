"""A time zone stored by an old name of its clock (Asia/Calcutta, Europe/Kiev: browsers still say
them, and the list offered them beside the current ones) takes the current name, the one the
list has now: the profile's list shows it chosen, and the admin can save the account."""

from django.db import migrations

from accounts.models import current_time_zone


def rename(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for zone in User.objects.exclude(time_zone="").values_list("time_zone", flat=True).distinct():
        current = current_time_zone(zone)
        if current and current != zone:
            User.objects.filter(time_zone=zone).update(time_zone=current)
        # A name no clock has any more stays: it reads as the site's, as before.


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0020_done_hidden_at"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
