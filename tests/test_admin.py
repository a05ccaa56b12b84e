import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import pre_delete
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from accounts import records
from accounts.models import RetiredUsername, User
from roadmap import exports, imports, progress
from roadmap.forms import NOT_A_WEB_ADDRESS
from roadmap.models import (
    ContentChange,
    Milestone,
    Progress,
    ProgressEvent,
    Resource,
    Revision,
    Section,
    Status,
    Track,
    TrackMilestone,
)
from tests.factories import (
    PASSWORD,
    EnrollmentFactory,
    MilestoneFactory,
    ProgressEventFactory,
    ProgressFactory,
    ResourceFactory,
    SectionFactory,
    TrackFactory,
    TrackMilestoneFactory,
    UserFactory,
)
from tests.page_forms import as_the_page_sends

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def user_change_form(user, **changes):
    """What the admin's form to change a user posts, with `changes`."""
    return {
        "username": user.username,
        "email": user.email,
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        "is_active": "on",
        **changes,
    }


def change_progress(client, row, **fields):
    """Post a learner's progress row's admin form: its user, milestone and status, and `fields`."""
    url = reverse("admin:roadmap_progress_change", args=[row.pk])
    return client.post(
        url, {"user": row.user_id, "milestone": row.milestone_id, "status": row.status, **fields}
    )


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_a_staff_user_adds_a_milestone_with_resources_and_tracks_through_the_admin_form(
    admin_client,
):
    section, track = SectionFactory(), TrackFactory()
    response = admin_client.post(
        reverse("admin:roadmap_milestone_add"),
        {
            "section": section.pk,
            "slug": "win-a-medal",
            "title": "Win a Kaggle medal",
            "description": "Finish in the top 10 %.",
            "estimated_hours": 60,
            "position": 3,
            **inline_management("resources", total=1),
            "resources-0-position": 0,
            "resources-0-title": "Kaggle progression",
            "resources-0-url": "https://www.kaggle.com/progression",
            **inline_management("memberships", total=1),
            "memberships-0-track": track.pk,
            "memberships-0-weight": 4,
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    milestone = Milestone.objects.get(slug="win-a-medal")
    assert milestone.estimated_hours == 60
    assert milestone.resources.get().url == "https://www.kaggle.com/progression"
    assert TrackMilestone.objects.get(milestone=milestone, track=track).weight == 4


def test_a_new_milestone_with_one_link_in_two_resources_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:roadmap_milestone_add"),
        {
            "section": SectionFactory().pk,
            "slug": "twice",
            "title": "Twice",
            "estimated_hours": 2,
            "position": 0,
            **inline_management("resources", total=2),
            "resources-0-title": "Docs",
            "resources-0-url": "https://example.com/docs",
            "resources-1-title": "Docs again",
            "resources-1-url": "https://example.com/docs",
            **inline_management("memberships"),
        },
    )
    assert response.status_code == 200
    assert "Another resource on this page has this link" in response.text
    assert not Milestone.objects.filter(slug="twice").exists()


@pytest.mark.parametrize(
    ("hours", "weight", "said"),
    [
        (201, 6, ["less than or equal to 200", "less than or equal to 5"]),
        # -1 was told "greater than or equal to 0" (the column's type); 0 was told the least.
        (-1, -1, ["Ensure this value is greater than or equal to 1."] * 2),
        (0, 0, ["Ensure this value is greater than or equal to 1."] * 2),
    ],
)
def test_the_admin_form_refuses_counts_out_of_range_and_a_javascript_link(
    admin_client, hours, weight, said
):
    section, track = SectionFactory(), TrackFactory()
    response = admin_client.post(
        reverse("admin:roadmap_milestone_add"),
        {
            "section": section.pk,
            "slug": "bad",
            "title": "Bad",
            "estimated_hours": hours,
            "position": 0,
            **inline_management("resources", total=1),
            "resources-0-position": 0,
            "resources-0-title": "Evil",
            "resources-0-url": "javascript:alert(1)",
            **inline_management("memberships", total=1),
            "memberships-0-track": track.pk,
            "memberships-0-weight": weight,
        },
    )
    assert response.status_code == 200
    # Said as the learner's evidence link is (it was Django's "Enter a valid URL.").
    assert response.text.count(NOT_A_WEB_ADDRESS) == 1
    assert "Enter a valid URL" not in response.text
    for words in set(said):
        assert response.text.count(words) == said.count(words)
    assert "greater than or equal to 0" not in response.text
    assert not Milestone.objects.filter(slug="bad").exists()
    assert not Resource.objects.exists()


def test_the_milestone_list_searches_and_filters(admin_client):
    MilestoneFactory(title="Enter a Kaggle competition")
    MilestoneFactory(title="Read a paper", is_archived=True)
    url = reverse("admin:roadmap_milestone_changelist")
    assert "Enter a Kaggle competition" in admin_client.get(url, {"q": "kaggle"}).text
    archived = admin_client.get(url, {"is_archived__exact": "1"}).text
    assert "Read a paper" in archived
    assert "Enter a Kaggle competition" not in archived


def test_deleting_a_milestone_with_progress_is_refused_with_advice(admin_client):
    progress = ProgressFactory()
    ProgressFactory(milestone=progress.milestone)
    url = reverse("admin:roadmap_milestone_delete", args=[progress.milestone.pk])
    page = admin_client.get(url).text
    assert "2 learners have progress or history on it. Archive it instead." in page
    admin_client.post(url, {"post": "yes"})
    assert Milestone.objects.filter(pk=progress.milestone.pk).exists()
    assert Progress.objects.count() == 2


@pytest.mark.parametrize("bulk", [False, True], ids=["its page", "the list's action"])
def test_deleting_a_section_that_holds_milestones_says_what_to_do_first(editor_client, bulk):
    """The admin listed its milestones as "protected objects", and said no more."""
    section = MilestoneFactory(title="Ship an API").section
    MilestoneFactory(section=section, is_archived=True)
    if bulk:
        page = editor_client.post(
            reverse("admin:roadmap_section_changelist"),
            {"action": "delete_selected", "_selected_action": [section.pk]},
        ).text
    else:
        page = editor_client.get(reverse("admin:roadmap_section_delete", args=[section.pk])).text
    said = (
        f"“{section.title}” holds 2 milestones (archived ones count too): move them to other "
        "sections first, with the Section field on their pages."
    )
    assert said in page
    assert "permission" not in page
    editor_client.post(reverse("admin:roadmap_section_delete", args=[section.pk]), {"post": "yes"})
    assert Section.objects.filter(pk=section.pk).exists()


def test_a_milestone_with_only_imported_history_is_refused_too_not_a_500(admin_client):
    """An import can bring a learner's history of a milestone without a progress row on it."""
    event = ProgressEventFactory()
    url = reverse("admin:roadmap_milestone_delete", args=[event.milestone.pk])
    page = admin_client.get(url).text
    assert "1 learner has progress or history on it. Archive it instead." in page
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    bulk = admin_client.post(
        reverse("admin:roadmap_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [event.milestone.pk], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert "Archive it instead" in bulk.text
    assert ProgressEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("bulk", [False, True], ids=["its page", "the list's action"])
def test_a_content_editor_is_told_why_learners_keep_a_milestone_or_a_track(editor_client, bulk):
    """The admin said the editor had no permission to delete "progress, progress event" (or
    "enrollment"), as if deleting them were the way: the advice never showed."""
    learner = UserFactory(username="ada-lovelace")
    milestone = ProgressFactory(user=learner).milestone
    track = EnrollmentFactory(user=learner).track
    for model, obj, said in [
        ("milestone", milestone, "1 learner has progress or history on it. Archive it instead."),
        ("track", track, "1 learner follows it. It can be deleted once nobody does."),
    ]:
        if bulk:
            page = editor_client.post(
                reverse(f"admin:roadmap_{model}_changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk]},
            ).text
        else:
            page = editor_client.get(reverse(f"admin:roadmap_{model}_delete", args=[obj.pk])).text
        assert said in page
        assert "permission" not in page
        assert "ada-lovelace" not in page  # who, an editor has no need to know
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_bulk_delete_is_refused_too_but_a_milestone_without_progress_can_go(admin_client):
    used, unused = ProgressFactory().milestone, MilestoneFactory()
    changelist = reverse("admin:roadmap_milestone_changelist")
    page = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [used.pk, unused.pk]}
    ).text
    assert "1 learner has progress or history on it" in page
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"}
    )
    assert not Milestone.objects.filter(pk=unused.pk).exists()
    assert Milestone.objects.filter(pk=used.pk).exists()


@pytest.mark.parametrize("bulk", [False, True], ids=["its page", "the list's action"])
@pytest.mark.parametrize("model", ["track", "milestone"])
def test_a_learner_starting_on_it_as_the_editor_confirms_the_deletion_keeps_it(
    admin_client, monkeypatch, bulk, model
):
    """The admin looks for learners' rows before it deletes: a learner who follows the track or
    ticks the milestone in between made the deletion fail, a 500 for the editor."""
    learner = UserFactory()
    if model == "track":
        obj = TrackFactory()

        def learner_starts():
            progress.follow(user=learner, track=obj)
    else:
        obj = MilestoneFactory()

        def learner_starts():
            progress.set_status(user=learner, milestone=obj, status=Status.DONE)

    model_admin = admin.site.get_model_admin(type(obj))
    checked = model_admin.get_deleted_objects

    def learner_starts_meanwhile(objs, request):
        found = checked(objs, request)
        learner_starts()
        return found

    monkeypatch.setattr(model_admin, "get_deleted_objects", learner_starts_meanwhile)
    if bulk:
        url = reverse(f"admin:roadmap_{model}_changelist")
        data = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    else:
        url, data = reverse(f"admin:roadmap_{model}_delete", args=[obj.pk]), {"post": "yes"}
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Nothing was deleted: it came into use while you confirmed" in response.text
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bulk", [False, True], ids=["its page", "the list's action"])
def test_a_follow_landing_as_the_track_is_deleted_leaves_no_word_of_a_deletion(admin_client, bulk):
    """The follow's row is written after the admin's last look, as the track's row goes: the
    foreign key fails at the commit, after the admin had said "deleted successfully" (and,
    from the list, logged the deletion in its history)."""
    track = TrackFactory(name="Quantum ML")

    def learner_follows(sender, instance, **kwargs):
        if instance.pk == track.pk:
            EnrollmentFactory(track=track)

    pre_delete.connect(learner_follows, sender=Track, weak=False)
    try:
        if bulk:
            url = reverse("admin:roadmap_track_changelist")
            data = {"action": "delete_selected", "_selected_action": [track.pk], "post": "yes"}
        else:
            url, data = reverse("admin:roadmap_track_delete", args=[track.pk]), {"post": "yes"}
        response = admin_client.post(url, data, follow=True)
    finally:
        pre_delete.disconnect(learner_follows, sender=Track)
    assert response.status_code == 200
    assert "Nothing was deleted" in response.text
    assert "deleted successfully" not in response.text
    assert "Successfully deleted" not in response.text
    assert Track.objects.filter(pk=track.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_archive_hides_a_milestone_and_unarchive_brings_back_progress_intact(admin_client, client):
    progress = ProgressFactory(note="Half way there")
    milestone = progress.milestone
    changelist = reverse("admin:roadmap_milestone_changelist")
    response = admin_client.post(
        changelist, {"action": "archive", "_selected_action": [milestone.pk]}, follow=True
    )
    assert "Learners keep their progress" in response.text
    milestone.refresh_from_db()
    assert milestone.is_archived
    client.logout()
    assert milestone.title not in client.get(reverse("roadmap:index")).text

    admin_client.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin_client.post(changelist, {"action": "unarchive", "_selected_action": [milestone.pk]})
    milestone.refresh_from_db()
    assert not milestone.is_archived
    assert Progress.objects.get(pk=progress.pk).note == "Half way there"


def test_archiving_and_unarchiving_are_in_the_milestones_history(admin_client):
    """Its History showed the weights added, not that it was archived and brought back."""
    milestone = MilestoneFactory()
    changelist = reverse("admin:roadmap_milestone_changelist")
    for action in ("archive", "unarchive", "unarchive"):  # the last changes nothing
        admin_client.post(changelist, {"action": action, "_selected_action": [milestone.pk]})
    history = admin_client.get(reverse("admin:roadmap_milestone_history", args=[milestone.pk]))
    assert [entry.get_change_message() for entry in history.context["action_list"]] == [
        "Archived.",
        "Un-archived.",
    ]


def test_a_milestone_changed_on_its_sections_page_has_it_in_its_history(editor_client):
    """Its History said it had none ("It probably wasn't added via this admin site")."""
    milestone = MilestoneFactory(estimated_hours=8, position=0)  # the page's first row
    other = MilestoneFactory(section=milestone.section, position=1)
    url = reverse("admin:roadmap_section_change", args=[milestone.section_id])
    opened = as_the_page_sends(editor_client, url, "section_form")
    changed = {"milestones-0-estimated_hours": 10, "milestones-0-title": "Ship it"}
    assert editor_client.post(url, opened | changed).status_code == 302
    history = reverse("admin:roadmap_milestone_history", args=[milestone.pk])
    entries = editor_client.get(history).context["action_list"]
    said = "Changed Title and Estimated hours on its section’s page."
    assert [entry.get_change_message() for entry in entries] == [said]
    unchanged = reverse("admin:roadmap_milestone_history", args=[other.pk])
    assert not editor_client.get(unchanged).context["action_list"]


def test_deleting_an_archived_milestone_with_progress_is_refused_without_saying_archive_it(
    admin_client,
):
    progress = ProgressFactory(milestone__is_archived=True)
    url = reverse("admin:roadmap_milestone_delete", args=[progress.milestone.pk])
    page = admin_client.get(url).text
    assert "1 learner has progress or history on it. It is archived already" in page
    assert "Archive it instead" not in page


def test_archiving_says_how_many_it_archived_not_how_many_were_selected(admin_client):
    already, active = MilestoneFactory(is_archived=True), MilestoneFactory()
    response = admin_client.post(
        reverse("admin:roadmap_milestone_changelist"),
        {"action": "archive", "_selected_action": [already.pk, active.pk]},
        follow=True,
    )
    assert "Archived 1 milestone. Learners keep their progress on it." in response.text


def test_view_on_site_is_offered_for_a_milestone_on_the_roadmap_only(admin_client):
    """For an archived one it led to the top of a roadmap that doesn't show it."""
    shown, archived = MilestoneFactory(), MilestoneFactory(is_archived=True)
    for milestone, offered in ((shown, True), (archived, False)):
        url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
        page = admin_client.get(url).text
        assert (f'href="/?track=all#{milestone.slug}" class="viewsitelink"' in page) is offered
        assert ("View on site" in page) is offered


@pytest.mark.parametrize(
    ("action", "archived", "said"),
    [
        ("archive", True, "Nothing was archived: the milestone chosen was archived already."),
        ("unarchive", False, "Nothing was restored: the milestone chosen is on the roadmap"),
    ],
)
def test_an_action_with_nothing_to_do_says_so_not_a_success(admin_client, action, archived, said):
    """ "Archived 0 milestones", in green, as if something had happened; and every process
    read the roadmap again for nothing."""
    milestone = MilestoneFactory(is_archived=archived)
    revision = list(Revision.objects.values_list("number", flat=True))
    response = admin_client.post(
        reverse("admin:roadmap_milestone_changelist"),
        {"action": action, "_selected_action": [milestone.pk]},
        follow=True,
    )
    assert re.search(rf'<li class="warning">{said}', response.text)
    assert " 0 milestones" not in response.text
    assert list(Revision.objects.values_list("number", flat=True)) == revision


@pytest.mark.parametrize("action", ["archive", "unarchive"])
def test_an_action_on_milestones_deleted_since_the_list_opened_says_so(admin_client, action):
    """It said "the milestones chosen were archived already" (in the plural, for none)."""
    milestones = MilestoneFactory.create_batch(2, is_archived=action == "unarchive")
    url = reverse("admin:roadmap_milestone_changelist")
    for chosen, said in ((1, "milestone chosen was"), (2, "milestones chosen were")):
        selected = {"action": action, "_selected_action": [m.pk for m in milestones[:chosen]]}
        Milestone.objects.filter(pk__in=selected["_selected_action"]).delete()  # meanwhile
        response = admin_client.post(url, selected, follow=True)
        said = f"Nothing was changed: the {said} deleted after you opened this page."
        assert f'<li class="warning">{said}</li>' in response.text
        assert "already" not in response.text


@pytest.mark.parametrize("model", ["milestone", "section", "track"])
def test_a_page_saved_as_it_was_keeps_every_processs_roadmap(editor_client, model):
    """Saved without a change, it marked a new revision: every process read the roadmap
    again for nothing."""
    factory = {"track": TrackFactory, "section": SectionFactory, "milestone": MilestoneFactory}
    obj = factory[model]()
    url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
    revision = list(Revision.objects.values_list("number", flat=True))
    opened = as_the_page_sends(editor_client, url, f"{model}_form")
    assert editor_client.post(url, opened).status_code == 302
    assert list(Revision.objects.values_list("number", flat=True)) == revision
    field = {"track": "summary", "section": "intro", "milestone": "description"}[model]
    assert editor_client.post(url, opened | {field: "Changed."}).status_code == 302
    assert list(Revision.objects.values_list("number", flat=True)) != revision


@pytest.mark.parametrize("action", ["archive", "unarchive"])
def test_staff_who_may_only_view_milestones_can_neither_archive_nor_unarchive(client, action):
    """An action that says no permission is offered to whoever sees the list: viewing was enough
    to take a milestone off everyone's roadmap."""
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_milestone"))
    client.force_login(viewer)
    milestone = MilestoneFactory(is_archived=action == "unarchive")
    changelist = reverse("admin:roadmap_milestone_changelist")
    assert f'value="{action}"' not in client.get(changelist).text
    response = client.post(changelist, {"action": action, "_selected_action": [milestone.pk]})
    assert response.status_code in (200, 302)
    milestone.refresh_from_db()
    assert milestone.is_archived is (action == "unarchive")
    assert not ContentChange.objects.exists()


@pytest.mark.parametrize(
    ("model", "factory"),
    [("milestone", MilestoneFactory), ("section", SectionFactory), ("track", TrackFactory)],
)
def test_a_new_one_is_offered_the_place_after_the_last(admin_client, model, factory):
    """Left at 0, a new milestone came second in its section, ahead of those at 1 and up."""
    for position in (0, 4, 2):
        factory(position=position)
    page = admin_client.get(reverse(f"admin:roadmap_{model}_add")).text
    assert re.search(r'<input type="number" name="position" value="5"', page)


def test_after_the_largest_position_a_database_holds_the_same_is_offered(admin_client):
    """One past it, PostgreSQL's form refused the suggestion and SQLite stored a number
    PostgreSQL can't hold."""
    SectionFactory(position=2**31 - 1)
    page = admin_client.get(reverse("admin:roadmap_section_add")).text
    assert re.search(r'<input type="number" name="position" value="2147483647"', page)


def test_the_first_one_is_offered_the_first_place(admin_client):
    page = admin_client.get(reverse("admin:roadmap_section_add")).text
    assert re.search(r'<input type="number" name="position" value="0"', page)


def test_a_row_added_inline_is_offered_the_place_after_its_siblings(admin_client):
    """Left at 0, a resource added on its milestone's page came first, ahead of those already
    there."""
    milestone = MilestoneFactory(position=9)
    ResourceFactory(milestone=milestone, position=3)
    ResourceFactory(milestone=MilestoneFactory(), position=7)  # another's
    page = admin_client.get(reverse("admin:roadmap_milestone_change", args=[milestone.pk])).text
    assert re.search(r'name="resources-1-position" value="4"', page)
    assert re.search(r'name="resources-__prefix__-position" value="4"', page)


def test_a_blank_row_left_alone_stays_blank_when_a_row_was_added_meanwhile(admin_client):
    """Its suggested place is worked out again when the form comes back: one more resource
    added meanwhile (in another tab) made the untouched blank row look filled in, and the save
    was refused with "This field is required." on it."""
    from tests.test_changes import change_form

    milestone = MilestoneFactory()
    ResourceFactory(milestone=milestone, position=3)
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    page = admin_client.get(url).text
    assert 'name="initial-resources-1-position" value="4"' in page
    form = change_form(milestone) | {"description": "Edited."}
    form |= {
        "resources-TOTAL_FORMS": 2,
        "resources-1-position": 4,
        "initial-resources-1-position": 4,
    }
    ResourceFactory(milestone=milestone, position=4)  # meanwhile
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].errors
    milestone.refresh_from_db()
    assert milestone.description == "Edited."
    assert milestone.resources.count() == 2


def test_the_first_row_added_inline_is_offered_the_first_place(admin_client):
    page = admin_client.get(reverse("admin:roadmap_milestone_add")).text
    assert re.search(r'name="resources-__prefix__-position" value="0"', page)


class TestContentEditors:
    def test_they_can_edit_every_part_of_the_roadmap(self, editor_client):
        for model in ("track", "section", "milestone"):
            url = reverse(f"admin:roadmap_{model}_changelist")
            assert editor_client.get(url).status_code == 200, model
        milestone = MilestoneFactory()
        assert (
            editor_client.get(
                reverse("admin:roadmap_milestone_change", args=[milestone.pk])
            ).status_code
            == 200
        )

    def test_they_edit_resources_and_weights_inline(self, editor_client):
        milestone, track = MilestoneFactory(), TrackFactory()
        response = editor_client.post(
            reverse("admin:roadmap_milestone_change", args=[milestone.pk]),
            {
                "section": milestone.section.pk,
                "slug": milestone.slug,
                "title": "Retitled by an editor",
                "estimated_hours": 12,
                "position": 1,
                **inline_management("resources", total=1),
                "resources-0-position": 0,
                "resources-0-title": "A guide",
                "resources-0-url": "https://example.org/guide",
                **inline_management("memberships", total=1),
                "memberships-0-track": track.pk,
                "memberships-0-weight": 2,
            },
        )
        assert response.status_code == 302
        milestone.refresh_from_db()
        assert milestone.title == "Retitled by an editor"
        assert milestone.estimated_hours == 12
        assert milestone.resources.get().title == "A guide"
        assert milestone.memberships.get().weight == 2

    def test_they_write_text_on_several_lines_as_a_browser_sends_it(self, editor_client):
        """A textarea's line breaks come as \r\n: every description, introduction and summary
        with one was refused ("Remove the control characters"), and a milestone that had one
        could not be saved any more."""
        milestone, track = MilestoneFactory(), TrackFactory(slug="ml-engineer")
        section = milestone.section
        text = "Line one.\r\nLine two."
        forms = {
            ("milestone", milestone): {
                "section": section.pk,
                "slug": milestone.slug,
                "title": milestone.title,
                "description": text,
                "estimated_hours": 4,
                "position": 0,
                **inline_management("resources"),
                **inline_management("memberships"),
            },
            ("section", section): {
                "slug": section.slug,
                "title": section.title,
                "intro": text,
                "position": 0,
                **inline_management("milestones", total=1, initial=1),
                "milestones-0-id": milestone.pk,
                "milestones-0-section": section.pk,
                "milestones-0-position": 0,
                "milestones-0-title": milestone.title,
                "milestones-0-slug": milestone.slug,
                "milestones-0-estimated_hours": 4,
            },
            ("track", track): {
                "slug": "ml-engineer",
                "name": "ML Engineer",
                "summary": text,
                "position": 0,
            },
        }
        for (model, obj), form in forms.items():
            url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
            response = editor_client.post(url, form)
            assert response.status_code == 302, response.context["adminform"].errors
        milestone.refresh_from_db(), section.refresh_from_db(), track.refresh_from_db()
        assert milestone.description == section.intro == track.summary == "Line one.\nLine two."

    def test_a_slug_stays_as_it_was_created(self, editor_client, user):
        """A slug is an address (`#slug`, `?track=slug`, a README's badge) and the key of every
        export and of the roadmap file: changed in the admin, it went unrecorded, and an earlier
        export's progress on it was not imported ("not on this roadmap")."""
        milestone, track = MilestoneFactory(slug="ship-an-api"), TrackFactory(slug="ml-engineer")
        section = milestone.section
        progress.set_status(user=user, milestone=milestone, status=Status.DONE)
        exported = exports.export_data(user)
        forms = {
            ("milestone", milestone): {
                "section": section.pk,
                "slug": "renamed",
                "title": "Ship a prediction API",
                "description": "",
                "estimated_hours": 4,
                "position": 0,
                **inline_management("resources"),
                **inline_management("memberships"),
            },
            ("section", section): {
                "slug": "renamed-section",
                "title": section.title,
                "intro": "",
                "position": 0,
                **inline_management("milestones", total=1, initial=1),
                "milestones-0-id": milestone.pk,
                "milestones-0-section": section.pk,
                "milestones-0-position": 0,
                "milestones-0-title": "Ship a prediction API",
                "milestones-0-slug": "renamed-inline",
                "milestones-0-estimated_hours": 4,
            },
            ("track", track): {"slug": "ml", "name": "ML Engineer", "summary": "", "position": 0},
        }
        for (model, obj), form in forms.items():
            url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
            page = editor_client.get(url).text
            assert "once saved" in page  # the form says why the slug can't be changed
            response = editor_client.post(url, form)
            assert response.status_code == 302, response.context["adminform"].errors
        milestone.refresh_from_db(), section.refresh_from_db(), track.refresh_from_db()
        assert milestone.title == "Ship a prediction API"  # the rest of the form was saved
        assert (milestone.slug, section.slug, track.slug) == (
            "ship-an-api",
            section.slug,
            "ml-engineer",
        )
        assert Section.objects.filter(slug="renamed-section").count() == 0
        other = UserFactory()
        imports.import_data(user=other, data=exported)
        assert Progress.objects.get(user=other, milestone=milestone).status == Status.DONE

    def test_a_new_ones_slug_is_given_in_the_add_form(self, editor_client):
        url = reverse("admin:roadmap_track_add")
        for model in ("track", "section", "milestone"):  # where the editor chooses it, told why
            page = editor_client.get(reverse(f"admin:roadmap_{model}_add")).text
            assert "Fixed once saved, so choose it with care: links, badges" in page
        response = editor_client.post(
            url, {"slug": "mlops", "name": "MLOps Engineer", "summary": "", "position": 0}
        )
        assert response.status_code == 302
        assert Track.objects.filter(slug="mlops", name="MLOps Engineer").exists()

    def test_they_cannot_give_a_title_that_shows_nothing(self, editor_client):
        """A zero-width space was taken as a milestone's title: the roadmap showed a blank
        heading and the changelog 'Renamed “…” to “​”'."""
        milestone, track = MilestoneFactory(title="Deploy an API"), TrackFactory(name="MLOps")
        section = milestone.section
        unseen = "\u200b\u3164"
        forms = {
            ("milestone", milestone, "title"): {
                "section": section.pk,
                "slug": milestone.slug,
                "title": unseen,
                "description": "",
                "estimated_hours": 4,
                "position": 0,
                **inline_management("resources"),
                **inline_management("memberships"),
            },
            ("milestone", milestone, "resources-0-title"): {
                "section": section.pk,
                "slug": milestone.slug,
                "title": milestone.title,
                "description": "",
                "estimated_hours": 4,
                "position": 0,
                **inline_management("resources", total=1),
                "resources-0-title": unseen,
                "resources-0-url": "https://example.org/guide",
                **inline_management("memberships"),
            },
            ("section", section, "title"): {
                "slug": section.slug,
                "title": unseen,
                "intro": "",
                "position": 0,
                **inline_management("milestones"),
            },
            ("track", track, "name"): {
                "slug": track.slug,
                "name": unseen,
                "summary": "",
                "position": 0,
            },
        }
        for (model, obj, field), form in forms.items():
            url = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
            response = editor_client.post(url, form)
            assert response.status_code == 200, field
            assert "Use letters, digits or symbols you can see" in response.text, field
        milestone.refresh_from_db(), section.refresh_from_db(), track.refresh_from_db()
        assert milestone.title == "Deploy an API" and not milestone.resources.exists()
        assert section.title.strip() and track.name == "MLOps"

    def test_a_track_cannot_take_the_slug_of_the_whole_roadmaps_focus(self, editor_client):
        url = reverse("admin:roadmap_track_add")
        response = editor_client.post(url, {"slug": "all", "name": "All", "position": 0})
        assert response.status_code == 200
        assert "“all” shows the whole roadmap" in response.text
        assert not Track.objects.exists()

    def test_a_new_track_cannot_make_an_id_a_page_has(self, editor_client):
        """A track "title" made the dashboard's heading's id, `plan-title`: a change of the hours
        swapped the heading for the track's plan, and the track's own plan stayed as it was."""
        url = reverse("admin:roadmap_track_add")
        for slug, said in [
            ("title", "“title” is taken by the pages' own parts: choose another slug."),
            ("said", "“said” is taken"),
            ("ml-engineer-text", "Slugs ending in “-text” are taken"),  # bar-ml-engineer-text
            ("ml-engineer-title", "Slugs ending in “-title” are taken"),
        ]:
            response = editor_client.post(url, {"slug": slug, "name": "Title", "position": 0})
            assert response.status_code == 200
            assert said in " ".join(response.context["adminform"].errors["slug"])
        assert not Track.objects.exists()
        saved = TrackFactory(slug="title")  # before the rule: fixed once saved, still editable
        url = reverse("admin:roadmap_track_change", args=[saved.pk])
        response = editor_client.post(url, {"slug": "title", "name": "Renamed", "position": 0})
        assert response.status_code == 302
        saved.refresh_from_db()
        assert saved.name == "Renamed"

    def test_a_new_section_or_milestone_cannot_take_a_place_the_page_has(self, editor_client):
        """A milestone named "news" was swapped for the news box after a tick (htmx swaps an
        element by its id); a section named as a milestone was one anchor with it."""
        section = SectionFactory(slug="portfolio")
        taken = MilestoneFactory(slug="ship-an-api", section=section)
        add = {
            "section": section.pk,
            "title": "News",
            "estimated_hours": 3,
            "position": 5,
            **inline_management("resources"),
            **inline_management("memberships"),
        }
        url = reverse("admin:roadmap_milestone_add")
        for slug, said in [
            ("news", "“news” is taken by the roadmap page's own parts: choose another slug."),
            ("state-ship-an-api", "Slugs starting with “state-” are taken"),
            ("portfolio", "A section has this slug"),
        ]:
            response = editor_client.post(url, {**add, "slug": slug})
            assert response.status_code == 200
            assert said in " ".join(response.context["adminform"].errors["slug"])
        url = reverse("admin:roadmap_section_add")
        response = editor_client.post(url, {"slug": taken.slug, "title": "APIs", "position": 1})
        assert "A milestone has this slug" in " ".join(response.context["adminform"].errors["slug"])
        assert list(Milestone.objects.values_list("slug", flat=True)) == [taken.slug]
        assert Section.objects.count() == 1

    def test_milestones_are_added_on_their_own_page_not_in_a_sections_rows(self, editor_client):
        """A row added on the section's page went on the roadmap at once, toward no track,
        without a description, and its slug was not filled in from its title."""
        section = SectionFactory(slug="apis")
        url = reverse("admin:roadmap_section_change", args=[section.pk])
        page = editor_client.get(url).text
        add = f"{reverse('admin:roadmap_milestone_add')}?section={section.pk}"
        assert f'<a href="{add}" class="addlink">Add a milestone to this section</a>' in page
        response = editor_client.get(add)
        assert response.context["adminform"].form["section"].value() == str(section.pk)
        # A row sent anyway is not saved.
        response = editor_client.post(
            url,
            {
                "slug": "apis",
                "title": "APIs",
                "position": 1,
                **inline_management("milestones", total=1),
                "milestones-0-position": 0,
                "milestones-0-title": "Serve it",
                "milestones-0-slug": "serve-it",
                "milestones-0-estimated_hours": 3,
            },
        )
        assert response.status_code == 302
        assert not Milestone.objects.exists()

    def test_a_status_set_by_a_superuser_is_in_the_learners_history(self, admin_client):
        """It changed the row alone: the learner's export had no such change, and unticking
        it at once did not give back the day it had been done on."""
        done_at = timezone.now() - timezone.timedelta(days=3)
        row = ProgressFactory(status=Status.DONE, completed_at=done_at)
        other = MilestoneFactory()
        day = timezone.localtime(done_at)
        times = {"updated_at_0": "2026-01-01", "updated_at_1": "00:00:00"}
        done = {"completed_at_0": f"{day:%Y-%m-%d}", "completed_at_1": f"{day:%H:%M:%S}"}
        response = change_progress(admin_client, row, **times, **done, note="Checked.")
        assert response.status_code == 302, response.context["adminform"].errors
        assert not ProgressEvent.objects.exists()  # a note alone is no change of status
        done_at = Progress.objects.get().completed_at  # to the second, as the form has it
        fields = {**times, "status": Status.IN_PROGRESS, "milestone": other.pk}
        assert change_progress(admin_client, row, **fields).status_code == 302
        event = ProgressEvent.objects.get()
        assert (event.user, event.milestone) == (row.user, row.milestone)  # the row's own
        assert (event.from_status, event.to_status) == (Status.DONE, Status.IN_PROGRESS)
        assert event.was_done_at == done_at
        assert Progress.objects.get().milestone == row.milestone

    def test_a_superuser_writes_a_learners_note_on_several_lines(self, admin_client):
        row = ProgressFactory(note="")
        response = change_progress(
            admin_client,
            row,
            note="Line one.\r\nLine two.",
            updated_at_0="2026-01-01",
            updated_at_1="00:00:00",
        )
        assert response.status_code == 302, response.context["adminform"].errors
        row.refresh_from_db()
        assert row.note == "Line one.\nLine two."

    @pytest.mark.parametrize(
        ("status", "day", "said"),
        [
            (Status.DONE, "", "A done milestone needs the day it was done."),
            (Status.IN_PROGRESS, "2026-01-01", "Only a done milestone has one: clear it, or set"),
        ],
    )
    def test_a_done_date_goes_with_done_alone_said_at_the_date(
        self, admin_client, status, day, said
    ):
        """It said "Constraint “progress_completed_at_iff_done” is violated." above the form."""
        row = ProgressFactory(status=Status.NOT_STARTED)
        times = {"updated_at_0": "2026-01-01", "updated_at_1": "00:00:00"}
        when = {"completed_at_0": day, "completed_at_1": "10:00:00" if day else ""}
        response = change_progress(admin_client, row, **times, **when, status=status)
        assert response.status_code == 200
        assert response.context["adminform"].errors.keys() == {"completed_at"}
        assert said in response.text
        assert "violated" not in response.text
        row.refresh_from_db()
        assert row.status == Status.NOT_STARTED

    @pytest.mark.parametrize(
        ("day", "said"),
        [("2099-01-01", "That is in the future"), ("0001-01-01", "That is too far in the past")],
    )
    def test_a_learners_times_are_checked_as_the_import_checks_them(self, admin_client, day, said):
        """A done date in 2099 was stored (the public page said "Done 1 January 2099"), or on
        1 January of year 1, and the learner's own export was then refused by the import."""
        row = ProgressFactory(status=Status.DONE, completed_at=timezone.now())
        done_at = row.completed_at
        times = {"updated_at_0": day, "updated_at_1": "00:00:00", "completed_at_1": "10:00:00"}
        response = change_progress(admin_client, row, completed_at_0=day, **times)
        assert response.status_code == 200
        assert response.context["adminform"].errors.keys() == {"updated_at", "completed_at"}
        assert said in response.text
        row.refresh_from_db()
        assert row.completed_at == done_at

    def test_a_follows_dates_are_checked_as_the_import_checks_them(self, admin_client):
        """A target date too far ahead was stored, and the learner's export then refused."""
        follow = EnrollmentFactory(target_date=None)
        response = admin_client.post(
            reverse("admin:roadmap_enrollment_change", args=[follow.pk]),
            {
                "user": follow.user_id,
                "track": follow.track_id,
                "since_0": "2099-01-01",
                "since_1": "00:00:00",
                "target_date": "2999-12-31",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].errors.keys() == {"since", "target_date"}
        assert "Choose a target date within ten years." in response.text
        follow.refresh_from_db()
        assert follow.target_date is None

    @pytest.mark.parametrize(
        "url_name",
        [
            "admin:accounts_user_changelist",
            "admin:auth_group_changelist",
            "admin:roadmap_progress_changelist",
            "admin:roadmap_progressevent_changelist",
            "admin:roadmap_enrollment_changelist",
        ],
    )
    def test_they_cannot_reach_users_or_progress(self, editor_client, url_name):
        assert editor_client.get(reverse(url_name)).status_code == 403

    def test_a_learner_cannot_reach_the_admin(self, client):
        client.force_login(UserFactory())
        response = client.get(reverse("admin:roadmap_milestone_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808", "abc", "1 OR 1"])
@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("admin:roadmap_milestone_changelist", "archive"),
        ("admin:roadmap_milestone_changelist", "delete_selected"),
        ("admin:accounts_user_changelist", "delete_selected"),
        ("admin:auth_group_changelist", "delete_selected"),
        ("admin:axes_accessattempt_changelist", "delete_selected"),
    ],
)
def test_an_action_on_ids_no_row_can_have_is_refused_with_a_message(
    admin_client, changelist, action, pk
):
    """SQLite can't compare a number past 64 bits: Django's admin answered such ids with a 500."""
    milestone = MilestoneFactory()
    url = reverse(changelist)
    for confirmed in ({}, {"post": "yes"}):
        response = admin_client.post(
            url, {"action": action, "_selected_action": [milestone.pk, pk], **confirmed}
        )
        assert response.status_code == 302
        assert response["Location"] == url
    page = admin_client.get(url).text
    assert "Choose the items from the list: reload the page and select them again." in page
    assert Milestone.objects.filter(pk=milestone.pk, is_archived=False).exists()


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        ("admin:roadmap_milestone_changelist", {"tracks": HUGE}),
        ("admin:roadmap_milestone_changelist", {"section": HUGE}),
        ("admin:roadmap_milestone_changelist", {"id__in": f"1,{HUGE}"}),
        ("admin:roadmap_section_changelist", {"pk__in": HUGE}),
        ("admin:roadmap_track_changelist", {"id__in": HUGE}),
        ("admin:roadmap_progress_changelist", {"user": HUGE}),
    ],
)
def test_a_list_filtered_by_an_id_no_row_can_have_opens(admin_client, changelist, query):
    """SQLite can't compare a number past 64 bits: these filters were a 500 there. SQLite's
    list opens as for a wrong filter (?e=1); PostgreSQL compares, and lists nothing."""
    MilestoneFactory()
    response = admin_client.get(reverse(changelist), query, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain in ([], [(f"{reverse(changelist)}?e=1", 302)])


@pytest.mark.parametrize("field", ["groups", "user_permissions"])
def test_a_user_given_a_group_or_permission_no_row_can_have_is_refused(admin_client, field):
    user = UserFactory()
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(url, user_change_form(user, **{field: [HUGE]}))
    assert response.status_code == 200
    assert f"“{HUGE}” is not a valid value." in response.text
    assert not getattr(user, field).exists()


def test_a_search_of_more_words_than_a_search_needs_uses_the_first_ones(admin_client):
    """Each word is a condition on every search field: 1,100 words made SQLite refuse the
    query ("Expression tree is too large"), a 503 as if the database were down."""
    MilestoneFactory(title="Read a paper")
    words = "read paper " + "a " * 1100
    response = admin_client.get(reverse("admin:roadmap_milestone_changelist"), {"q": words})
    assert response.status_code == 200
    assert "Read a paper" in response.text
    assert "Searched for the first 20 words only." in response.text


def test_the_first_20_words_are_said_once_with_an_action_and_never_after_an_autocomplete(
    admin_client,
):
    """Django runs the search again for an action, and its autocomplete searches too (an
    answer that shows no message: it waited for the next page)."""
    milestone = MilestoneFactory(title="Read a paper")
    url = reverse("admin:roadmap_milestone_changelist")
    words = "read paper " + "a " * 30
    data = {"action": "archive", "_selected_action": [milestone.pk], "index": 0}
    page = admin_client.post(f"{url}?q={words}", data, follow=True).text
    assert "Archived 1 milestone." in page
    assert page.count("Searched for the first 20 words only.") == 1
    query = {"app_label": "roadmap", "model_name": "progress", "field_name": "milestone"}
    response = admin_client.get(reverse("admin:autocomplete"), {**query, "term": words})
    assert [r["text"] for r in response.json()["results"]] == ["Read a paper"]
    assert "Searched for the first" not in admin_client.get(reverse("admin:index")).text


def test_the_first_20_words_are_not_said_where_nothing_was_searched(admin_client, client):
    words = "read paper " + "a " * 30
    url = reverse("admin:roadmap_milestone_changelist")
    wrong_filter = admin_client.get(url, {"q": words, "no_such_field": 1}, follow=True)
    assert wrong_filter.redirect_chain == [(f"{url}?e=1", 302)]
    assert "Searched for the first" not in wrong_filter.text
    client.force_login(UserFactory(is_staff=True))  # staff without the right to see the list
    assert client.get(url, {"q": words}).status_code == 403
    assert "Searched for the first" not in client.get(reverse("admin:index")).text


@pytest.mark.django_db
def test_the_admin_is_branded_with_the_sites_name_and_icon(client):
    """Without a favicon link the browser asks for /favicon.ico, a 404 on every admin page."""
    html = client.get(reverse("admin:login")).text
    assert "<title>Log in | Next Steps admin</title>" in html
    assert 'rel="icon" href="/static/img/favicon.svg"' in html


def test_logging_out_of_the_admin_says_so_on_the_roadmap(admin_client):
    response = admin_client.post(reverse("admin:logout"))
    assert response["Location"] == reverse("roadmap:index")
    assert "You are logged out." in admin_client.get(response["Location"]).text


@pytest.mark.parametrize(("login", "status"), [("login", 422), ("admin:login", 200)])
def test_a_username_longer_than_any_accounts_is_refused_on_both_login_pages(client, login, status):
    """Past 255 characters PostgreSQL refused to record the failed login: a 500. (The admin's
    pages answer as Django's admin does.)"""
    response = client.post(reverse(login), {"username": "x" * 300, "password": "wrong"})
    assert response.status_code == status
    assert "Ensure this value has at most 150 characters (it has 300)." in response.text


def test_the_admins_password_change_is_the_sites_own_where_guesses_count(admin_client):
    """Django's admin page checks the old password without django-axes counting a wrong one."""
    response = admin_client.post(reverse("admin:password_change"), {"old_password": "guess"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_renaming_a_user_to_a_taken_name_in_another_case_is_refused_with_a_message(admin_client):
    UserFactory(username="Ada")
    bob = UserFactory(username="bob")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[bob.pk]), user_change_form(bob, username="ada")
    )
    assert response.status_code == 200
    assert "A user with that username already exists." in response.text
    bob.refresh_from_db()
    assert bob.username == "bob"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/autocomplete/?app_label=roadmap&model_name=milestone&field_name=section&term=%00",
        "/admin/roadmap/milestone/?q=a%00b",
        "/admin/roadmap/progress/?status__exact=%00",
        "/admin/roadmap/progressevent/?from_status__exact=%00",
    ],
)
def test_a_nul_character_in_a_search_or_filter_is_a_400_with_a_message(admin_client, url):
    """PostgreSQL refuses a NUL in a query: the admin answered 500."""
    response = admin_client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.text


@pytest.mark.parametrize(
    "query",
    ["at__year=9999&at__month=12&at__day=31", "at__year=9999&at__month=12", "at__year=9999"],
)
def test_a_date_past_the_calendars_end_opens_the_list_without_filters(admin_client, query):
    """The admin works out the next day, month or year of the one chosen: an OverflowError."""
    url = reverse("admin:roadmap_progressevent_changelist")
    response = admin_client.get(f"{url}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("roadmap_progress", "updated_at__year=99999"),
        ("roadmap_progress", "completed_at__year=0"),
        ("roadmap_progress", "updated_at__iso_year=99999"),
        ("roadmap_progress", "updated_at__year__gte=99999"),
        ("accounts_user", "date_joined__year=99999"),
        ("roadmap_enrollment", "target_date__year=99999"),
    ],
)
def test_a_year_past_the_calendars_end_in_any_date_filter_opens_the_list_without_it(
    admin_client, model, query
):
    """Not only the drill-down: any date field can be filtered by year in the address, and the
    admin works out the year's first and last day (a 500: "year 99999 is out of range")."""
    url = reverse(f"admin:{model}_changelist")
    response = admin_client.get(f"{url}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("roadmap_milestone", "id__range=1"),  # one value for two: an IndexError
        ("roadmap_milestone", "slug__range=a"),
        ("roadmap_progress", "status__range=done,done"),
        ("roadmap_milestone", "slug__regex=("),  # not a pattern: the database's error
        ("accounts_user", "username__iregex=%5B"),
        ("roadmap_milestone", "section__title__regex=a%7B99999999999%7D"),
    ],
)
def test_a_range_or_a_pattern_in_a_filter_opens_the_list_without_it(admin_client, model, query):
    """No filter of the admin's makes either, and a range of one value or a pattern that is
    not one was a 500 (a pattern is also run by Python itself on SQLite)."""
    MilestoneFactory()
    url = reverse(f"admin:{model}_changelist")
    response = admin_client.get(f"{url}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


def test_an_error_of_the_list_itself_is_not_taken_for_a_wrong_date(admin_client, monkeypatch):
    """Only the date drill-down's overflow opens the list without filters: any other error
    must surface, not hide behind Django's "Database error" page."""
    from roadmap.admin import TrackAdmin

    def broken(self, request):
        raise ValueError("a bug")

    monkeypatch.setattr(TrackAdmin, "get_queryset", broken)
    with pytest.raises(ValueError, match="a bug"):
        admin_client.get(reverse("admin:roadmap_track_changelist"))


def test_staff_see_when_each_learner_last_came(admin_client, user):
    learner = Client()
    learner.force_login(user)
    learner.get(reverse("roadmap:index"))  # recorded at most once an hour
    user.refresh_from_db()
    changelist = admin_client.get(reverse("admin:accounts_user_changelist")).text
    assert '<th scope="col" class="sortable column-last_visit_at">' in changelist
    assert formats.date_format(timezone.localtime(user.last_visit_at), "DATETIME_FORMAT") in (
        changelist
    )
    change = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).text
    assert "Last visit:" in change and 'name="last_visit_at"' not in change  # not editable


@pytest.mark.parametrize("field", ["last_login", "date_joined"])
def test_the_dates_an_account_records_are_not_edited_in_the_admin(admin_client, user, field):
    """Year 1 at midnight, in a staff user's time zone east of UTC, was stored by PostgreSQL
    before year 1 in UTC: every read of the row failed after, the learner's own login too."""
    kept = getattr(user, field)
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        user_change_form(user, **{f"{field}_0": "0001-01-01", f"{field}_1": "00:00:00"}),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert getattr(user, field) == kept
    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).text
    assert f'name="{field}_0"' not in page


def test_the_admin_has_no_names_the_app_never_shows(admin_client, user):
    """First and last names took control characters, which no other text of the app holds."""
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        user_change_form(user, first_name="Bob\u202e\x1b[31m", last_name="x\x7f"),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("", "")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).text
    assert 'name="first_name"' not in page


def test_the_list_of_users_still_says_who_is_staff(admin_client):
    changelist = admin_client.get(reverse("admin:accounts_user_changelist")).text
    assert '<th scope="col" class="sortable column-is_staff">' in changelist


def test_the_track_list_counts_the_milestones_on_the_roadmap_as_the_site_does(editor_client):
    """Archived ones were counted too: the list said 3 where the roadmap says 2."""
    track = TrackFactory(name="Data Scientist")
    for archived in (False, False, True):
        TrackMilestoneFactory(track=track, milestone__is_archived=archived)
    page = editor_client.get(reverse("admin:roadmap_track_changelist")).text
    assert re.search(r'<td class="field-milestone_count">2</td>', page)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/roadmap/track/?_to_field=enrollments",
        "/admin/roadmap/track/add/?_to_field=memberships",
        "/admin/auth/group/add/?_to_field=user",
    ],
)
def test_a_reverse_relation_as_the_field_to_return_is_a_400_not_a_500(admin_client, url):
    """Django 5.2 asks the relation for `primary_key`, which only fields have."""
    assert admin_client.get(url).status_code == 400


def test_a_reverse_relation_on_a_list_an_editor_cant_open_is_a_400_too(editor_client, user):
    """The field is checked before the permission: a 400, as for a field of no name."""
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert editor_client.get(f"{url}?_to_field=progress").status_code == 400


def test_an_editors_refused_request_is_one_line_in_the_log(editor_client, user, logged):
    """Each was a traceback: anyone with the editors' group can make one."""
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert editor_client.get(url).status_code == 403
    assert editor_client.get(f"{url}?_to_field=progress").status_code == 400
    assert len(logged) == 2
    assert logged[0].endswith(f"Forbidden (Permission denied): {url}")
    assert "Traceback" not in "".join(logged)


@pytest.mark.parametrize(
    ("model", "field"),
    [("roadmap.track", "enrollments"), ("auth.group", "user"), ("auth.permission", "user")],
)
def test_an_autocomplete_of_a_reverse_relation_is_refused_not_a_500(admin_client, model, field):
    app_label, model_name = model.split(".")
    query = {"app_label": app_label, "model_name": model_name, "field_name": field, "term": "a"}
    assert admin_client.get(reverse("admin:autocomplete"), query).status_code == 403


@pytest.mark.django_db
def test_the_admins_login_says_the_username_is_not_case_sensitive(client):
    response = client.post(reverse("admin:login"), {"username": "nobody", "password": "x"})
    assert "for a staff account. The password is case-sensitive, the username is not." in (
        response.text
    )


def test_an_autocomplete_of_a_many_to_many_field_still_answers(admin_client):
    """What the refusal of relations must leave alone: a field of the model's own."""
    Group.objects.create(name="Alumni")
    query = {"app_label": "accounts", "model_name": "user", "field_name": "groups", "term": "Al"}
    response = admin_client.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Alumni"]


def test_every_field_in_the_lists_and_the_inline_tables_has_a_name(admin_client):
    """The column heading labels a table's field for the eye only: a screen reader said "edit
    text" for the positions of the list and the fields of a milestone's resources and weights."""
    milestone = ResourceFactory(title="Kaggle progression").milestone
    TrackMilestoneFactory(milestone=milestone, weight=3)
    names = {}
    for url in (
        reverse("admin:roadmap_milestone_changelist"),
        reverse("admin:roadmap_milestone_change", args=[milestone.pk]),
        reverse("admin:roadmap_section_change", args=[milestone.section_id]),
    ):
        page = admin_client.get(url).text
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            name = re.search(r'name="([^"]+)"', tag)
            hidden = 'type="hidden"' in tag
            if (
                name
                and not hidden
                and re.match(r"(form|resources|memberships|milestones)-\d", name[1])
            ):
                label = re.search(r'aria-label="([^"]+)"', tag)
                names[name[1]] = label and label[1]
    assert names["form-0-position"] == f"Position of {milestone.title}"
    assert names["resources-0-title"] == "Title, row 1"
    assert names["resources-0-url"] == "Url, row 1"  # as its column heading says
    assert names["memberships-0-weight"] == "Weight, row 1"
    assert names["memberships-0-track"] == "Track, row 1"  # was "Track" in every row
    assert names["memberships-1-track"] == "Track, row 2"
    assert names["milestones-0-estimated_hours"].endswith(", row 1")
    assert all(names.values()), [name for name, label in names.items() if not label]
    # Every description a field points to is on the page (a fixed slug's help, in a row).
    page = admin_client.get(reverse("admin:roadmap_section_change", args=[milestone.section_id]))
    ids = set(re.findall(r'\bid="([^"]+)"', page.text))
    described = re.findall(r'aria-describedby="([^"]*)"', page.text)
    assert {i for value in described for i in value.split()} <= ids


@pytest.mark.parametrize("form", ["add", "password"])
def test_a_weak_password_in_the_admin_is_said_under_it(admin_client, form):
    """Django's forms said it under the confirmation, which a screen reader user has no reason
    to change, and left the password itself unmarked."""
    learner = UserFactory()
    url = {
        "add": reverse("admin:accounts_user_add"),
        "password": reverse("admin:auth_user_password_change", args=[learner.pk]),
    }[form]
    weak = {"username": "newcomer", "password1": "abc", "password2": "abc"}
    response = admin_client.post(url, weak | {"usable_password": "true"})
    assert response.status_code == 200  # the admin's way to refuse a form
    shown = response.context.get("adminform") or response.context.get("adminForm")
    errors = shown.form.errors
    assert "too short" in " ".join(errors["password1"])
    assert "password2" not in errors


def test_the_admin_adds_a_user_with_a_good_password(admin_client):
    strong = {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD}
    response = admin_client.post(reverse("admin:accounts_user_add"), strong)
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").check_password(PASSWORD)


def test_the_admin_does_not_add_a_user_under_a_deleted_accounts_username(admin_client):
    """Its public page and badge links would have been the newcomer's."""
    RetiredUsername.retire("dave")
    strong = {"username": "Dave", "password1": PASSWORD, "password2": PASSWORD}
    response = admin_client.post(reverse("admin:accounts_user_add"), strong)
    assert response.status_code == 200
    assert "This username belonged to an account that was deleted or renamed." in response.text
    assert not User.objects.filter(username__iexact="dave").exists()


def test_the_admin_does_not_rename_a_user_to_a_deleted_accounts_username(admin_client):
    RetiredUsername.retire("dave")
    eve = UserFactory(username="eve")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[eve.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"username": "Dave", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"}
    data.pop("password", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    response = admin_client.post(reverse("admin:accounts_user_change", args=[eve.pk]), data)
    assert response.status_code == 200
    assert "This username belonged to an account that was deleted or renamed." in response.text
    eve.refresh_from_db()
    assert eve.username == "eve"
    # Other edits of an account keep working.
    data["username"] = "eve"
    data["display_name"] = "Eve"
    response = admin_client.post(reverse("admin:accounts_user_change", args=[eve.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    eve.refresh_from_db()
    assert eve.display_name == "Eve"


def test_an_account_renamed_in_the_admin_retires_its_old_username(admin_client):
    """Renamed, its old name was free: someone signing up with it took over the links to its
    public page and badge, in READMEs and on CVs."""
    eve = UserFactory(username="eve", public_profile=True)
    page = admin_client.get(reverse("admin:accounts_user_change", args=[eve.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"}
    for name in ("password", "groups", "user_permissions"):
        data.pop(name, None)
    url = reverse("admin:accounts_user_change", args=[eve.pk])
    response = admin_client.post(url, data | {"username": "eve-new"})
    assert response.status_code == 302
    assert RetiredUsername.is_retired("eve")
    signup = {
        "username": "EVE",
        "email": "someone@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    visitor = Client()
    response = visitor.post(reverse("signup"), signup)
    assert "This username belonged to an account that was deleted or renamed." in response.text
    assert visitor.get("/u/eve/").status_code == 404
    # Nor does another account take it: two accounts' names can't be swapped.
    frank = UserFactory(username="frank")
    frank_url = reverse("admin:accounts_user_change", args=[frank.pk])
    frank_data = data | {"email": frank.email, "username": "Eve"}
    assert admin_client.post(frank_url, frank_data).status_code == 200
    frank.refresh_from_db()
    assert frank.username == "frank"
    # A rename undone: the account takes its own name back (a mistyped rename broke its links
    # for good), in any case.
    assert admin_client.post(url, data | {"username": "Eve"}).status_code == 302
    eve.refresh_from_db()
    assert eve.username == "Eve"
    assert visitor.get("/u/eve/", follow=True).status_code == 200
    # Deleted, all its names are retired for everyone.
    admin_client.post(reverse("admin:accounts_user_delete", args=[eve.pk]), {"post": "yes"})
    assert RetiredUsername.is_retired("eve-new")
    assert RetiredUsername.is_retired("eve")


def test_a_rename_only_python_takes_for_a_change_of_case_retires_the_old_name(admin_client):
    """ "ÄDA" to "äda" retired nothing (one name, to Python), but SQLite lowers only ASCII
    letters: the admin could then add another "ÄDA", whom the old links found."""
    ada = UserFactory(username="ÄDA", email="ada@example.com")
    url = reverse("admin:accounts_user_change", args=[ada.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"date_joined_0": "2026-01-01", "date_joined_1": "10:00:00", "username": "äda"}
    for name in ("password", "groups", "user_permissions"):
        data.pop(name, None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    again = {"username": "ÄDA", "password1": PASSWORD, "password2": PASSWORD}
    response = admin_client.post(reverse("admin:accounts_user_add"), again)
    assert response.status_code == 200  # refused: retired (or, on PostgreSQL, taken)
    assert not User.objects.filter(username="ÄDA").exists()


def test_a_milestones_page_reads_its_rows_tracks_with_its_rows(
    editor_client, django_assert_max_num_queries
):
    """Each row of "counts toward" read its track and its milestone again, for its label."""
    milestone = MilestoneFactory()
    for _ in range(3):
        TrackMilestoneFactory(milestone=milestone)
    url = reverse("admin:roadmap_milestone_change", args=[milestone.pk])
    # The session, the editor and their permissions (two), the milestone, the sections for its
    # menu, the content type (for "view on site"), its resources and the next resource's place,
    # its rows with their tracks (was: and two more per row), and the tracks for the menu of
    # each row, of the blank row and of the row the page keeps to add more: 15.
    with django_assert_max_num_queries(15):
        response = editor_client.get(url)
    assert response.status_code == 200


def test_a_sections_page_saved_reads_and_writes_each_changed_row_once(
    editor_client, django_assert_max_num_queries
):
    first = MilestoneFactory(position=0)
    rows = [first, *(MilestoneFactory(section=first.section, position=i) for i in (1, 2))]
    url = reverse("admin:roadmap_section_change", args=[first.section_id])
    opened = as_the_page_sends(editor_client, url, "section_form")
    changed = {f"milestones-{i}-title": f"Title {i}" for i in range(len(rows))}
    # The session, the editor, a savepoint and its release, the section, the permissions (two),
    # the next row's place, the content lock as the section is checked, the section as it is now
    # and its slug's check, its rows, the lock as it is saved and the section read back, the
    # milestones' state before and after (the lock and three queries each), the changelog's
    # rows, the revision and the section's History entry: 25. Each changed row: its row as it
    # is now, the lock, its title's check, its hours' check (in a savepoint: three), its slug's
    # check, its update and its row read back, and its own History entry: 10.
    with django_assert_max_num_queries(25 + 10 * len(rows)):
        assert editor_client.post(url, opened | changed).status_code == 302
    assert [m.title for m in Milestone.objects.order_by("position")] == [
        "Title 0",
        "Title 1",
        "Title 2",
    ]


def test_deleting_users_in_bulk_deletes_all_of_them_or_none(admin_client, monkeypatch):
    """Each account went in a transaction of its own: one failing left those before it deleted
    and the rest kept, beside an error page."""
    first, second = UserFactory(username="first"), UserFactory(username="second")
    delete_account = records.delete_account

    def failing_on_the_second(user):
        if user == second:
            raise RuntimeError("the database went away")
        delete_account(user)

    monkeypatch.setattr(records, "delete_account", failing_on_the_second)
    admin_client.raise_request_exception = False
    changelist = reverse("admin:accounts_user_changelist")
    data = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert admin_client.post(changelist, data).status_code == 500
    assert set(User.objects.filter(pk__in=[first.pk, second.pk])) == {first, second}
