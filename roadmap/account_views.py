"""The account pages that need the roadmap: choosing tracks, and exporting or importing data.

They live here rather than in accounts because accounts never imports roadmap.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.views import refused, safe_next
from config.forms import CheckedMultipleChoiceField

from . import exports, import_checks, imports, progress
from .models import Progress, Status, Track
from .views import posted_from

logger = logging.getLogger(__name__)
# An editor took a chosen track, or a milestone or track of an imported file, off the roadmap
# between the form's check and the write, whose foreign key then failed.
TRACK_GONE = "A track you chose was just taken off the roadmap: choose again."
ROADMAP_CHANGED = (
    "Nothing was imported: the roadmap changed while your file was read (a milestone or track "
    "in it was just taken off). Import it again."
)


class TrackChoiceForm(forms.Form):
    tracks = CheckedMultipleChoiceField(
        queryset=Track.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Career tracks to follow",
        error_messages={"required": "Choose at least one track to follow."},
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File to import",
        help_text=f"A JSON file downloaded from this page, up to {import_checks.MAX_IMPORT_MB} MB.",
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
        error_messages={"required": "Choose the JSON file to import."},
    )
    what = forms.ChoiceField(
        label="What to import",
        choices=[
            ("progress", "Progress only: milestones, notes, evidence links and history"),
            (
                "everything",
                "Progress and profile: also puts the file's followed tracks (with their target "
                "dates), display name, public page setting, hours a week, time zone and whether "
                "done milestones are hidden in place of this account's",
            ),
        ],
        initial="progress",
        required=False,  # a form posted without the choice imports progress only
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        try:
            return import_checks.read_file(self.cleaned_data["file"])
        except import_checks.ImportRejected as exc:
            raise forms.ValidationError(f"Nothing was imported. {exc}") from None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def choose_tracks(request):
    next_url = safe_next(request)
    if request.method == "POST":
        form = TrackChoiceForm(request.POST)
        if form.is_valid():
            tracks = form.cleaned_data["tracks"]
            try:
                cleared = progress.set_followed_tracks(user=request.user, tracks=tracks)
            except IntegrityError:
                still_there = Track.objects.filter(pk__in=[track.pk for track in tracks])
                if still_there.count() == len(tracks):
                    raise  # or the account was deleted: DeletedAccountMiddleware answers
                form.add_error("tracks", TRACK_GONE)
            else:
                names = ", ".join(track.name for track in tracks)
                said = f"Saved. You follow: {names}."
                # A target date goes with its track: said, as the dashboard's Unfollow says it.
                said = " ".join([said, *progress.cleared_targets_said(cleared)])
                messages.success(request, said)
                # A URL, never a view name for redirect() to look up: next=0 would be a 500.
                return HttpResponseRedirect(next_url) if next_url else redirect("roadmap:index")
    else:
        form = TrackChoiceForm(
            initial={"tracks": Track.objects.filter(enrollments__user=request.user)}
        )
    context = {"form": form, "next": next_url}
    return TemplateResponse(request, "accounts/choose_tracks.html", context, status=refused(form))


def my_data_page(request, form):
    """Three queries: what the learner has ticked or written, how much history they have, and
    what of theirs is on milestones taken off the roadmap (shown nowhere else)."""
    user = request.user
    archived = (
        Progress.objects.filter(user=user, milestone__is_archived=True)
        .exclude(status=Status.NOT_STARTED, note="", evidence_url="")
        .select_related("milestone")
        .order_by("milestone__title")
    )
    return TemplateResponse(
        request,
        "accounts/my_data.html",
        {
            "form": form,
            "counts": Progress.objects.filter(user=user).aggregate(
                done=Count("pk", filter=Q(status=Status.DONE)),
                done_archived=Count(
                    "pk", filter=Q(status=Status.DONE, milestone__is_archived=True)
                ),
                in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
                with_details=Count("pk", filter=~Q(note="") | ~Q(evidence_url="")),
            ),
            "event_count": user.progress_events.count(),
            "archived": archived,
        },
        status=refused(form),
    )


@require_safe
@login_required
@never_cache
def my_data(request):
    return my_data_page(request, ImportForm())


def attachment(response, filename):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
@never_cache
@login_required
def export_json(request):
    response = JsonResponse(
        exports.export_data(request.user),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    return attachment(response, f"next-steps-{request.user.username}.json")


@require_safe
@never_cache
@login_required
def export_markdown(request):
    response = HttpResponse(
        exports.to_markdown(request.user), content_type="text/markdown; charset=utf-8"
    )
    return attachment(response, f"next-steps-{request.user.username}.md")


@posted_from("my_data")
@login_required
@never_cache
def import_data(request):
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report = imports.import_data(
                user=request.user,
                data=form.cleaned_data["file"],
                with_profile=form.cleaned_data["what"] == "everything",
            )
        except import_checks.ImportRejected as exc:
            form.add_error("file", f"Nothing was imported. {exc}")
        except IntegrityError:
            if not get_user_model().objects.filter(pk=request.user.pk).exists():
                raise  # DeletedAccountMiddleware answers
            # Most likely the roadmap; logged in case it was something else.
            logger.warning("An import was refused by the database", exc_info=True)
            form.add_error("file", ROADMAP_CHANGED)
        else:
            messages.success(request, report.summary())
            return redirect("my_data")
    return my_data_page(request, form)
