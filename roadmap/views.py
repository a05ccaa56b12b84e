from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import login_required

from . import progress
from .forms import DetailsForm, StatusForm
from .models import Milestone, Section, Track


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def roadmap_context(request, **extra):
    user = request.user
    return {
        "sections": Section.objects.with_active_milestones(user),
        "tracks": Track.objects.with_active_memberships(),
        "completion": Track.objects.with_completion(user) if user.is_authenticated else None,
        **extra,
    }


@require_safe
def index(request):
    return TemplateResponse(request, "roadmap/roadmap.html", roadmap_context(request))


def own_milestone(request, slug):
    """The active milestone, read with this user's own progress; 404 for anything else."""
    try:
        return progress.milestone_with_progress(user=request.user, slug=slug)
    except Milestone.DoesNotExist:
        raise Http404("No such milestone on the roadmap.") from None


def back_to(milestone):
    return redirect(milestone.get_absolute_url())


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
        return back_to(milestone)
    return TemplateResponse(
        request,
        "roadmap/roadmap.html#status_changed",
        {"milestone": milestone, "completion": Track.objects.with_completion(request.user)},
    )


@require_POST
@login_required
@vary_on_headers("HX-Request")
def save_details(request, slug):
    milestone = own_milestone(request, slug)
    form = DetailsForm(request.POST)
    if form.is_valid():
        progress.save_details(user=request.user, milestone=milestone, **form.cleaned_data)
        if not request.htmx:
            return back_to(milestone)
        return TemplateResponse(
            request, "roadmap/roadmap.html#details", {"milestone": milestone, "saved": True}
        )
    if request.htmx:
        return TemplateResponse(
            request,
            "roadmap/roadmap.html#details",
            {"milestone": milestone, "form": form, "form_slug": slug},
            status=422,
        )
    return TemplateResponse(
        request,
        "roadmap/roadmap.html",
        roadmap_context(request, form=form, form_slug=slug),
        status=422,
    )
