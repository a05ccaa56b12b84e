"""The forms of the roadmap's admin pages: a content object's, an inline's rows and a list's
positions. A field saved over a change made to it since the page was opened is refused."""

from django import forms
from django.utils.text import get_text_list

from . import changes
from .models import Milestone, Resource, Section, Track, TrackMilestone
from .validators import validate_anchor, validate_track_ids


def deleted(form):
    """Whether a row of a formset is to be deleted: its "DELETE" box ticked (the formset's own
    field; cleaned_data, as Django reads it, even when a row is refused)."""
    return getattr(form, "cleaned_data", {}).get("DELETE", False)


class ContentForm(forms.ModelForm):
    """A track's, section's or milestone's form, or a row of one of their pages (a milestone on
    its section's, a resource or a weight on its milestone's).

    Saved, it writes only the fields changed on the page: each carries what the page showed (a
    hidden initial), and what differs from that is what the editor changed. Saved whole, a page
    put back what another save had changed since it was opened (a title, an archival), without
    a word; and a field changed both on the page and by another save since is refused (the
    object as it is now, read under the content lock, against what the page showed). A slug is
    given when its object is created, and never changed: it is in addresses (`#slug`,
    `?track=`, README badges) and the key of exports and the roadmap file."""

    def __init__(self, *args, row=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row  # a row of a page's table or of a list (NoRowGone)
        slug = self.fields.get("slug")
        named = "links, badges, learners' exported files and the roadmap file name it by this."
        if self.instance.pk is None:
            if slug is not None:
                slug.help_text = f"Fixed once saved, so choose it with care: {named}"
            return
        for name, field in self.fields.items():
            # Sent without it (by a script), a field is compared with the object as it is now.
            if not self.is_bound or self.add_initial_prefix(name) in self.data:
                field.show_hidden_initial = True
        if slug is not None:
            slug.disabled = True  # what is posted for it is ignored
            slug.help_text = f"Fixed once saved: {named}"

    def save(self, commit=True):
        """A row saved by its inline (commit): only what was changed on the page."""
        if not commit or self.instance.pk is None:
            return super().save(commit)
        self.instance.save(update_fields=changed_fields(self))
        self.instance.refresh_from_db()  # named as it is now, in the admin's history
        return self.instance

    def clean(self):
        """Under the content lock, held until the page's transaction ends (taken now, not as
        the object is saved: two saves at once both found nothing newer, and the second undid
        the first): a new object's slug is then checked against one another save committed
        meanwhile, of either kind (a 500, or two places of one anchor), and a changed one
        against that save."""
        cleaned = super().clean()
        if self.row and not self.has_changed():
            return cleaned  # not saved (a row gone since is said by its formset)
        changes.lock()
        if self.instance.pk is None:
            self.refuse_taken_slug(cleaned.get("slug"))
        else:
            self.refuse_stale()
        return cleaned

    def refuse_taken_slug(self, slug):
        """A new section's or milestone's slug is its place on the roadmap page (/#slug): not
        another section's or milestone's."""
        model = self._meta.model
        if slug and model in (Section, Milestone):
            other = Milestone if model is Section else Section
            if other.objects.filter(slug=slug).exists():
                kind = other._meta.verbose_name
                self.add_error("slug", self.TAKEN % {"kind": kind, "slug": slug})

    def refuse_stale(self):
        """Refuse a save of an object deleted since the page was opened, or of fields changed
        on the page that another save changed since: the object as it is now against what the
        page showed. One already as the page has it (sent twice) is no clash."""
        shown = {name: self.add_initial_prefix(name) for name in changed_fields(self)}
        shown = {name: key for name, key in shown.items() if key in self.data}  # not a script's
        kind = self._meta.model._meta.verbose_name
        if self.row:  # a table may show it in the row of its place, another after a move
            kind = f"{kind} “{self.instance}”"
        now = self._meta.model.objects.filter(pk=self.instance.pk).values("pk", *shown).first()
        if now is None:
            raise forms.ValidationError(
                f"Nothing was saved: this {kind} was deleted after you opened this page.",
                code="gone",
            )
        try:
            stale = [
                name
                for name, key in shown.items()
                if self.fields[name].to_python(now[name])
                not in (self.fields[name].to_python(self.data[key]), self.cleaned_data.get(name))
            ]
        except forms.ValidationError:
            raise forms.ValidationError(UNREADABLE, code="unreadable") from None
        if stale:
            # Which: the page showed the editor's own values, and nothing said where.
            labels = [str(self.fields[name].label or name).lower() for name in stale]
            for name in stale:
                self.add_error(name, "Changed by another save since you opened this page.")
            raise forms.ValidationError(
                f"Nothing was saved: this {kind} was changed after you opened this page (its "
                f"{get_text_list(labels, 'and')}). Reload the page to see it as it is now, then "
                "make your change again.",
                code="stale",
            )

    TAKEN = (
        "A %(kind)s has this slug, and each is a place of its own on the roadmap page "
        "(/#%(slug)s): choose another."
    )

    def clean_slug(self):
        """A new section's or milestone's slug is not one of the roadmap page's own ids (nor
        another section's or milestone's: `clean`). A new track's makes none of the pages'
        other ids."""
        slug = self.cleaned_data["slug"]
        model = self._meta.model
        if self.instance.pk is None and model is Track:
            validate_track_ids(slug)
        if self.instance.pk is None and model in (Section, Milestone):
            validate_anchor(slug)
        return slug


def changed_fields(form):
    """The names of a model form's fields of its object changed on the page (what a ContentForm
    showed of them, or the object as it is now)."""
    model = form.instance._meta  # the model's _meta API
    model_fields = {field.name for field in model.concrete_fields if not field.primary_key}
    return [name for name in form.changed_data if name in model_fields]


class NoRowGone:
    """A formset's rows: one deleted or moved away since the page was opened (by another
    editor, or with its track) is refused: said here, where the admin shows it. Its hidden id
    was refused with nothing marked ("Please correct the errors below"), or an inline's row
    asked for a slug, as a new one, and was then left out of the save without a word."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "row": True}

    def clean(self):
        super().clean()
        # Not found among the page's rows: deleted, or moved to another section or milestone.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(ROW_GONE, code="gone")


class RowFormSet(NoRowGone, forms.BaseInlineFormSet):
    """An inline's table: the column headings label its fields for the eye only, so each is
    named by its heading and its row. A row has no place for help text (a field pointed to
    help that wasn't there): the object's own page has it."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = "new row" if index is None else f"row {index + 1}"
        for field in form.fields.values():
            field.help_text = ""
            # A related field's widget is the admin's wrapper around the form's own copy.
            widget = getattr(field.widget, "widget", field.widget)
            if not widget.is_hidden:
                widget.attrs["aria-label"] = f"{field.label}, {row}"

    def leaving(self, field):
        """The ids of the page's rows whose `field` (a track, a link) this page takes away:
        deleted, or given another. Known in clean() too, where deleted_forms is empty as soon
        as any row is refused."""
        return [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk and (deleted(form) or field in form.changed_data)
        ]


class ListFormSet(NoRowGone, forms.BaseModelFormSet):
    """A content list's rows (their positions)."""


class PositionForm(ContentForm):
    """A row of the list, whose position can be changed there: named by the row's title.
    Saved, as on the object's page, only when changed there and not by another save since:
    every row the list showed was written back as it showed it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].widget.attrs["aria-label"] = f"Position of {self.instance}"


UNREADABLE = "Nothing was saved: this page’s form was not as it was sent. Reload the page."
TRACK_HELD = (
    "This milestone counts toward %(track)s already: another save made it so since you opened "
    "this page (or this page was sent twice). Reload the page to change its weight there."
)
TRACK_TWICE = "Another row on this page counts toward %(track)s: give each track one row."
LINK_HELD = (
    "This milestone has a resource with this link already (one added since you opened this "
    "page, perhaps). Reload the page to see its resources as they are now."
)
LINK_TWICE = "Another resource on this page has this link: give each resource a link of its own."
ROW_GONE = (
    "Nothing was saved: a row of this page was deleted or moved elsewhere after you opened it "
    "(by another editor, or with its track). Reload the page, then make your change again."
)


class WeightFormSet(RowFormSet):
    """A milestone's weights, one row per track. A row moved to a track that another row
    leaves (deleted, or moved on too: two swapped) was saved while that one still held the
    track, against the database's rule (a 500): the rows deleted and moved go first, and the
    moved ones come back with their own ids."""

    def clean(self):
        """A track given to a row here that the milestone holds already, by a row the page
        doesn't show there (another save, since the page was opened, added it or moved one
        there; or this page was sent twice), broke the database's rule: a 500. The rows as
        they are now are read under the content lock, which the milestone's form took."""
        self.one_row_a_track()
        super().clean()
        placed = [
            form
            for form in self.forms
            if form not in self.deleted_forms and "track" in form.changed_data
        ]
        if not placed or self.instance.pk is None:
            return
        shown = {form.instance.pk: form.cleaned_data.get("track") for form in self.initial_forms}
        rows = TrackMilestone.objects.filter(milestone=self.instance.pk)
        held = {
            track
            for pk, track in rows.exclude(pk__in=self.leaving("track")).values_list("pk", "track")
            if getattr(shown.get(pk), "pk", None) != track  # the page's own: Django's check
        }
        for form in placed:
            track = form.cleaned_data.get("track")
            if track is not None and track.pk in held:
                form.add_error("track", TRACK_HELD % {"track": track})

    def one_row_a_track(self):
        """Two rows of the page given one track: said at the row given it (a row whose track
        changed, rather than one left as it was), named by the track. Django's own check said
        "Please correct the duplicate data" above the table, at no field."""
        kept = [form for form in self.forms if not deleted(form)]
        seen = set()
        for form in sorted(kept, key=lambda form: "track" in form.changed_data):
            track = getattr(form, "cleaned_data", {}).get("track")
            if track is not None and track.pk in seen:
                form.add_error("track", TRACK_TWICE % {"track": track})
            elif track is not None:
                seen.add(track.pk)

    def save(self, commit=True):
        self.left = {}
        if commit:
            leaving = self.leaving("track")
            self.left = TrackMilestone.objects.in_bulk(leaving)  # as they were, deleted now
            TrackMilestone.objects.filter(pk__in=leaving).delete()
        return super().save(commit)

    def save_existing(self, form, obj, commit=True):
        """A moved row (a deleted one goes to delete_existing)."""
        now = self.left.get(obj.pk)
        if not commit or now is None:
            return super().save_existing(form, obj, commit)
        if "weight" not in form.changed_data:  # as another save may have set it since
            obj.weight = now.weight
        obj.save(force_insert=True)  # the row was deleted: back, with its id
        return obj


class ResourceFormSet(RowFormSet):
    """A milestone's resources."""

    def clean(self):
        """A link given to a row (new, or linked anew) that another row has: one the page
        shows, or one it doesn't (another save since the page was opened added it or linked a
        row to it, or this page was sent twice). Two rows that shared a link before may keep
        it. The rows as they are now are read under the content lock, which the milestone's
        form took."""
        super().clean()
        kept = [form for form in self.forms if not deleted(form)]
        linked = [f for f in kept if f.cleaned_data.get("url") and "url" in f.changed_data]
        if not linked:
            return
        shown = {form.cleaned_data.get("url") for form in kept if form not in linked}
        rows = Resource.objects.filter(milestone=self.instance.pk).exclude(
            pk__in=self.leaving("url")
        )
        held = set(rows.values_list("url", flat=True)) if self.instance.pk else set()
        seen = set()
        for form in linked:
            url = form.cleaned_data["url"]
            if url in seen or url in shown:
                form.add_error("url", LINK_TWICE)
            elif url in held:
                form.add_error("url", LINK_HELD)
            seen.add(url)
