"""The project's form renderer (FORM_RENDERER): Django's own, with one addition for every form."""

from django.forms import BoundField, PasswordInput
from django.forms.renderers import DjangoTemplates


class FocusFirstErrorBoundField(BoundField):
    """A form shown again with errors puts the cursor in the first field that has one (instead of
    a field it focuses when new), and the browser scrolls there: with or without JavaScript, the
    learner lands on what to fix, and a screen reader reads its error."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        errors = self.form.errors if self.form.is_bound else {}
        fields = self.form.fields
        first = next((name for name in fields if name in errors), None)
        if first is not None and isinstance(fields[first].widget, PasswordInput):
            # Passwords come back empty: from the first, the learner types them all again.
            first = next(name for name, f in fields.items() if isinstance(f.widget, PasswordInput))
        if first is not None:
            attrs["autofocus"] = first == self.name  # False leaves the attribute out
        return attrs


class FormRenderer(DjangoTemplates):
    bound_field_class = FocusFirstErrorBoundField
