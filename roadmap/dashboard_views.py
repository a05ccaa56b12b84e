from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from . import dashboard, progress, queries
from .models import Track
from .snapshot import DASHBOARD, get_snapshot

BADGE_MAX_AGE = 300


def public_progress(username):
    """(owner, done) for a public page (see queries.public_progress), or a 404 that doesn't
    tell whether the user exists."""
    found = None
    if "\x00" not in username:  # no username holds one, and PostgreSQL refuses to compare with it
        found = queries.public_progress(username)
    if found is None:
        raise Http404("No such page.")
    return found


@require_safe
@login_required
@never_cache
def dashboard_page(request):
    csrf_token = get_token(request)  # one masked token for the whole page
    context = {
        "csrf_token": csrf_token,
        "cards": dashboard.track_cards(request.user, csrf_token=csrf_token),
        "activity": dashboard.activity(request.user),
    }
    if request.user.public_profile:
        context["badge_url"] = request.build_absolute_uri(
            reverse("roadmap:badge", args=[request.user.username])
        )
    if not messages.get_messages(request):
        # Nothing to flash: the page pre-rendered for this revision, with this learner's name,
        # token, cards, activity and sharing put in (what the template below renders).
        snapshot = get_snapshot()
        if "badge_url" in context:
            share = render_to_string(DASHBOARD + "#share", context, request=request)
        else:
            share = snapshot.dashboard_share_off
        page = snapshot.dashboard_page(
            request.user, csrf_token, context["cards"], context["activity"], share
        )
        return HttpResponse(page)
    return TemplateResponse(request, DASHBOARD, context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def set_following(request, slug, *, following):
    """Follow (`following`) or unfollow a track: the card again for htmx, else the dashboard."""
    track = get_object_or_404(Track, slug=slug)
    if following:
        progress.follow(user=request.user, track=track)
        message = f"You now follow {track.name}."
    else:
        progress.unfollow(user=request.user, track=track)
        message = f"You no longer follow {track.name}."
    if request.htmx:
        csrf_token = get_token(request)
        # A track added a moment ago by another process: look at the content revision again.
        cards = dashboard.track_cards(
            request.user, track=track, csrf_token=csrf_token
        ) or dashboard.track_cards(request.user, track=track, csrf_token=csrf_token, fresh=True)
        if not cards:
            raise Http404("No such track.")
        return HttpResponse(cards[0].html)
    messages.success(request, message)
    return redirect(reverse("roadmap:dashboard") + f"#track-{track.slug}")


@require_safe
def public_page(request, username):
    owner, done = public_progress(username)
    return TemplateResponse(
        request,
        "roadmap/public.html",
        {
            "owner": owner,
            "tracks": get_snapshot().completion(done.keys()),
            "done": dashboard.public_done(done),
        },
    )


@require_safe
def badge(request, username):
    _, done = public_progress(username)
    slug = request.GET.get("track", "")
    completion = get_snapshot().completion(done.keys())
    track = next((track for track in completion if track.slug == slug), None)
    if track is None:
        raise Http404("No such badge.")
    response = HttpResponse(
        dashboard.badge_svg(dashboard.badge(track)), content_type="image/svg+xml; charset=utf-8"
    )
    patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
    return response
