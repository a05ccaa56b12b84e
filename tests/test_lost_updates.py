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
def changed_meanwhile(user):
    """Just before the user is saved, another request turns the account off, gives it another
    password and another display name."""

    def change_the_row(sender, instance, **kwargs):
        if instance.pk == user.pk:
            User.objects.filter(pk=user.pk).update(
                is_active=False, password=make_password(OTHER_PASSWORD), display_name="Meanwhile"
            )

    pre_save.connect(change_the_row, sender=User, weak=False)
    yield
    pre_save.disconnect(change_the_row, sender=User)


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


def test_a_new_password_from_a_reset_link_keeps_a_deactivation_made_meanwhile(client, user):
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    def turned_off_meanwhile(sender, instance, **kwargs):
        User.objects.filter(pk=user.pk).update(is_active=False)

    pre_save.connect(turned_off_meanwhile, sender=User, weak=False)
    try:
        client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    finally:
        pre_save.disconnect(turned_off_meanwhile, sender=User)
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


def test_an_admins_new_password_keeps_a_deactivation_made_meanwhile(client, user):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    def turned_off_meanwhile(sender, instance, **kwargs):
        User.objects.filter(pk=user.pk).update(is_active=False)

    pre_save.connect(turned_off_meanwhile, sender=User, weak=False)
    try:
        response = client.post(
            url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
        )
    finally:
        pre_save.disconnect(turned_off_meanwhile, sender=User)
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert user.is_active is False
