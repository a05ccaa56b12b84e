from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import CSRF_TOKEN_LENGTH, get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from . import progress
from .forms import DetailsForm, clean_status
from .models import Milestone, Status
from .queries import milestone_with_progress, own_progress
from .snapshot import completion_date, get_snapshot

TEMPLATE = "roadmap/roadmap.html"


class OwnProgress(NamedTuple):
    """What the roadmap page shows of a learner's own progress on one milestone."""

    status: str
    completed_at: object
    note: str
    evidence_url: str
    row_id: int = None

    @property
    def completed_on(self):
        return completion_date(self.completed_at, "j M Y")

    @property
    def completed_on_iso(self):
        return completion_date(self.completed_at, "Y-m-d")

    @classmethod
    def of(cls, milestone):
        """From a milestone carrying `own_*` values (read with `with_own_progress`, or set by
        the tick from the learner's rows and kept in step by progress.set_status)."""
        return cls(
            milestone.own_status or Status.NOT_STARTED,
            milestone.own_completed_at,
            milestone.own_note or "",
            milestone.own_evidence_url or "",
        )


NO_PROGRESS = OwnProgress(Status.NOT_STARTED, None, "", "")


def own_rows(user):
    """milestone id -> OwnProgress, for every milestone the user has a row for (read with the
    session, or one query: queries.own_progress)."""
    return {milestone_id: OwnProgress(*values) for milestone_id, *values in own_progress(user)}


def accepted_csrf_token(request):
    """The CSRF token this POST was accepted with, looked up the way CsrfViewMiddleware does,
    when it is a masked one: the page's own token, which the page holds in every form already.
    A fragment answering the POST carries it again rather than a newly masked one (each costs
    32 random draws). A bare secret, which Django accepts too, is never sent back."""
    token = request.POST.get("csrfmiddlewaretoken") or request.META.get(settings.CSRF_HEADER_NAME)
    if token and len(token) == CSRF_TOKEN_LENGTH:
        return token
    return get_token(request)


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def index(request):
    snapshot = get_snapshot()
    context = {"snapshot": snapshot, "sections": None, "track_bars": None}
    if request.user.is_authenticated:
        own = own_rows(request.user)
        # One masked token for the whole page: the controls and the template's csrf_token.
        csrf_token = get_token(request)
        if not messages.get_messages(request):
            # Nothing to flash: the page pre-rendered for this revision, with this learner's
            # name, token, bars and sections put in (what the template below renders).
            return HttpResponse(snapshot.learner_page(request.user, own, csrf_token))
        context.update(
            sections=snapshot.learner_sections(own, csrf_token),
            track_bars=snapshot.track_bars(snapshot.completion_of(own)),
            csrf_token=csrf_token,
        )
    return TemplateResponse(request, TEMPLATE, context)


def own_milestone(request, slug):
    """The active milestone, read with this user's own progress; 404 for anything else."""
    try:
        return milestone_with_progress(user=request.user, slug=slug)
    except Milestone.DoesNotExist:
        raise Http404("No such milestone on the roadmap.") from None


def milestone_entry(slug):
    """The snapshot and its entry for the active milestone with this slug; 404 for anything
    else. An unknown slug makes this process look at the content revision again first, so a
    milestone added a moment ago by another process is found."""
    for fresh in (False, True):
        snapshot = get_snapshot(fresh=fresh)
        entry = snapshot.milestones_by_slug.get(slug)
        if entry is not None:
            return snapshot, entry
    raise Http404("No such milestone on the roadmap.")


@require_POST
@login_required
@vary_on_headers("HX-Request")
def set_status(request, slug):
    snapshot, entry = milestone_entry(slug)
    try:
        status = clean_status(request.POST)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages), content_type="text/plain")
    own = own_rows(request.user)
    mine = own.get(entry.id, NO_PROGRESS)
    # What progress.set_status writes through: the milestone, with the row read above.
    milestone = Milestone(pk=entry.id, slug=entry.slug, title=entry.title)
    milestone.own_id = mine.row_id
    milestone.own_status = mine.status
    milestone.own_completed_at = mine.completed_at
    milestone.own_note = mine.note
    milestone.own_evidence_url = mine.evidence_url
    try:
        progress.set_status(user=request.user, milestone=milestone, status=status)
    except progress.StatusConflict:
        # Every attempt lost a race, or the milestone was deleted a moment ago.
        if slug not in get_snapshot(fresh=True).milestones_by_slug:
            raise Http404("No such milestone on the roadmap.") from None
        return HttpResponse(
            "This milestone kept changing while you ticked it: reload the page and try again.",
            status=409,
            content_type="text/plain",
        )
    if not request.htmx:
        return redirect(entry.url)
    # The milestone's controls as the roadmap page shows them, and the bars out of band.
    own[entry.id] = OwnProgress.of(milestone)
    control = entry.status_control(own[entry.id], accepted_csrf_token(request))
    bars = snapshot.track_bars(snapshot.completion_of(own), oob=True)
    return HttpResponse(control + bars)


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
