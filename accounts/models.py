import functools
import hashlib
import importlib.resources

from django.contrib.auth import models as auth_models
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone

from .validators import (
    one_spelling,
    validate_mail_address,
    validate_one_line,
    validate_username,
    validate_visible,
)

MAX_HOURS_PER_WEEK = 80


UTC = ("Etc/UTC", "Etc/GMT")  # the clocks the list calls UTC


@functools.cache
def _zones():
    """The clocks a learner can choose, and the other names of theirs that are no place of the
    list, from the pinned tzdata package (the same on every machine, read once): zone.tab's,
    each region's clock by its current name (Asia/Kolkata, Europe/Kyiv; Oslo and Berlin, one
    clock, are two regions), and tzdata.zi's links to them from names they had (Asia/Calcutta,
    Europe/Kiev), which browsers may still say, and to UTC (Etc/UTC, GMT, Zulu)."""
    data = importlib.resources.files("tzdata") / "zoneinfo"
    rows = [line.split("\t") for line in (data / "zone.tab").read_text().splitlines()]
    places = sorted(row[2] for row in rows if len(row) > 2 and not row[0].startswith("#"))
    lines = (data / "tzdata.zi").read_text().splitlines()
    links = [line.split()[1:] for line in lines if line.startswith("L ")]  # L current other
    known = {*places, "UTC"}
    other = {old: "UTC" if now in UTC else now for now, old in links if old not in known}
    other |= dict.fromkeys(UTC, "UTC")
    return places, {old: now for old, now in other.items() if now in known}


@functools.cache
def time_zone_choices():
    """The time zones a learner can choose: a clock per region, and UTC."""
    return [(name, name.replace("_", " ")) for name in _zones()[0]] + [("UTC", "UTC")]


@functools.cache
def time_zone_names():
    return frozenset(name for name, _ in time_zone_choices())


def is_time_zone(name):
    """Whether `name` is one of time_zone_choices()."""
    return name in time_zone_names()


def other_time_zone_names():
    """The other names of the list's clocks, each with the list's (Asia/Calcutta: Kolkata)."""
    return _zones()[1]


def current_time_zone(name):
    """`name` as time_zone_choices() has it (a clock's other name by the list's), or "": every
    check of a stored or sent one, and every read of a stored one (a later tzdata may take a
    name out of the list)."""
    return name if is_time_zone(name) else _zones()[1].get(name, "")


class UserManager(auth_models.UserManager):
    @classmethod
    def normalize_email(cls, email):
        """Django's (the domain in lower case), with the domain in one spelling, a label at a
        time (validators.one_spelling): one mailbox, one account."""
        name, at, domain = (email or "").strip().rpartition("@")
        return one_spelling(f"{name}@{domain}") if at else super().normalize_email(email)

    def in_any_case(self, field, value):
        """The accounts whose `field` is `value` in any case, as the database's rules compare
        usernames and addresses (one account each; SQLite folds only ASCII letters). A value
        holding a NUL names none: no account holds one, and PostgreSQL refuses to compare it."""
        if "\x00" in value:
            return self.none()
        return self.alias(folded=Lower(field)).filter(folded=Lower(Value(value)))

    def named(self, username):
        """The account of `username` in any case: one can't sign up as "Ada" once "ada" exists."""
        return self.in_any_case("username", username)

    def get_by_natural_key(self, username):
        """What a login finds (ModelBackend): the account named so in any case."""
        return self.named(username).get()


class User(AbstractUser):
    username = models.CharField(  # Django's, with the public page's own rule
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.",
        validators=[AbstractUser.username_validator, validate_username],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField(  # Django's, as one mailbox mail can reach
        "email address", blank=True, validators=[validate_mail_address]
    )
    display_name = models.CharField(
        max_length=80,
        blank=True,
        validators=[validate_one_line, validate_visible],
        help_text="Shown instead of your username where set.",
    )
    public_profile = models.BooleanField(
        "public progress page",
        default=False,
        help_text="Anyone can see your track percentages and the milestones you have done, "
        "with their evidence links, on your public page. Your notes stay private.",
    )
    hide_done = models.BooleanField(
        "hide done milestones",
        default=False,
        help_text="Leave the milestones you have done out of the roadmap page.",
    )
    # When the learner last asked to hide what's done: those ticked before it go at once, and
    # one ticked since stays in sight a while, to untick a slip (roadmap/focus.py).
    done_hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    hours_per_week = models.PositiveSmallIntegerField(
        "hours a week",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS_PER_WEEK)],
        help_text=f"The hours a week you can give, from 1 to {MAX_HOURS_PER_WEEK}: your "
        "dashboard then says when you would finish each track.",
    )

    time_zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        choices=time_zone_choices,
        help_text="The days your milestones were done on, the weeks of your activity and "
        "streak, and “today” for your plan follow it.",
    )

    objects = UserManager()

    # Recorded at most once an hour, so that reading a page rarely writes.
    last_visit_at = models.DateTimeField("last visit", null=True, blank=True)
    # Roadmap changes after this are shown to the learner until they dismiss them.
    changes_seen_at = models.DateTimeField("roadmap changes seen until", default=timezone.now)
    # When they last dismissed them: what the next news counts from, as the learner knows it.
    changes_dismissed_at = models.DateTimeField("roadmap changes dismissed", null=True, blank=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=1, hours_per_week__lte=MAX_HOURS_PER_WEEK)
                | Q(hours_per_week__isnull=True),
                name="user_hours_per_week_1_to_80",
            ),
            # One account an address, whatever its case: the sign-up form checks first, and this
            # holds when two sign-ups arrive at once. Accounts an administrator made without
            # an address don't collide.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_unique_in_any_case",
                violation_error_message="An account already uses this email address.",
            ),
            # The same for a username: Django's forms refuse "ada" once "Ada" exists.
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_unique_in_any_case",
                violation_error_message="A user with that username already exists.",
            ),
        ]

    def __str__(self):
        return self.username  # as Django's: the account itself, wherever staff read it (admin)

    @property
    def shown_name(self):
        """What the site calls the learner: their display name where they set one."""
        return self.display_name or self.username

    @property
    def time_zone_label(self):
        """The learner's own time zone in effect, as the profile's list names it ("America/New
        York"), or "" (the site's: none chosen, or one the time zone data has dropped)."""
        return current_time_zone(self.time_zone).replace("_", " ")

    def save(self, *args, **kwargs):
        # A user read from the database is only ever updated, never inserted again: a request
        # that saves the account as it is being deleted (from another tab) must not bring it back.
        # Its save then fails, and accounts.middleware.DeletedAccountMiddleware answers.
        if not self._state.adding and self.pk is not None and not kwargs.get("force_insert"):
            kwargs["force_update"] = True
        super().save(*args, **kwargs)


class RetiredUsername(models.Model):
    """A deleted or renamed account's username, as a hash: nobody signs up with it again, so the
    links to its public page and badge (in READMEs, on CVs) never show someone else's progress.
    A renamed account may take its old name back (a rename undone), until it is deleted."""

    digest = models.CharField(max_length=64, primary_key=True)
    account = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return self.digest

    @staticmethod
    def of(username):
        return hashlib.sha256(username.lower().encode()).hexdigest()

    @classmethod
    def retire(cls, *spellings, account=None):
        for digest in {cls.of(username) for username in spellings}:
            cls.objects.get_or_create(digest=digest, defaults={"account": account})

    @classmethod
    def retire_name_of(cls, user, account=None):
        """Retire `user`'s username as saved, lowered by Python and by the database (as the public
        page's address finds it: SQLite lowers only ASCII letters)."""
        saved = User.objects.filter(pk=user.pk).values_list("username", Lower("username")).get()
        cls.retire(*saved, account=account)

    @classmethod
    def is_retired(cls, username, account=None):
        """Whether `username` is retired for anyone but `account`, which gave it up."""
        retired = cls.objects.filter(digest=cls.of(username))
        if account is not None:
            retired = retired.exclude(account=account)
        return retired.exists()
