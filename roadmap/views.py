from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from . import progress
from .forms import DetailsForm, StatusForm
from .models import Enrollment, Milestone, Progress, Status
from .snapshot import done_ids, get_snapshot

TEMPLATE = "roadmap/roadmap.html"
GONE = "This milestone is no longer on the roadmap. Reload the page to see the current one."


class NotStarted:
    """A learner's progress on a milestone they have no row for."""

    status = Status.NOT_STARTED
    completed_at = None
    note = ""
    evidence_url = ""


NOT_STARTED = NotStarted()


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def learner_context(user, snapshot):
    """What the roadmap page and the tick show of a learner: their rows and their bars.

    Two queries: the learner's progress rows, the tracks they follow.
    """
    own = Progress.objects.own(user)
    followed = Enrollment.objects.track_ids(user)
    return {"own": own, "completion": snapshot.completion(done_ids(own), followed)}


@require_safe
def index(request):
    snapshot = get_snapshot()
    context = {"snapshot": snapshot, "signup_url": reverse("signup"), "login_url": reverse("login")}
    if request.user.is_authenticated:
        context.update(learner_context(request.user, snapshot))
        own = context["own"]
        sections = [
            (section, [(m, own.get(m.id, NOT_STARTED)) for m in section.milestones])
            for section in snapshot.sections
        ]
    else:  # no progress: an invitation to sign up on every milestone
        sections = [
            (section, [(m, None) for m in section.milestones]) for section in snapshot.sections
        ]
    context["sections"] = sections
    return TemplateResponse(request, TEMPLATE, context)


def milestone_gone(request):
    """404 for a milestone that isn't (or is no longer) on the roadmap: a short text that the
    page's error handler shows for htmx, the 404 page otherwise."""
    if request.htmx:
        return HttpResponseNotFound(GONE, content_type="text/plain; charset=utf-8")
    raise Http404(GONE)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def set_status(request, slug):
    snapshot = get_snapshot()
    if snapshot.milestone(slug) is None:
        # A slug this process doesn't know yet may have been added a moment ago elsewhere.
        snapshot = get_snapshot(fresh=True)
    milestone = snapshot.milestone(slug)
    if milestone is None:
        return milestone_gone(request)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            " ".join(form.errors["status"]), content_type="text/plain; charset=utf-8"
        )
    try:
        progress.set_status(
            user=request.user, milestone=milestone, status=form.cleaned_data["status"]
        )
    except IntegrityError:  # deleted since this process last read the roadmap
        return milestone_gone(request)
    if not request.htmx:
        return redirect(milestone.get_absolute_url())
    context = learner_context(request.user, snapshot)
    context.update(milestone=milestone, mine=context["own"].get(milestone.id, NOT_STARTED))
    return TemplateResponse(request, f"{TEMPLATE}#tick", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
@vary_on_headers("HX-Request")
def details(request, slug):
    """The note and evidence link of one milestone: shown, edited inline (htmx) or on a page."""
    milestone = get_object_or_404(
        Milestone.objects.active().with_own_progress(request.user), slug=slug
    )
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            progress.save_details(user=request.user, milestone=milestone, **form.cleaned_data)
            if not request.htmx:
                return redirect(milestone.get_absolute_url())
            return details_response(request, milestone, form.cleaned_data, saved=True)
        status = 422
    else:
        mine = {"note": milestone.own_note or "", "evidence_url": milestone.own_evidence_url or ""}
        if request.htmx and request.GET.get("show") == "saved":
            return details_response(request, milestone, mine)
        form = DetailsForm(initial=mine)
        status = 200
    context = {"milestone": milestone, "form": form}
    if request.htmx:
        return TemplateResponse(request, f"{TEMPLATE}#details_form", context, status=status)
    return TemplateResponse(request, "roadmap/details.html", context, status=status)


def details_response(request, milestone, mine, saved=False):
    """The note and evidence link as the roadmap shows them (`mine` has both)."""
    return TemplateResponse(
        request, f"{TEMPLATE}#details", {"milestone": milestone, "mine": mine, "saved": saved}
    )
