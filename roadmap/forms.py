import re

from django import forms

from .models import NOTE_LENGTH, URL_LENGTH, Status
from .validators import validate_web_url

# C0 control characters other than tab and newline, DEL, and the C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class StatusForm(forms.Form):
    """A tick: the checkbox posts "done" after a hidden "not_started", and the last one wins."""

    status = forms.ChoiceField(
        choices=Status.choices,
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


class DetailsForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "max_length": "Keep the note to %(limit_value)d characters (it has %(show_value)d)."
        },
    )
    evidence_url = WebURLField(
        required=False,
        max_length=URL_LENGTH,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address that starts with http:// or https://."},
    )

    def clean_note(self):
        note = CONTROL_CHARACTERS.sub("", self.cleaned_data["note"].replace("\r\n", "\n"))
        return note.strip()
