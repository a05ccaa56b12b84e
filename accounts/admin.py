from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from . import records
from .forms import AdminAddUserForm, AdminSetPasswordForm, AdminUserChangeForm
from .models import RetiredUsername, User

# Django's, but for the names the app has no use for (its own is the display name).
ACCOUNT, _NAMES, PERMISSIONS, DATES = UserAdmin.fieldsets


@admin.register(User)
class NextStepsUserAdmin(UserAdmin):
    fieldsets = (
        ACCOUNT,
        ("Contact", {"fields": ("email",)}),
        PERMISSIONS,
        DATES,
        (
            "Next Steps",
            {
                "fields": (
                    "display_name",
                    "public_profile",
                    "hours_per_week",
                    "time_zone",
                    "last_visit_at",
                )
            },
        ),
    )
    # Recorded by the app, not edited: a date a staff user's time zone put before year 1 was
    # stored by PostgreSQL, and failed every read of the row after (the learner's login too).
    # The last visit is recorded once an hour at most by the roadmap's pages.
    readonly_fields = ("last_login", "date_joined", "last_visit_at")
    search_fields = ("username", "email", "display_name")
    list_display = (
        "username",
        "email",
        "display_name",
        "public_profile",
        "is_staff",
        "last_visit_at",
    )
    list_filter = (*UserAdmin.list_filter, "public_profile")
    add_form = AdminAddUserForm
    form = AdminUserChangeForm
    change_password_form = AdminSetPasswordForm

    def save_model(self, request, obj, form, change):
        """An edit writes only the fields it changed (as the site's forms do): the whole row would
        put back a password the owner changed meanwhile (the form shows it, it doesn't edit it)."""
        if not change:
            return super().save_model(request, obj, form, change)
        fields = obj._meta.get_fields()
        columns = {f.name for f in fields if f.concrete and not f.many_to_many} - {"password"}
        changed = [name for name in form.changed_data if name in columns]
        if "username" in changed:
            # As a deleted account's (accounts/records.py): its public page and badge links never
            # show another's. The account itself may take it back.
            RetiredUsername.retire_name_of(obj, account=obj)  # the name saved until now
        if changed:
            obj.save(update_fields=changed)
        return None

    def delete_model(self, request, obj):
        records.delete_account(obj)

    @transaction.atomic  # all of them or none: the admin says "Deleted N users"
    def delete_queryset(self, request, queryset):
        for user in queryset:
            records.delete_account(user)
