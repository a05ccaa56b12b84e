from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import records
from .models import User


@admin.register(User)
class NextStepsUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Next Steps", {"fields": ("display_name", "public_profile", "hours_per_week")}),
    )
    list_display = ("username", "email", "display_name", "public_profile", "is_staff")
    list_filter = (*UserAdmin.list_filter, "public_profile")

    def delete_model(self, request, obj):
        records.delete_account(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            records.delete_account(user)
