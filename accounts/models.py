from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, blank=True, help_text="Shown instead of your username where set."
    )
    public_profile = models.BooleanField(
        "public progress page",
        default=False,
        help_text="Anyone can see your track percentages and finished milestones at /u/you/.",
    )

    def __str__(self):
        return self.display_name or self.username


class Session(AbstractBaseSession):
    """A database session that also names its user (Django's documented way to extend the
    database session engine): a request reads its session and user in one query, and deleting
    an account ends its sessions. No database constraint: the column is written from the
    session's data, which may briefly outlive an account; deletions cascade in the ORM."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions.db import SessionStore

        return SessionStore
