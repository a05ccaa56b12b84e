"""The roadmap as a map: the whole way at a glance, a focus on one track, what's done tucked away,
the next step, and progress that says when it moves."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap import focus, progress
from roadmap.models import Enrollment, Milestone, Section, Status, Track
from roadmap.snapshot import content_changed
from tests.factories import (
    ContentChangeFactory,
    MilestoneFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def ordered():
    return list(Milestone.objects.active().order_by("section__position", "position", "pk"))


def map_text(page):
    return page.split('aria-label="Roadmap map"')[1].split("</nav>")[0]


def map_of(page):
    """The map's nodes as (accessible text, class, link) in page order."""
    start = page.index('<nav class="map" aria-label="Roadmap map">')
    nav = page[start : page.index("</nav>", start)]
    nodes = re.findall(
        r'<(?:a|span) class="node (node-\w+)" id="node-[\w-]+"(?: href="([^"]*)")?'
        r'(?: role="img")? aria-label="([^"]+)"',
        nav,
    )
    return [(name, css, href) for css, href, name in nodes]


def milestone_ids(page):
    return re.findall(r'<li class="milestone[^"]*" id="([\w-]+)">', page)


@pytest.fixture
def learner(roadmap, client):
    user = UserFactory()
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="ml-engineer"))
    first, second, third = ordered()[:3]
    progress.set_status(user=user, milestone=first, status=Status.DONE, now=EARLIER)
    progress.set_status(user=user, milestone=third, status=Status.IN_PROGRESS)
    client.force_login(user)
    user.first, user.second, user.third = first, second, third
    return user


EARLIER = timezone.now() - focus.JUST_DONE - timedelta(minutes=1)  # a tick that isn't a slip


class TestMap:
    def test_every_milestone_is_a_node_named_by_its_title_and_the_learners_status(
        self, client, learner
    ):
        nodes = map_of(client.get("/").text)
        assert len(nodes) == 30
        assert nodes[0] == (
            f"1. {learner.first.title}: done",
            "node-done",
            f"#{learner.first.slug}",
        )
        assert nodes[1] == (
            f"2. {learner.second.title}: not started",
            "node-not_started",
            f"#{learner.second.slug}",
        )
        assert nodes[2] == (
            f"3. {learner.third.title}: in progress",
            "node-in_progress",
            f"#{learner.third.slug}",
        )

    def test_a_nodes_number_is_its_place_in_its_part_whatever_the_focus(self, client, learner):
        """A phone shows only the number (or the tick): the name starts with it, so that a
        speech user's "tap 3" finds the node (WCAG 2.5.3), and it stays the milestone's own
        when a focus leaves others out."""
        places = {}
        for milestone in ordered():
            places[milestone.title] = (
                sum(1 for title, section in places.values() if section == milestone.section_id) + 1,
                milestone.section_id,
            )
        scientist = Track.objects.get(slug="research-scientist")
        page = client.get("/", {"track": scientist.slug}).text
        nodes = map_of(page)
        assert 0 < len(nodes) < 30
        numbers = re.findall(r'data-number="(\d+)"', page.split('aria-label="Roadmap map"')[1])
        for (name, _, _), shown in zip(nodes, numbers, strict=True):
            number, title = name.split(". ", 1)
            title = html.unescape(title.rsplit(": ", 1)[0])
            assert int(number) == int(shown) == places[title][0], name
        assert [int(n) for n in numbers] != list(range(1, len(numbers) + 1))  # some left out

    def test_a_visitor_sees_every_node_not_started(self, client, roadmap):
        UserFactory()  # someone else's progress never shows
        nodes = map_of(client.get("/").text)
        assert len(nodes) == 30
        assert {css for _, css, _ in nodes} == {"node-not_started"}

    def test_the_map_is_a_navigation_landmark_of_lists_of_links_per_part(self, client, learner):
        page = client.get("/").text
        assert page.count('<nav class="map" aria-label="Roadmap map">') == 1
        for title in ("Build a Strong Portfolio", "Specialize and Go Deeper", "Join the Community"):
            assert re.search(
                rf'<p class="map-part-title" id="map-[\w-]+"><a href="#[\w-]+">{title}</a></p>',
                page,
            )
        assert page.count('<ul class="map-nodes" aria-labelledby="map-') == 3

    def test_a_tick_sends_the_new_node_out_of_band(self, client, learner):
        slug = learner.second.slug
        response = client.post(
            reverse("roadmap:set_status", args=[slug]), {"status": "done"}, **HTMX
        )
        assert (
            f'<a class="node node-done" id="node-{slug}" href="#{slug}" '
            f'aria-label="2. {learner.second.title}: done" data-number="2" hx-swap-oob="true">'
            in response.text
        )

    def test_the_public_page_has_the_same_map_read_only(self, client, learner):
        learner.public_profile = True
        learner.save()
        client.logout()
        page = client.get(reverse("roadmap:public_page", args=[learner.username])).text
        nodes = map_of(page)
        # A done node leads to it in the list of what is done, with its day and evidence, not
        # to the visitor's own roadmap, where it is not started.
        assert nodes[0] == (
            f"1. {learner.first.title}: done",
            "node-done",
            f"#{learner.first.slug}",
        )
        assert re.search(
            rf'<li id="{learner.first.slug}">\s*<a href="[^"]*">{learner.first.title}<', page
        )
        # One not done leads to the roadmap: another page, where the others stay on this one,
        # which its name says (nothing else told the two apart).
        assert nodes[2][2] == f"/?track=all#{learner.third.slug}"
        # The public page shows what is done; in progress is the learner's own business. Not
        # "not started", which it may well be.
        assert nodes[2][:2] == (
            f"3. {learner.third.title}: not done yet, on the roadmap",
            "node-not_started",
        )
        assert nodes[1][0] == f"2. {learner.second.title}: not done yet, on the roadmap"
        public_map = page.split('aria-label="Roadmap map"')[1].split("</nav>")[0]
        assert "<form" not in public_map
        assert "In progress" not in public_map  # nor in its legend
        assert "Not started" not in public_map
        assert '<span class="key key-not_started">Not done yet</span>' in public_map
        # Its parts lead to the roadmap, where the sections are.
        parts = re.findall(r'<p class="map-part-title" [^>]*><a href="([^"]+)">', public_map)
        assert parts and all(re.fullmatch(r"/\?track=all#[\w-]+", href) for href in parts)


class TestFocus:
    def test_a_focus_that_leaves_milestones_out_says_why_the_numbers_have_gaps(
        self, client, roadmap
    ):
        """Focused on a track, a part's nodes read 1 to 6, 8, 9: it looked like something was
        missing."""
        note = "Numbered as on the whole roadmap: the gaps are milestones that don’t count toward"
        focused = client.get("/?track=research-scientist").text
        assert f"{note} Research Scientist.</p>" in map_text(focused)
        assert note not in client.get("/?track=all").text
        # Of no track: last in its part, it leaves no gap; first, it does.
        last = MilestoneFactory(section=Section.objects.last(), position=1000)
        content_changed()
        assert note not in client.get("/?track=ml-engineer").text  # its numbers run 1 to n
        Milestone.objects.filter(pk=last.pk).update(section=Section.objects.first(), position=0)
        content_changed()
        learner = UserFactory()
        for slug in ("data-scientist", "research-scientist"):
            Enrollment.objects.create(user=learner, track=Track.objects.get(slug=slug))
        client.force_login(learner)
        assert f"{note} the tracks you follow.</p>" in map_text(client.get("/").text)
        assert note not in client.get("/?track=all").text

    def test_one_track_shows_its_milestones_with_their_weight_toward_it(self, client, roadmap):
        track = Track.objects.get(slug="research-scientist")
        page = client.get("/?track=research-scientist").text
        counting = {m.milestone.slug: m.weight for m in track.memberships.all()}
        assert set(milestone_ids(page)) == set(counting)
        assert len(counting) < 30
        slug, weight = next(iter(counting.items()))
        card = page.split(f'id="{slug}">')[1].split("</article>")[0]
        assert f"Counts {weight} of 5 toward Research Scientist." in card
        assert len(map_of(page)) == len(counting)

    def test_a_focused_card_says_its_weight_toward_the_track_once_and_the_others_as_also(
        self, client, roadmap
    ):
        """Focused, a card said "Counts 2 of 5 toward Research Scientist." at the top and the
        same again in its line of every track it counts toward."""
        milestone = Milestone.objects.get(slug="reimplement-a-paper")
        weights = {m.track.name: m.weight for m in milestone.memberships.all()}
        assert len(weights) > 1
        others = [
            f"{w} of 5 toward {name}" for name, w in weights.items() if name != "Research Scientist"
        ]
        page = client.get("/?track=research-scientist").text
        card = " ".join(page.split(f'id="{milestone.slug}">')[1].split("</article>")[0].split())
        assert card.count("toward Research Scientist") == 1
        assert f"Counts {weights['Research Scientist']} of 5 toward Research Scientist." in card
        assert f"Also counts {' and '.join(others)}." in card
        page = client.get("/?track=all").text
        card = " ".join(page.split(f'id="{milestone.slug}">')[1].split("</article>")[0].split())
        assert "Also counts" not in card
        assert card.count("toward Research Scientist") == 1  # in the line of every track

    def test_all_shows_every_milestone(self, client, learner):
        assert len(milestone_ids(client.get("/?track=all").text)) == 30

    def test_a_learner_sees_the_tracks_they_follow_by_default(self, client, learner):
        Enrollment.objects.filter(user=learner).delete()
        Enrollment.objects.create(user=learner, track=Track.objects.get(slug="research-scientist"))
        page = client.get("/").text
        assert milestone_ids(page) == milestone_ids(client.get("/?track=research-scientist").text)
        followed = '<a id="focus-followed" href="/" hx-get="/" aria-current="page">'
        assert followed + "Tracks you follow</a>" in page

    def test_a_visitor_sees_everything_by_default(self, client, roadmap):
        page = client.get("/").text
        assert len(milestone_ids(page)) == 30
        assert 'hx-get="?track=all" aria-current="page">All milestones</a>' in page

    def test_each_focus_is_its_own_page_for_visitors_and_follows_an_edit(self, client, roadmap):
        everything = client.get("/").text
        research = client.get("/?track=research-scientist").text
        assert 'hx-get="?track=research-scientist" aria-current="page">' in research
        assert 'hx-get="?track=research-scientist" aria-current="page">' not in everything
        assert len(milestone_ids(research)) < len(milestone_ids(everything))
        milestone = Track.objects.get(slug="research-scientist").milestones.first()
        milestone.title = "Read one paper a week"
        milestone.save()
        content_changed()
        assert "Read one paper a week" in client.get("/?track=research-scientist").text
        assert "Read one paper a week" in client.get("/").text

    def test_the_focus_links_are_plain_links_that_htmx_follows_too(self, client, learner):
        page = client.get("/").text
        url = "?track=data-scientist"
        assert f'<a id="focus-data-scientist" href="{url}" hx-get="{url}">' in page
        assert 'hx-target="#roadmap-body" hx-swap="outerHTML" hx-push-url="true"' in page

    def test_htmx_gets_the_body_of_the_page_alone(self, client, learner):
        response = client.get("/?track=data-scientist", HTTP_HX_TARGET="roadmap-body", **HTMX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="roadmap-body">')
        assert "<html" not in response.text
        assert "HX-Request" in response["Vary"]

    def test_the_page_title_names_the_view_and_follows_a_focus_link(self, client, learner):
        """Every view of the roadmap had the title "Roadmap": a tab, a bookmark or the history
        list did not say which track it showed, nor did a screen reader on a focus link."""

        def title(url, **headers):
            return client.get(url, **headers).text.split("<title>")[1].split("</title>")[0]

        assert title("/") == "Roadmap · Next Steps"
        assert title("/?track=data-scientist") == "Data Scientist · Roadmap · Next Steps"
        assert title("/?track=all") == "All milestones · Roadmap · Next Steps"
        swapped = {"HTTP_HX_TARGET": "roadmap-body", **HTMX}
        assert title("/?track=data-scientist", **swapped) == (
            "Data Scientist · Roadmap · Next Steps"
        )
        assert title("/", **swapped) == "Roadmap · Next Steps"
        client.logout()
        assert title("/?track=data-scientist") == "Data Scientist · Roadmap · Next Steps"

    def test_htmx_says_what_the_page_shows_now(self, client, learner, roadmap):
        """A focus link or "Hide done" swapped the milestones in silence: a screen reader heard
        nothing of the list that changed below."""

        def said(url):
            response = client.get(url, HTTP_HX_TARGET="roadmap-body", **HTMX)
            oob = '<div id="progress-announcement" hx-swap-oob="innerHTML">'
            return response.text.split(oob)[1].split("</div>")[0]

        shown = Milestone.objects.filter(memberships__track__slug="data-scientist").count()
        assert said("/?track=data-scientist") == (
            f"Showing {shown} milestones: those that count toward Data Scientist."
        )
        assert said("/?track=all") == "Showing 30 milestones: the whole roadmap."
        learner.hide_done = True
        learner.save()
        assert said("/?track=all") == "Showing 29 milestones: the whole roadmap, 1 done hidden."
        # Two just ticked stay in sight: it said "without the done" with both in the list.
        for milestone in (learner.second, learner.third):
            progress.set_status(user=learner, milestone=milestone, status=Status.DONE)
        assert said("/?track=all") == (
            "Showing 29 milestones: the whole roadmap, 1 done hidden; 2 you ticked in the last"
            " ten minutes stay in sight for now."
        )
        learner.progress.exclude(milestone=learner.second).delete()
        assert said("/?track=all") == (
            "Showing 30 milestones: the whole roadmap, no done one hidden yet; 1 you ticked in"
            " the last ten minutes stays in sight for now."
        )
        client.logout()
        assert said("/?track=all") == "Showing 30 milestones: the whole roadmap."

    def test_an_empty_track_is_the_default_focus(self, client, learner):
        """`?track=` as a form with nothing chosen sends it: not an unknown track."""
        response = client.get("/", {"track": ""})
        assert response.status_code == 200
        default = client.get("/").text
        assert response.text.count('class="milestone') == default.count('class="milestone') > 0

    @pytest.mark.parametrize("url", ["/", "/?track=all"])
    def test_the_whole_roadmap_with_every_milestone_archived_says_so(self, client, url):
        """It said "No milestone counts toward this track yet." with no track in focus."""
        TrackMilestoneFactory(milestone__title="Ship an API")
        Milestone.objects.update(is_archived=True)
        content_changed()
        body = client.get(url).text.split('<div id="roadmap-body">')[1]
        assert "There are no milestones on the roadmap right now." in body
        assert "toward this track" not in body

    def test_a_learner_whose_tracks_have_no_milestone_is_told_so(self, client, learner):
        Enrollment.objects.filter(user=learner).delete()
        for name in ("MLOps Engineer", "Data Engineer"):
            Enrollment.objects.create(user=learner, track=TrackFactory(name=name))
        TrackMilestoneFactory()  # of another track
        body = client.get("/").text.split('<div id="roadmap-body">')[1]
        assert "No milestone counts toward the tracks you follow yet." in body

    @pytest.mark.parametrize("hide_done", [False, True])
    def test_a_track_with_no_milestone_yet_says_only_that(self, client, learner, hide_done):
        """A new track, before editors give it milestones, showed an empty map, "Everything
        shown here is done." and "Show done milestones (0)" above the line that says so."""
        TrackFactory(name="MLOps Engineer", slug="mlops-engineer")
        learner.hide_done = hide_done
        learner.save()
        page = client.get("/", {"track": "mlops-engineer"}).text
        body = page.split('<div id="roadmap-body">')[1]
        assert "No milestone counts toward MLOps Engineer yet." in body
        assert 'aria-label="Roadmap map"' not in body
        assert "Next up" not in body
        assert "Everything shown here is done" not in body
        assert "hide-done-toggle" not in body
        # Nor "0 % · 0 of 0 milestones done" in its bar, its card, the dashboard, the public page.
        assert "0 of 0" not in page
        assert "<summary>0 milestones count toward it" not in page
        assert page.count("No milestone counts toward it yet.") == 2  # the bar and the card
        learner.public_profile = True
        learner.save()
        for url in ("/dashboard/", f"/u/{learner.username}/"):
            other = client.get(url).text
            assert "0 of 0" not in other
            assert "No milestone counts toward it yet." in other

    @pytest.mark.parametrize("track", ["astronaut", "ML-ENGINEER", "%00", "a" * 300])
    def test_an_unknown_track_is_the_apps_own_404_page(self, client, roadmap, track):
        response = client.get("/", {"track": track})
        assert response.status_code == 404
        assert "<h1>Not found</h1>" in response.text
        assert "Back to the roadmap" in response.text

    def test_a_link_to_a_track_that_is_gone_offers_the_tracks_there_are(self, client, roadmap):
        """A bookmark of a deleted track led to "There is nothing at this address" alone."""
        response = client.get("/", {"track": "quantum-engineer"})
        assert response.status_code == 404
        assert "There is no such career track" in response.text
        for track in Track.objects.all():
            assert f'<a href="/?track={track.slug}">{track.name}</a>' in response.text
        assert '<a href="/?track=all">All milestones</a>' in response.text
        htmx = client.get("/", {"track": "quantum-engineer"}, **HTMX)
        assert htmx.status_code == 404 and htmx["Content-Type"].startswith("text/plain")
        assert htmx.text == "There is no such career track any more. Reload the page."


def card_of(page, milestone):
    """What a done milestone's line holds, after its heading (for moving by headings)."""
    line = page.split(f'<li class="milestone is-done" id="{milestone.slug}">')[1]
    return line.split("</li>")[0].split("</h3>", 1)[1].strip()


class TestDone:
    def test_a_done_milestone_collapses_to_one_line(self, client, learner):
        page = client.get("/").text
        slug = learner.first.slug
        card = page.split(f'<li class="milestone is-done" id="{slug}">')[1].split("</li>")[0]
        summary = card.split("<summary>")[1].split("</summary>")[0]
        assert f'<span class="summary-title">{learner.first.title}</span>' in summary
        assert "Done on <time" in summary
        assert "<details>" in card  # closed: the rest opens on request
        assert 'type="checkbox"' in card  # and can still be unticked

    def test_with_nothing_done_there_is_nothing_to_hide(self, client):
        client.force_login(UserFactory())
        page = client.get("/").text
        assert "hide-done-toggle" not in page
        assert "Hide done milestones" not in page

    def test_the_button_is_there_from_the_first_tick_with_why_it_stays(self, client, roadmap):
        """A new learner's first ticks stay ten minutes, to untick a slip: no button said so,
        nor that there would be one, and "Hide done" was nowhere to be found."""
        learner = UserFactory()
        client.force_login(learner)
        first = Milestone.objects.active().order_by("section__position", "position").first()
        progress.set_status(user=learner, milestone=first, status=Status.DONE)
        page = client.get("/").text
        assert 'id="hide-done-toggle">Hide done milestones (1)</button>' in page
        assert (
            "1 milestone you ticked in the last ten minutes stays open for now, to untick a slip; "
            "folded after that." in page
        )
        learner.hide_done = True
        learner.save()
        page = client.get("/").text
        assert 'id="hide-done-toggle">Show done milestones</button>' in page
        assert first.slug in milestone_ids(page)

    def test_hiding_done_leaves_them_out_and_is_remembered(self, csrf_client, learner):
        csrf_client.force_login(learner)
        page = csrf_client.get("/").text
        assert "Hide done milestones (1)" in page
        assert "key-hidden" not in page
        token = csrf_client.cookies["csrftoken"].value
        response = csrf_client.post(
            reverse("roadmap:hide_done"),
            {"hide": "1", "next": "/?track=all", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
        # Without JavaScript, back at the button: it is far down the page on a phone.
        assert response["Location"] == "/?track=all#hide-done-toggle"
        page = csrf_client.get("/").text
        assert learner.first.slug not in milestone_ids(page)
        assert len(milestone_ids(page)) == 29
        assert "Show done milestones (1)" in page
        # On the map it stays, but not as a link to a milestone that isn't on the page.
        assert map_of(page)[0] == (f"1. {learner.first.title}: done (hidden)", "node-done", "")
        # Drawn apart (dashed), it was as clickable as the others to look at: the key says why.
        assert '<span class="key key-hidden">Done, hidden from the page</span>' in page
        learner.refresh_from_db()
        assert learner.hide_done is True
        csrf_client.post(reverse("roadmap:hide_done"), {"hide": "0", "csrfmiddlewaretoken": token})
        assert learner.first.slug in milestone_ids(csrf_client.get("/").text)

    def test_one_just_ticked_stays_open_to_untick_a_slip_then_folds(self, client, learner):
        """Without JavaScript the tick reloads the page: it came back folded (with JavaScript
        the card stays as it was)."""
        url = reverse("roadmap:set_status", args=[learner.second.slug])
        response = client.post(url, {"status": "done", "next": "/?track=all"})
        assert response["Location"] == f"/?track=all#{learner.second.slug}"
        page = client.get(response["Location"]).text
        assert card_of(page, learner.second).startswith("<details open>")
        assert card_of(page, learner.first).startswith("<details>")  # ticked a while ago
        learner.progress.filter(milestone=learner.second).update(completed_at=EARLIER)
        assert card_of(client.get("/?track=all").text, learner.second).startswith("<details>")

    def test_one_done_at_a_time_ahead_of_now_is_not_just_done(self, client, learner):
        """An imported file's local time read as UTC: it stayed open, and shown while done
        ones are hidden, for up to a day."""
        ahead = timezone.now() + timedelta(hours=20)
        progress.set_status(user=learner, milestone=learner.second, status=Status.DONE, now=ahead)
        assert card_of(client.get("/").text, learner.second).startswith("<details>")
        learner.hide_done = True
        learner.save()
        assert learner.second.slug not in milestone_ids(client.get("/?track=all").text)

    def test_hide_done_pressed_right_after_ticks_hides_them(self, client, learner):
        """Pressed right after two ticks, "Hide done" seemed to do nothing: they stayed in
        sight ten minutes more, "to untick a slip", though the learner had asked to hide
        them. One ticked after the press stays, as a slip to untick."""
        for milestone in (learner.second, learner.third):
            progress.set_status(user=learner, milestone=milestone, status=Status.DONE)
        page = client.get("/").text
        assert 'id="hide-done-toggle">Hide done milestones (3)</button>' in page
        response = client.post(reverse("roadmap:hide_done"), {"hide": "1", "next": "/"})
        page = client.get(response["Location"]).text
        shown = milestone_ids(page)
        assert not {learner.first.slug, learner.second.slug, learner.third.slug} & set(shown)
        assert 'id="hide-done-toggle">Show done milestones (3)</button>' in page
        assert "to untick a slip" not in page

        fourth = Milestone.objects.active().exclude(progress__user=learner).first()
        progress.set_status(user=learner, milestone=fourth, status=Status.DONE)
        page = client.get("/?track=all").text
        assert fourth.slug in milestone_ids(page)
        assert (
            "1 milestone you ticked in the last ten minutes stays in sight for now, to untick a "
            "slip; hidden after that."
        ) in page

    def test_while_done_ones_are_hidden_one_just_ticked_stays_to_untick_a_slip(
        self, client, learner
    ):
        """It went at the next load (without JavaScript, at once: the tick came back to its
        section, the card gone), so that a slip had to be found among the hidden ones."""
        learner.hide_done = True
        learner.save()
        second = learner.second
        url = reverse("roadmap:set_status", args=[second.slug])
        response = client.post(url, {"status": "done", "next": "/?track=all"})
        assert response["Location"] == f"/?track=all#{second.slug}"
        page = client.get(response["Location"]).text
        card = card_of(page, second)
        assert not card.startswith("<details>")  # open, its box ticked to untick
        assert f'aria-describedby="state-{second.slug}" checked>' in card
        assert "Show done milestones (1)</button>" in page  # the one done before, hidden
        assert (
            "1 milestone you ticked in the last ten minutes stays in sight for now, to untick a "
            "slip; hidden after that." in page
        )
        # Ten minutes on, it is hidden as the others.
        learner.progress.filter(milestone=second).update(completed_at=EARLIER)
        page = client.get("/?track=all").text
        assert second.slug not in milestone_ids(page)
        assert "Show done milestones (2)</button>" in page
        assert "to untick a slip" not in page

    def test_a_career_tracks_link_to_a_hidden_done_milestone_shows_it(self, client, learner):
        """It led to `/?track=all#…` and the page stayed at its top: the milestone was hidden."""
        learner.hide_done = True
        learner.save()
        first = learner.first
        page = client.get("/").text
        tracks = page.split('id="career-tracks"')[1]
        link = f'href="/?track=all&amp;show={first.slug}#{first.slug}"'
        assert link in tracks
        page = client.get("/", {"track": "all", "show": first.slug}).text
        assert first.slug in milestone_ids(page)
        assert 'id="hide-done-toggle">Show done milestones</button>' in page  # none hidden now
        assert first.slug not in milestone_ids(client.get("/?track=all").text)
        # Shown, then hidden with the button: the page it comes back to hides it.
        learner.hide_done = False
        learner.save()
        page = client.get("/", {"track": "all", "show": first.slug}).text
        assert "Hide done milestones (1)</button>" in page
        back = '<input type="hidden" name="next" value="/?track=all">'
        assert back in page.split('id="hide-done-toggle"')[0].rsplit("<form", 1)[1]
        response = client.post(reverse("roadmap:hide_done"), {"hide": "1", "next": "/?track=all"})
        assert first.slug not in milestone_ids(client.get(response["Location"]).text)
        for show in ("no-such-milestone", "", "\x00"):  # nothing more shown, no error
            response = client.get("/", {"track": "all", "show": show})
            assert response.status_code == 200
            assert first.slug not in milestone_ids(response.text)

    def test_the_button_counts_what_it_hides_not_one_kept_for_its_news(self, client, learner):
        """A done milestone with news stays until dismissed: "Hide done (1)" hid nothing."""
        changed = learner.first
        learner.changes_seen_at = timezone.now() - timedelta(days=1)
        learner.save()
        ContentChangeFactory(milestone=changed, summary="Changed the description")
        content_changed()
        page = client.get("/").text
        assert "New description" in page
        assert 'id="hide-done-toggle">Hide done milestones</button>' in page  # none it hides now
        kept = "1 done milestone with roadmap news stays in sight until you dismiss the news."
        assert kept in page  # and why the done one stays
        # With one it hides, it counts that one and says why the other stays.
        progress.set_status(user=learner, milestone=learner.second, status="done", now=EARLIER)
        page = client.get("/").text
        assert "Hide done milestones (1)</button>" in page
        assert kept in page
        learner.hide_done = True
        learner.save()
        page = client.get("/").text
        assert "Show done milestones (1)</button>" in page
        assert kept in page

    def test_a_section_whose_milestones_are_all_hidden_says_so_in_one_line(self, client, learner):
        """It kept its heading and introduction over an empty list."""
        section = learner.first.section
        for milestone in section.milestones.all():
            progress.set_status(user=learner, milestone=milestone, status=Status.DONE, now=EARLIER)
        learner.hide_done = True
        learner.save()
        page = client.get("/?track=all").text
        part = page.split(f'<section class="roadmap-section" id="{section.slug}"')[1]
        part = part.split("</section>")[0]
        count = section.milestones.count()
        assert f"You have done all {count} milestones here; they are hidden." in part
        assert section.intro not in part
        assert '<ol class="milestones"' not in part
        # The map's link to the section still leads somewhere.
        assert f'href="#{section.slug}"' in page

    def test_a_section_of_one_hidden_milestone_says_it_in_the_singular(self, client):
        learner = UserFactory(hide_done=True)
        milestone = TrackMilestoneFactory().milestone
        progress.set_status(user=learner, milestone=milestone, status=Status.DONE, now=EARLIER)
        client.force_login(learner)
        assert "You have done the one milestone here; it is hidden." in client.get("/").text

    def test_hiding_done_needs_a_login_and_a_post(self, client, roadmap):
        assert client.put(reverse("roadmap:hide_done")).status_code == 405
        response = client.post(reverse("roadmap:hide_done"), {"hide": "1"})
        assert response["Location"].startswith(reverse("login"))

    def test_it_never_redirects_off_the_site(self, client, learner):
        response = client.post(
            reverse("roadmap:hide_done"), {"hide": "1", "next": "https://evil.example/"}
        )
        assert response["Location"] == "/#hide-done-toggle"

    def test_a_next_that_reads_like_a_view_name_is_a_redirect_not_a_500(self, client, learner):
        response = client.post(reverse("roadmap:hide_done"), {"hide": "1", "next": "index"})
        assert response.status_code == 302


class TestNextUp:
    def test_it_is_in_progress_first_then_roadmap_order_at_most_three(self, client, learner):
        page = client.get("/").text
        box = page.split('id="next-up"')[1].split("</section>")[0]
        rest = [m for m in ordered() if m not in (learner.first, learner.third)]
        links = re.findall(r'<a href="#([\w-]+)">', box)
        assert links == [learner.third.slug, rest[0].slug, rest[1].slug]
        assert "In progress" in box

    def test_htmx_asks_for_it_again_after_a_tick(self, client, learner):
        slug = learner.second.slug
        response = client.post(
            reverse("roadmap:set_status", args=[slug]), {"status": "done"}, **HTMX
        )
        assert response["HX-Trigger"] == '{"progress-changed": {}}'
        box = client.get("/", HTTP_HX_TARGET="roadmap-tools", **HTMX).text
        assert box.lstrip().startswith('<div class="roadmap-tools" id="roadmap-tools"')
        assert slug not in box.split('id="next-up"')[1].split("</section>")[0]
        # The count beside it follows too: what it would hide, the one just ticked with them.
        assert "Hide done milestones (2)</button>" in box
        assert (
            "1 milestone you ticked in the last ten minutes stays open for now, to untick a slip; "
            "folded after that." in box
        )


class TestProgress:
    def test_a_tick_announces_the_followed_tracks_it_moved(self, client, learner):
        response = client.post(
            reverse("roadmap:set_status", args=[learner.second.slug]), {"status": "done"}, **HTMX
        )
        announcement = response.text.split('id="progress-announcement"')[1].split("</div>")[0]
        assert 'aria-live="polite" hx-swap-oob="innerHTML">' in announcement
        assert re.search(r">Marked done\. ML Engineer \d+ %$", announcement)
        assert "Data Scientist" not in announcement  # not followed

    def test_a_tick_on_a_track_in_focus_says_that_track_too(self, client, learner):
        """Ticked with Data Scientist in focus, not followed: its bar moved, and only ML
        Engineer's (followed) was said. Now both are, at the milestone and to a screen reader,
        each at its new percentage."""
        response = client.post(
            reverse("roadmap:set_status", args=[learner.second.slug]),
            {"status": "done", "next": "/?track=data-scientist"},
            **HTMX,
        )
        now = {t.slug: t.percent for t in Track.objects.with_completion(learner)}
        engineer, scientist = now["ml-engineer"], now["data-scientist"]
        assert engineer and scientist  # both moved off 0 by the learner's two ticks
        announcement = response.text.split('id="progress-announcement"')[1].split("</div>")[0]
        assert announcement.endswith(
            f">Marked done. ML Engineer {engineer} %, Data Scientist {scientist} %"
        )
        said = response.text.split('class="state state-note tick-said">')[1].split("</p>")[0]
        assert said == f"ML Engineer now {engineer}&nbsp;% · Data Scientist now {scientist}&nbsp;%"

    def test_a_track_of_the_same_name_as_a_followed_one_is_not_mistaken_for_it(
        self, client, learner
    ):
        twin = TrackFactory(name="ML Engineer", slug="ml-engineer-twin")
        milestone = MilestoneFactory(section=Section.objects.first())
        TrackMilestoneFactory(track=twin, milestone=milestone, weight=2)
        content_changed()
        response = client.post(
            reverse("roadmap:set_status", args=[milestone.slug]), {"status": "done"}, **HTMX
        )
        announcement = response.text.split('id="progress-announcement"')[1].split("</div>")[0]
        assert announcement.endswith(">Marked done. ML Engineer 100 %")  # the twin's, not 3 %

    def test_in_progress_is_announced_though_no_percentage_moves(self, client, learner):
        url = reverse("roadmap:set_status", args=[learner.second.slug])
        response = client.post(url, {"status": ["not_started", "in_progress"]}, **HTMX)
        announcement = response.text.split('id="progress-announcement"')[1].split("</div>")[0]
        assert re.search(r">Marked in progress\. ML Engineer \d+ %$", announcement)
        response = client.post(url, {"status": ["not_started", "not_started"]}, **HTMX)
        announcement = response.text.split('id="progress-announcement"')[1].split("</div>")[0]
        assert re.search(r">Marked not started\. ML Engineer \d+ %$", announcement)

    def test_the_percentage_is_in_large_type_beside_each_bar(self, client, learner):
        page = client.get("/").text
        assert re.search(r'<span class="bar-percent" aria-hidden="true">\d+ %</span>', page)


def test_the_page_keeps_its_queries_with_the_map_and_the_focus(
    client, learner, django_assert_max_num_queries
):
    client.get("/")
    # The session, the user, their progress rows, the tracks they follow.
    for url in ("/", "/?track=all", "/?track=data-scientist"):
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200
