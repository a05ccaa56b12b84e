from django import forms
from django.db import models
from django.utils import timezone

from accounts.forms import HoursPerWeekField
from accounts.validators import validate_lines

from .models import NOTE_LENGTH, URL_LENGTH, Status
from .progress import NOT_DONE
from .validators import note_text, validate_target_in_reach, validate_web_url

# The evidence field's: a link without its scheme is taken (as https://).
NOT_A_WEB_ADDRESS = "Enter a web address (http or https), such as https://github.com/you/project."


class StatusForm(forms.Form):
    """A tick: the checkbox posts "done" after a hidden "not_done" (progress.NOT_DONE), and the
    last one wins; the in-progress button posts its own status after them."""

    status = forms.ChoiceField(
        choices=[*Status.choices, (NOT_DONE, "Not done")],
        error_messages={
            "required": "Choose a status: not started, in progress or done.",
            "invalid_choice": (
                "“%(value)s” is not a status. Choose not started, in progress or done."
            ),
        },
    )


class WebURLField(forms.URLField):
    """A URL field checked by validate_web_url (http or https) alone: URLField's own check, which
    lets other schemes through, would say the same thing a second time."""

    default_validators = [validate_web_url]


class LinesField(forms.CharField):
    """Text with lines (a note, a description), as it is stored (note_text) before it is
    checked: a browser sends a textarea's line breaks as \\r\\n."""

    default_validators = [validate_lines]

    def to_python(self, value):
        return note_text(super().to_python(value))


# The admin's text on several lines and links, taken as the site's own forms take them.
AS_THE_SITE = {
    models.TextField: {"form_class": LinesField},
    models.URLField: {
        "form_class": WebURLField,
        "assume_scheme": "https",
        "error_messages": {"invalid": NOT_A_WEB_ADDRESS},
    },
}


class DetailsForm(forms.Form):
    note = LinesField(
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea,
        help_text=f"Up to {NOTE_LENGTH} characters.",
        error_messages={
            "max_length": "Keep the note to %(limit_value)d characters (it has %(show_value)d)."
        },
    )
    evidence_url = WebURLField(
        required=False,
        max_length=URL_LENGTH,
        assume_scheme="https",
        help_text="A repository, notebook, Kaggle profile or deployed API (http or https, up to "
        f"{URL_LENGTH} characters).",
        error_messages={
            "invalid": NOT_A_WEB_ADDRESS,
            "max_length": "Keep the link to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    # What the editor opened with (progress.fingerprint): saved since in another tab, it is shown
    # instead of being overwritten. Empty: no check. Any other value is a clash, said and undone.
    opened_with = forms.CharField(required=False)


class HoursForm(forms.Form):
    hours_per_week = HoursPerWeekField()


class TargetForm(forms.Form):
    """The date a learner means to finish a followed track by, after today (its Clear button
    removes it, whatever the field holds)."""

    target_date = forms.DateField(
        input_formats=["%Y-%m-%d"],  # what a date field sends: "01/02/2027" read as 2 January
        validators=[validate_target_in_reach],
        error_messages={
            "invalid": "Enter a date like 2027-03-31 for your target.",
            # A date partly typed is sent as empty too: it cleared the target without a word.
            "required": "Choose a date first: the date field is empty (or only partly filled in).",
        },
    )

    def clean_target_date(self):
        target = self.cleaned_data["target_date"]
        if target <= timezone.localdate():
            raise forms.ValidationError(
                "Choose a target date after today: that day is already here or past.", code="past"
            )
        return target
