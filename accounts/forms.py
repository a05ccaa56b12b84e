import copy
import json

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.validators import MaxLengthValidator
from django.views.decorators.debug import sensitive_variables

from config.forms import FORM_ERRORS

from .models import (
    MAX_HOURS_PER_WEEK,
    RetiredUsername,
    User,
    current_time_zone,
    other_time_zone_names,
    time_zone_choices,
)

HOURS_MESSAGE = f"Give a whole number of hours a week from 1 to {MAX_HOURS_PER_WEEK}."
DUPLICATE_EMAIL = "An account already uses this email address."
RETIRED_USERNAME = (
    "This username belonged to an account that was deleted or renamed. It stays retired, so that "
    "links to that account's public page never show someone else's progress: choose another."
)
ASCII_USERNAME = (
    "Use plain letters a to z, digits and @/./+/-/_ only: the username is your public page's "
    "address (your display name can be in any script)."
)


class HoursPerWeekField(forms.IntegerField):
    """The hours a week a learner can give, 1 to 80; left empty, there is no plan."""

    def __init__(self, **kwargs):
        messages = dict.fromkeys(("invalid", "min_value", "max_value"), HOURS_MESSAGE)
        kwargs.setdefault("label", "Hours a week you can give")
        super().__init__(
            required=False,
            min_value=1,
            max_value=MAX_HOURS_PER_WEEK,
            error_messages=messages,
            **kwargs,
        )

    def to_python(self, value):
        if "_" in str(value):  # Python reads "1_0" as 10
            raise forms.ValidationError(HOURS_MESSAGE, code="invalid")
        return super().to_python(value)


@sensitive_variables("password")
def password_checked(request, user, password):
    """Whether `password` is the logged-in user's, asked again of them (to change the password or
    delete the account). Checked as a login is: a wrong one counts as a failed login for
    django-axes, and once the username is locked from this address no password is tried at all
    (the lockout page answers), so whoever holds a session can't guess it without limit."""
    checked = authenticate(request, username=user.get_username(), password=password)
    return checked is not None and checked.pk == user.pk


class WeakPasswordSaidUnderIt:
    """What is wrong with a new password is said under it, the field to change, not under its
    confirmation, where Django says it (and a screen reader heard it there)."""

    FIRST = {"password2": "password1", "new_password2": "new_password1"}  # Django's field names

    def validate_password_for_user(self, user, password_field_name=None):
        confirmation = password_field_name or "password2"  # Django's default
        first = self.FIRST.get(confirmation, confirmation)
        super().validate_password_for_user(user, password_field_name=first)


def not_retired(username, account=None):
    """`username`, unless a deleted account had it, or a renamed one other than `account`
    (accounts.models.RetiredUsername)."""
    if RetiredUsername.is_retired(username, account):
        raise forms.ValidationError(RETIRED_USERNAME, code="retired")
    return username


class NotARetiredUsername:
    """A new account doesn't take a deleted one's username. Django's check returns None for a
    username another account has: it said so already."""

    def clean_username(self):
        username = super().clean_username()
        return username and not_retired(username)


class SignupForm(NotARetiredUsername, WeakPasswordSaidUnderIt, UserCreationForm):
    # The browser's own, filled in by static/js/app.js; one this site doesn't know, or none
    # (without JavaScript), leaves the site's: the profile changes it.
    time_zone = forms.Field(required=False, widget=forms.HiddenInput)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "time_zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = (
            "150 characters or fewer: letters a to z, digits and @/./+/-/_. "
            "It is your public page's address."
        )
        email = self.fields["email"]
        email.required = True
        email.help_text = "For resetting your password. Never shown to anyone."
        email.widget.attrs["autocomplete"] = "email"

    def clean_username(self):
        """In plain latin letters: the username is the public page's address, and "alice" with a
        Cyrillic "a" (U+0430) passed for alice's. (Accounts the admin makes keep Django's rule.)"""
        username = super().clean_username()
        ASCIIUsernameValidator(message=ASCII_USERNAME)(username)
        return username

    def clean_email(self):
        return unused_email(self.cleaned_data["email"], "Log in, or reset its password.")

    def clean_time_zone(self):
        return current_time_zone(self.cleaned_data["time_zone"])


def unused_email(email, advice="", account=None):
    """`email` as stored, unless an account other than `account` uses it (in any case)."""
    email = User.objects.normalize_email(email)
    # As the database's rule compares (not iexact: on PostgreSQL a dotless i, U+0131, upper is I).
    others = User.objects.in_any_case("email", email).exclude(pk=getattr(account, "pk", None))
    if others.exists():
        raise forms.ValidationError(f"{DUPLICATE_EMAIL} {advice}".strip(), code="duplicate_email")
    return email


class NoUsernameLongerThanAnAccounts:
    """Django's login form, refusing a username longer than any account's. Django only sets the
    input's maxlength; a longer one reached django-axes, and PostgreSQL refused to record the
    failure (a 500 for any username over 255 characters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


# Django's say "both fields may be case-sensitive": a username logs in in any case.
CASE = "The password is case-sensitive, the username is not."


class LoginForm(NoUsernameLongerThanAnAccounts, AuthenticationForm):
    errors_id = FORM_ERRORS  # a wrong password is the form's error: the password field says it
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": f"Please enter a correct %(username)s and password. {CASE}",
        "email_given": "If you typed your email address: you log in with your username.",
    }

    def clean(self):
        """Sign-up asks for an email address too, and a learner tried it here."""
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code != "invalid_login" or "@" not in self.cleaned_data.get("username", ""):
                raise
            said = self.error_messages["email_given"]
            raise forms.ValidationError(
                [error, forms.ValidationError(said, code="email_given")]
            ) from None


class AdminLoginForm(NoUsernameLongerThanAnAccounts, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Please enter the correct %(username)s and password for a staff "
        f"account. {CASE}",
    }


class SavesItsOwnFields:
    """A form that changes some of an account's fields writes only those. Saving the whole row
    would put back, as they were when the request began, the password or the active flag that
    another request changed meanwhile (the owner shutting out a stolen session, an admin)."""

    saved_fields = ()

    def save(self, commit=True):
        user = super().save(commit=False)
        if commit:
            user.save(update_fields=self.saved_fields)
        return user


class ProfileForm(SavesItsOwnFields, forms.ModelForm):
    hours_per_week = HoursPerWeekField(help_text=User._meta.get_field("hours_per_week").help_text)

    class Meta:
        model = User
        fields = ("display_name", "public_profile", "hours_per_week", "time_zone")
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "nickname"})}
        error_messages = {
            "time_zone": {"invalid_choice": "Choose a time zone from the list."},
        }

    saved_fields = Meta.fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        zone.choices = [("", f"The site’s ({settings.TIME_ZONE})"), *time_zone_choices()]
        zone.widget.attrs["data-site-zone"] = settings.TIME_ZONE  # app.js offers the browser's
        zone.widget.attrs["data-other-names"] = json.dumps(other_time_zone_names())  # as listed
        self.initial["time_zone"] = current_time_zone(self.instance.time_zone)  # as it reads


class AsksForThePassword(forms.Form):
    """The logged-in learner's password asked again (password_checked); `unchanged` says what
    a wrong one leaves as it was."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is really you.",
    )
    unchanged = ""

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    @sensitive_variables("password")
    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password_checked(self.request, self.request.user, password):
            raise forms.ValidationError(
                f"That is not your password. {self.unchanged}", code="wrong_password"
            )
        return password


class DeleteAccountForm(AsksForThePassword):
    unchanged = "Your account was not deleted."


class ChangeEmailForm(SavesItsOwnFields, AsksForThePassword, forms.ModelForm):
    """A new address for password-reset mail. The password is asked again: whoever holds a
    session could otherwise take the account over through a reset."""

    class Meta:
        model = User
        fields = ("email",)
        labels = {"email": "New email address"}

    field_order = ("email", "password")
    saved_fields = Meta.fields
    unchanged = "Your email address was not changed."

    def __init__(self, request, *args, **kwargs):
        # A copy: a refused form must not leave its value on the user the page shows.
        super().__init__(request, *args, instance=copy.copy(request.user), **kwargs)
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean(self):
        """Whether another account has the address is said once the password is right."""
        cleaned = super().clean()
        if "password" not in cleaned:
            cleaned.pop("email", None)  # nor by the database's rule, which ModelForm checks
        elif "email" in cleaned:
            try:
                cleaned["email"] = unused_email(cleaned["email"], account=self.instance)
            except forms.ValidationError as error:
                self.add_error("email", error)
        return cleaned


class PasswordResetForm(auth_forms.PasswordResetForm):
    def clean_email(self):
        """As stored: the account is found, and its mail counted, however the domain is written."""
        return User.objects.normalize_email(self.cleaned_data["email"])


class SetPasswordForm(SavesItsOwnFields, WeakPasswordSaidUnderIt, auth_forms.SetPasswordForm):
    saved_fields = ("password",)


class AdminUserChangeForm(auth_forms.UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A name the list no longer has, by the list's (shown unchosen, saved it went).
        self.initial["time_zone"] = current_time_zone(self.instance.time_zone)

    def clean_username(self):
        """Renamed, an account doesn't take a deleted one's username either, nor one another
        account was renamed from; it may take back its own."""
        username = self.cleaned_data["username"]
        changed = "username" in self.changed_data
        return not_retired(username, account=self.instance) if changed else username


class AdminAddUserForm(
    NotARetiredUsername, WeakPasswordSaidUnderIt, auth_forms.AdminUserCreationForm
):
    pass


class AdminSetPasswordForm(
    SavesItsOwnFields, WeakPasswordSaidUnderIt, auth_forms.AdminPasswordChangeForm
):
    saved_fields = ("password",)


class PasswordChangeForm(SavesItsOwnFields, WeakPasswordSaidUnderIt, auth_forms.PasswordChangeForm):
    """Django's form, with the old password checked as a login is (`password_checked`)."""

    saved_fields = ("password",)

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    @sensitive_variables("old_password")
    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not password_checked(self.request, self.user, old_password):
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
