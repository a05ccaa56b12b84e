"""Guessing passwords and flooding mail: the login lockout, the address it locks, the passwords
asked again of a logged-in learner, the limits on sign-ups and reset mail, and what is kept of
people's logins."""

import re
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.settings import redis_cache
from tests.factories import PASSWORD, ProgressFactory, UserFactory
from tests.test_accounts import production_settings
from tests.test_outages import refused_redis

pytestmark = pytest.mark.django_db

User = get_user_model()
ROOT = Path(__file__).resolve().parent.parent
PROXY = "127.0.0.1"  # the reverse proxy, as the app sees it: every request comes from there
ADA, ATTACKER = "198.51.100.7", "203.0.113.66"
NEW_PASSWORD = "a-brand-new-passphrase-31"


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    """Argon2 takes a third of a second per hash; what these tests check doesn't depend on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.com")


def behind_proxies(settings, monkeypatch, count):
    """The client-address settings that config/settings.py makes of AXES_PROXY_COUNT=count."""
    monkeypatch.setenv("AXES_PROXY_COUNT", str(count))
    made = runpy.run_path(str(ROOT / "config" / "settings.py"))
    for name, value in made.items():
        if name.startswith(("AXES_IPWARE_", "IPWARE_")):
            setattr(settings, name, value)


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def through_proxy(client_address, forged=""):
    """What the proxy hands on: the client's own X-Forwarded-For (anything), then its address."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


class TestTheAddressThatIsLocked:
    def test_behind_a_proxy_an_attackers_failures_dont_lock_the_owner_out(
        self, client, ada, settings, monkeypatch
    ):
        behind_proxies(settings, monkeypatch, 1)
        for _ in range(5):
            response = log_in(client, "ada", "guess", **through_proxy(ATTACKER))
        assert response.status_code == 429
        assert log_in(client, "ada", **through_proxy(ATTACKER)).status_code == 429

        assert log_in(client, "ada", **through_proxy(ADA)).status_code == 302
        assert client.session[SESSION_KEY] == str(ada.pk)

    def test_behind_a_proxy_a_forged_x_forwarded_for_doesnt_escape_the_lock(
        self, client, ada, settings, monkeypatch
    ):
        behind_proxies(settings, monkeypatch, 1)
        for i in range(5):
            log_in(client, "ada", "guess", **through_proxy(ATTACKER, forged=f"8.8.{i}.{i}"))
        for forged in ("8.8.9.9", ADA, f"{ADA}, 9.9.9.9", "unknown"):
            response = log_in(client, "ada", **through_proxy(ATTACKER, forged=forged))
            assert response.status_code == 429
        assert {a.ip_address for a in AccessAttempt.objects.all()} == {ATTACKER}

    def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(
        self, client, ada, settings, monkeypatch
    ):
        behind_proxies(settings, monkeypatch, 2)
        cdn = "192.0.2.10"
        for i in range(5):
            log_in(
                client,
                "ada",
                "guess",
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=f"8.8.{i}.{i}, {ATTACKER}, {cdn}",
            )
        chain = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{ATTACKER}, {cdn}"}
        assert log_in(client, "ada", **chain).status_code == 429
        chain = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{ADA}, {cdn}"}
        assert log_in(client, "ada", **chain).status_code == 302

    def test_addresses_of_one_ipv6_network_count_as_one_client(self, client, ada):
        """A client usually holds a whole /64 and could use a new address for every guess."""
        for i in range(1, 6):
            log_in(client, "ada", "wrong-guess", REMOTE_ADDR=f"2001:db8:1:2::{i:x}")
        assert log_in(client, "ada", REMOTE_ADDR="2001:db8:1:2:ffff::1").status_code == 429
        assert SESSION_KEY not in client.session
        assert log_in(client, "ada", REMOTE_ADDR="2001:db8:1:3::1").status_code == 302

    def test_a_request_without_an_address_logs_in_and_is_recorded_without_one(self, client, ada):
        """Gunicorn on a unix socket gives no REMOTE_ADDR: the login records hold no address."""
        assert log_in(client, "ada", "wrong-guess", REMOTE_ADDR="").status_code == 422
        assert AccessAttempt.objects.get().ip_address is None
        assert log_in(client, "ada", REMOTE_ADDR="").status_code == 302
        assert AccessLog.objects.get().ip_address is None

    def test_without_a_proxy_x_forwarded_for_is_ignored(self, client, ada):
        for i in range(5):
            log_in(client, "ada", "guess", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"8.8.{i}.1")
        response = log_in(client, "ada", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=ADA)
        assert response.status_code == 429
        assert log_in(client, "ada", REMOTE_ADDR=ADA).status_code == 302


class TestAUsernameInAnotherCase:
    """Sign-up refuses "Ada" once "ada" exists: it is the same name, to log in with too."""

    def test_it_logs_in_to_the_account(self, client, ada):
        response = log_in(client, "ADA")
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(ada.pk)

    def test_its_failed_logins_count_toward_the_accounts_lockout(self, client, ada):
        """Else each spelling of "ada" would be five more guesses."""
        for name in ("ada", "Ada", "aDa", "adA", "ADA"):
            log_in(client, name, "guess", REMOTE_ADDR=ATTACKER)
        for name in ("ada", "AdA"):
            assert log_in(client, name, REMOTE_ADDR=ATTACKER).status_code == 429
        assert SESSION_KEY not in client.session
        assert log_in(client, "Ada", REMOTE_ADDR=ADA).status_code == 302

    def test_the_lockout_page_does_not_tell_whether_an_account_exists(self, client, ada):
        """It named the account's own spelling, "ada", for "ADA": a way to list the accounts."""
        pages = []
        for name in ("ADA", "NOBODY"):
            for _ in range(5):
                log_in(client, name, "guess", REMOTE_ADDR=ATTACKER)
            pages.append(log_in(client, name, "guess", REMOTE_ADDR=ATTACKER))
        assert [page.status_code for page in pages] == [429, 429]
        named = [re.search(r"as <strong>([^<]*)</strong>", page.text)[1] for page in pages]
        assert named == ["ADA", "NOBODY"]

    def test_the_lockout_does_not_tell_an_account_by_how_its_spellings_count(self, client, ada):
        """A name of no account was counted as typed: five spellings of "zed" were five failures
        of five names, of "ada" one account's five, so the sixth try told which exists."""
        answers = {}
        for name in ("ada", "zed"):
            for typed in (name.upper(), name.title(), name[0] + name[1:].upper(), name, name):
                log_in(client, typed, "guess", REMOTE_ADDR=ATTACKER)
            answers[name] = log_in(client, name, "guess", REMOTE_ADDR=ATTACKER).status_code
        assert answers == {"ada": 429, "zed": 429}

    def test_a_name_of_no_account_is_refused_as_before(self, client, ada):
        assert log_in(client, "ada2").status_code == 422


class TestPasswordsAskedAgain:
    """Whoever holds a session (a borrowed laptop) can't guess the password through the forms
    that ask for it again: wrong answers count as failed logins, with the same lockout."""

    def test_wrong_passwords_to_delete_the_account_lock_it_like_failed_logins(self, client, ada):
        ProgressFactory(user=ada)
        client.force_login(ada)
        url = reverse("delete_account")
        for _ in range(4):
            response = client.post(url, {"password": "guess"})
            assert response.status_code == 422
            assert "That is not your password." in response.text
        response = client.post(url, {"password": "guess"})
        assert response.status_code == 429
        assert "Too many failed logins" in response.text

        response = client.post(url, {"password": PASSWORD})
        assert response.status_code == 429
        assert User.objects.filter(pk=ada.pk).exists()
        assert ada.progress.exists()
        client.logout()
        assert log_in(client, "ada").status_code == 429
        assert log_in(client, "ada", REMOTE_ADDR=ADA).status_code == 302

    def test_wrong_old_passwords_lock_the_password_change_like_failed_logins(self, client, ada):
        client.force_login(ada)
        url = reverse("password_change")
        change = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        for _ in range(4):
            response = client.post(url, {"old_password": "guess", **change})
            assert response.status_code == 422
            assert "Your old password was entered incorrectly." in response.text
        assert client.post(url, {"old_password": "guess", **change}).status_code == 429

        assert client.post(url, {"old_password": PASSWORD, **change}).status_code == 429
        ada.refresh_from_db()
        assert ada.check_password(PASSWORD)

    def test_the_right_password_still_works_before_the_limit(self, client, ada):
        client.force_login(ada)
        url = reverse("password_change")
        change = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        client.post(url, {"old_password": "guess", **change})
        response = client.post(url, {"old_password": PASSWORD, **change})
        assert response["Location"] == reverse("password_change_done")
        ada.refresh_from_db()
        assert ada.check_password(NEW_PASSWORD)

    def test_no_password_typed_is_kept_in_the_failed_login_records(self, client, ada):
        client.force_login(ada)
        client.post(
            reverse("password_change"),
            {"old_password": "my-guess-1", "new_password1": "n3w-s3cr3t", "new_password2": "x"},
        )
        client.post(reverse("delete_account"), {"password": "my-guess-2"})
        (attempt,) = AccessAttempt.objects.all()
        assert attempt.failures_since_start == 2
        for secret in ("my-guess-1", "n3w-s3cr3t", "my-guess-2"):
            assert secret not in attempt.post_data


class TestMailAndSignupLimits:
    def test_reset_mail_to_one_address_stops_after_three_an_hour(self, client, ada):
        for i in range(30):
            response = client.post(
                reverse("password_reset"),
                {"email": "ADA@example.com" if i % 2 else "ada@example.com"},
                REMOTE_ADDR=f"198.51.100.{i}",
            )
        assert len(mail.outbox) == 3
        assert response.status_code == 429
        assert "Too many password reset emails" in response.text

    @pytest.mark.parametrize(
        "address", ["jess@example.com", "jeſs@example.com", "JEſſ@example.com"]
    )
    def test_reset_mail_to_one_address_in_any_spelling_stops_after_three_an_hour(
        self, client, address
    ):
        """Spellings that Django's reset form takes for the same address count as it."""
        UserFactory(email="jess@example.com")
        for i, spelling in enumerate(["jess@example.com", "JESS@example.com", "jesſ@example.com"]):
            client.post(
                reverse("password_reset"), {"email": spelling}, REMOTE_ADDR=f"198.51.100.{i}"
            )
        response = client.post(
            reverse("password_reset"), {"email": address}, REMOTE_ADDR="198.51.100.99"
        )
        assert response.status_code == 429
        assert len(mail.outbox) <= 3

    def test_reset_requests_from_one_client_stop_after_ten_an_hour(self, client, ada):
        for i in range(10):
            response = client.post(reverse("password_reset"), {"email": f"someone{i}@example.com"})
            assert response.status_code == 302
        response = client.post(reverse("password_reset"), {"email": "ada@example.com"})
        assert response.status_code == 429
        assert not mail.outbox
        other = client.post(
            reverse("password_reset"), {"email": "ada@example.com"}, REMOTE_ADDR=ADA
        )
        assert other.status_code == 302
        assert len(mail.outbox) == 1

    def test_sign_ups_from_one_client_stop_after_ten_an_hour_refused_ones_too(
        self, client, ada, settings, monkeypatch
    ):
        behind_proxies(settings, monkeypatch, 1)
        for i in range(10):
            client.post(
                reverse("signup"),
                {
                    "username": f"learner{i}",
                    "email": "ada@example.com" if i % 2 else f"learner{i}@example.com",
                    "password1": NEW_PASSWORD,
                    "password2": NEW_PASSWORD,
                },
                **through_proxy(ATTACKER, forged=f"8.8.{i}.{i}"),
            )
            client.logout()
        assert User.objects.count() == 1 + 5
        data = {
            "username": "one-more",
            "email": "one-more@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        }
        response = client.post(reverse("signup"), data, **through_proxy(ATTACKER, forged="9.9.9.9"))
        assert response.status_code == 429
        assert "Too many sign-ups from your network" in response.text
        assert 'value="one-more@example.com"' in response.text  # kept for the next try
        assert not User.objects.filter(username="one-more").exists()
        taken = {**data, "email": "ada@example.com"}
        response = client.post(reverse("signup"), taken, **through_proxy(ATTACKER))
        assert response.status_code == 429
        assert "already uses this email" not in response.text  # not even checked
        assert client.post(reverse("signup"), data, **through_proxy(ADA)).status_code == 302

    def test_sign_ups_from_one_ipv6_network_count_as_one_client(self, client):
        for i in range(11):
            response = client.post(
                reverse("signup"),
                {
                    "username": f"learner{i}",
                    "email": f"learner{i}@example.com",
                    "password1": NEW_PASSWORD,
                    "password2": NEW_PASSWORD,
                },
                REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}",
            )
            client.logout()
        assert response.status_code == 429
        assert User.objects.count() == 10

    def test_while_redis_is_down_nobody_is_refused(self, client, ada, settings):
        with refused_redis() as url:
            settings.CACHES = {"default": redis_cache(url)}
            for _ in range(4):
                response = client.post(reverse("password_reset"), {"email": "ada@example.com"})
                assert response.status_code == 302
            response = client.post(
                reverse("signup"),
                {
                    "username": "grace",
                    "email": "grace@example.com",
                    "password1": NEW_PASSWORD,
                    "password2": NEW_PASSWORD,
                },
            )
            assert response.status_code == 302
        assert len(mail.outbox) == 4


class TestWhatIsKeptOfLogins:
    def test_deleting_the_account_deletes_its_login_records(self, client, ada):
        other = UserFactory()
        log_in(client, "ada", "guess")
        log_in(client, "ADA", "guess")
        log_in(client, other.username, "guess")
        log_in(client, other.username)
        client.logout()
        log_in(client, "ada")
        assert AccessLog.objects.filter(username="ada").exists()

        client.post(reverse("delete_account"), {"password": PASSWORD})

        assert not User.objects.filter(username="ada").exists()
        assert not AccessAttempt.objects.filter(username__iexact="ada").exists()
        assert not AccessLog.objects.filter(username__iexact="ada").exists()
        assert AccessLog.objects.filter(username=other.username).exists()

    def test_an_account_deleted_in_the_admin_takes_its_login_records_too(self, client, ada):
        log_in(client, "ada", "guess")
        log_in(client, "ada")
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        client.post(reverse("admin:accounts_user_delete", args=[ada.pk]), {"post": "yes"})
        assert not User.objects.filter(pk=ada.pk).exists()
        assert not AccessLog.objects.filter(username="ada").exists()
        assert not AccessAttempt.objects.filter(username="ada").exists()

    def test_the_login_history_is_kept_for_the_days_configured(self, client, ada, settings):
        settings.LOGIN_HISTORY_DAYS = 30
        old, recent = UserFactory(), UserFactory()
        for user, days in ((old, 31), (recent, 29)):
            log_in(client, user.username)
            AccessLog.objects.filter(username=user.username).update(
                attempt_time=timezone.now() - timedelta(days=days)
            )
            client.logout()

        log_in(client, "ada")

        kept = set(AccessLog.objects.values_list("username", flat=True))
        assert kept == {recent.username, "ada"}


def test_the_retention_the_limits_and_the_proxies_are_configurable():
    default = production_settings()
    assert "LOGIN_HISTORY_DAYS = 30" in default
    assert "AXES_DISABLE_ACCESS_LOG = False" in default
    assert "AXES_IPWARE_META_PRECEDENCE_ORDER = ['REMOTE_ADDR']" in default
    configured = production_settings(
        LOGIN_HISTORY_DAYS="0", SIGNUPS_PER_HOUR="40", AXES_PROXY_COUNT="1"
    )
    assert "AXES_DISABLE_ACCESS_LOG = True" in configured
    assert "SIGNUPS_PER_HOUR = 40" in configured
    assert "AXES_IPWARE_PROXY_COUNT = 0" in configured
    assert re.search(r"AXES_IPWARE_META_PRECEDENCE_ORDER = \['HTTP_X_FORWARDED_FOR'", configured)
