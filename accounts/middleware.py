from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRedirectMiddleware:
    """An htmx request sent to the login page gets HX-Redirect instead of the 302.

    htmx follows a 302 itself and would swap the whole login page into a fragment of the current
    one. After logging in, the learner comes back to the page they were on, not the fragment URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.htmx
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            next_url = request.htmx.current_url_abs_path or request.get_full_path()
            login = redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))
            return HttpResponseClientRedirect(login["Location"])
        return response


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with this request's session store made known to the authentication backend
    while the request is handled: the user read with the session (accounts.sessions) is then
    not read again. Outside this request the backend never sees that store."""

    def __call__(self, request):
        from accounts.sessions import current_store

        token = current_store.set(getattr(request, "session", None))
        try:
            return super().__call__(request)
        finally:
            current_store.reset(token)
