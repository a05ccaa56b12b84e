"""What the app keeps of people's logins (django-axes' records), and when it lets go of it.

Failed logins (the account's username, or the one typed if no account has it; address, browser)
are kept until the lockout's cool-off has passed; successful ones, the login history, for
LOGIN_HISTORY_DAYS. Deleting an account deletes both at once, with the account's progress and
history.
"""

import logging

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .limits import mail_over_limit
from .models import RetiredUsername

logger = logging.getLogger(__name__)


@transaction.atomic
def delete_account(user):
    # Writes into the account under way are waited for, in the order they take their locks, so
    # that their rows are deleted too and none waits for the deletion meanwhile: an import (it
    # holds the account's row); a write holding a row of the account's that others change (a
    # tick its progress row, a choice of tracks the one it left out, the admin a group's), then
    # naming the account in a new row; then anything else naming the account. One that starts
    # after waits, then finds the account gone (accounts.middleware.DeletedAccountMiddleware).
    User = get_user_model()
    account = User.objects.filter(pk=user.pk)
    account.select_for_update(no_key=True).exists()
    for rows in (
        user.progress.all(),
        user.enrollments.all(),
        User.groups.through.objects.filter(user=user.pk),
        User.user_permissions.through.objects.filter(user=user.pk),
    ):
        list(rows.select_for_update().order_by().values_list("pk", flat=True))
    account.select_for_update().exists()
    username = user.get_username()
    RetiredUsername.retire_name_of(user)  # for good: the account goes with nothing to take it back
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=username).delete()
    user.delete()


def tell_old_address(request, user, old):
    """Mail the address an account had that it has another one now (not which): whoever changed
    it took the account's password resets with it. It counts toward the mail one address may get
    in an hour, as reset mail does; a mail that can't be sent is logged, and the change stands."""
    if mail_over_limit(old):
        return
    url = request.build_absolute_uri(reverse("profile"))
    context = {"user": user, "when": timezone.now(), "profile_url": url}
    body = render_to_string("registration/email_changed_email.txt", context)
    try:
        send_mail("Your Next Steps email address was changed", body, None, [old])
    except Exception:
        logger.exception("The notice of a changed email address could not be sent to %s.", user.pk)


def forget_old_logins():
    """Delete the login history older than LOGIN_HISTORY_DAYS."""
    AxesProxyHandler.reset_logs(age_days=settings.LOGIN_HISTORY_DAYS)
