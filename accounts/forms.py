import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.views.decorators.debug import sensitive_variables

from .models import User

# C0 and C1 control characters and DEL: a name is one line of text, and the data import refuses
# a file whose display name holds one.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.required = True
        email.help_text = "For resetting your password. Never shown to anyone."
        email.widget.attrs["autocomplete"] = "email"
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this email address. Log in, or reset its password.",
                code="duplicate_email",
            )
        return email


class LoginForm(AuthenticationForm):
    """Django's form, refusing a username longer than any account's. Django only sets the
    input's maxlength; a longer one reached django-axes, and PostgreSQL refused to record the
    failure (a 500 for any username over 255 characters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "public_profile")

    def clean_display_name(self):
        return CONTROL_CHARACTERS.sub("", self.cleaned_data["display_name"]).strip()


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is really you.",
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    @sensitive_variables("password")
    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not your password. Your account was not deleted.", code="wrong_password"
            )
        return password
