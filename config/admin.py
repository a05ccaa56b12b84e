"""The admin site: Django's, where every model's admin refuses an action on ids that no row can
have ("abc", or a number past 64 bits, which SQLite can't even compare) with a message, instead
of answering 500."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from accounts.forms import AdminLoginForm

NOT_ON_THE_LIST = "Choose the items from the list: reload the page and select them again."


class CheckedSelection:
    def changelist_view(self, request, extra_context=None):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(self.could_be_a_row(value) for value in selected):
            self.message_user(request, NOT_ON_THE_LIST, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def could_be_a_row(self, value):
        try:
            self.model._meta.pk.clean(value, None)
        except ValidationError:
            return False
        return True


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def password_change(self, request, extra_context=None):
        """The site's own page, where a wrong old password counts as a failed login (django-axes):
        Django's admin page checks it without counting, so a borrowed session could guess."""
        return redirect("password_change")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        checked = type(admin_class.__name__, (CheckedSelection, admin_class), {})
        checked.__module__ = admin_class.__module__
        super().register(model_or_iterable, checked, **options)

    def logout(self, request, extra_context=None):
        """Django's, saying so on the page it opens, as the site's own log-out does."""
        response = super().logout(request, extra_context)
        if request.method == "POST":
            messages.info(request, "You are logged out.")
        return response
