"""Each learner reads days and weeks in their own time zone: the one their browser gave at sign-up
or the one chosen on the profile; without one, the site's (settings.TIME_ZONE)."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, other_time_zone_names, time_zone_names
from roadmap import exports, imports, progress
from roadmap.models import Status
from tests.conftest import LATEST, migrate
from tests.factories import EnrollmentFactory, TrackMilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Monday 30 November 2026, 03:00 UTC: still Sunday the 29th in Los Angeles.
MONDAY_EARLY = datetime.datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def done_on(html):
    return re.search(r"Done on <time[^>]*>([^<]*)</time>", html).group(1)


def signup(client, **extra):
    data = {
        "username": "ada",
        "email": "ada@example.com",
        "password1": "analytical-engine-1843",
        "password2": "analytical-engine-1843",
    }
    return client.post(reverse("signup"), data | extra)


@pytest.mark.parametrize(
    ("zone", "day"), [("America/Los_Angeles", "29 Nov 2026"), ("", "30 Nov 2026")]
)
def test_the_day_a_milestone_was_done_on_is_the_learners_own(client, zone, day):
    user = UserFactory(time_zone=zone)
    milestone = TrackMilestoneFactory().milestone
    progress.set_status(user=user, milestone=milestone, status=Status.DONE, now=MONDAY_EARLY)
    client.force_login(user)
    assert done_on(client.get(reverse("roadmap:index")).text) == day


@pytest.mark.parametrize(
    ("zone", "week"), [("America/Los_Angeles", "23 November 2026"), ("", "30 November 2026")]
)
def test_the_activity_chart_counts_a_milestone_in_the_learners_own_week(
    client, monkeypatch, zone, week
):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_EARLY)  # the chart's 12 weeks end then
    user = UserFactory(time_zone=zone)
    link = TrackMilestoneFactory()
    EnrollmentFactory(user=user, track=link.track)
    progress.set_status(user=user, milestone=link.milestone, status=Status.DONE, now=MONDAY_EARLY)
    client.force_login(user)
    html = client.get(reverse("roadmap:dashboard")).text
    assert f"<tr><td>{week}</td><td>1</td></tr>" in html


@pytest.mark.parametrize(
    ("zone", "said", "invited"),
    [
        ("", "in UTC time", True),
        ("Asia/Tokyo", "in Asia/Tokyo time", False),
        # As the profile's list names it.
        ("America/New_York", "in America/New York time", False),
        # Stored before the list was what it is: the site's weeks, said as the site's.
        ("Etc/GMT+5", "in UTC time", True),
    ],
)
def test_the_activity_chart_says_whose_weeks_they_are(client, settings, zone, said, invited):
    """A learner without a zone of their own (every account made before there were zones) read
    the site's weeks without a word of it, nor of where to change them."""
    settings.TIME_ZONE = "UTC"
    user = UserFactory(time_zone=zone)
    milestone = TrackMilestoneFactory().milestone
    progress.set_status(user=user, milestone=milestone, status=Status.DONE)  # a chart to show
    client.force_login(user)
    caption = re.search(
        r"<figcaption>(.*?)</figcaption>", client.get(reverse("roadmap:dashboard")).text
    )
    assert said in caption.group(1)
    invitation = f'<a href="{reverse("profile")}#id_time_zone">set your own time zone</a>'
    assert (invitation in caption.group(1)) is invited


@pytest.mark.parametrize(("zone", "refused"), [("Asia/Tokyo", True), ("", False)])
def test_a_target_date_of_tomorrow_is_the_learners_tomorrow(client, monkeypatch, zone, refused):
    """At 20:00 UTC on 30 November it is already 1 December in Tokyo: a target of that day has
    come there, and is still ahead in UTC."""
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 11, 30, 20, tzinfo=UTC))
    user = UserFactory(time_zone=zone)
    link = TrackMilestoneFactory()
    enrollment = EnrollmentFactory(user=user, track=link.track)
    client.force_login(user)
    url = reverse("roadmap:set_target", args=[link.track.slug])
    response = client.post(url, {"target_date": "2026-12-01"})
    enrollment.refresh_from_db()
    if refused:
        assert response.status_code == 422
        assert "Choose a target date after today" in response.text
        assert enrollment.target_date is None
    else:
        assert enrollment.target_date == datetime.date(2026, 12, 1)


class TestSignup:
    def test_the_browsers_time_zone_is_the_new_accounts(self, client):
        signup(client, time_zone="Europe/Berlin")
        assert User.objects.get(username="ada").time_zone == "Europe/Berlin"

    @pytest.mark.parametrize(
        "sent", ["", "Mars/Olympus_Mons", "Etc/GMT+5", "x" * 500, "../UTC", "UTC\x00"]
    )
    def test_one_this_site_does_not_offer_leaves_the_sites_and_still_signs_up(self, client, sent):
        response = signup(client, time_zone=sent)
        assert response.status_code == 302
        assert User.objects.get(username="ada").time_zone == ""

    def test_a_browser_saying_etc_utc_gets_utc(self, client, settings):
        settings.TIME_ZONE = "Europe/Berlin"
        signup(client, time_zone="Etc/UTC")
        assert User.objects.get(username="ada").time_zone == "UTC"

    @pytest.mark.parametrize(
        ("sent", "kept"), [("Asia/Calcutta", "Asia/Kolkata"), ("Europe/Kiev", "Europe/Kyiv")]
    )
    def test_a_clocks_old_name_is_stored_as_its_current_one(self, client, sent, kept):
        """Chromium still says the names the time zone database has replaced."""
        signup(client, time_zone=sent)
        assert User.objects.get(username="ada").time_zone == kept

    def test_the_form_has_the_field_for_the_script_to_fill(self, client):
        html = client.get(reverse("signup")).text
        assert re.search(r'<input type="hidden" name="time_zone" id="id_time_zone">', html)


class TestProfile:
    def test_a_learner_chooses_their_time_zone(self, client):
        user = UserFactory()
        client.force_login(user)
        html = client.get(reverse("profile")).text
        assert '<option value="" selected>The site’s (UTC)</option>' in html
        assert '<option value="America/Sao_Paulo">America/Sao Paulo</option>' in html
        response = client.post(reverse("profile"), {"time_zone": "America/Sao_Paulo"})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.time_zone == "America/Sao_Paulo"
        html = client.get(reverse("profile")).text
        assert '<option value="America/Sao_Paulo" selected>' in html

    def test_the_list_names_each_regions_clock_once_by_its_current_name(self, client):
        """It held 489 names, 71 of them a second name of a clock listed already (Asia/Calcutta
        beside Asia/Kolkata, Europe/Kiev beside Europe/Kyiv)."""
        client.force_login(UserFactory())
        options = re.findall(r'<option value="([^"]*)"', client.get(reverse("profile")).text)
        assert len(options) == len(set(options))
        for current, old in [("Asia/Kolkata", "Asia/Calcutta"), ("Europe/Kyiv", "Europe/Kiev")]:
            assert current in options
            assert old not in options
        # Each region's clock stays, one shared since with another's too (Oslo keeps Berlin's).
        assert {"Europe/Oslo", "Europe/Berlin", "America/Argentina/Buenos_Aires"} <= set(options)

    @pytest.mark.parametrize("sent", ["Mars/Olympus_Mons", "posixrules", "Europe/Berlin\x00"])
    def test_a_name_not_in_the_list_is_refused_and_nothing_changes(self, client, sent):
        user = UserFactory(time_zone="Europe/Paris", display_name="Ada")
        client.force_login(user)
        response = client.post(
            reverse("profile"), {"time_zone": sent, "display_name": "Someone else"}
        )
        assert response.status_code == 422
        assert "Choose a time zone from the list." in response.text
        user.refresh_from_db()
        assert (user.time_zone, user.display_name) == ("Europe/Paris", "Ada")


class TestExportAndImport:
    def test_the_time_zone_goes_with_the_profile_and_comes_back(self):
        user = UserFactory(time_zone="Asia/Kolkata")
        data = json.loads(json.dumps(exports.export_data(user)))
        assert data["profile"]["time_zone"] == "Asia/Kolkata"
        fresh = UserFactory()
        imports.import_data(user=fresh, data=data)
        fresh.refresh_from_db()
        assert fresh.time_zone == ""  # progress only: the profile stays
        report = imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert fresh.time_zone == "Asia/Kolkata"
        assert "Time zone: Asia/Kolkata." in report.summary()

    @pytest.mark.parametrize(
        ("given", "kept"), [("Asia/Calcutta", "Asia/Kolkata"), ("Etc/UTC", "UTC"), ("GMT", "UTC")]
    )
    def test_a_clocks_old_name_in_a_file_is_imported_as_its_current_one(self, given, kept):
        """As at sign-up: an import of "Etc/UTC" read as the site's zone, whatever that is."""
        data = json.loads(json.dumps(exports.export_data(UserFactory())))
        data["profile"]["time_zone"] = given
        fresh = UserFactory()
        imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert fresh.time_zone == kept

    def test_one_this_machine_does_not_know_is_the_sites_and_the_rest_imports(self):
        """A file from a machine with other time zone data (or an account whose zone went) was
        refused whole, progress only too."""
        user = UserFactory(time_zone="Asia/Kolkata")
        milestone = TrackMilestoneFactory().milestone
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        data = json.loads(json.dumps(exports.export_data(user)))
        data["profile"]["time_zone"] = "Mars/Olympus_Mons"
        fresh = UserFactory(time_zone="Europe/Paris")
        assert imports.import_data(user=fresh, data=data).progress == 1
        report = imports.import_data(user=fresh, data=data, with_profile=True)
        fresh.refresh_from_db()
        assert fresh.time_zone == ""
        assert "Time zone: the site’s." in report.summary()


def test_the_health_check_reads_no_session_even_from_a_learners_browser(
    client, django_assert_num_queries
):
    client.force_login(UserFactory(time_zone="Asia/Tokyo"))
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("url", ["/u/ada/badge.svg", "/changes/feed/"])
def test_answers_caches_keep_read_no_session_from_a_learners_browser(client, url):
    """The badge and the feed, the same for everyone, got `Vary: Cookie` (and the feed
    `private`) from a learner's browser, and read the session and the user for nothing."""
    TrackMilestoneFactory()
    UserFactory(username="ada", public_profile=True)
    client.get(url)  # this process has the roadmap's content
    with CaptureQueriesContext(connection) as visitors:
        anonymous = client.get(url)
    client.force_login(UserFactory(time_zone="Asia/Tokyo"))
    with CaptureQueriesContext(connection) as learners:
        response = client.get(url)
    assert response.status_code == anonymous.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert response.get("Cache-Control") == anonymous.get("Cache-Control")
    assert len(learners) == len(visitors)


def test_the_time_zone_of_one_request_is_not_the_next_ones(client):
    """A worker serves one learner then a visitor: the visitor reads the site's days."""
    user = UserFactory(time_zone="Pacific/Kiritimati")  # UTC+14
    client.force_login(user)
    client.get(reverse("roadmap:index"))
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_public_page_whose_owner_has_a_zone_this_machine_lacks_says_the_sites_days(client):
    """Every visitor got a 500."""
    owner = UserFactory(username="ada", public_profile=True)
    User.objects.filter(pk=owner.pk).update(time_zone="Mars/Olympus_Mons")
    milestone = TrackMilestoneFactory().milestone
    progress.set_status(user=owner, milestone=milestone, status=Status.DONE, now=MONDAY_EARLY)
    response = client.get(reverse("roadmap:public_page", args=["ada"]))
    assert done_on(response.text) == "30 Nov 2026"


@pytest.mark.parametrize("viewer_zone", [None, "Asia/Tokyo"], ids=["visitor", "learner in Tokyo"])
def test_a_public_page_says_the_days_as_its_owner_lived_them(client, viewer_zone):
    owner = UserFactory(username="ada", public_profile=True, time_zone="America/Los_Angeles")
    milestone = TrackMilestoneFactory().milestone
    progress.set_status(user=owner, milestone=milestone, status=Status.DONE, now=MONDAY_EARLY)
    if viewer_zone:
        client.force_login(UserFactory(time_zone=viewer_zone))
    page = client.get(reverse("roadmap:public_page", args=["ada"])).text
    assert done_on(page) == "29 Nov 2026"
    # The day alone: not the moment of the tick, nor the offset that says where the owner is.
    assert '<time datetime="2026-11-29">' in page
    assert "-08:00" not in page


def test_a_learner_whose_zone_this_machine_lacks_reads_the_sites_days(client):
    """A name stored on a machine with other zone data: the site's, not an error."""
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(time_zone="Mars/Olympus_Mons")
    milestone = TrackMilestoneFactory().milestone
    progress.set_status(user=user, milestone=milestone, status=Status.DONE, now=MONDAY_EARLY)
    client.force_login(user)
    response = client.get(reverse("roadmap:index"))
    assert response.status_code == 200
    assert done_on(response.text) == "30 Nov 2026"


@pytest.mark.django_db(transaction=True)
def test_migrating_gives_a_stored_old_name_of_a_clock_its_current_one():
    """Saved from the old list, or from a browser, it was not in the new list: the profile
    showed the site's chosen, and the admin could not save the account."""
    OldUser = migrate([("accounts", "0020_done_hidden_at")]).get_model("accounts", "User")
    stored = {"ada": "Asia/Calcutta", "bob": "Europe/Kyiv", "cy": "Mars/Olympus_Mons", "di": ""}
    for username, zone in stored.items():
        OldUser.objects.create(username=username, email=f"{username}@example.com", time_zone=zone)
    try:
        migrate(LATEST)
        assert dict(User.objects.values_list("username", "time_zone")) == {
            "ada": "Asia/Kolkata",
            "bob": "Europe/Kyiv",
            "cy": "Mars/Olympus_Mons",  # read as the site's, as before
            "di": "",
        }
    finally:
        User.objects.all().delete()


class TestANameTheListNoLongerHas:
    """tzdata moves zones out of zone.tab now and then (Asia/Choibalsan, since 2024b a link to
    Asia/Ulaanbaatar): a learner stored under such a name read the site's days without a word,
    the profile showed the site's chosen, and the admin saved the account with none."""

    @pytest.fixture
    def learner(self, client):
        user = UserFactory(time_zone="Asia/Choibalsan")
        milestone = TrackMilestoneFactory().milestone
        sunday_night = datetime.datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # Monday in Mongolia
        progress.set_status(user=user, milestone=milestone, status=Status.DONE, now=sunday_night)
        client.force_login(user)
        return user

    def test_its_days_are_still_the_learners(self, client, learner):
        assert done_on(client.get(reverse("roadmap:index")).text) == "30 Nov 2026"
        caption = client.get(reverse("roadmap:dashboard")).text.split("<figcaption>")[1]
        assert caption.split("</figcaption>")[0].endswith(
            "in Asia/Ulaanbaatar time. The last bar is this week."
        )

    def test_the_profile_and_the_admin_show_it_by_the_lists_name(self, client, learner):
        chosen = '<option value="Asia/Ulaanbaatar" selected>'
        assert chosen in client.get(reverse("profile")).text
        learner.is_staff = learner.is_superuser = True
        learner.save()
        page = client.get(reverse("admin:accounts_user_change", args=[learner.pk])).text
        assert chosen in page

    def test_the_browsers_own_name_is_kept_when_the_list_has_it(self):
        """Europe/Oslo is also a link to Europe/Berlin's clock: it was offered as Berlin."""
        others = other_time_zone_names()
        assert "Europe/Oslo" not in others and "Asia/Calcutta" in others
        assert not set(others) & time_zone_names()
