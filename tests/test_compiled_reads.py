"""The reads every logged-in request makes, and a tick's two writes, run through statements
compiled once (config.prepared): the session, the user, the learner's progress and completion,
the status update and the event. They must do exactly what the ORM does, and refuse what they
can't do faithfully."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from config.prepared import (
    Prepared,
    PreparedInsert,
    PreparedInsertThenInsert,
    PreparedUpdate,
    PreparedUpdateThenInsert,
)
from roadmap.models import Milestone, Progress, ProgressEvent, Status, Track
from roadmap.queries import own_progress
from tests.factories import ProgressFactory, TrackMilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("roadmap:dashboard")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def is_logged_out(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


class TestSessionsAndUsers:
    def test_a_live_session_is_read_back(self, user):
        assert logged_in(user).get(DASHBOARD).status_code == 200

    def test_an_expired_session_logs_the_learner_out(self, user):
        client = logged_in(user)
        Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
        assert is_logged_out(client.get(DASHBOARD))

    def test_an_unknown_session_key_is_a_visitor(self, db):
        client = Client()
        client.cookies["sessionid"] = "x" * 32
        assert is_logged_out(client.get(DASHBOARD))

    def test_a_deactivated_learner_is_logged_out(self, user):
        client = logged_in(user)
        user.is_active = False
        user.save()
        assert is_logged_out(client.get(DASHBOARD))

    def test_a_deleted_learner_is_logged_out(self, user):
        client = logged_in(user)
        user.delete()
        assert is_logged_out(client.get(DASHBOARD))

    @pytest.mark.parametrize("bad_id", ["987654321", None])
    def test_a_session_naming_nobody_is_a_visitor_not_an_error(self, user, bad_id):
        client = logged_in(user)
        session = client.session
        session[SESSION_KEY] = bad_id
        session.save()
        assert is_logged_out(client.get(DASHBOARD))

    @pytest.mark.parametrize("key", ["a\x00b" * 8, "X" * 32, "../" * 11, "é" * 32])
    def test_a_session_cookie_no_session_could_have_is_a_visitor_not_an_error(self, db, key):
        client = Client()
        client.cookies["sessionid"] = key
        assert is_logged_out(client.get(DASHBOARD))
        assert client.get(reverse("roadmap:index")).status_code == 200

    def test_tampered_session_data_is_a_visitor(self, user):
        client = logged_in(user)
        Session.objects.update(session_data="tampered:data")
        assert is_logged_out(client.get(DASHBOARD))

    def test_the_session_and_its_user_are_one_query(self, user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = logged_in(user)
        with CaptureQueriesContext(connection) as queries:
            assert user.username in client.get(DASHBOARD).text
        tables = [
            {table for table in ("accounts_session", "accounts_user") if table in q["sql"]}
            for q in queries.captured_queries
        ]
        assert tables.count({"accounts_session", "accounts_user"}) == 1
        assert {"accounts_user"} not in tables
        assert Session.objects.get().user_id == user.pk

    def test_the_users_progress_rows_come_with_the_session_once_and_only_for_that_user(self, user):
        from accounts.sessions import current_store, read_with_session, take_rows_read_with_session
        from accounts.sessions.db import SessionStore
        from roadmap.queries import OWN_PROGRESS

        ProgressFactory(user=user, status=Status.DONE, completed_at=timezone.now())
        ProgressFactory(user=user, status=Status.IN_PROGRESS, note="mine")
        ProgressFactory(status=Status.DONE, completed_at=timezone.now())  # another learner's
        store = SessionStore(logged_in(user).session.session_key)
        store.load()  # the session, its user and the user's rows: one query
        expected = sorted(Progress.objects.filter(user=user).values_list(*OWN_PROGRESS))
        token = current_store.set(store)
        try:
            assert take_rows_read_with_session(UserFactory()) is None  # not theirs
            assert sorted(take_rows_read_with_session(user)) == expected
            assert take_rows_read_with_session(user) is None  # once: a later read goes to the db
        finally:
            current_store.reset(token)
        assert take_rows_read_with_session(user) is None  # outside a request
        with pytest.raises(RuntimeError):
            read_with_session("progress", OWN_PROGRESS)  # sessions were read already

    def test_a_read_after_a_progress_write_in_the_same_request_goes_to_the_database(self, user):
        from accounts.sessions import current_store
        from accounts.sessions.db import SessionStore
        from roadmap import progress
        from roadmap.queries import own_progress

        row = ProgressFactory(user=user, status=Status.IN_PROGRESS)
        store = SessionStore(logged_in(user).session.session_key)
        store.load()
        token = current_store.set(store)
        try:
            progress.save_details(
                user=user, milestone=row.milestone, note="written", evidence_url=""
            )
            ((milestone_id, status, _, note, *_),) = own_progress(user)
        finally:
            current_store.reset(token)
        assert (milestone_id, status, note) == (row.milestone_id, Status.IN_PROGRESS, "written")

    def test_a_learner_without_progress_reads_no_rows_with_the_session(self, user):
        from accounts.sessions import current_store, take_rows_read_with_session
        from accounts.sessions.db import SessionStore

        store = SessionStore(logged_in(user).session.session_key)
        store.load()
        token = current_store.set(store)
        try:
            assert take_rows_read_with_session(user) == []
        finally:
            current_store.reset(token)

    def test_deleting_an_account_ends_its_sessions(self, user):
        client, other = logged_in(user), logged_in(UserFactory())
        user.delete()
        assert Session.objects.count() == 1
        assert is_logged_out(client.get(DASHBOARD))
        assert other.get(DASHBOARD).status_code == 200

    def test_the_backend_takes_the_preloaded_user_only_for_that_user(self, db):
        from accounts.backends import PreparedModelBackend
        from accounts.sessions import current_store

        ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
        store = type("Store", (), {"preloaded_user": ada})()
        token = current_store.set(store)
        try:
            assert PreparedModelBackend().get_user(str(ada.pk)) is ada
            assert PreparedModelBackend().get_user(str(bob.pk)).username == "bob"
            ada.is_active = False
            assert PreparedModelBackend().get_user(str(ada.pk)) is None
        finally:
            current_store.reset(token)
        assert current_store.get() is None  # nothing outlives the request
        assert PreparedModelBackend().get_user(str(bob.pk)).username == "bob"

    def test_a_learner_gets_their_own_user_back(self, db):
        ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
        assert "ada" in logged_in(ada).get(DASHBOARD).text
        assert "bob" in logged_in(bob).get(DASHBOARD).text


class TestPrepared:
    def test_model_rows_with_annotations_match_the_orm(self, user):
        membership = TrackMilestoneFactory(weight=3)
        TrackMilestoneFactory(track=membership.track, weight=2)
        ProgressFactory(
            user=user,
            milestone=membership.milestone,
            status=Status.DONE,
            completed_at=timezone.now(),
        )
        expected = list(Track.objects.with_completion(user.pk))
        got = Prepared(
            lambda user_id: Track.objects.with_completion(user_id), user_id=-918_273_645
        ).run(user_id=user.pk)
        assert [t.pk for t in got] == [t.pk for t in expected]
        for mine, theirs in zip(got, expected, strict=True):
            assert mine.name == theirs.name
            assert (mine.done_weight, mine.total_weight, mine.done_count, mine.total_count) == (
                theirs.done_weight,
                theirs.total_weight,
                theirs.done_count,
                theirs.total_count,
            )
            assert mine.percent == theirs.percent == 60

    def test_values_list_rows_match_the_orm_with_datetimes_converted(self, user):
        done = ProgressFactory(
            user=user,
            status=Status.DONE,
            completed_at=timezone.now(),
            note="n",
            evidence_url="https://e.org",
        )
        ProgressFactory(user=user, status=Status.IN_PROGRESS)
        ProgressFactory()  # someone else's
        expected = sorted(
            Progress.objects.filter(user=user).values_list(
                "milestone_id", "status", "completed_at", "note", "evidence_url", "id"
            )
        )
        got = sorted(own_progress(user))
        assert got == expected
        (row,) = [r for r in got if r[0] == done.milestone_id]
        assert isinstance(row[2], datetime.datetime)
        assert row[2].tzinfo is not None

    def test_flat_values_list(self, db):
        TrackMilestoneFactory(milestone__title="B")
        TrackMilestoneFactory(milestone__title="A")
        titles = Prepared(
            lambda minimum: (
                Milestone.objects.filter(pk__gte=minimum)
                .order_by("title")
                .values_list("title", flat=True)
            ),
            minimum=-918_273_645,
        )
        assert titles.run(minimum=0) == ["A", "B"]
        assert titles.run(minimum=10**9) == []

    def test_it_refuses_what_it_cannot_reproduce(self, db):
        for build in (
            lambda pk: Milestone.objects.filter(pk=pk).values("title"),
            lambda pk: Milestone.objects.filter(pk=pk).select_related("section"),
            lambda pk: Milestone.objects.filter(pk=pk).prefetch_related("resources"),
        ):
            with pytest.raises(TypeError):
                Prepared(build, pk=-918_273_645).run(pk=1)

    def test_a_placeholder_missing_from_the_sql_is_an_error(self, db):
        counted = Prepared(lambda pk: Track.objects.annotate(n=Count("memberships")), pk=-1)
        with pytest.raises(ValueError, match="pk"):
            counted.run(pk=1)


class TestPreparedWrites:
    def test_an_update_changes_only_matching_rows_and_says_how_many(self, user):
        update = PreparedUpdate(
            Progress, fields=["status", "updated_at", "completed_at"], where=["id", "status"]
        )
        mine = ProgressFactory(user=user, status=Status.IN_PROGRESS)
        other = ProgressFactory(status=Status.IN_PROGRESS)
        when = datetime.datetime(2025, 3, 12, 15, 30, 1, 123456, tzinfo=datetime.UTC)
        values = {"status": Status.DONE, "updated_at": when, "completed_at": when}
        assert update.run(values=values, where={"id": mine.pk, "status": Status.DONE}) == 0
        assert update.run(values=values, where={"id": mine.pk, "status": Status.IN_PROGRESS}) == 1
        mine.refresh_from_db()
        assert (mine.status, mine.updated_at, mine.completed_at) == (Status.DONE, when, when)
        other.refresh_from_db()
        assert other.status == Status.IN_PROGRESS
        values = {"status": Status.NOT_STARTED, "updated_at": when, "completed_at": None}
        assert update.run(values=values, where={"id": mine.pk, "status": Status.DONE}) == 1
        mine.refresh_from_db()
        assert mine.completed_at is None

    def test_an_insert_stores_what_create_would(self, user):
        milestone = TrackMilestoneFactory().milestone
        when = datetime.datetime(2025, 3, 12, 15, 30, 1, 5, tzinfo=datetime.UTC)
        insert = PreparedInsert(
            ProgressEvent, "user", "milestone", "from_status", "to_status", "at"
        )
        values = {"from_status": Status.NOT_STARTED, "to_status": Status.DONE, "at": when}
        insert.run(user=user.pk, milestone=milestone.pk, **values)
        ProgressEvent.objects.create(user=user, milestone=milestone, **values)
        fields = ("user_id", "milestone_id", "from_status", "to_status", "at")
        prepared, created = ProgressEvent.objects.order_by("pk").values_list(*fields)
        assert prepared == created == (user.pk, milestone.pk, "not_started", "done", when)

    def test_a_write_breaking_a_constraint_fails_as_through_the_orm(self, user):
        from django.db import IntegrityError, transaction

        milestone = TrackMilestoneFactory().milestone
        insert = PreparedInsert(
            ProgressEvent, "user", "milestone", "from_status", "to_status", "at"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            insert.run(
                user=user.pk,
                milestone=milestone.pk,
                from_status="bogus",
                to_status=Status.DONE,
                at=timezone.now(),
            )
        assert not ProgressEvent.objects.exists()

    def test_update_then_insert_is_one_statement_on_postgresql(self, user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        update = PreparedUpdate(
            Progress, fields=["status", "updated_at", "completed_at"], where=["id", "status"]
        )
        insert = PreparedInsert(
            ProgressEvent, "user", "milestone", "from_status", "to_status", "at"
        )
        both = PreparedUpdateThenInsert(update, insert)
        row = ProgressFactory(user=user, status=Status.IN_PROGRESS)
        when = datetime.datetime(2025, 3, 12, 15, 30, tzinfo=datetime.UTC)
        values = {"status": Status.DONE, "updated_at": when, "completed_at": when}
        event = {
            "user": user.pk,
            "milestone": row.milestone_id,
            "from_status": Status.IN_PROGRESS,
            "to_status": Status.DONE,
            "at": when,
        }
        if connection.vendor != "postgresql":
            with pytest.raises(NotImplementedError):
                both.run(
                    values=values, where={"id": row.pk, "status": Status.IN_PROGRESS}, row=event
                )
            return
        with CaptureQueriesContext(connection) as queries:
            stale = {"id": row.pk, "status": Status.NOT_STARTED}
            assert both.run(values=values, where=stale, row=event) == 0
            assert not ProgressEvent.objects.exists()  # no change, no event
            fresh = {"id": row.pk, "status": Status.IN_PROGRESS}
            assert both.run(values=values, where=fresh, row=event) == 1
        assert [q["sql"].split()[0] for q in queries.captured_queries] == ["WITH", "SELECT", "WITH"]
        row.refresh_from_db()
        assert (row.status, row.completed_at) == (Status.DONE, when)
        (stored,) = ProgressEvent.objects.values_list(
            "user_id", "milestone_id", "from_status", "to_status", "at"
        )
        assert stored == tuple(event.values())

    def test_an_insert_can_leave_out_a_row_that_is_already_there(self, user):
        milestone = TrackMilestoneFactory().milestone
        insert = PreparedInsert(
            Progress, "user", "milestone", "status", "note", "evidence_url", "updated_at",
            "completed_at", ignore_conflicts=True,
        )  # fmt: skip
        row = dict(user=user.pk, milestone=milestone.pk, note="", evidence_url="")
        now = timezone.now()
        insert.run(**row, status=Status.IN_PROGRESS, updated_at=now, completed_at=None)
        insert.run(**row, status=Status.DONE, updated_at=now, completed_at=now)  # no error
        assert list(Progress.objects.values_list("status", flat=True)) == [Status.IN_PROGRESS]

    def test_insert_then_insert_is_one_statement_on_postgresql(self, user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        both = PreparedInsertThenInsert(
            PreparedInsert(
                Progress, "user", "milestone", "status", "note", "evidence_url", "updated_at",
                "completed_at", ignore_conflicts=True,
            ),
            PreparedInsert(ProgressEvent, "user", "milestone", "from_status", "to_status", "at"),
        )  # fmt: skip
        milestone = TrackMilestoneFactory().milestone
        when = datetime.datetime(2025, 3, 12, 15, 30, tzinfo=datetime.UTC)
        values = dict(
            user=user.pk, milestone=milestone.pk, status=Status.DONE, note="", evidence_url="",
            updated_at=when, completed_at=when,
        )  # fmt: skip
        event = dict(
            user=user.pk, milestone=milestone.pk, from_status=Status.NOT_STARTED,
            to_status=Status.DONE, at=when,
        )  # fmt: skip
        if connection.vendor != "postgresql":
            with pytest.raises(NotImplementedError):
                both.run(values=values, row=event)
            return
        with CaptureQueriesContext(connection) as queries:
            created = both.run(values=values, row=event)
            # Another request's row is there already: nothing written, no event, no id.
            again = dict(values, status=Status.IN_PROGRESS, completed_at=None)
            assert both.run(values=again, row=event) is None
        assert [q["sql"].split()[0] for q in queries.captured_queries] == ["WITH", "WITH"]
        row = Progress.objects.get()
        assert (row.pk, row.status, row.completed_at) == (created, Status.DONE, when)
        stored = ProgressEvent.objects.values_list(
            "user_id", "milestone_id", "from_status", "to_status", "at"
        )
        assert list(stored) == [tuple(event.values())]

    def test_reads_work_with_client_side_binding_too(self, user):
        """DB_PREPARED_STATEMENTS=0 gives PostgreSQL connections client-side cursors, which
        can't fetch binary rows: compiled reads must still work there."""
        from django.db import connection

        ProgressFactory(user=user, status=Status.DONE, completed_at=timezone.now())
        expected = list(
            Progress.objects.filter(user=user).values_list(
                "milestone_id", "status", "completed_at", "note", "evidence_url", "id"
            )
        )
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            from django.db.backends.postgresql.base import Cursor

            server_side = connection.connection.cursor_factory
            connection.connection.cursor_factory = Cursor
            try:
                assert own_progress(user) == expected
            finally:
                connection.connection.cursor_factory = server_side
        assert own_progress(user) == expected
