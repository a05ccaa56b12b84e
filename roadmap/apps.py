from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"

    def ready(self):
        from accounts.sessions import read_with_session

        from .queries import OWN_PROGRESS

        # The roadmap page, the tick and the dashboard all read the learner's progress rows:
        # they come back with the session and its user, in the same query.
        read_with_session("progress", OWN_PROGRESS)
