from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import views

# Django's form views take a PUT for a POST, and its reset link answers any method.
forms_only = require_http_methods(["GET", "HEAD", "POST"])

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("email/", views.change_email, name="change_email"),
    path("delete/", views.delete_account, name="delete_account"),
    path(
        "reset/<uidb64>/<token>/",
        forms_only(views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("login/", forms_only(views.LoginView.as_view()), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/", forms_only(views.PasswordChangeView.as_view()), name="password_change"
    ),
    path(
        "password_change/done/",
        never_cache(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("password_reset/", forms_only(views.PasswordResetView.as_view()), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
