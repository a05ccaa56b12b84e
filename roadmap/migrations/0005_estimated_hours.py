import django.core.validators
from django.db import migrations, models

# A middling milestone of the roadmap file; `load_roadmap` then sets each one's own estimate.
DEFAULT_HOURS = 6


def give_existing_milestones_an_estimate(apps, schema_editor):
    apps.get_model("roadmap", "Milestone").objects.filter(estimated_hours__isnull=True).update(
        estimated_hours=DEFAULT_HOURS
    )


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0004_note_and_link_validators"),
    ]

    operations = [
        migrations.AddField(
            model_name="milestone",
            name="estimated_hours",
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.RunPython(give_existing_milestones_an_estimate, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="milestone",
            name="estimated_hours",
            field=models.PositiveSmallIntegerField(
                help_text="About how many hours it takes, from 1 to 200.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(200),
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="milestone",
            constraint=models.CheckConstraint(
                condition=models.Q(("estimated_hours__gte", 1), ("estimated_hours__lte", 200)),
                name="milestone_estimated_hours_1_to_200",
            ),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="target_date",
            field=models.DateField(
                blank=True, help_text="When the learner means to have the track done.", null=True
            ),
        ),
    ]
