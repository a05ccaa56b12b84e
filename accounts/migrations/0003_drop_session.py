from django.db import migrations


def move_sessions(apps, schema_editor):
    """Sessions go back to Django's own table, so that nobody is logged out by the upgrade."""
    Old = apps.get_model("accounts", "Session")
    New = apps.get_model("sessions", "Session")
    New.objects.bulk_create(
        (
            New(session_key=s.session_key, session_data=s.session_data, expire_date=s.expire_date)
            for s in Old.objects.iterator()
        ),
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_session"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(move_sessions, migrations.RunPython.noop),
        migrations.DeleteModel(name="Session"),
    ]
