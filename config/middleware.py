import codecs
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpResponseBadRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.cache import patch_cache_control


class PermissionsPolicyMiddleware:
    """Every answer refuses the browser features in settings.PERMISSIONS_POLICY: none of them is
    used by the app, so a script that got in anyway can't turn on the camera or the location."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class PrivateWhenPersonalMiddleware:
    """An answer that varies with the visitor's cookies (a learner's name in the header, a CSRF
    token tied to its cookie) is for their browser alone: `private`, unless the view said how it
    may be cached. Before the session's middleware, which adds `Vary: Cookie` on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        varies = {name.strip().lower() for name in response.get("Vary", "").split(",")}
        if "cookie" in varies and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        return response


class SessionCookieMiddleware:
    """A session cookie that no session engine made is a visitor's: it goes before the session's
    middleware looks it up. Django's session keys are lowercase letters and digits; a quoted
    cookie's "\\000" is read as a NUL, which PostgreSQL refused in the lookup: a 500, with its
    traceback, on every page for that browser (a cookie set from a sibling subdomain)."""

    KEY = re.compile(r"[a-z0-9]{1,64}")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if key is not None and not self.KEY.fullmatch(key):
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        return self.get_response(request)


class UnreadableFormMiddleware:
    """A posted form, or an address's query, that Django refuses to read gets a 400 here,
    before anything reads it (and the one line of django.request in the log).

    A urlencoded form is UTF-8: Django refuses one that declares another charset, but doesn't
    remember that it did, so the CSRF check failed on it, then every error page (they check the
    CSRF token too), and the server answered with a bare 500. A form over Django's limits (its
    size, its number of fields or files), or an upload cut short, got Django's page even for
    htmx, and (over the limits) a traceback in the log for each, from anyone; a client gone in
    the middle of sending one, a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 (an address of too many fields: as a form's)
            if request.method == "POST":
                request.POST  # noqa: B018
                self.check_text(request)
        except (BadRequest, SuspiciousOperation, MultiPartParserError, UnreadablePostError):
            if request.headers.get("HX-Request") == "true":
                return HttpResponseBadRequest(
                    "This request could not be read. Reload the page and try again.",
                    content_type="text/plain; charset=utf-8",
                )
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def check_text(request):
        """Django reads a urlencoded form that declares a charset it doesn't know as UTF-8, and
        bytes that are not of the form's charset as "\ufffd" (a multipart form's too): a note
        would be stored garbled, without a word."""
        readable = True
        if request.content_type == "application/x-www-form-urlencoded":
            try:
                charset = request.content_params.get("charset", "utf-8")
                readable = codecs.lookup(charset).name == "utf-8"
                parse_qsl(request.body.decode(), keep_blank_values=True, errors="strict")
            except (LookupError, UnicodeDecodeError):
                readable = False
        elif request.content_type == "multipart/form-data":  # its fields were decoded already
            readable = not any(
                "\ufffd" in value for _, values in request.POST.lists() for value in values
            )
        if not readable:
            raise BadRequest("The form's text could not be read in its charset.")
