from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from . import progress
from .forms import DetailsForm, StatusForm
from .models import Milestone, Status
from .queries import completion, milestone_with_progress, own_progress
from .snapshot import completion_date, get_snapshot

TEMPLATE = "roadmap/roadmap.html"


class OwnProgress(NamedTuple):
    """What the roadmap page shows of a learner's own progress on one milestone."""

    status: str
    completed_at: object
    note: str
    evidence_url: str

    @property
    def completed_on(self):
        return completion_date(self.completed_at, "j M Y")

    @property
    def completed_on_iso(self):
        return completion_date(self.completed_at, "Y-m-d")

    @classmethod
    def of(cls, milestone):
        """From a milestone read with `with_own_progress`."""
        return cls(
            milestone.own_status or Status.NOT_STARTED,
            milestone.own_completed_at,
            milestone.own_note or "",
            milestone.own_evidence_url or "",
        )


NO_PROGRESS = OwnProgress(Status.NOT_STARTED, None, "", "")


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def index(request):
    snapshot = get_snapshot()
    context = {"snapshot": snapshot, "sections": None, "track_bars": None}
    if request.user.is_authenticated:
        own = {
            milestone_id: OwnProgress(*values)
            for milestone_id, *values in own_progress(request.user)
        }
        # One masked token for the whole page: the controls and the template's csrf_token.
        csrf_token = get_token(request)
        context.update(
            sections=snapshot.learner_sections(own, csrf_token),
            track_bars=track_bars(snapshot, completion(request.user)),
            csrf_token=csrf_token,
        )
    return TemplateResponse(request, TEMPLATE, context)


def track_bars(snapshot, completion, *, oob=False):
    """The "Your progress" bars: from the snapshot, or rendered when it lags the content."""
    html = snapshot.track_bars(completion, oob=oob)
    if html is None:
        html = render_to_string(f"{TEMPLATE}#track_bars", {"completion": completion, "oob": oob})
    return html


def own_milestone(request, slug):
    """The active milestone, read with this user's own progress; 404 for anything else."""
    try:
        return milestone_with_progress(user=request.user, slug=slug)
    except Milestone.DoesNotExist:
        raise Http404("No such milestone on the roadmap.") from None


@require_POST
@login_required
@vary_on_headers("HX-Request")
def set_status(request, slug):
    milestone = own_milestone(request, slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(form.errors["status"]), content_type="text/plain")
    progress.set_status(user=request.user, milestone=milestone, status=form.cleaned_data["status"])
    if not request.htmx:
        return redirect(milestone.get_absolute_url())
    # The milestone's controls as the roadmap page shows them, and the bars out of band.
    snapshot = get_snapshot()
    own = OwnProgress.of(milestone)
    entry = snapshot.milestones_by_id.get(milestone.id)
    if entry is None:  # added a moment ago, in a revision this process hasn't read yet
        control = render_to_string(
            f"{TEMPLATE}#status", {"milestone": milestone, "own": own}, request=request
        )
    else:
        control = entry.status_control(own, get_token(request))
    return HttpResponse(control + track_bars(snapshot, completion(request.user), oob=True))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@vary_on_headers("HX-Request")
def details(request, slug):
    """The note and evidence link of one milestone: shown, edited inline (htmx) or on a page."""
    milestone = own_milestone(request, slug)
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            progress.save_details(user=request.user, milestone=milestone, **form.cleaned_data)
            if not request.htmx:
                return redirect(milestone.get_absolute_url())
            return details_response(request, milestone, saved=True)
        status = 422
    else:
        if request.htmx and request.GET.get("show") == "saved":
            return details_response(request, milestone)
        form = DetailsForm(
            initial={"note": milestone.own_note, "evidence_url": milestone.own_evidence_url}
        )
        status = 200
    context = {"milestone": milestone, "form": form}
    if request.htmx:
        return TemplateResponse(request, f"{TEMPLATE}#details_form", context, status=status)
    return TemplateResponse(request, "roadmap/details.html", context, status=status)


def details_response(request, milestone, saved=False):
    return TemplateResponse(
        request,
        f"{TEMPLATE}#details",
        {"milestone": milestone, "own": OwnProgress.of(milestone), "saved": saved},
    )
