from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.formats import date_format
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.models import current_time_zone

from . import dashboard, focus, news, progress
from .forms import HoursForm, TargetForm
from .models import Enrollment, Progress, Status, Track, whole_roadmap_url
from .snapshot import get_snapshot
from .views import NO_TRACK, not_found, posted_from

DASHBOARD = "roadmap/dashboard.html"
BADGE_MAX_AGE = 300
# A target date on a track the learner doesn't follow (or that doesn't exist): 404.
NOT_FOLLOWED = "You don't follow this track, so it has no plan: follow it first."


def learner_cards(request, snapshot):
    """The learner's track cards with their plans, and their progress rows: two queries."""
    own = Progress.objects.own(request.user)
    targets = Enrollment.objects.target_dates(request.user)
    cards = dashboard.track_cards(snapshot, own, targets.keys())
    return dashboard.plan(cards, snapshot, own, user=request.user, targets=targets), own


def dashboard_response(request, status=200, **extra):
    """The dashboard: the session, the user, their progress rows, the tracks they follow with
    their target dates; the changes since the learner last caught up when there are any."""
    snapshot = get_snapshot()
    cards, own = learner_cards(request, snapshot)
    followed = {card.track.pk for card in cards if card.track.followed}
    context = {
        "cards": cards,
        "activity": dashboard.activity(snapshot, own),
        "news": news.since_mark(request.user, snapshot, own, followed),
        **extra,
    }
    if request.user.public_profile:  # a badge in a README links to the public page
        for name in ("badge", "public_page"):
            url = reverse(f"roadmap:{name}", args=[request.user.username])
            context[f"{name}_url"] = request.build_absolute_uri(url)
    return TemplateResponse(request, DASHBOARD, context, status=status)


@require_safe
@login_required
@never_cache
def dashboard_page(request):
    """The dashboard (see dashboard_response), and the learner's visit, once an hour."""
    response = dashboard_response(request)
    news.note_visit(request.user)
    return response


@posted_from("roadmap:dashboard")
@login_required
@never_cache
@vary_on_headers("HX-Request")
def set_hours(request):
    """Set the hours a week the learner can give (empty: no plan). htmx gets what the hours
    field says and every followed card's plan again; without JavaScript, the dashboard."""
    field_alone = request.htmx and request.htmx.trigger_name == "hours_per_week"
    if field_alone and not request.POST.get("hours_per_week", "").strip():
        # Emptied and left (or half typed, like "1e"): only a submit removes the plan; the
        # status under the field says the hours still planned, and how to remove them.
        context = {"hours_form": None, "emptied": True}
        return TemplateResponse(request, f"{DASHBOARD}#hours_emptied", context)
    form = HoursForm(request.POST)
    if form.is_valid():
        request.user.hours_per_week = form.cleaned_data["hours_per_week"]
        request.user.save(update_fields=["hours_per_week"])
    elif not request.htmx:
        return dashboard_response(request, status=422, hours_form=form)
    if not request.htmx:
        messages.success(request, "Your plan is updated.")
        return redirect(reverse("roadmap:dashboard") + "#plan")
    cards, _ = learner_cards(request, get_snapshot())
    context = {"cards": cards, "hours_form": form}
    return TemplateResponse(
        request, f"{DASHBOARD}#plans", context, status=200 if form.is_valid() else 422
    )


@posted_from("roadmap:dashboard")
@login_required
@never_cache
@vary_on_headers("HX-Request")
def set_target(request, slug):
    """Set or clear (`clear`) the target date of a followed track. htmx gets the track's plan
    again, and what the date did to say; without JavaScript, the dashboard."""
    form = TargetForm(request.POST)
    valid = "clear" in request.POST or form.is_valid()
    if valid:
        target = None if "clear" in request.POST else form.cleaned_data["target_date"]
        if not progress.set_target(user=request.user, track_slug=slug, target=target):
            return not_found(request, NOT_FOLLOWED)
        if not request.htmx:
            name = Track.objects.filter(slug=slug).values_list("name", flat=True).first() or slug
            said = f"set: {date_format(target, 'j F Y')}" if target else "cleared"
            messages.success(request, f"Target date for {name} {said}.")
            return redirect(reverse("roadmap:dashboard") + f"#track-{slug}")
    elif not request.htmx:
        response = dashboard_response(request, status=422, target_form=form, target_slug=slug)
        cards = response.context_data["cards"]
        if not any(card.track.slug == slug and card.plan for card in cards):
            return not_found(request, NOT_FOLLOWED)
        return response
    cards, _ = learner_cards(request, get_snapshot())
    card = next((card for card in cards if card.track.slug == slug and card.plan), None)
    if card is None:
        return not_found(request, NOT_FOLLOWED)
    context = {"card": card, "target_form": None if valid else form, "target_slug": slug}
    context["cleared"] = valid and "clear" in request.POST
    return TemplateResponse(
        request, f"{DASHBOARD}#target_answer", context, status=200 if valid else 422
    )


@posted_from("roadmap:dashboard")
@login_required
@never_cache
@vary_on_headers("HX-Request")
def set_following(request, slug, *, following):
    """Follow (`following`) or unfollow a track: the card again for htmx, else the dashboard."""
    track = get_object_or_404(Track, slug=slug)
    try:
        said = (_follow if following else _unfollow)(request, track)
    except IntegrityError:  # deleted by an editor since it was read
        if Track.objects.filter(pk=track.pk).exists():
            raise  # or the account was: DeletedAccountMiddleware answers
        return not_found(request, NO_TRACK)
    level, message = said.level, said.message
    if not request.htmx:  # back at the card, or at the top where a refusal is said
        messages.add_message(request, level, message)
        card = "" if level == messages.ERROR else f"#track-{track.slug}"
        return redirect(reverse("roadmap:dashboard") + card)
    cards, _ = learner_cards(request, get_snapshot(fresh=True))  # the track may be new here
    card = next((card for card in cards if card.track.pk == track.pk), None)
    if card is None:
        raise Http404("No such track.")
    context = {"card": card, "cards": cards, "message": message}
    context["level"] = messages.DEFAULT_TAGS[level]
    context["refused" if level == messages.ERROR else "said"] = message  # in the card
    context["lasting"] = said.lasting  # not gone at the next step: of a date lost, or not kept
    context["restore"] = said.restore  # the card's Follow button brings it back
    return TemplateResponse(request, f"{DASHBOARD}#following", context)


class Said(NamedTuple):
    level: int
    message: str  # said as it is now: a second tab may show it as it was
    lasting: bool = False
    restore: object = None  # the target date an unfollow cleared, which Follow brings back


def _follow(request, track):
    """Follow `track`; with the target date an unfollow cleared (`target_date`, the card's
    Follow button right after it), with that date."""
    restored = TargetForm(request.POST) if request.POST.get("target_date") else None
    back = restored.cleaned_data["target_date"] if restored and restored.is_valid() else None
    if not progress.follow(user=request.user, track=track, target=back):
        return Said(messages.INFO, f"You already follow {track.name}.")
    message = f"You now follow {track.name}."
    if back:
        return Said(
            messages.SUCCESS, f"{message} Its target date, {date_format(back, 'j F Y')}, is back."
        )
    if restored:  # a day gone by since the unfollow (or a hostile value)
        refused = " ".join(restored.errors["target_date"])
        return Said(messages.WARNING, f"{message} Its target date was not kept. {refused}", True)
    return Said(messages.SUCCESS, message)


def _unfollow(request, track):
    """Stop following `track`; the target date that goes with it is said, so that it is not lost
    without a word, and offered back (by htmx, while it is still ahead)."""
    try:
        followed, target = progress.unfollow(user=request.user, track=track)
        if not followed:
            return Said(messages.INFO, f"You don’t follow {track.name}.")
    except progress.LastTrack as refused:
        return Said(messages.ERROR, str(refused))
    message = f"You no longer follow {track.name}."
    if not target:
        return Said(messages.SUCCESS, message)
    message += f" Its target date, {date_format(target, 'j F Y')}, is cleared."
    # Offered back only if Follow would take it back: TargetForm's rules, as `_follow` reads it.
    offered = TargetForm({"target_date": target.isoformat()}).is_valid()
    restore = target if request.htmx and offered else None
    if restore:
        message += " Follow it again to bring it back."
    return Said(messages.SUCCESS, message, True, restore)


PUBLIC_FIELDS = ("id", "username", "display_name", "time_zone")


def public_owner(username):
    """The active user with this username in any case (as a login takes it) and a public page,
    or None: nothing says whether the user exists."""
    named = get_user_model().objects.named(username)
    return named.filter(public_profile=True, is_active=True).only(*PUBLIC_FIELDS).first()


def is_own_name(user, username):
    """Whether `username` names the logged-in `user`, in any case (a query, only then)."""
    named = get_user_model().objects.named(username)
    return user.is_authenticated and named.filter(pk=user.pk).exists()


def done_rows(owner):
    """milestone id -> (completed at, evidence URL) of what the owner has done; never the note."""
    rows = Progress.objects.filter(user=owner, status=Status.DONE).values_list(
        "milestone_id", "completed_at", "evidence_url"
    )
    return {milestone_id: (completed_at, url) for milestone_id, completed_at, url in rows}


@require_safe
# Asked for anew each time (a page turned off is gone at once), and kept by no shared cache: a
# logged-in viewer's copy carries their name in its header.
@cache_control(no_cache=True, private=True)
def public_page(request, username):
    """Three queries: the owner, what they have done, the tracks they follow."""
    owner = public_owner(username)
    if owner is not None and owner.username != username:  # the address in another case
        return redirect("roadmap:public_page", owner.username)  # not for good: names change
    if owner is None and is_own_name(request.user, username):
        response = TemplateResponse(request, "roadmap/public_off.html", status=404)
        add_never_cache_headers(response)
        return response
    if owner is None:
        return TemplateResponse(request, "404.html", status=404)
    done = done_rows(owner)
    snapshot = get_snapshot()
    marks = dict.fromkeys(done, focus.DONE)
    return TemplateResponse(
        request,
        "roadmap/public.html",
        {
            "owner": owner,
            "owner_zone": owner_zone(owner),
            "tracks": snapshot.completion(done.keys(), Enrollment.objects.track_ids(owner)),
            "done": dashboard.public_done(snapshot, done),
            "sections": focus.sections(snapshot, focus.Focus(focus.ALL, ()), marks, public=True),
            "map_url": whole_roadmap_url(),  # the map's links lead there
        },
    )


def owner_zone(owner):
    """The time zone a public page says its days in: its owner's, as they lived them (else, or
    one the time zone data has dropped, the site's)."""
    return current_time_zone(owner.time_zone) or settings.TIME_ZONE


@require_safe
def badge(request, username):
    """A README badge for one track (`?track=`, else the owner's first followed track).

    Two queries, the owner and what they have done; a third for the tracks they follow when
    no track is named.
    """
    owner = public_owner(username)
    slug = request.GET.get("track") or None  # empty, as from a blank template: the default
    track = None
    if owner is not None:
        followed = Enrollment.objects.track_ids(owner) if slug is None else None
        tracks = get_snapshot().completion(done_rows(owner).keys(), followed)
        track = next((t for t in tracks if t.slug == slug or slug is None), None)
    if track is not None:
        status, shown = 200, dashboard.badge(track)
    elif owner is None:
        status, shown = 404, dashboard.NO_PAGE_BADGE
    else:
        status, shown = 404, dashboard.UNKNOWN_TRACK_BADGE
    response = TemplateResponse(
        request,
        "roadmap/badge.svg",
        {"badge": shown},
        content_type="image/svg+xml; charset=utf-8",
        status=status,
    )
    if status == 200:
        patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
    else:  # a page turned on (or a track added) shows at once
        patch_cache_control(response, no_cache=True)
    return response
