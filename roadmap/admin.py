from collections import Counter, defaultdict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, ProtectedError, Q
from django.http import HttpResponseRedirect
from django.utils.text import get_text_list
from django.utils.translation import ngettext

from . import (
    admin_learners,  # noqa: F401 (registers the pages of learners' rows)
    changes,
)
from .admin_forms import (
    ContentForm,
    ListFormSet,
    PositionForm,
    ResourceFormSet,
    RowFormSet,
    WeightFormSet,
    changed_fields,
)
from .forms import AS_THE_SITE
from .models import (
    Enrollment,
    Milestone,
    Progress,
    ProgressEvent,
    Resource,
    Section,
    Track,
    TrackMilestone,
)
from .snapshot import content_changed


def kept_from_deletion(found, objs, counts, one, many, advice=lambda obj: ""):
    """What get_deleted_objects answers (`found`, Django's) when rows keep some of `objs` (their
    `counts`, by pk): a line each, `one` or `many` (with the object's name and the count) and
    its `advice`. The admin's confirmation page then says why it can't delete, and offers no
    button. Nothing is deleted, so the editor's permissions on those rows don't matter (the
    admin said they lacked permission to delete them, as if that were the way)."""
    summary = [
        ngettext(one, many, counts[obj.pk]) % {"name": obj, "count": counts[obj.pk]} + advice(obj)
        for obj in objs
        if obj.pk in counts
    ]
    if not summary:
        return found
    deleted, model_count, _, _ = found
    return deleted, model_count, set(), summary


# A learner followed the track or ticked the milestone (or an editor added a milestone to the
# section) after the admin looked for what keeps it (get_deleted_objects) and before it
# deleted: the new rows' foreign keys refused the deletion.
STARTED_MEANWHILE = (
    "Nothing was deleted: it came into use while you confirmed (a learner followed or ticked "
    "it, or a milestone was added to it). Ask to delete it again to see what keeps it."
)

GONE_BEFORE_ACTION = (
    "Nothing was changed: the milestone chosen was deleted after you opened this page.",
    "Nothing was changed: the milestones chosen were deleted after you opened this page.",
)

# A count of the roadmap's (a milestone's hours, a weight) is at least 1: its field said
# "greater than or equal to 0" (its column's type) to -1, and then refused 0 anyway.
COUNTS = {models.PositiveSmallIntegerField: {"min_value": 1}}


def after_the_last(queryset):
    """The position after the last of `queryset`: at most the largest integer PostgreSQL
    holds (SQLite holds more)."""
    last = queryset.aggregate(last=Max("position"))["last"]
    return 0 if last is None else min(last + 1, 2**31 - 1)


class ContentAdmin(admin.ModelAdmin):
    """Admin for roadmap content: every change takes the content lock first (changes.lock) and
    marks a new content revision for the caches."""

    form = ContentForm
    formfield_overrides = AS_THE_SITE | COUNTS
    name_field = None  # a track's or a section's: its renaming is a changelog entry

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=PositionForm, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=ListFormSet, **kwargs)

    def get_changeform_initial_data(self, request):
        """A new one is offered the place after the last (a milestone: in any section)."""
        initial = super().get_changeform_initial_data(request)
        return {"position": after_the_last(self.model.objects), **initial}

    def save_model(self, request, obj, form, change, *, also=()):
        """Save what was changed on the page (ContentForm) or its list, and the fields `also`
        set here; then read the object back: its other fields may be another save's since."""
        changes.lock()
        if change:
            was = None
            if self.name_field in form.changed_data:  # as it is now: renamed since, maybe
                saved = self.model.objects.filter(pk=obj.pk)
                was = saved.values_list(self.name_field, flat=True).first()
            obj.save(update_fields=[*changed_fields(form), *also])
            obj.refresh_from_db()
            if was is not None:
                changes.record_renamed(obj, was)
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A page saved as it was changed nothing: every process kept its roadmap.
        if form.has_changed() or any(formset.has_changed() for formset in formsets):
            content_changed()

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ProtectedError, IntegrityError):
            return self.started_meanwhile(request)

    def changelist_view(self, request, extra_context=None):
        """A list sent (positions, or an action) in one transaction: its rows are checked
        under the content lock (PositionForm), and a deletion goes with its entry in the
        admin's history."""
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except (ProtectedError, IntegrityError):
            return self.started_meanwhile(request)

    def started_meanwhile(self, request):
        # A foreign key is checked as the deletion commits, after the admin said it was done.
        for _ in messages.get_messages(request):  # read, and so dropped
            pass
        self.message_user(request, STARTED_MEANWHILE, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        # One way to delete, one or many: the subclasses record what it changes there.
        self.delete_queryset(request, type(obj).objects.filter(pk=obj.pk))

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        changes.lock()
        super().delete_queryset(request, queryset)
        content_changed()


# A track's milestones as the site counts them: the archived ones are not on the roadmap.
ON_THE_ROADMAP = Count("milestones", filter=Q(milestones__is_archived=False))


@admin.register(Track)
class TrackAdmin(ContentAdmin):
    list_display = ("name", "slug", "position", "milestone_count")
    list_editable = ("position",)
    search_fields = ("name", "slug", "summary")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(milestone_count=ON_THE_ROADMAP)

    name_field = "name"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            changes.record_new_track(obj)

    def get_deleted_objects(self, objs, request):
        """Refuse to delete tracks that learners follow, saying how many, not who."""
        followers = Enrollment.objects.filter(track__in=objs).values_list("track", flat=True)
        return kept_from_deletion(
            super().get_deleted_objects(objs, request),
            objs,
            Counter(followers),
            "“%(name)s”: %(count)d learner follows it. It can be deleted once nobody does.",
            "“%(name)s”: %(count)d learners follow it. It can be deleted once nobody does.",
        )

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """Delete the tracks (only those nobody follows can be), one changelog entry each."""
        changes.lock()
        tracks = list(
            Track.objects.filter(pk__in=queryset.values("pk"))
            .annotate(count=ON_THE_ROADMAP)
            .values_list("name", "count")
        )
        super().delete_queryset(request, queryset)
        changes.record_deleted_tracks(tracks)

    @admin.display(description="milestones", ordering="milestone_count")
    def milestone_count(self, track):
        return track.milestone_count


class PlacedInline(admin.TabularInline):
    """A row added here is offered the place after its siblings'. The page keeps the place it
    offered (a hidden initial): worked out again when the form comes back, after a row was
    added meanwhile, it would make a blank row left alone look filled in."""

    form = ContentForm
    formset = RowFormSet
    formfield_overrides = AS_THE_SITE | COUNTS

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        rows = self.model.objects
        siblings = rows.filter(**{formset.fk.name: obj}) if obj else rows.none()
        position = formset.form.base_fields["position"]
        position.initial = after_the_last(siblings)
        position.show_hidden_initial = True
        return formset


class MilestoneInline(PlacedInline):
    model = Milestone
    fields = ("position", "title", "slug", "estimated_hours", "is_archived")
    readonly_fields = ("is_archived",)
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        """Added on their own page (the section's links there), which has their description,
        tracks and draft switch: one added here went on the roadmap at once, toward no track."""
        return False


@admin.register(Section)
class SectionAdmin(ContentAdmin):
    list_display = ("title", "slug", "position")
    list_editable = ("position",)
    search_fields = ("title", "slug", "intro")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [MilestoneInline]
    name_field = "title"

    def get_deleted_objects(self, objs, request):
        """Refuse to delete sections that hold milestones, and say what to do with them."""
        held = Milestone.objects.filter(section__in=objs).values_list("section", flat=True)
        return kept_from_deletion(
            super().get_deleted_objects(objs, request),
            objs,
            Counter(held),
            "“%(name)s” holds %(count)d milestone (archived ones count too): move it to another "
            "section first, with the Section field on its page.",
            "“%(name)s” holds %(count)d milestones (archived ones count too): move them to other "
            "sections first, with the Section field on their pages.",
        )

    def save_formset(self, request, form, formset, change):
        """Save the section's milestones and record what it changed in them: in the changelog,
        and in each one's History."""
        ids = {inline.instance.pk for inline in formset.initial_forms}
        before = changes.state(ids)
        super().save_formset(request, form, formset, change)
        changes.record(before, changes.state(ids))
        for row in formset.initial_forms:
            if labels := [str(row[name].label) for name in row.changed_data]:
                said = f"Changed {get_text_list(labels, 'and')} on its section’s page."
                self.log_change(request, row.instance, said)


class ResourceInline(PlacedInline):
    model = Resource
    formset = ResourceFormSet
    fields = ("position", "title", "url")
    extra = 1


class TrackMilestoneInline(admin.TabularInline):
    model = TrackMilestone
    form = ContentForm
    formset = WeightFormSet
    formfield_overrides = COUNTS
    fields = ("track", "weight")
    extra = 1

    def get_queryset(self, request):  # a row's label names both
        return super().get_queryset(request).select_related("track", "milestone")


@admin.register(Milestone)
class MilestoneAdmin(ContentAdmin):
    list_display = ("title", "section", "position", "estimated_hours", "is_archived")
    list_display_links = ("title",)
    list_editable = ("position",)
    list_filter = ("is_archived", "section", "tracks")
    list_select_related = ("section",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [ResourceInline, TrackMilestoneInline]
    actions = ["archive", "unarchive"]

    def view_on_site(self, obj):
        """Its place on the roadmap; an archived one has none (the link led to the page's top)."""
        return None if obj.is_archived else obj.get_absolute_url()

    def save_model(self, request, obj, form, change):
        form.content_before = changes.state([obj.pk]) if change else {}
        also = ()
        if change and "section" in form.changed_data and "position" not in form.changed_data:
            # Not with the place it had in the other: in the middle of this one, tied with one.
            in_section = Milestone.objects.filter(section=obj.section).exclude(pk=obj.pk)
            obj.position, also = after_the_last(in_section), ("position",)
        super().save_model(request, obj, form, change, also=also)

    def save_related(self, request, form, formsets, change):
        """The milestone, its resources and its weights are recorded as one change: its entries
        share their time and read in the order they are made ("Added" first)."""
        super().save_related(request, form, formsets, change)
        changes.record(form.content_before, changes.state([form.instance.pk]))

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        before = changes.state(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        changes.record(before, {})

    def set_archived(self, request, queryset, archived, done, none):
        """Archive or un-archive the milestones, record it, and say how many there were (`done`,
        singular and plural), or that all were so already (`none`, for one and for several)."""
        with transaction.atomic():
            changes.lock()
            ids = list(queryset.values_list("pk", flat=True))
            if not ids:  # the admin leaves out those gone
                chosen = len(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
                self.message_user(request, ngettext(*GONE_BEFORE_ACTION, chosen), messages.WARNING)
                return
            before = changes.state(ids)
            changing = list(Milestone.objects.filter(pk__in=ids).exclude(is_archived=archived))
            count = Milestone.objects.filter(pk__in=[m.pk for m in changing]).update(
                is_archived=archived
            )
            if count:
                changes.record(before, changes.state(ids))
                content_changed()
            for milestone in changing:  # in its History, as an edit of its page is
                self.log_change(request, milestone, "Archived." if archived else "Un-archived.")
        if not count:
            self.message_user(request, ngettext(*none, len(ids)), messages.WARNING)
            return
        self.message_user(request, ngettext(*done, count) % count, messages.SUCCESS)

    @admin.action(
        description="Archive selected milestones (hide them, keep progress)",
        permissions=["change"],
    )
    def archive(self, request, queryset):
        done = (
            "Archived %d milestone. Learners keep their progress on it.",
            "Archived %d milestones. Learners keep their progress on them.",
        )
        none = (
            "Nothing was archived: the milestone chosen was archived already.",
            "Nothing was archived: the milestones chosen were archived already.",
        )
        self.set_archived(request, queryset, True, done, none)

    @admin.action(
        description="Un-archive selected milestones (show them again)", permissions=["change"]
    )
    def unarchive(self, request, queryset):
        done = ("Restored %d milestone to the roadmap.", "Restored %d milestones to the roadmap.")
        none = (
            "Nothing was restored: the milestone chosen is on the roadmap already.",
            "Nothing was restored: the milestones chosen are on the roadmap already.",
        )
        self.set_archived(request, queryset, False, done, none)

    def get_deleted_objects(self, objs, request):
        """Refuse to delete milestones learners have progress or history on, saying what to do."""
        learners = defaultdict(set)
        for model in (Progress, ProgressEvent):
            rows = model.objects.filter(milestone__in=objs).order_by()
            for milestone, user in rows.values_list("milestone", "user").distinct():
                learners[milestone].add(user)
        return kept_from_deletion(
            super().get_deleted_objects(objs, request),
            objs,
            {pk: len(users) for pk, users in learners.items()},
            "“%(name)s”: %(count)d learner has progress or history on it.",
            "“%(name)s”: %(count)d learners have progress or history on it.",
            lambda obj: (
                " It is archived already: off the roadmap, with their progress kept."
                if obj.is_archived
                else " Archive it instead."
            ),
        )
