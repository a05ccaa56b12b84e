import copy
from urllib.parse import urlencode

from axes.utils import reset as reset_lockouts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from config.forms import describe

from . import records
from .forms import (
    DUPLICATE_EMAIL,
    ChangeEmailForm,
    DeleteAccountForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from .limits import client_address, mail_over_limit, over_limit

SIGNUP_LIMITED = (
    "Too many sign-ups from your network in the last hour. Please try again in an hour."
)
EMAIL_LIMITED = (
    "Too many tries at changing your email address in the last hour. Please try again in an hour."
)
RESET_LIMITED = (
    "Too many password reset emails were asked for from your network or for this address in "
    "the last hour. Check your inbox and spam folder for the ones already sent, or try again "
    "in an hour."
)

# Axes' backend comes first in AUTHENTICATION_BACKENDS and only checks lockouts; the session
# must remember the backend that really knows the user.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def on_site(request, url):
    """`url`, or "" when it points off this site."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


def refused(form):
    """The status of a page showing `form`: 422 once it was sent back and refused."""
    return 422 if form.is_bound else 200


def safe_next(request):
    """The `next` URL from the query or the form, or "" when it points off this site."""
    return on_site(request, request.POST.get("next") or request.GET.get("next") or "")


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        say_logged_in_already(request)
        return redirect("roadmap:index")
    next_url = safe_next(request)
    # Every attempt counts, refused ones too: each tells whether an address has an account, so
    # a limited one isn't even checked.
    if request.method == "POST" and over_limit(
        "signup", client_address(request), settings.SIGNUPS_PER_HOUR
    ):
        messages.error(request, SIGNUP_LIMITED)
        kept = {name: request.POST.get(name, "") for name in ("username", "email")}
        context = {"form": SignupForm(initial=kept), "next": next_url, "limited": True}
        return TemplateResponse(request, "accounts/signup.html", context, status=429)
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:
            # Another sign-up took the username or the address since the check (a double
            # click): checked again, the form says which.
            form = SignupForm(request.POST)
            if form.is_valid():
                form.add_error(None, "Your account could not be created. Please try again.")
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, f"Welcome, {user.username}! Your account is ready.")
            choose = reverse("choose_tracks")
            return redirect(f"{choose}?{urlencode({'next': next_url})}" if next_url else choose)
    context = {"form": form, "next": next_url}
    return TemplateResponse(request, "accounts/signup.html", context, status=refused(form))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def profile(request):
    if request.method == "POST":
        # A copy: a refused form must not leave its values on the user the page shows.
        form = ProfileForm(request.POST, instance=copy.copy(request.user))
        if form.is_valid():
            form.save()
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    else:
        form = ProfileForm(instance=request.user)
    return TemplateResponse(
        request,
        "accounts/profile.html",
        {"form": form, "enrollments": request.user.enrollments.select_related("track")},
        status=refused(form),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
@sensitive_post_parameters("password")
def change_email(request):
    """A new address for password-reset mail; the old one is told. Every attempt counts toward
    a limit an hour, by account and by client address, as a sign-up does: each refusal says
    whether an address has an account."""
    if request.method != "POST":
        form = ChangeEmailForm(request)
    elif over_limit("email", str(request.user.pk), settings.SIGNUPS_PER_HOUR) or over_limit(
        "email-from", client_address(request), settings.SIGNUPS_PER_HOUR
    ):
        messages.error(request, EMAIL_LIMITED)
        form = ChangeEmailForm(request, initial={"email": request.POST.get("email", "")})
        context = {"form": form, "limited": True}
        return TemplateResponse(request, "accounts/change_email.html", context, status=429)
    else:
        form = ChangeEmailForm(request, request.POST)
        old = request.user.email
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
            except IntegrityError:  # another account took it since the check
                form.add_error("email", DUPLICATE_EMAIL)
            else:
                if old and old.lower() != user.email.lower():
                    records.tell_old_address(request, user, old)
                if old == user.email:
                    messages.info(request, f"Your email address is already {old}: nothing changed.")
                else:
                    messages.success(request, f"Your email address is now {user.email}.")
                return redirect("profile")
    context = {"form": form}
    return TemplateResponse(request, "accounts/change_email.html", context, status=refused(form))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
@sensitive_post_parameters("password")
def delete_account(request):
    if request.method == "POST":
        form = DeleteAccountForm(request, request.POST)
        if form.is_valid():
            records.delete_account(request.user)
            logout(request)  # once it is gone: a deletion that failed leaves the learner in
            messages.success(request, "Your account and all your progress are deleted.")
            return redirect("roadmap:index")
    else:
        form = DeleteAccountForm(request)
    context = {"form": form}
    return TemplateResponse(request, "accounts/delete_account.html", context, status=refused(form))


class RefusedWith422:
    """For Django's form views: a refused form is sent back with 422, as the app's own are."""

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=refused(form))


class LoginView(RefusedWith422, auth_views.LoginView):
    """Django's view; each login also lets go of the login history older than the retention.
    A learner already logged in goes on to `next` or the roadmap."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and request.user.is_authenticated:
            say_logged_in_already(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        """Where the cursor lands, what sent the learner here is read (a session that ended, a
        change not saved): on the page before it, and there on load, it was not heard."""
        form = super().get_form(form_class)
        if not form.is_bound and len(messages.get_messages(self.request)):
            describe(form.fields["username"].widget.attrs, "flash")
        return form

    def form_valid(self, form):
        response = super().form_valid(form)
        records.forget_old_logins()
        return response

    def get_redirect_url(self):
        """`next`, unless it is this page: a learner logged in would be sent round again (Django's
        view takes that for a loop, a 500), so they go to the roadmap."""
        url = super().get_redirect_url()
        return "" if url == self.request.path else url


def say_logged_in_already(request):
    """Why the login or sign-up form sent a learner on instead of opening."""
    name = request.user.get_username()
    messages.info(
        request, f"You are logged in already, as {name}: log out first for another account."
    )


class LogoutView(auth_views.LogoutView):
    """Django's view, saying so on the page it opens. Its address typed in or followed (a GET)
    asks with the button, as only a POST logs out."""

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return TemplateResponse(request, "registration/logout.html")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(RefusedWith422, auth_views.PasswordChangeView):
    """Django's view, with the old password checked as a login is (accounts.forms)."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(RefusedWith422, auth_views.PasswordResetView):
    """Django's view, sending at most so many mails an hour from one client and to one address
    (whether or not an account has it, so that the limit tells nothing about accounts)."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        if over_limit(
            "password-reset", client_address(self.request), settings.PASSWORD_RESETS_PER_HOUR
        ) or mail_over_limit(form.cleaned_data["email"]):
            form.add_error(None, RESET_LIMITED)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class ActiveAccountsTokens(PasswordResetTokenGenerator):
    """Django's reset links, which an account turned off since the mail no longer takes: they
    set a password that would work once it was turned on again, and said to log in."""

    def check_token(self, user, token):
        return user is not None and user.is_active and super().check_token(user, token)


class PasswordResetConfirmView(RefusedWith422, auth_views.PasswordResetConfirmView):
    """Django's view. Choosing a new password through the emailed link also lifts any login
    lockout on the account: the owner has just proved they hold its email address, and the
    lockout page tells them this is a way back in."""

    form_class = SetPasswordForm
    token_generator = ActiveAccountsTokens()

    def form_valid(self, form):
        reset_lockouts(username=form.user.get_username())
        return super().form_valid(form)
