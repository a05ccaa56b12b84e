"""The admin site: Django's, where hostile input gets a message instead of a 500: ids that no row
can have ("abc", or a number past 64 bits, which SQLite can't even compare) in an action, a filter
or a many-to-many choice, a NUL character in a search or filter, a year past the calendar's end
in any date filter, a range or a pattern in a filter, another model's relation named as the field
to return or to complete. Its login refuses overlong usernames, its password change is the
site's own page, and a date's and a time's boxes are named for screen readers."""

import functools
from urllib.parse import unquote

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.forms import SplitDateTimeField
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import smart_split

from accounts.forms import AdminLoginForm
from config.forms import CheckedMultipleChoiceField

NUL = "The address holds a NUL character, which no search or filter can use."
MAX_SEARCH_WORDS = 20
TOO_MANY_WORDS = f"Searched for the first {MAX_SEARCH_WORDS} words only."
PATTERNS_AND_RANGES = {"range", "regex", "iregex"}
NOT_ON_THE_LIST = "Choose the items from the list: reload the page and select them again."


class CheckedSelection:
    def changelist_view(self, request, extra_context=None):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(self.could_be_a_row(value) for value in selected):
            self.message_user(request, NOT_ON_THE_LIST, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        response = super().changelist_view(request, extra_context)
        words = smart_split(request.GET.get(SEARCH_VAR, ""))
        # Said on the list that searched (not rendered yet), not after an action's redirect.
        shown = isinstance(response, TemplateResponse) and response.status_code == 200
        if shown and self.search_fields and len(list(words)) > MAX_SEARCH_WORDS:
            self.message_user(request, TOO_MANY_WORDS, messages.WARNING)
        return response

    def get_changelist_instance(self, request):
        # A range or a pattern, which none of the admin's filters makes: one value for a range,
        # or a pattern that is not one, failed as the list was read (a 500).
        if any(PATTERNS_AND_RANGES & set(key.split("__")[1:]) for key in request.GET):
            raise IncorrectLookupParameters("A range or a pattern in a filter.")
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError) as error:
            # An id past 64 bits in a filter (SQLite's OverflowError), or a date past the
            # calendar's end in a filter by year, the date drill-down's or any other (the admin
            # works out the year's first and last day, or the next day, month or year): the list
            # opens without filters, as for a wrong lookup.
            by_year = any({"year", "iso_year"} & set(key.split("__")[1:]) for key in request.GET)
            if not (isinstance(error, OverflowError) or by_year):
                raise
            raise IncorrectLookupParameters(error) from error

    def get_search_results(self, request, queryset, search_term):
        """Django's (the list's and the autocomplete's), on the first MAX_SEARCH_WORDS words:
        each is a condition on every search field, and a thousand made SQLite refuse the query.
        The list says so (changelist_view)."""
        words = list(smart_split(search_term))[:MAX_SEARCH_WORDS]
        return super().get_search_results(request, queryset, " ".join(words))

    def to_field_allowed(self, request, to_field):
        """Django's, refusing the name of another model's relation to this one: Django 5.2 asks
        it for `primary_key`, which only fields have (a 500, before any permission check).
        Django's own hook, not a documented one: tests/test_admin.py pins what it refuses."""
        try:
            field = self.opts.get_field(to_field)
        except FieldDoesNotExist:
            return False
        return field.concrete and super().to_field_allowed(request, to_field)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", CheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def could_be_a_row(self, value):
        try:
            self.model._meta.pk.clean(value, None)
        except ValidationError:
            return False
        return True


class NamedDateAndTime:
    """A date's and a time's boxes named by their field ("Since: date"): Django's widget puts
    loose "Date:" and "Time:" text beside them, which names neither."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(formfield, SplitDateTimeField):
            for part, box in zip(("date", "time"), formfield.widget.widgets, strict=True):
                box.attrs["aria-label"] = f"{formfield.label}: {part}"
        return formfield


class NamedAsSaved:
    """A change page refused (its form's, or a row's, error) names the object as it is saved:
    the heading, the window's title and the breadcrumbs showed the name the refused form gave
    it, as if it were saved."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        saved = obj and change and request.method == "POST"
        saved = saved and type(obj)._default_manager.filter(pk=obj.pk).first()
        if saved:
            context.update(original=saved, subtitle=str(saved))
        return super().render_change_form(request, context, add, change, form_url, obj)


class Autocomplete(AutocompleteJsonView):
    """Django's, refusing a field that is another model's relation to the model: it has no
    choices to offer (a 500 in Django 5.2). A field of its own, a many-to-many one too, is
    completed as before (tests/test_admin.py)."""

    def process_request(self, request):
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if not source_field.concrete:
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def autocomplete_view(self, request):
        return Autocomplete.as_view(admin_site=self)(request)

    def password_change(self, request, extra_context=None):
        """The site's own page, where a wrong old password counts as a failed login (django-axes):
        Django's admin page checks it without counting, so a borrowed session could guess."""
        return redirect("password_change")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin gets CheckedSelection, NamedDateAndTime and NamedAsSaved mixed in,
        those of Django's and django-axes' apps too (which a base class of our own would miss):
        the admin classes in the project are plain ModelAdmins."""
        admin_class = admin_class or admin.ModelAdmin
        mixed = (CheckedSelection, NamedDateAndTime, NamedAsSaved, admin_class)
        checked = type(admin_class.__name__, mixed, {})
        checked.__module__ = admin_class.__module__
        super().register(model_or_iterable, checked, **options)

    def admin_view(self, view, cacheable=False):
        """Django's, refusing a NUL character in a search or a filter (PostgreSQL refuses it in
        a query: a 500) with a 400 that says so."""
        checked = super().admin_view(view, cacheable)

        @functools.wraps(checked)
        def without_nul(request, *args, **kwargs):
            if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
                return HttpResponseBadRequest(NUL, content_type="text/plain; charset=utf-8")
            return checked(request, *args, **kwargs)

        return without_nul

    def logout(self, request, extra_context=None):
        """Django's, saying so on the page it opens, as the site's own log-out does."""
        response = super().logout(request, extra_context)
        if request.method == "POST":
            messages.info(request, "You are logged out.")
        return response
