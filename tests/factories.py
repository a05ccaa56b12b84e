import factory
from django.contrib.auth import get_user_model

from roadmap.models import (
    ContentChange,
    Enrollment,
    Milestone,
    Progress,
    ProgressEvent,
    Resource,
    Section,
    Status,
    Track,
    TrackMilestone,
)

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    name = factory.Sequence(lambda n: f"Track {n}")
    summary = "What this career path is about."
    position = factory.Sequence(int)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    slug = factory.Sequence(lambda n: f"section-{n}")
    title = factory.Sequence(lambda n: f"Section {n}")
    intro = "Why this part matters."
    position = factory.Sequence(int)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    section = factory.SubFactory(SectionFactory)
    slug = factory.Sequence(lambda n: f"milestone-{n}")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    description = "Something concrete to do."
    estimated_hours = 4
    position = factory.Sequence(int)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    milestone = factory.SubFactory(MilestoneFactory)
    title = "Read the docs"
    url = factory.Sequence(lambda n: f"https://example.com/docs/{n}")


class TrackMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackMilestone

    track = factory.SubFactory(TrackFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    weight = 1


class ProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Progress

    user = factory.SubFactory(UserFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    status = Status.IN_PROGRESS


class ProgressEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressEvent

    user = factory.SubFactory(UserFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    from_status = Status.NOT_STARTED
    to_status = Status.DONE


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)


class ContentChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentChange

    kind = ContentChange.Kind.EDITED
    milestone = factory.SubFactory(MilestoneFactory)
    summary = factory.LazyAttribute(lambda c: f"Changed the description of “{c.milestone.title}”")
    detail = factory.LazyAttribute(  # what the news says after the milestone's link
        lambda c: "New description" if c.summary.startswith("Changed the") else c.summary
    )
