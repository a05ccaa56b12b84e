import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from roadmap import snapshot
from roadmap.models import Milestone, TrackQuerySet
from roadmap.snapshot import content_changed
from tests.factories import (
    EnrollmentFactory,
    MilestoneFactory,
    ResourceFactory,
    TrackMilestoneFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_visitor_reads_the_whole_roadmap_without_an_account(client, roadmap):
    response = client.get(reverse("roadmap:index"))
    assert response.status_code == 200
    page = response.text
    for title in ("Build a Strong Portfolio", "Specialize and Go Deeper", "Join the Community"):
        assert title in page
    for track in ("ML Engineer", "Data Scientist", "Research Scientist"):
        assert track in page
    assert "Natural Language Processing (NLP): fine-tune a pretrained Transformer" in page
    assert "Computer Vision: fine-tune an advanced CNN architecture" in page
    assert 'href="https://arxiv.org/abs/1706.03762"' in page
    assert "usually requires a Master&#x27;s or PhD" in page


def test_each_milestone_says_about_how_many_hours_it_takes(client, roadmap):
    page = client.get(reverse("roadmap:index")).text
    kaggle = page.split('id="enter-a-kaggle-competition"')[1].split("</article>")[0]
    assert '<p class="estimate">Effort: about 20 h</p>' in kaggle
    assert page.count('<p class="estimate">Effort: about ') == 30


def test_the_line_breaks_an_editor_types_show(client):
    """The admin takes several lines in a description, an introduction or a summary; the
    roadmap ran them into one."""
    milestone = TrackMilestoneFactory(
        milestone__description="Add drift checks to the API.\nAlert when accuracy drops.",
        milestone__section__intro="Start here.\nThen go on.",
        track__summary="Ships models.\nKeeps them running.",
    ).milestone
    page = client.get(reverse("roadmap:index")).text
    assert "Add drift checks to the API.<br>Alert when accuracy drops." in page
    assert "Start here.<br>Then go on." in page
    assert "Ships models.<br>Keeps them running." in page
    assert milestone.title in page


def test_a_changed_estimate_shows_with_the_next_content_revision(client):
    milestone = MilestoneFactory(estimated_hours=3)
    assert "Effort: about 3 h" in client.get(reverse("roadmap:index")).text
    milestone.estimated_hours = 12
    milestone.save()
    content_changed()
    assert "Effort: about 12 h" in client.get(reverse("roadmap:index")).text


def test_the_tracks_say_which_milestones_count_toward_them(client):
    membership = TrackMilestoneFactory(weight=4, track__name="ML Engineer")
    other = TrackMilestoneFactory(track__slug="data-scientist").milestone
    page = client.get(reverse("roadmap:index"), {"track": "data-scientist"}).text
    assert f'id="{membership.milestone.slug}"' not in page  # not shown in this focus:
    slug = membership.milestone.slug
    link = f'<a href="/?track=all&amp;show={slug}#{slug}">{membership.milestone.title}</a>'
    assert link in page  # so its link goes to the whole roadmap
    assert f'<a href="/?track=all&amp;show={other.slug}#{other.slug}">' in page
    assert "1 milestone counts toward it" in page  # not "1 milestone count"


def test_a_milestone_in_no_track_says_so(client):
    MilestoneFactory(title="Just for fun")
    page = client.get(reverse("roadmap:index")).text
    assert '<p class="counts-toward">Counts toward no career track.</p>' in page


def test_archived_milestones_are_hidden(client):
    MilestoneFactory(title="Old advice", is_archived=True)
    MilestoneFactory(title="Current advice")
    page = client.get(reverse("roadmap:index")).text
    assert "Current advice" in page
    assert "Old advice" not in page


def test_the_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    def grow(count):
        for _ in range(count):
            membership = TrackMilestoneFactory()
            ResourceFactory(milestone=membership.milestone)

    grow(3)
    # The content revision, then, once per revision: the latest change, sections, active
    # milestones, resources, weights with their tracks, tracks, their milestones, the latest
    # change again (unmoved). After that, nothing at all for a visitor, for a second.
    with django_assert_max_num_queries(9):
        client.get(reverse("roadmap:index"))
    with django_assert_max_num_queries(0):
        client.get(reverse("roadmap:index"))
    grow(30)
    content_changed()
    with django_assert_max_num_queries(9):
        page = client.get(reverse("roadmap:index")).text
    assert page.count('class="milestone"') == 33


def test_a_milestone_an_editor_adds_while_the_roadmap_is_read_shows_on_the_next_view(
    client, monkeypatch
):
    """The roadmap is read in several queries: an editor's save can commit between the
    sections' and the tracks'. The page is served without it, and the next view shows it."""
    first = TrackMilestoneFactory(milestone__title="First")
    original = TrackQuerySet.with_active_memberships

    def an_editor_saves_meanwhile(self):
        if not Milestone.objects.filter(title="Added meanwhile").exists():
            TrackMilestoneFactory(track=first.track, milestone__title="Added meanwhile")
            content_changed()
        return original(self)

    monkeypatch.setattr(TrackQuerySet, "with_active_memberships", an_editor_saves_meanwhile)
    response = client.get(reverse("roadmap:index"))
    assert response.status_code == 200
    assert "First" in response.text
    assert "Added meanwhile" in client.get(reverse("roadmap:index")).text


def test_a_revision_read_as_another_thread_commits_a_change_is_not_kept(client):
    """Read just before another thread of this process committed a change, and kept just after
    that thread had made the process forget it: the old roadmap was served for a second more,
    in which an archived milestone could still be ticked."""
    TrackMilestoneFactory(milestone__title="First")
    client.get(reverse("roadmap:index"))
    committed = []

    def another_thread_commits_meanwhile(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "revision" in sql and not committed:  # the revision is read: then the change lands
            committed.append(True)
            TrackMilestoneFactory(milestone__title="Added meanwhile")
            content_changed()
        return result

    with connection.execute_wrapper(another_thread_commits_meanwhile):
        read = snapshot.current_revision(fresh=True)
    assert committed
    # This process made the change: its revision is read at once, not the one read before it.
    assert snapshot.current_revision() != read
    assert "Added meanwhile" in client.get(reverse("roadmap:index")).text


def test_an_edit_in_the_admin_shows_on_the_roadmap_at_once(client, admin_user):
    milestone = MilestoneFactory(title="Old title")
    assert "Old title" in client.get(reverse("roadmap:index")).text
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:roadmap_milestone_change", args=[milestone.pk]),
        {
            "section": milestone.section.pk,
            "slug": milestone.slug,
            "title": "New title",
            "estimated_hours": 9,
            "position": 0,
            "resources-TOTAL_FORMS": "0",
            "resources-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    client.logout()  # the editor's own page tells them the news: "Renamed “Old title” to …"
    page = client.get(reverse("roadmap:index")).text
    assert "New title" in page
    assert "Old title" not in page


def test_loading_a_changed_file_shows_on_the_roadmap_at_once(client, roadmap, tmp_path):
    import yaml
    from django.core.management import call_command

    from roadmap.content import DEFAULT_PATH

    assert "Shortlist three datasets" in client.get("/").text
    data = yaml.safe_load(DEFAULT_PATH.read_text())
    data["sections"][0]["milestones"][0]["title"] = "Pick a dataset you care about"
    path = tmp_path / "roadmap.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    call_command("load_roadmap", str(path), stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    page = client.get("/").text
    assert "Pick a dataset you care about" in page
    assert "Shortlist three datasets" not in page


class TestLearnersRoadmap:
    @pytest.fixture
    def learner(self, roadmap):
        from django.utils import timezone

        from roadmap import progress
        from roadmap.models import Milestone

        user = UserFactory()
        first, second, third, fourth = Milestone.objects.active().order_by("section", "position")[
            :4
        ]
        progress.set_status(user=user, milestone=first, status="done")
        progress.set_status(user=user, milestone=second, status="in_progress")
        progress.save_details(
            user=user, milestone=second, note="Line one\n<b>line</b> {{ two }}", evidence_url=""
        )
        progress.save_details(
            user=user, milestone=third, note="", evidence_url="https://example.com/a?b=1&c=2"
        )
        progress.set_status(user=user, milestone=fourth, status="done")
        progress.save_details(
            user=user, milestone=fourth, note="CSRFTOKENPLACEHOLDER", evidence_url="https://x.org"
        )
        user.done_on = timezone.localdate(user.progress.get(milestone=first).completed_at).strftime(
            "%Y-%m-%d"
        )
        return user

    def test_a_name_with_markup_shows_escaped_in_the_header(self, learner):
        learner.display_name = "<i>Ada</i> & co"
        learner.save()
        client = Client()
        client.force_login(learner)
        page = client.get(reverse("roadmap:index")).text
        assert ">&lt;i&gt;Ada&lt;/i&gt; &amp; co</a>" in page

    def test_a_message_to_show_appears_above_the_learners_roadmap(self, learner):
        """The page pre-rendered without messages is not used when there is one to show."""
        client = Client()
        client.force_login(learner)
        client.post(reverse("profile"), {"display_name": "Ada L"})  # the message waits
        page = client.get(reverse("roadmap:index")).text
        assert '<p class="message success">Your profile is saved.</p>' in page
        assert ">Ada L</a>" in page and "Your progress" in page
        assert f'<time datetime="{learner.done_on}">' in page  # the learner's ticks
        assert "Your profile is saved." not in client.get(reverse("roadmap:index")).text

    def test_followed_tracks_come_first_and_the_others_say_they_are_not_followed(self, learner):
        from roadmap.models import Enrollment, Track

        Enrollment.objects.create(user=learner, track=Track.objects.get(slug="research-scientist"))
        client = Client()
        client.force_login(learner)
        page = client.get(reverse("roadmap:index")).text
        bars = page[
            page.index('id="my-progress"') : page.index(
                "</section>", page.index('id="my-progress"')
            )
        ]
        names = re.findall(r'<span class="bar-name" id="bar-([\w-]+)">', bars)
        assert names == ["research-scientist", "ml-engineer", "data-scientist"]
        assert bars.count("not followed") == 2
        assert '<li class="not-followed">' in bars

    def test_a_learner_who_follows_no_track_is_invited_to_choose(self, learner):
        """Skipping the choice after sign-up left three "not followed" bars and no way back."""
        from roadmap.models import Enrollment, Track

        client = Client()
        client.force_login(learner)
        invitation = "You follow no track yet."
        choose = f'<a href="{reverse("choose_tracks")}?next=/">Choose the tracks you follow</a>'
        page = client.get(reverse("roadmap:index")).text
        assert invitation in page and choose in page
        assert "not followed" not in page  # said once, not on each bar
        Enrollment.objects.create(user=learner, track=Track.objects.get(slug="ml-engineer"))
        page = client.get(reverse("roadmap:index")).text
        assert invitation not in page
        assert page.count("not followed</span>") == 2

    def test_the_link_to_how_percentages_are_worked_out_leads_to_the_explanation(self, learner):
        client = Client()
        client.force_login(learner)
        page = client.get(reverse("roadmap:index")).text
        dashboard = reverse("roadmap:dashboard")
        assert f'<a href="{dashboard}#how-computed">How each percentage is worked out</a>' in page
        assert '<p id="how-computed">Every milestone counts' in client.get(dashboard).text

    def test_notes_and_links_show_verbatim_and_escaped(self, learner):
        client = Client()
        client.force_login(learner)
        page = client.get(reverse("roadmap:index")).text
        assert "Line one<br>&lt;b&gt;line&lt;/b&gt; {{ two }}" in page
        assert 'href="https://example.com/a?b=1&amp;c=2"' in page
        assert '<span class="label">Evidence: </span><a href="https://example.com/' in page
        assert '<span class="label">Your note:</span> CSRFTOKENPLACEHOLDER</p>' in page
        assert f'<time datetime="{learner.done_on}">' in page
        assert page.count(" checked>") == 2


def served(path, **environ):
    """The page as the WSGI server hands the request to Django, with `environ` (SCRIPT_NAME…)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    environ = {"PATH_INFO": path, "HTTP_HOST": "testserver", **environ}
    setup_testing_defaults(environ)
    # As Django's test client does: the test's database connection stays open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda status, headers: None)
        body = b"".join(response).decode()
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return body


def test_a_forged_script_prefix_never_reaches_another_visitors_links(roadmap):
    """Links on the roadmap are made once per content revision: a request under another script
    prefix (SCRIPT_NAME, which only the proxy may set) gets its own, never everyone's."""
    assert 'href="/evil/accounts/signup/' in served("/", SCRIPT_NAME="/evil")
    page = served("/", SCRIPT_NAME="")
    assert "/evil" not in page
    assert 'href="/accounts/signup/?next=/%3Ftrack%3Dall%23explore-public-datasets"' in page


def test_a_link_to_a_milestone_opens_a_page_that_shows_it_whatever_the_learner_follows():
    """A learner's roadmap shows the tracks they follow: a link elsewhere (after signing up from
    a milestone, the news, the dashboard of a track not followed, a public page) landed at the
    top of a page without the milestone."""
    followed, other = TrackMilestoneFactory(), TrackMilestoneFactory()
    learner = UserFactory()
    EnrollmentFactory(user=learner, track=followed.track)
    client = Client()
    client.force_login(learner)
    path, _, anchor = other.milestone.get_absolute_url().partition("#")
    assert anchor == other.milestone.slug
    assert f'id="{anchor}"' in client.get(path).text
    assert f'id="{anchor}"' not in client.get(reverse("roadmap:index")).text


def test_no_slug_a_section_or_milestone_may_take_is_an_id_the_page_has(client, roadmap):
    """A section's or milestone's slug is its id on the page (its anchor, /#slug); the admin and
    the roadmap file refuse a slug that is one of the page's other ids (validate_anchor). An id
    added to the page without being refused there fails here."""
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from roadmap import progress
    from roadmap.models import Section, Status, Track
    from roadmap.validators import validate_anchor
    from tests.factories import ContentChangeFactory

    learner = UserFactory(changes_seen_at=timezone.now() - timedelta(days=1))
    EnrollmentFactory(user=learner, track=Track.objects.get(slug="ml-engineer"))
    first, second, third, fourth = Milestone.objects.all()[:4]
    progress.set_status(user=learner, milestone=first, status=Status.DONE)  # just done
    progress.set_status(user=learner, milestone=second, status=Status.IN_PROGRESS)
    progress.set_status(
        user=learner, milestone=third, status=Status.DONE, now=timezone.now() - timedelta(days=1)
    )
    ContentChangeFactory(milestone=fourth, summary="Changed the description")
    content_changed()
    pages = [client.get(url).text for url in ("/", "/?track=all")]  # a visitor's
    client.force_login(learner)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}
    pages += [client.get(url).text for url in ("/", "/?track=all", "/?track=data-scientist")]
    pages.append(client.get(second.details_url, {"edit": "1"}, **htmx).text)  # the editor
    refused = {"note": "\x00", "evidence_url": "javascript:alert(1)"}
    pages.append(client.post(second.details_url, refused, **htmx).text)  # with its errors
    client.post(reverse("roadmap:set_status", args=[fourth.slug]), {"status": "in_progress"})
    pages.append(client.get("/").text)  # with a message at the top
    learner.hide_done = True
    learner.save()
    pages.append(client.get("/").text)
    anchors = set(Milestone.objects.values_list("slug", flat=True))
    anchors |= set(Section.objects.values_list("slug", flat=True))
    ids = {found for page in pages for found in re.findall(r'\bid="([^"]+)"', page)} - anchors
    assert {"news", "next-up", "note-" + second.slug, "focus-followed", "flash"} <= ids
    assert {f"note-{second.slug}-error", f"evidence-{second.slug}-error"} <= ids
    for page_id in ids:
        with pytest.raises(ValidationError):
            validate_anchor(page_id)
    # Nor another milestone's: note-<slug>-error is the note box of a milestone <slug>-error.
    made = {  # the ids the page makes of a milestone's slug, as (before, after) it
        tuple(page_id.split(second.slug)) for page_id in ids if page_id.count(second.slug) == 1
    }
    assert {("note-", "-error"), ("evidence-", "-help"), ("state-", "")} <= made
    for before, after in made:
        for other_before, other_after in made:
            if before == other_before and after != other_after and after.endswith(other_after):
                with pytest.raises(ValidationError):  # <slug><rest> makes <slug>'s id
                    validate_anchor(second.slug + after.removesuffix(other_after))
