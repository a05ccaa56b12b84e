"""The project's form renderer (FORM_RENDERER): Django's own, with one addition for every form."""

from django.forms import BoundField, PasswordInput
from django.forms.renderers import DjangoTemplates


class FocusFirstErrorBoundField(BoundField):
    """A form shown again with errors puts the cursor in the first field that has one (instead of
    a field it focuses when new), and the browser scrolls there: with or without JavaScript, the
    learner lands on what to fix, and a screen reader reads its error."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if not (self.form.is_bound and self.form.errors):
            return attrs
        fields = self.form.fields
        first = next((name for name in fields if name in self.form.errors), None)
        if first is None or isinstance(fields[first].widget, PasswordInput):
            # A wrong password (a form-wide error, as a login's) or one to type again: passwords
            # come back empty, so the learner types them all again from the first.
            passwords = (name for name, f in fields.items() if isinstance(f.widget, PasswordInput))
            first = next(passwords, first)
        if first is not None:
            attrs["autofocus"] = first == self.name  # False leaves the attribute out
        return attrs


class FormRenderer(DjangoTemplates):
    bound_field_class = FocusFirstErrorBoundField
