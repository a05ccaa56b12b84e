"""The roadmap app's models: content.py holds the roadmap as staff edit it, learners.py what
each learner has done, changelog.py the roadmap's changes as learners are told of them.
Everything else imports them from here: `from roadmap.models import Milestone`."""

# ruff: noqa: F401 (imported to be found here)
from .changelog import ContentChange, Revision
from .content import (
    MAX_ESTIMATED_HOURS,
    NOTE_LENGTH,
    SLUG_LENGTH,
    SUMMARY_LENGTH,
    URL_LENGTH,
    Milestone,
    Resource,
    Section,
    SectionQuerySet,
    Status,
    Track,
    TrackMilestone,
    TrackQuerySet,
    percent,
    whole_roadmap_url,
)
from .learners import Enrollment, Progress, ProgressEvent
