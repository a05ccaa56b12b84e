import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, IntegrityError
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

# The id of the element an htmx request swaps: where the learner was on the page.
ANCHOR = re.compile(r"[A-Za-z][\w-]{0,100}")


class HtmxLoginRedirectMiddleware:
    """An htmx request sent to the login page gets HX-Redirect instead of the 302.

    htmx follows a 302 itself and would swap the whole login page into a fragment of the current
    one. A learner whose session ended in the middle of ticking is told so on the login page, and
    comes back afterwards to the page they were on, at the element they were using.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        if (
            request.htmx
            and response.status_code == 302
            and response["Location"].startswith(login_url)
            and not request.user.is_authenticated  # a learner still logged in was sent on there
        ):
            messages.info(request, "Your session has ended. Log in again to carry on.")
            next_url = self.page_url(request)
            return HttpResponseClientRedirect(redirect_to_login(next_url, login_url)["Location"])
        return response

    @staticmethod
    def page_url(request):
        try:
            page = request.htmx.current_url_abs_path
        except ValueError:  # an HX-Current-URL that is not a URL
            page = None
        page = page or request.get_full_path()
        target = request.htmx.target or ""
        if ANCHOR.fullmatch(target) and "#" not in page:
            page += f"#{target}"
        return page


class DeletedAccountMiddleware:
    """A request whose account was deleted while it ran (from another tab or device) ends the
    session and opens the roadmap, instead of failing on the missing row with a 500.

    Its write fails: the user's save may only update (accounts.models.User.save), and a row that
    names the user breaks its foreign key.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # What a write on a missing user raises; not an outage (config.outages answers those).
        if not (isinstance(exception, IntegrityError) or type(exception) is DatabaseError):
            return None
        user = request.user
        if not user.is_authenticated or get_user_model().objects.filter(pk=user.pk).exists():
            return None
        logout(request)
        messages.info(request, "This account has been deleted.")
        url = reverse("roadmap:index")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
