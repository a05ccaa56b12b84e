import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_display_name_one_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="hours_per_week",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="The hours a week you can give, from 1 to 80: your dashboard then says "
                "when you would finish each track.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(80),
                ],
                verbose_name="hours a week",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("hours_per_week__gte", 1), ("hours_per_week__lte", 80))
                | models.Q(("hours_per_week__isnull", True)),
                name="user_hours_per_week_1_to_80",
            ),
        ),
    ]
