from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts.middleware import NOT_SAVED, OTHER_ACCOUNT
from accounts.views import on_site, refused, safe_next

from . import drafts, focus, news, progress
from .forms import DetailsForm, StatusForm
from .models import Enrollment, Milestone, Progress, Status, whole_roadmap_url
from .snapshot import done_ids, get_snapshot

TEMPLATE = "roadmap/roadmap.html"
GONE = "This milestone is no longer on the roadmap. Reload the page to see the current one."
OTHER_EDITOR = (
    "This note editor was opened for another account than the one logged in now in this "
    "browser, so nothing was saved. What it held is below, to copy if it is yours."
)
NO_TRACK = "There is no such career track any more. Reload the page."
# A note sent for a milestone archived or deleted since the editor opened: said with htmx (the
# editor still holds it), or shown back without JavaScript (the editor is gone).
NOTE_GONE = (
    "This milestone is no longer on the roadmap, so your note was not saved: copy your note "
    "from the editor before you reload the page."
)
NOTE_GONE_PAGE = (
    "This milestone is no longer on the roadmap, so your note was not saved. What you typed is "
    "below, to copy."
)
# The parts of the roadmap page that htmx asks for again, by the id of their element.
PARTS = {"roadmap-body": "#focused", "roadmap-tools": "#tools"}


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """Asked for by a browser showing something other than a page of the site's (the feed, a
    badge), which names no icon: a 404 in the log each time. Not for good (a 301): the icon's
    address changes with its content."""
    return HttpResponseRedirect(static("img/favicon.svg"))


@require_safe
@never_cache
@vary_on_headers("HX-Request")
def index(request):
    """The roadmap. For a learner: the session, the user, their progress rows and followed
    tracks (four queries), the changes since they last caught up when there are any (one), and
    once an hour their visit (one); the roadmap itself comes from the snapshot."""
    snapshot = get_snapshot()
    user = request.user
    learner = user.is_authenticated
    own = Progress.objects.own(user) if learner else {}
    followed = Enrollment.objects.track_ids(user) if learner else set()
    chosen = focus.choose(request.GET.get("track") or None, snapshot, followed)
    if chosen is None:
        if request.htmx:  # a focus link on a page older than the track's deletion
            return not_found(request, NO_TRACK)
        context = {"tracks": snapshot.tracks}
        return TemplateResponse(request, "404.html", context, status=404)
    part = PARTS.get(request.htmx.target) if request.htmx else None
    context = {
        "snapshot": snapshot,
        "focus": chosen,
        "followed": followed,
        "signup_url": reverse("signup"),
        "login_url": reverse("login"),
        "here": request.get_full_path(),  # where a tick without JavaScript comes back to
    }
    if not learner and part is None:
        context["visitor_body"] = snapshot.visitor_body(chosen)
    elif not learner:
        context["sections"] = focus.sections(snapshot, chosen, own, learner=False)
    else:
        done = done_ids(own)
        whats_new = news.since_mark(user, snapshot, own, followed)
        tags = whats_new.tags if whats_new else None
        # A link to one milestone (the career tracks' lists) shows it, done and hidden or not.
        show = getattr(snapshot.by_slug.get(request.GET.get("show")), "id", None)
        sections = focus.sections(
            snapshot,
            chosen,
            own,
            hide_done=user.hide_done,
            hidden_since=user.done_hidden_at,
            tags=tags,
            show=show,
        )
        items = [item for _, part_items in sections for item in part_items]
        # The button's page to come back to, without the one shown: hidden, it is hidden too.
        rest = request.GET.copy()
        rest.pop("show", None)
        news.note_visit(user)
        context.update(
            sections=sections,
            news=whats_new,
            completion=snapshot.completion(done, followed),
            next_up=focus.next_up(items),
            in_focus={item.milestone.id for item in items},  # the news's links lead there
            hide_done=user.hide_done,
            # What the button hides, or shows again (those hidden), and the done ones it leaves
            # in sight: for their news, or just ticked.
            done_count=sum(item.hidden if user.hide_done else item.hideable for item in items),
            done_kept=sum(item.status == Status.DONE and not item.hideable for item in items),
            just_done=sum(item.hideable and item.just_done for item in items),
            hide_next=f"{request.path}?{rest.urlencode()}" if rest else request.path,
        )
    if part == PARTS["roadmap-body"]:  # said to a screen reader: what the list shows now
        items = [item for _, part_items in context["sections"] for item in part_items]
        context["shown_count"] = sum(not item.hidden for item in items)
        context["hidden_count"] = len(items) - context["shown_count"]
    template = TEMPLATE + (part or "")
    return TemplateResponse(request, template, context)


def posted_from(page):
    """POST only, for a form on `page` (a URL name, or a function of the view's arguments that
    gives a URL), where a GET of its address is sent: without JavaScript a refused form is shown
    at the form's address, and opened again from the address bar or the history, it was a blank
    405. Sent without JavaScript after the session ended, the form leads to the login page, which
    says it was not saved, and then back to the page it was on (htmx: HtmxLoginRedirectMiddleware).
    """

    def decorator(view):
        @require_http_methods(["GET", "HEAD", "POST"])
        @wraps(view)
        def posted(request, *args, **kwargs):
            sent = request.method == "POST"
            if sent and (request.user.is_authenticated or request.htmx):  # the view's to answer
                return view(request, *args, **kwargs)
            url = page(*args, **kwargs) if callable(page) else resolve_url(page)
            if not sent:
                return redirect(url)
            messages.info(request, NOT_SAVED)
            back, place = safe_next(request) or came_from(request), urlsplit(url).fragment
            return redirect_to_login(at_place(back, place, url) if place else back or url)

        return posted

    return decorator


@posted_from("roadmap:index")
@login_required
def hide_done(request):
    """Hide the milestones that are done, or show them again; back to the page it came from, at
    the button (htmx follows the redirect and swaps in the roadmap's new body)."""
    user = request.user
    user.hide_done = request.POST.get("hide") == "1"
    if user.hide_done:
        user.done_hidden_at = timezone.now()
    user.save(update_fields=["hide_done", "done_hidden_at"])
    index = reverse("roadmap:index")
    return HttpResponseRedirect(at_place(safe_next(request) or index, "hide-done-toggle", index))


def came_from(request):
    """The path and query of the page on this site the request was sent from (its Referer),
    or ""."""
    referer = urlsplit(on_site(request, request.headers.get("Referer", "")))
    # Checked again: a path like //other.example/ rebuilt alone is another site's address.
    return on_site(request, urlunsplit(("", "", referer.path, referer.query, "")))


def not_found(request, message):
    """404 saying `message`: a short text that the page's error handler shows for htmx, the 404
    page otherwise."""
    if request.htmx:
        return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")
    return TemplateResponse(request, "404.html", {"message": message}, status=404)


@posted_from(lambda slug: f"{whole_roadmap_url()}#{slug}")  # not in a learner's own view
@login_required
@never_cache
@vary_on_headers("HX-Request")
def set_status(request, slug):
    snapshot = get_snapshot()
    if slug not in snapshot.by_slug:
        # A slug this process doesn't know yet may have been added a moment ago elsewhere.
        snapshot = get_snapshot(fresh=True)
    milestone = snapshot.by_slug.get(slug)
    if milestone is None:
        return not_found(request, GONE)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            " ".join(form.errors["status"]), content_type="text/plain; charset=utf-8"
        )
    asked = form.cleaned_data["status"]
    try:
        status = progress.set_status(
            user=request.user, milestone=milestone, status=asked, keep_done=True
        )
    except IntegrityError:  # deleted since this process last read the roadmap
        if Milestone.objects.filter(pk=milestone.id).exists():
            raise  # or the account was: DeletedAccountMiddleware answers
        return not_found(request, GONE)
    # The in-progress button of an older page, where the milestone was not done yet.
    kept_done = status == Status.DONE and asked != Status.DONE
    if not request.htmx:  # back to the page the tick came from, at the milestone
        if kept_done:
            messages.info(request, f"Already done: {milestone.title} was ticked elsewhere.")
        else:
            messages.success(request, f"Marked {Status(status).label.lower()}: {milestone.title}.")
        # At the milestone, open after a tick (focus.JUST_DONE, hidden or not) or an untick.
        return HttpResponseRedirect(at_place(safe_next(request), milestone.slug, milestone.url))
    # The answer: the controls, the map's node and the bars, from the learner's rows now.
    own = Progress.objects.own(request.user)
    completion = snapshot.completion(done_ids(own), Enrollment.objects.track_ids(request.user))
    mine = own.get(milestone.id, focus.NOT_STARTED)
    # Said: the tracks this milestone counts toward, the followed ones and the one in focus if
    # any (the page it was ticked on, `?track=`).
    toward = {track.pk for track in snapshot.tracks if milestone.id in track.weights}
    moved = [t for t in completion if t.pk in toward]
    in_focus = QueryDict(urlsplit(safe_next(request)).query).get("track")
    context = {
        "milestone": milestone,
        "mine": mine,
        "item": focus.Shown(milestone, mine),
        "completion": completion,
        "announce": [t for t in moved if t.followed or t.slug == in_focus] or moved,
        "kept_done": kept_done,
        # Said at the milestone too when the box was ticked or unticked: in progress moves none.
        "ticked": asked in (Status.DONE, progress.NOT_DONE) and not kept_done,
    }
    response = TemplateResponse(request, f"{TEMPLATE}#tick", context)
    return trigger_client_event(response, "progress-changed")


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@vary_on_headers("HX-Request")
def details(request, slug):
    """The note and evidence link of one milestone: shown, edited inline (htmx) or on a page."""
    if not request.user.is_authenticated:
        if request.method == "POST" and drafts.keep(request, slug):
            messages.info(request, drafts.KEPT)
            if request.htmx:  # after the login, to the editor's own page, where it waits
                return HttpResponseClientRedirect(redirect_to_login(request.path).url)
        return redirect_to_login(request.get_full_path())
    active = Milestone.objects.active().with_own_progress(request.user)
    milestone = active.filter(slug=slug).first()
    if milestone is None:
        return note_gone(request)
    # Without JavaScript, the roadmap's view (focus) the learner came from, to go back to.
    back = safe_next(request) if request.method == "POST" else roadmap_came_from(request)
    back_url = at_place(back, milestone.slug, milestone.get_absolute_url())
    draft = elsewhere = None
    if request.method == "POST" and not drafts.opened_for(request, request.user):
        if request.htmx:
            return HttpResponse(OTHER_ACCOUNT, status=409, content_type="text/plain; charset=utf-8")
        # Without JavaScript the editor is gone: what it held is shown, to copy.
        context = {"message": OTHER_EDITOR, "heading": "Another account’s page"}
        return TemplateResponse(request, "409.html", {**context, **typed(request)}, status=409)
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            try:
                elsewhere = progress.save_details(
                    user=request.user, milestone=milestone, **form.cleaned_data
                )
            except IntegrityError:  # deleted meanwhile
                if Milestone.objects.filter(pk=milestone.id).exists():
                    raise  # or the account was: DeletedAccountMiddleware answers
                return note_gone(request)
            if not elsewhere:
                if not request.htmx:
                    messages.success(request, f"Note saved: {milestone.title}.")
                    return HttpResponseRedirect(back_url)
                return details_response(request, milestone, form.cleaned_data, saved=True)
            # Shown with what was typed; saved again, it replaces them.
            opened_with = progress.fingerprint(*elsewhere)
            form = DetailsForm({**form.cleaned_data, "opened_with": opened_with})
    else:
        mine = {"note": milestone.own_note or "", "evidence_url": milestone.own_evidence_url or ""}
        if request.htmx and request.GET.get("show") == "saved":
            return details_response(request, milestone, mine)
        draft = drafts.take(request, slug) if request.method == "GET" else None
        # A draft is checked against what its editor opened with (kept by an older page: now).
        opened_with = (draft and draft["opened_with"]) or progress.fingerprint(**mine)
        form = DetailsForm(initial={**(draft or mine), "opened_with": opened_with})
    template = f"{TEMPLATE}#details_form" if request.htmx else "roadmap/details.html"
    context = {"milestone": milestone, "form": form, "back": back, "back_url": back_url}
    context.update(draft=draft, elsewhere=elsewhere, author=drafts.author_token(request.user))
    return TemplateResponse(request, template, context, status=refused(form))


def typed(request):
    """What the note editor held, shown back to copy when it can't be saved."""
    return {"typed": [request.POST.get(name, "") for name in ("note", "evidence_url")]}


def note_gone(request):
    """The answer to a note's editor (or its address) for a milestone off the roadmap."""
    if request.method != "POST":
        return not_found(request, GONE)
    if request.htmx:
        return HttpResponseNotFound(NOTE_GONE, content_type="text/plain; charset=utf-8")
    context = {"message": NOTE_GONE_PAGE, "heading": "No longer on the roadmap", **typed(request)}
    return TemplateResponse(request, "409.html", context, status=404)


def roadmap_came_from(request):
    """The roadmap's address with its query (its focus), when the Referer is the roadmap on
    this site; else ""."""
    page = came_from(request)
    return page if urlsplit(page).path == reverse("roadmap:index") else ""


def at_place(back, place, default):
    """Without JavaScript, where a form goes back to: the page `back` (a URL on this site, or "")
    at the element `place` (a milestone, its section, the hide-done button), else `default`."""
    return f"{back.partition('#')[0]}#{place}" if back else default


def details_response(request, milestone, mine, saved=False):
    """The note and evidence link as the roadmap shows them (`mine` has both)."""
    part = "details_saved" if saved else "details"
    return TemplateResponse(
        request, f"{TEMPLATE}#{part}", {"milestone": milestone, "mine": mine, "saved": saved}
    )
