from urllib.parse import urlencode

from axes.utils import reset as reset_lockouts
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .forms import DeleteAccountForm, ProfileForm, SignupForm

# Axes' backend comes first in AUTHENTICATION_BACKENDS and only checks lockouts; the session
# must remember the backend that really knows the user.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request):
    """The `next` URL from the query or the form, or "" when it points off this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("roadmap:index")
    next_url = safe_next(request)
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_bound and form.is_valid():
        user = form.save()
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, f"Welcome, {user.username}! Your account is ready.")
        choose = reverse("choose_tracks")
        return redirect(f"{choose}?{urlencode({'next': next_url})}" if next_url else choose)
    return TemplateResponse(request, "accounts/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
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
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@sensitive_post_parameters("password")
def delete_account(request):
    if request.method == "POST":
        form = DeleteAccountForm(request.user, request.POST)
        if form.is_valid():
            user = request.user
            logout(request)
            user.delete()
            messages.success(request, "Your account and all your progress are deleted.")
            return redirect("roadmap:index")
    else:
        form = DeleteAccountForm(request.user)
    return TemplateResponse(request, "accounts/delete_account.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view. Choosing a new password through the emailed link also lifts any login
    lockout on the account: the owner has just proved they hold its email address, and the
    lockout page tells them this is a way back in."""

    def form_valid(self, form):
        reset_lockouts(username=form.user.get_username())
        return super().form_valid(form)
