"""The admin's pages of learners' rows: their progress, its history and the tracks they follow
(the roadmap's own content is edited in roadmap/admin.py)."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from . import progress
from .forms import AS_THE_SITE
from .models import Enrollment, Progress, ProgressEvent, Status


class ProgressForm(forms.ModelForm):
    """The database's rule (a completion date for a done milestone, and for it alone), said at
    the date: it said "Constraint “progress_completed_at_iff_done” is violated."."""

    def clean(self):
        cleaned = super().clean()
        done, day = cleaned.get("status") == Status.DONE, cleaned.get("completed_at")
        if done and day is None and "completed_at" not in self.errors:
            self.add_error("completed_at", "A done milestone needs the day it was done.")
        elif not done and day is not None:
            self.add_error(
                "completed_at",
                "Only a done milestone has one: clear it, or set the status to Done.",
            )
        return cleaned


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    form = ProgressForm
    formfield_overrides = AS_THE_SITE
    list_display = ("user", "milestone", "status", "updated_at")
    list_filter = ("status",)
    list_select_related = ("user", "milestone")
    search_fields = ("user__username", "milestone__slug")
    raw_id_fields = ("user", "milestone")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "milestone") if obj else ()  # one learner's, on one milestone

    def save_model(self, request, obj, form, change):
        """A status set here is in the learner's history too, as a tick's is (their export and
        the undo of a slip read it): one event, in the admin's transaction."""
        saved = Progress.objects.select_for_update().filter(pk=obj.pk)
        row = saved.values_list("status", "completed_at").first()
        was, done_at = row or (Status.NOT_STARTED, None)
        super().save_model(request, obj, form, change)
        if obj.status != was:
            now = timezone.now()
            progress.record_event(obj.user, obj.milestone_id, was, obj.status, now, done_at)


@admin.register(ProgressEvent)
class ProgressEventAdmin(admin.ModelAdmin):
    list_display = ("user", "milestone", "from_status", "to_status", "at")
    list_select_related = ("user", "milestone")
    search_fields = ("user__username", "milestone__slug")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "track", "since", "target_date")
    list_select_related = ("user", "track")
    list_filter = ("track",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
