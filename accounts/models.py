from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .validators import validate_one_line


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80,
        blank=True,
        validators=[validate_one_line],
        help_text="Shown instead of your username where set.",
    )
    public_profile = models.BooleanField(
        "public progress page",
        default=False,
        help_text="Anyone can see your track percentages and finished milestones on your "
        "public page.",
    )
    hide_done = models.BooleanField(
        "hide done milestones",
        default=False,
        help_text="Leave the milestones you have done out of the roadmap page.",
    )

    # Recorded at most once an hour, so that reading a page rarely writes.
    last_visit_at = models.DateTimeField("last visit", null=True, blank=True)
    # Roadmap changes after this are shown to the learner until they dismiss them.
    changes_seen_at = models.DateTimeField("roadmap changes seen until", default=timezone.now)

    def __str__(self):
        return self.display_name or self.username
