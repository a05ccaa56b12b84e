import pytest
from django.urls import reverse

from tests.factories import MilestoneFactory, ResourceFactory, TrackMilestoneFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_reads_the_whole_roadmap_without_an_account(client, roadmap):
    response = client.get(reverse("roadmap:index"))
    assert response.status_code == 200
    page = response.text
    for title in ("Build a Strong Portfolio", "Specialize and Go Deeper", "Join the Community"):
        assert title in page
    for track in ("ML Engineer", "Data Scientist", "Research Scientist"):
        assert track in page
    assert "Fine-tune a pretrained Transformer on a text task" in page
    assert 'href="https://arxiv.org/abs/1706.03762"' in page
    assert "usually requires a Master&#x27;s or PhD" in page


def test_the_tracks_say_which_milestones_count_toward_them(client):
    membership = TrackMilestoneFactory(weight=4, track__name="ML Engineer")
    page = client.get(reverse("roadmap:index")).text
    assert f'<a href="#{membership.milestone.slug}">{membership.milestone.title}</a>' in page
    assert "1 milestone count toward it" in page


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
    # sections, active milestones, resources, memberships+tracks, tracks, track memberships
    with django_assert_max_num_queries(6):
        client.get(reverse("roadmap:index"))
    grow(30)
    with django_assert_max_num_queries(6):
        client.get(reverse("roadmap:index"))
