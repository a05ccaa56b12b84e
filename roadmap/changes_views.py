from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from accounts.views import safe_next

from . import changes, news
from .models import ContentChange
from .snapshot import get_snapshot
from .views import posted_from

PER_PAGE = FEED_ITEMS = 50


class SeenForm(forms.Form):
    """Dismissing the changes shown: the time of the latest one, so that one made meanwhile
    is still told of."""

    until = forms.DateTimeField(
        error_messages={
            "required": "Say up to when the changes were seen.",
            "invalid": "That is not a date and time: reload the page and dismiss again.",
        }
    )


@require_safe
def changelog(request):
    """Every change to the roadmap, newest first, 50 a page, each with its milestone (or the
    track it added) where it is still on the roadmap: the count and the page's rows (two
    queries)."""
    # Not a number, or before the first: the newest changes; past the last: the oldest.
    try:
        number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        number = 1
    page = Paginator(ContentChange.objects.filter(draft=False), PER_PAGE).get_page(number)
    snapshot = get_snapshot()
    tracks = {track.pk: track for track in snapshot.tracks}
    entries = [
        (change, snapshot.by_id.get(change.milestone_id), tracks.get(change.track_id))
        for change in page
    ]
    return TemplateResponse(request, "roadmap/changes.html", {"page": page, "entries": entries})


@require_safe
def change(request, pk):
    """One change's lasting address (the feed's link): the changelog's page it is on now, as
    newer changes push it down. Two queries: the change, and how many come before it."""
    published = ContentChange.objects.filter(draft=False)
    entry = get_object_or_404(published, pk=pk)
    newer = published.filter(Q(at__gt=entry.at) | Q(at=entry.at, pk__lt=entry.pk))
    page = newer.count() // PER_PAGE + 1
    query = f"?page={page}" if page > 1 else ""
    return HttpResponseRedirect(f"{reverse('roadmap:changes')}{query}#change-{pk}")


@posted_from("roadmap:index")
@login_required
def changes_seen(request):
    """Dismiss the changes shown, up to the latest of them; back to the page it came from.
    The session, the user, the update."""
    form = SeenForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            " ".join(form.errors["until"]), content_type="text/plain; charset=utf-8"
        )
    news.mark_seen(request.user, form.cleaned_data["until"])
    messages.success(request, "Dismissed: you are up to date with the roadmap’s changes.")
    return HttpResponseRedirect(safe_next(request) or reverse("roadmap:index"))


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Next Steps: roadmap changes"
    subtitle = "Milestones added, changed and archived on the Next Steps roadmap."
    author_name = "Next Steps"

    def link(self):
        return reverse("roadmap:changes")

    def items(self):
        return ContentChange.objects.filter(draft=False)[:FEED_ITEMS]

    def item_title(self, item):
        return changes.one_line(item.summary)  # XML can't hold a control character

    def item_description(self, item):  # what a reader shows of an entry may be this alone
        # HTML to a feed reader (Atom's type="html"): a title's "<" and "&" are text.
        return escape(f"{item.get_kind_display()}: {changes.one_line(item.summary)}")

    def item_link(self, item):
        return reverse("roadmap:change", args=[item.pk])

    def item_pubdate(self, item):
        return item.at

    def item_updateddate(self, item):  # Atom requires it of every entry
        return item.at
