"""/changes/ lists the roadmap's changelog for everyone, and /changes/feed/ is its Atom feed."""

import datetime
import html
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from roadmap.models import ContentChange, Milestone
from tests.factories import (
    ContentChangeFactory,
    MilestoneFactory,
    ResourceFactory,
    TrackFactory,
    UserFactory,
)
from tests.test_news import add_milestone

pytestmark = pytest.mark.django_db
CHANGES = reverse("roadmap:changes")
FEED = reverse("roadmap:changes_feed")
SEEN = reverse("roadmap:changes_seen")
ATOM = "{http://www.w3.org/2005/Atom}"


def logged(count):
    """`count` changes, one a day, the newest "Change 0"."""
    now = timezone.now()
    for n in reversed(range(count)):
        ContentChangeFactory(summary=f"Change {n}", at=now - datetime.timedelta(days=n))


def parse(response):
    return ET.fromstring(response.content)  # noqa: S314 (our own server's output)


class TestThePage:
    def test_anyone_reads_it_newest_first_with_links_to_the_milestones_on_the_roadmap(self, client):
        logged(3)
        archived = MilestoneFactory(title="Old", is_archived=True)
        ContentChangeFactory(milestone=archived, summary="Archived “Old”")
        page = client.get(CHANGES).text
        assert page.index("Archived “Old”") < page.index("Change 0") < page.index("Change 2")
        assert page.count("See it on the roadmap") == 3  # not for the archived one
        assert f'href="{FEED}"' in page
        assert re.search(r'<time datetime="[^"]+">\d+ \w+ \d{4}, \d\d:\d\d UTC</time>', page)

    def test_a_track_added_links_to_the_roadmap_focused_on_it_while_it_is_there(self, client):
        """The news on the roadmap links to it; the changelog gave no way there."""
        mlops, gone = TrackFactory(slug="mlops", name="MLOps"), TrackFactory(name="Gone")
        for track in (mlops, gone):
            added = f"Added the track “{track.name}”"
            ContentChangeFactory(
                kind=ContentChange.Kind.TRACK_ADDED, milestone=None, track=track, summary=added
            )
        gone.delete()
        page = client.get(CHANGES).text
        hidden = '<span class="visually-hidden">: MLOps</span>'
        assert f'<a href="/?track=mlops">See it on the roadmap{hidden}</a>' in page
        assert page.count("See it on the roadmap") == 1

    def test_each_change_says_what_it_is_in_the_roadmaps_words(self, client):
        """The roadmap says "counts 3 of 5 toward", never "weight"."""
        for kind in ContentChange.Kind:
            ContentChangeFactory(kind=kind, summary="A change")
        page = client.get(CHANGES).text
        assert '<span class="tag">Now counts toward a track</span>' in page
        assert '<span class="tag">Counts differently toward a track</span>' in page
        assert '<span class="tag">No longer counts toward a track</span>' in page
        assert "weight" not in page.lower()

    def test_the_entries_of_one_save_read_in_the_order_it_made_them(self, client, editor_client):
        """They share their time: the weight of a milestone just added came above "Added"."""
        add_milestone(editor_client, "Win a medal", TrackFactory(name="ML Engineer"), 4)
        page = Client().get(CHANGES).text
        assert page.index("Added “Win a medal”") < page.index("“Win a medal” counts 4 of 5")

    def test_it_is_paginated_fifty_a_page(self, client):
        logged(51)
        first = client.get(CHANGES).text
        assert "Page 1 of 2" in first and 'rel="next"' in first
        assert "Change 49" in first and "Change 50" not in first
        second = client.get(CHANGES, {"page": 2}).text
        assert "Change 50" in second and "Change 49" not in second

    @pytest.mark.parametrize(
        "number, shown",
        [
            *[("abc", 1), ("-1", 1), ("0", 1), ("", 1), ("1\x00", 1)],
            *[("3", 2), ("99999999999999999999", 2), (" 2 ", 2)],
        ],
    )
    def test_any_page_number_is_a_page_never_an_error(self, client, number, shown):
        """Before the first, the newest changes (page 0 was the oldest page); after the last,
        the oldest."""
        logged(51)
        response = client.get(CHANGES, {"page": number})
        assert response.status_code == 200
        assert f"Page {shown} of 2" in response.text

    def test_without_changes_it_says_so(self, client):
        assert "No changes yet" in client.get(CHANGES).text

    def test_a_hostile_summary_is_text(self, client):
        ContentChangeFactory(summary="Renamed “<script>alert(1)</script>”")
        page = client.get(CHANGES).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_the_footer_links_to_it(self, client):
        assert f'<a href="{CHANGES}">Roadmap changes</a>' in client.get("/").text

    def test_it_takes_only_gets(self, client):
        assert client.post(CHANGES).status_code == 405

    def test_it_runs_two_queries(self, client, django_assert_max_num_queries):
        logged(60)
        client.get(CHANGES)  # the roadmap snapshot, once per content revision
        with django_assert_max_num_queries(2):  # how many changes, this page of them
            client.get(CHANGES)


class TestTheFeed:
    def test_it_is_valid_atom_newest_first(self, client):
        logged(3)
        response = client.get(FEED)
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = parse(response)
        assert feed.tag == f"{ATOM}feed"
        assert feed.find(f"{ATOM}title").text == "Next Steps: roadmap changes"
        entries = feed.findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == [
            "Change 0",
            "Change 1",
            "Change 2",
        ]
        links = [e.find(f"{ATOM}link").get("href") for e in entries]
        pks = ContentChange.objects.values_list("pk", flat=True)  # newest first
        assert links == [f"http://testserver{CHANGES}{pk}/" for pk in pks]
        for entry in entries:  # what RFC 4287 asks of every entry
            assert all(entry.find(f"{ATOM}{name}") is not None for name in ("id", "updated"))

    def test_titles_are_escaped(self, client):
        title = "Renamed “<b>A & B</b>” to “]]><script>alert(1)</script>”"
        ContentChangeFactory(summary=title)
        response = client.get(FEED)
        assert b"<script>" not in response.content
        entry = parse(response).find(f"{ATOM}entry")
        assert entry.find(f"{ATOM}title").text == title
        # A reader that shows the summary alone showed the kind alone ("Milestone edited"). It
        # is HTML to the reader: the title's markup arrives as text.
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        assert html.unescape(summary.text) == f"Milestone edited: {title}"
        assert "<" not in summary.text

    def test_it_holds_the_fifty_newest(self, client):
        logged(60)
        entries = parse(client.get(FEED)).findall(f"{ATOM}entry")
        assert len(entries) == 50
        assert entries[-1].find(f"{ATOM}title").text == "Change 49"

    def test_an_entrys_link_finds_it_on_whichever_page_it_has_moved_to(self, client):
        """The changelog grows at the top: the oldest of 60 changes is on page 2."""
        logged(60)
        newest, oldest = ContentChange.objects.first(), ContentChange.objects.last()
        response = client.get(reverse("roadmap:change", args=[newest.pk]))
        assert response["Location"] == f"{CHANGES}#change-{newest.pk}"
        response = client.get(reverse("roadmap:change", args=[oldest.pk]))
        assert response.status_code == 302
        assert response["Location"] == f"{CHANGES}?page=2#change-{oldest.pk}"
        assert f'id="change-{oldest.pk}"' in client.get(response["Location"]).text

    def test_an_entrys_link_finds_it_among_the_entries_of_its_save(self, client):
        """One save (a roadmap file loaded, say) writes many entries at one time."""
        now = timezone.now()
        first, *_, last = [ContentChangeFactory(at=now) for _ in range(51)]
        for entry, page in ((first, ""), (last, "?page=2")):
            response = client.get(reverse("roadmap:change", args=[entry.pk]))
            assert response["Location"] == f"{CHANGES}{page}#change-{entry.pk}"
            assert f'id="change-{entry.pk}"' in client.get(response["Location"]).text

    @pytest.mark.parametrize("pk", ["12345", "99999999999999999999"])
    def test_a_change_that_is_not_there_is_the_sites_404(self, client, pk):
        response = client.get(f"{CHANGES}{pk}/")
        assert response.status_code == 404
        assert "<h1>Not found</h1>" in response.text

    def test_an_empty_changelog_is_a_valid_feed(self, client):
        assert ContentChange.objects.count() == 0
        feed = parse(client.get(FEED))
        assert feed.findall(f"{ATOM}entry") == []


class HostileRequests(HypothesisTestCase):
    """Whatever a dismissal or a changelog request holds, the answer is never a 5xx."""

    @classmethod
    def setUpTestData(cls):
        cls.me = UserFactory()
        ContentChangeFactory()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        until=st.one_of(st.text(max_size=40), st.datetimes().map(datetime.datetime.isoformat)),
        next_url=st.one_of(st.text(max_size=30), st.sampled_from(["//evil.example/", "/x"])),
        number=st.text(max_size=30),
        htmx=st.booleans(),
    )
    def test_the_dismissal_and_the_pages_never_fail(self, until, next_url, number, htmx):
        client = Client()
        client.force_login(self.me)
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.post(SEEN, {"until": until, "next": next_url}, headers=headers)
        assert response.status_code in (302, 400), response.content[:300]
        if response.status_code == 302:
            assert urlparse(response["Location"]).netloc in ("", "testserver")
        self.me.refresh_from_db()
        assert self.me.changes_seen_at <= timezone.now()
        for url in (CHANGES, "/", "/dashboard/"):
            assert client.get(url, {"page": number}).status_code == 200


@pytest.mark.parametrize("character", ["\x01", "\ufffe", "\uffff"])
def test_a_character_xml_cannot_hold_in_an_old_title_does_not_break_the_feed(client, character):
    """Titles refuse them now; a change recorded before that still gives a valid feed."""
    ContentChangeFactory(summary=f"Renamed “Read a{character}paper”")
    response = client.get(FEED)
    assert response.status_code == 200
    assert parse(response).find(f"{ATOM}entry/{ATOM}title").text == "Renamed “Read a paper”"


def test_the_feed_names_an_author_as_rfc_4287_requires(client):
    ContentChangeFactory()
    feed = parse(client.get(FEED))
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Next Steps"


@pytest.mark.parametrize("character", ["\x01", "\ufffe", "\uffff"])
def test_a_control_character_in_a_title_is_refused_by_the_admin(editor_client, character):
    """U+FFFE and U+FFFF are no characters at all, and XML refuses them like the controls."""
    from tests.test_changes import change_form

    milestone = MilestoneFactory(title="Read a paper")
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    response = editor_client.post(
        url, change_form(milestone) | {"title": f"Read a{character}paper"}
    )
    assert response.status_code == 200
    assert "Keep it to one line" in response.text
    milestone.refresh_from_db()
    assert milestone.title == "Read a paper"
    assert not ContentChange.objects.exists()


@pytest.mark.django_db
def test_a_draft_is_left_out_of_the_changelog_and_the_feed_until_it_is_on_the_roadmap(client):
    """An editor's draft (a milestone added archived) was listed for anyone, title and track
    weights, before it was on the roadmap."""
    editor_client = Client()
    editor_client.force_login(UserFactory(is_superuser=True, is_staff=True))
    track = TrackFactory(name="ML Engineer")
    add_milestone(editor_client, "Secret draft", track, 3, is_archived="on")
    draft = ContentChange.objects.get(summary__startswith="Added “Secret draft”")
    new_track = ContentChangeFactory(summary="Added the track “Data Scientist”", milestone=None)
    page = client.get(CHANGES).text
    assert "Secret draft" not in page
    assert "Data Scientist" in page  # entries of no milestone stay
    assert "Secret draft" not in client.get(FEED).text
    assert client.get(reverse("roadmap:change", args=[draft.pk])).status_code == 404
    assert client.get(reverse("roadmap:change", args=[new_track.pk])).status_code == 302
    milestone = draft.milestone
    editor_client.post(
        reverse("admin:roadmap_milestone_changelist"),
        {"action": "unarchive", "_selected_action": [milestone.pk]},
    )
    page = client.get(CHANGES).text
    assert "Put “Secret draft” on the roadmap for the first time" in page
    assert "Added “Secret draft”, archived" not in page  # the editors' work, not news
    assert client.get(reverse("roadmap:change", args=[draft.pk])).status_code == 404


@pytest.mark.django_db
def test_a_draft_put_on_the_roadmap_tells_nothing_of_its_working_title(client):
    """Put on the roadmap, a draft's entries came out with it: its working title, each edit and
    weight, for anyone to read, for good."""
    from tests.test_changes import change_form

    editor_client = Client()
    editor_client.force_login(UserFactory(is_superuser=True, is_staff=True))
    add_milestone(editor_client, "Secret launch plan", TrackFactory(), 3, is_archived="on")
    milestone = Milestone.objects.get(title="Secret launch plan")
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    renamed = change_form(milestone) | {"title": "Public ML cert", "is_archived": "on"}
    assert editor_client.post(url, renamed).status_code == 302
    assert editor_client.post(url, renamed | {"is_archived": ""}).status_code == 302
    page, feed = client.get(CHANGES).text, client.get(FEED).text
    assert "Put “Public ML cert” on the roadmap for the first time" in page
    assert "Public ML cert" in feed
    assert "Secret launch plan" not in page
    assert "Secret launch plan" not in feed
    assert ContentChange.objects.filter(milestone=milestone).count() == 1


@pytest.mark.django_db
def test_a_draft_deleted_leaves_nothing_in_the_changelog():
    """Its entries lost their milestone as it went, and came out for anyone to read, with a
    "Deleted" of its title."""
    editor_client = Client()
    editor_client.force_login(UserFactory(is_superuser=True, is_staff=True))
    add_milestone(editor_client, "Secret draft", TrackFactory(), 3, is_archived="on")
    milestone = Milestone.objects.get(title="Secret draft")
    response = editor_client.post(
        reverse("admin:roadmap_milestone_delete", args=[milestone.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    assert "Secret draft" not in Client().get(CHANGES).text
    assert "Secret draft" not in Client().get(FEED).text
    assert ContentChange.objects.filter(summary="Deleted “Secret draft”").exists()  # kept, unread


@pytest.mark.django_db
def test_a_draft_put_on_the_roadmap_and_edited_in_one_save_tells_nothing_of_its_draft(client):
    """Put on the roadmap renamed, with another weight and a resource removed, in one save: the
    draft's working title, its weight and its resource came out with it, for anyone to read."""
    from tests.test_changes import change_form

    editor_client = Client()
    editor_client.force_login(UserFactory(is_superuser=True, is_staff=True))
    add_milestone(editor_client, "Secret launch plan", TrackFactory(), 3, is_archived="on")
    milestone = Milestone.objects.get(title="Secret launch plan")
    ResourceFactory(milestone=milestone, title="Internal memo")
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    published = change_form(milestone) | {
        "title": "Public ML cert",
        "is_archived": "",
        "memberships-0-weight": 4,
        "resources-0-DELETE": "on",
    }
    assert editor_client.post(url, published).status_code == 302
    page, feed = client.get(CHANGES).text, client.get(FEED).text
    assert "Put “Public ML cert” on the roadmap for the first time" in page
    for secret in ("Secret launch plan", "Internal memo", "was 3"):
        assert secret not in page
        assert secret not in feed
    assert ContentChange.objects.filter(milestone=milestone).count() == 1
