from django import forms

from accounts.validators import validate_lines

from .models import NOTE_LENGTH, URL_LENGTH, Status
from .validators import note_text, validate_web_url


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


class NoteField(forms.CharField):
    """Text with lines, as notes are stored (note_text) before it is checked."""

    default_validators = [validate_lines]

    def to_python(self, value):
        return note_text(super().to_python(value))


class DetailsForm(forms.Form):
    note = NoteField(
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
