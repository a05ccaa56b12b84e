import re
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_htmx.http import HttpResponseClientRedirect

from config.outages import DATABASE_ERRORS, unavailable_or_raise

from .models import current_time_zone

DELETED = "What you were saving was deleted in the meantime. Nothing was changed."

# The id of the element an htmx request swaps: where the learner was on the page.
ANCHOR = re.compile(r"[A-Za-z][\w-]{0,100}")


OTHER_ACCOUNT = (
    "This page is of another account than the one logged in now in this browser (another tab "
    "logged in anew). Nothing was changed: copy what you typed, if anything, and reload the page."
)


def account_mark(user):
    """What a page drawn for `user` sends with its htmx requests (base.html): not their id."""
    return salted_hmac("accounts.account_mark", str(user.pk)).hexdigest()[:20]


class OtherAccountMiddleware:
    """An htmx request from a page drawn for another account than the one logged in now (a tab
    left open while another logged out and in as someone else) is refused, 409 with a short
    text the page shows. Answered as the account logged in now, the page opened that account's
    note in the first one's editor, with a fresh CSRF token, and saved what the first learner
    typed into the second's account. A page whose session ended goes on to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        drawn_for = request.headers.get("X-Account")
        if request.htmx and drawn_for is not None:
            try:  # the request's first read of its session and user: the database may be down
                other = request.user.is_authenticated and drawn_for != account_mark(request.user)
            except DATABASE_ERRORS as error:
                return unavailable_or_raise(request, error)
            if other:
                return HttpResponse(
                    OTHER_ACCOUNT, status=409, content_type="text/plain; charset=utf-8"
                )
        return self.get_response(request)


NOT_SAVED = "Your session had ended: that change was not saved. Log in and make it again."
SESSION_ENDED = "Your session has ended. Log in again to carry on."


class HtmxLoginRedirectMiddleware:
    """A learner whose session ended is told so on the login page, and comes back afterwards to
    the page they were on (with htmx, at the element they were using).

    An htmx request sent to the login page gets HX-Redirect instead of the 302: htmx follows a
    302 itself and would swap the whole login page into a fragment of the current one. Its text
    says what the login page will, for a page the learner stays on (a note typed on it). A part
    of a page drawn for a learner (it names their account) is not answered as a visitor's (a
    form sent from it is its view's to refuse: by its CSRF check, or its login); only the
    roadmap and the dashboard ask for parts of themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        login_url = resolve_url(settings.LOGIN_URL)
        drawn_for_a_learner = request.htmx and "X-Account" in request.headers
        if drawn_for_a_learner and request.method == "GET" and not request.user.is_authenticated:
            response = redirect_to_login(request.get_full_path(), login_url)  # (a form: its view)
        else:
            response = self.get_response(request)
        if not (
            response.status_code == 302
            and response["Location"].startswith(login_url)
            and not request.user.is_authenticated  # a learner still logged in was sent on there
            and request.htmx
        ):
            return response
        said = NOT_SAVED if request.method == "POST" else SESSION_ENDED
        messages.info(request, said)
        url = redirect_to_login(self.page_url(request), login_url)["Location"]
        return HttpResponseClientRedirect(
            url, content=said, content_type="text/plain; charset=utf-8"
        )

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
    """A write whose row was deleted while the request ran (from another tab or device) gets an
    answer instead of a 500. When it is the learner's own account, the session ends and the
    roadmap opens; anything else deleted meanwhile (an account an admin or a reset link was
    saving) is a 409 that says so.

    What such a write raises: the DatabaseError of a save that found no row to update (a user is
    only ever updated: accounts.models.User.save), or the IntegrityError of a row that names the
    missing user. Outages are config.outages' to answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        no_row = type(exception) is DatabaseError
        if not (no_row or isinstance(exception, IntegrityError)):
            return None
        user = request.user
        if user.is_authenticated and not get_user_model().objects.filter(pk=user.pk).exists():
            logout(request)
            messages.info(request, "This account has been deleted.")
            url = reverse("roadmap:index")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if not no_row:
            return None
        if request.htmx:
            return HttpResponse(DELETED, status=409, content_type="text/plain; charset=utf-8")
        return TemplateResponse(request, "409.html", {"message": DELETED}, status=409)


# Answers the same for everyone, that no session is read for: the health checks, and the badge
# and the feed, which caches keep (an answer that reads the session varies with the cookie).
WITHOUT_DATES = {"healthz", "readyz", "roadmap:badge", "roadmap:changes_feed"}


class TimeZoneMiddleware:
    """Dates, days and weeks in the learner's own time zone (their profile's), else in the
    site's. A visitor's request (no session cookie) and those WITHOUT_DATES don't read the
    session to know."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view, args, kwargs):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        if request.resolver_match.view_name in WITHOUT_DATES:
            return None
        try:
            zone = request.user.is_authenticated and request.user.time_zone
        except DATABASE_ERRORS as error:
            return unavailable_or_raise(request, error)
        zone = zone and current_time_zone(zone)  # (not a name the time zone data has dropped)
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        return None
