"""The project's form pieces: its renderer (FORM_RENDERER), Django's own with one addition for
every form, and a choice field safe from ids no row can have."""

from django.core.exceptions import ValidationError
from django.forms import BoundField, ModelMultipleChoiceField, PasswordInput
from django.forms.renderers import DjangoTemplates
from django.utils.text import Truncator

FORM_ERRORS = "form-errors"  # the id of a form's own errors in accounts/_fields.html


def describe(attrs, element_id):
    """Adds an element to a field's description, read before any it has (its help text): what
    is wrong, or what sent the learner here, comes first."""
    attrs["aria-describedby"] = f"{element_id} {attrs.get('aria-describedby', '')}".strip()


class FocusFirstErrorBoundField(BoundField):
    """A form shown again with errors puts the cursor in the first field that has one (instead of
    a field it focuses when new), and the browser scrolls there: with or without JavaScript, the
    learner lands on what to fix, and a screen reader reads its error, also where the cursor
    lands elsewhere (a wrong password, a form's error; passwords typed again from the first)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if not (self.form.is_bound and self.form.errors):
            return attrs
        # What is wrong is read first, then the help (a password's four rules came before it).
        ids = attrs.get("aria-describedby", "").split()
        if (error := f"{self.auto_id}_error") in ids:
            attrs["aria-describedby"] = " ".join([error, *(i for i in ids if i != error)])
        fields = self.form.fields
        wrong = first = next((name for name in fields if name in self.form.errors), None)
        form_errors = getattr(self.form, "errors_id", "")
        if wrong is None and form_errors:
            # The form's own error is about every field (a login's username and password).
            attrs["aria-invalid"] = "true"
            describe(attrs, form_errors)
        if first is None or isinstance(fields[first].widget, PasswordInput):
            # A wrong password (a form-wide error, as a login's) or one to type again: passwords
            # come back empty, so the learner types them all again from the first.
            passwords = (name for name, f in fields.items() if isinstance(f.widget, PasswordInput))
            first = next(passwords, first)
        if first is not None:
            attrs["autofocus"] = first == self.name  # False leaves the attribute out
        if first == self.name and wrong and first != wrong:
            # Another field's error is why the cursor is here (a password typed again).
            describe(attrs, f"{self.form[wrong].auto_id}_error")
        return attrs


class FormRenderer(DjangoTemplates):
    bound_field_class = FocusFirstErrorBoundField


class CheckedMultipleChoiceField(ModelMultipleChoiceField):
    """Django's, refusing ids no row can have before the database compares them (SQLite can't
    compare an integer past 64 bits; "²" is a digit to Python): the admin's many-to-many
    choices, the tracks to follow."""

    def clean(self, value):
        pk = self.queryset.model._meta.pk
        for item in value if isinstance(value, list | tuple) else ():
            try:
                pk.clean(item, None)
            except ValidationError:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": Truncator(str(item)).chars(40)},
                ) from None
        return super().clean(value)
