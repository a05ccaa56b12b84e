"""What the app keeps of people's logins (django-axes' records), and when it lets go of it.

Failed logins (username typed, address, browser) are kept until the lockout's cool-off has passed;
successful ones, the login history, for LOGIN_HISTORY_DAYS. Deleting an account deletes both at
once, with the account's progress and history.
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

from .limits import over_limit

logger = logging.getLogger(__name__)


@transaction.atomic
def delete_account(user):
    # Writes into the account under way are waited for, in the order they take their locks, so
    # that their rows are deleted too and none waits for the deletion meanwhile: an import (it
    # holds the account's row), a tick of a milestone with a row (it holds that row, then names
    # the account), then anything else naming the account. One that starts after waits, then
    # finds the account gone (accounts.middleware.DeletedAccountMiddleware answers it).
    account = get_user_model().objects.filter(pk=user.pk)
    account.select_for_update(no_key=True).exists()
    list(user.progress.select_for_update().values_list("pk", flat=True))
    account.select_for_update().exists()
    username = user.get_username()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=username).delete()
    user.delete()


def tell_old_address(request, user, old):
    """Mail the address an account had that it has another one now (not which): whoever changed
    it took the account's password resets with it. At most so many an hour to one address, as
    reset mail; a mail that can't be sent is logged, and the change stands."""
    if over_limit("email-notice", old.casefold(), settings.PASSWORD_RESET_MAILS_PER_ADDRESS):
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
