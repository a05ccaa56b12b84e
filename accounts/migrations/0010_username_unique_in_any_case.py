import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_names_alike(apps, schema_editor):
    """Stop with the names, rather than the database's bare refusal, where two accounts' usernames
    differ only in case (two sign-ups at once could make them until now)."""
    User = apps.get_model("accounts", "User")
    lowered = User.objects.annotate(lowered=Lower("username"))
    alike = lowered.values("lowered").annotate(count=Count("pk")).filter(count__gt=1)
    names = sorted(lowered.filter(lowered__in=alike.values("lowered")).values_list("username", flat=True))
    if names:
        raise RuntimeError(
            "These accounts' usernames differ only in case: "
            + ", ".join(names)
            + ". Rename all but one of each (manage.py shell), then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_public_page_help'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.RunPython(refuse_names_alike, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('username'), name='user_username_unique_in_any_case', violation_error_message='A user with that username already exists.'),
        ),
    ]
