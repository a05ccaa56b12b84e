"""A form that changes some of an account's fields writes only those.

Each test changes the learner's row the moment the form's save is about to write, as another
request (the owner changing the password to shut out a stolen session, an administrator turning
the account off) would commit between this request's read of the user and its write. Saving the
whole row would put the password and the active flag back as this request read them.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db.models.signals import pre_save
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.test_admin import user_change_form

User = get_user_model()
OTHER_PASSWORD = "set-meanwhile-by-the-owner-58"
NEW_PASSWORD = "a-brand-new-passphrase-31"


@pytest.fixture
def meanwhile(user):
    """The changes (a dict to fill) another request makes to the learner's row just before this
    request saves it."""
    changes = {}

    def change_the_row(sender, instance, **kwargs):
        if instance.pk == user.pk:
            User.objects.filter(pk=user.pk).update(**changes)

    pre_save.connect(change_the_row, sender=User, weak=False)
    yield changes
    pre_save.disconnect(change_the_row, sender=User)


@pytest.fixture
def changed_meanwhile(meanwhile):
    """The account turned off, given another password and another display name."""
    meanwhile.update(
        is_active=False, password=make_password(OTHER_PASSWORD), display_name="Meanwhile"
    )


@pytest.fixture
def turned_off_meanwhile(meanwhile):
    meanwhile.update(is_active=False)


def test_saving_the_profile_keeps_a_password_and_deactivation_made_meanwhile(
    learner_client, user, changed_meanwhile
):
    response = learner_client.post(reverse("profile"), {"display_name": "Ada", "hours_per_week": 5})
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert (user.display_name, user.hours_per_week) == ("Ada", 5)
    assert user.is_active is False
    assert user.check_password(OTHER_PASSWORD)


def test_changing_the_password_keeps_a_deactivation_and_profile_made_meanwhile(
    learner_client, user, changed_meanwhile
):
    response = learner_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert (user.is_active, user.display_name) == (False, "Meanwhile")


def test_a_new_password_from_a_reset_link_keeps_a_deactivation_made_meanwhile(
    client, user, turned_off_meanwhile
):
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user = User.objects.get(pk=user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert user.is_active is False


def test_an_admins_edit_keeps_a_password_the_owner_changed_meanwhile(
    admin_client, user, changed_meanwhile
):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        user_change_form(user, display_name="Renamed by an admin"),
    )
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.display_name == "Renamed by an admin"
    assert user.check_password(OTHER_PASSWORD)
    assert user.is_active is False  # the admin changed only the name


def test_an_admins_new_password_keeps_a_deactivation_made_meanwhile(
    client, user, turned_off_meanwhile
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert user.is_active is False
