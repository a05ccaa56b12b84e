"""An account deleted (from another tab or device) while one of its requests runs stays deleted.

Each test deletes the learner's row just before the request writes, as the deletion would land
between the request's read of the user and its write. Without care Django's save() inserts the
user again (with its username, address and password) or the write fails with a 500.
"""

import json
import re

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import pre_save
from django.urls import reverse

from roadmap import exports, imports, progress
from roadmap.models import Enrollment, Milestone, Progress, Status, Track
from tests.factories import (
    PASSWORD,
    EnrollmentFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)
from tests.test_admin import user_change_form

User = get_user_model()


@pytest.fixture
def deleted_before_write(user):
    """Delete the learner's row the moment anything of theirs is about to be saved."""

    def delete_the_account(sender, instance, **kwargs):
        if instance.pk == user.pk or getattr(instance, "user_id", None) == user.pk:
            User.objects.filter(pk=user.pk).delete()

    for model in (User, Progress):
        pre_save.connect(delete_the_account, sender=model, weak=False)
    yield
    for model in (User, Progress):
        pre_save.disconnect(delete_the_account, sender=model)


def delete_first(monkeypatch, name, user):
    """Delete the learner's row just before roadmap.progress.<name> writes: the deletion commits
    after the view read the user and before the write's own transaction (the write itself fires
    no pre_save)."""
    write = getattr(progress, name)

    def deleted_first(**kwargs):
        User.objects.filter(pk=user.pk).delete()
        return write(**kwargs)

    monkeypatch.setattr(progress, name, deleted_first)


def assert_gone_and_logged_out(client, response, user):
    assert not User.objects.filter(pk=user.pk).exists()
    assert not User.objects.filter(username=user.username).exists()
    assert SESSION_KEY not in client.session
    assert response.status_code in (200, 302)


# Transactions as in production: a failed write rolls back the view's own transaction, and the
# missing user breaks a foreign key when the write commits.
@pytest.mark.django_db(transaction=True)
class TestAWriteRacingTheDeletion:
    def test_saving_the_profile_does_not_bring_the_account_back(
        self, learner_client, user, deleted_before_write
    ):
        response = learner_client.post(reverse("profile"), {"display_name": "still here"})
        assert_gone_and_logged_out(learner_client, response, user)
        assert response["Location"] == reverse("roadmap:index")
        page = learner_client.get(response["Location"])
        assert "This account has been deleted." in page.content.decode()

    def test_changing_the_password_does_not_bring_the_account_back(
        self, learner_client, user, deleted_before_write
    ):
        response = learner_client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "another-horse-battery-43",
                "new_password2": "another-horse-battery-43",
            },
        )
        assert_gone_and_logged_out(learner_client, response, user)

    def test_setting_hours_answers_without_an_error(
        self, learner_client, user, deleted_before_write
    ):
        response = learner_client.post(reverse("roadmap:set_hours"), {"hours_per_week": "5"})
        assert_gone_and_logged_out(learner_client, response, user)

    def test_hiding_done_answers_without_an_error(self, learner_client, user, deleted_before_write):
        response = learner_client.post(reverse("roadmap:hide_done"), {"hide": "1"})
        assert_gone_and_logged_out(learner_client, response, user)

    def test_saving_a_note_answers_without_an_error(
        self, learner_client, user, roadmap, monkeypatch
    ):
        delete_first(monkeypatch, "save_details", user)
        milestone = Milestone.objects.first()
        response = learner_client.post(
            reverse("roadmap:details", args=[milestone.slug]), {"note": "mine", "evidence_url": ""}
        )
        assert_gone_and_logged_out(learner_client, response, user)
        assert not Progress.objects.exists()

    @pytest.mark.parametrize("htmx", [True, False])
    def test_a_first_note_on_a_milestone_deleted_meanwhile_is_told_so(
        self, learner_client, roadmap, monkeypatch, htmx
    ):
        """A 500, where a tick says the milestone is no longer on the roadmap."""
        milestone = Milestone.objects.first()
        write = progress.save_details

        def deleted_first(**kwargs):
            Milestone.objects.filter(pk=milestone.pk).delete()
            return write(**kwargs)

        monkeypatch.setattr(progress, "save_details", deleted_first)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        url = reverse("roadmap:details", args=[milestone.slug])
        response = learner_client.post(url, {"note": "mine"}, **headers)
        assert response.status_code == 404
        assert "This milestone is no longer on the roadmap, so your note was not saved" in (
            response.text
        )
        assert not Progress.objects.exists()

    def test_a_tick_with_htmx_sends_the_page_to_the_roadmap(
        self, learner_client, user, roadmap, monkeypatch
    ):
        delete_first(monkeypatch, "set_status", user)
        milestone = Milestone.objects.first()
        response = learner_client.post(
            reverse("roadmap:set_status", args=[milestone.slug]),
            {"status": "done"},
            headers={"HX-Request": "true"},
        )
        assert_gone_and_logged_out(learner_client, response, user)
        assert response["HX-Redirect"] == reverse("roadmap:index")
        assert not Progress.objects.exists()

    def test_a_new_password_from_the_reset_link_of_an_account_deleted_meanwhile_is_a_409(
        self, client, user, deleted_before_write
    ):
        client.post(reverse("password_reset"), {"email": user.email})
        link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
        form_url = client.get(link, follow=True).redirect_chain[-1][0]
        new = "a-brand-new-passphrase-31"
        response = client.post(form_url, {"new_password1": new, "new_password2": new})
        assert response.status_code == 409
        assert "deleted in the meantime" in response.text
        assert not User.objects.filter(username=user.username).exists()

    def test_an_admin_saving_an_account_deleted_meanwhile_is_told_so(
        self, admin_client, user, deleted_before_write
    ):
        response = admin_client.post(
            reverse("admin:accounts_user_change", args=[user.pk]),
            user_change_form(user, display_name="Renamed"),  # a change, to be saved
        )
        # (The admin's transaction also rolls back this test's deletion, which in real life
        # another request has committed.)
        assert response.status_code == 409
        assert "deleted in the meantime" in response.text


def deleted_first_in(monkeypatch, module, name, deleting):
    """Run `deleting` just before module.<name> writes: the editor's deletion lands between the
    request's read of the roadmap and its write, whose foreign key then fails when it commits."""
    write = getattr(module, name)

    def deleted_first(*args, **kwargs):
        deleting.delete()
        return write(*args, **kwargs)

    monkeypatch.setattr(module, name, deleted_first)


@pytest.mark.django_db(transaction=True)
class TestAWriteRacingAnEditorsDeletion:
    """An editor deletes a track or a milestone nobody uses, as a learner starts using it."""

    @pytest.mark.parametrize("htmx", [True, False])
    def test_following_a_track_deleted_meanwhile_says_it_is_gone(
        self, learner_client, user, monkeypatch, htmx
    ):
        track = TrackFactory(slug="brand-new")
        deleted_first_in(monkeypatch, progress, "follow", Track.objects.filter(pk=track.pk))
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = learner_client.post(
            reverse("roadmap:follow_track", args=["brand-new"]), **headers
        )
        assert response.status_code == 404
        assert "There is no such career track any more." in response.text
        assert not Enrollment.objects.filter(user=user, track__slug="brand-new").exists()

    def test_choosing_a_track_deleted_meanwhile_asks_again(self, learner_client, user, monkeypatch):
        kept, gone = TrackFactory(name="Kept"), TrackFactory(name="Gone")
        before = set(Enrollment.objects.filter(user=user).values_list("track", flat=True))
        deleted_first_in(
            monkeypatch, progress, "set_followed_tracks", Track.objects.filter(pk=gone.pk)
        )
        response = learner_client.post(
            reverse("choose_tracks"), {"tracks": [str(kept.pk), str(gone.pk)]}
        )
        assert response.status_code == 422
        assert "was just taken off the roadmap" in response.text
        assert "Gone" not in response.text  # the form offers the tracks there are now
        assert set(Enrollment.objects.filter(user=user).values_list("track", flat=True)) == before

    @pytest.mark.parametrize("what", ["progress", "everything"])
    def test_importing_into_a_roadmap_changed_meanwhile_imports_nothing_and_says_so(
        self, learner_client, user, monkeypatch, caplog, what
    ):
        milestone = TrackMilestoneFactory().milestone
        track = TrackFactory(slug="brand-new")
        other = UserFactory(display_name="From the file")
        progress.set_status(user=other, milestone=milestone, status=Status.DONE)
        EnrollmentFactory(user=other, track=track)
        data = json.dumps(exports.export_data(other), cls=DjangoJSONEncoder)
        other.delete()  # nobody uses them now: an editor may delete them
        if what == "progress":
            deleting = Milestone.objects.filter(pk=milestone.pk)
            deleted_first_in(monkeypatch, imports, "_import_progress", deleting)
        else:  # the track, after the milestone's rows are written: they are undone too
            deleting = Track.objects.filter(pk=track.pk)
            deleted_first_in(monkeypatch, progress, "set_followed_tracks", deleting)
        upload = SimpleUploadedFile("export.json", data.encode(), "application/json")
        response = learner_client.post(reverse("import_data"), {"file": upload, "what": what})
        assert response.status_code == 422
        assert "Nothing was imported" in response.text
        assert "changed while" in response.text
        assert "An import was refused by the database" in caplog.text  # if it was a bug
        assert not Progress.objects.filter(user=user).exists()
        user.refresh_from_db()
        assert user.display_name != "From the file"
