"""A Redis that is down is a cache miss (portal.cache); a database that is down is a 503
page with the site's frame and a code (portal.views.server_error), never a traceback."""

import logging
import os
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from members.session_store import SessionStore
from tests.factories import DEFAULT_PIN
from tests.helpers import error_codes, logged_in_to_mypage, login_card
from tests.ops.test_health import closed_port
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_every_cache_call_is_a_miss_when_redis_is_down(redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="portal.cache")
    cache.set("a", 1)
    assert cache.get("a") is None
    assert cache.get("a", "default") == "default"
    assert cache.add("a", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    assert cache.touch("a") is False
    assert cache.delete("a") is False
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    assert cache.get_or_set("a", 2) == 2
    with pytest.raises(ValueError):
        cache.incr("a")
    assert any("unreachable" in record.getMessage() for record in caplog.records)


def test_after_a_failure_redis_is_left_alone_for_a_while(redis_down, settings, caplog):
    """One connection attempt per pause, not one per call (a hung Redis costs a timeout)."""
    caplog.set_level(logging.WARNING, logger="portal.cache")
    for _ in range(5):
        assert cache.get("a") is None
    assert len(caplog.records) == 1


@pytest.mark.parametrize(
    "engine",
    ["members.session_store", "django.contrib.sessions.backends.cached_db"],
)
def test_members_log_in_and_use_pages_with_redis_down(redis_down, settings, member, engine):
    """Lockout and throttle live in the database; a cached_db session falls back to it."""
    settings.SESSION_ENGINE = engine
    client = Client()
    response = login_card(client, member.card_number, DEFAULT_PIN)
    assert logged_in_to_mypage(response)
    for name in ("members:mypage", "members:settings", "members:login-history"):
        assert client.get(reverse(name)).status_code == 200
    assert client.post(reverse("members:logout")).status_code in {200, 302}
    assert client.get(reverse("members:mypage")).status_code == 302


def test_wrong_pins_still_lock_the_card_with_redis_down(redis_down, settings, member):
    client = Client()
    for _ in range(settings.PORTAL_LOCKOUT_THRESHOLD):
        login_card(client, member.card_number, "0000")
    response = login_card(client, member.card_number, DEFAULT_PIN)
    assert not logged_in_to_mypage(response)
    assert response.status_code < 500


@pytest.fixture
def database_fails(monkeypatch):
    """Every session load fails as a database that went away does."""

    def fail(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", fail)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_that_went_away_is_a_503_page_with_a_code(member, monkeypatch, error):
    client = Client(raise_request_exception=False)
    client.force_login(member)

    def fail(self):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", fail)
    response = client.get(reverse("members:mypage"))
    assert response.status_code == 503
    assert error_codes(response) == ["service_unavailable"]
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert 'class="site-header"' in text and "Traceback" not in text
    assert "closed the connection" not in text


def test_in_english_too(member, monkeypatch):
    client = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    client.force_login(member)
    monkeypatch.setattr(SessionStore, "load", _fail)
    response = client.get(reverse("members:mypage"))
    assert response.status_code == 503
    assert 'lang="en"' in response.content.decode()


def _fail(self):
    raise OperationalError("the database is restarting")


def test_the_app_api_gets_problem_details(member, monkeypatch):
    client = Client(raise_request_exception=False)
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", _fail_execute)
    response = client.post(
        "/api/v1/auth/card", {"card_number": "1", "pin": "1"}, content_type="application/json"
    )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "service_unavailable"


def _fail_execute(self, sql, params=None):
    raise OperationalError("the database is restarting")


def test_any_other_error_stays_a_500(member, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(member)

    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get(reverse("members:mypage"))
    assert response.status_code == 500
    assert error_codes(response) == ["server_error"]


@pytest.fixture
def redis_behind_proxy(settings):
    """The cache on the suite's Redis (CACHE_URL) through a proxy the test can cut."""
    url = urlsplit(os.environ.get("CACHE_URL", ""))
    if url.scheme != "redis":
        pytest.skip("needs Redis (CACHE_URL=redis://...), as in CI's PostgreSQL pass")
    with TcpProxy(url.hostname, url.port or 6379) as proxy:
        settings.CACHES = {
            "default": {
                "BACKEND": "portal.cache.TolerantRedisCache",
                "LOCATION": f"redis://127.0.0.1:{proxy.port}{url.path or '/0'}",
                "KEY_PREFIX": f"outage-test-{proxy.port}",
            }
        }
        settings.PORTAL_CACHE_RETRY_SECONDS = 0
        yield proxy
        cache.delete_many(["kept", "changed", "deleted"])


def test_what_could_not_be_written_during_a_split_is_deleted_once_redis_is_back(
    redis_behind_proxy,
):
    """A session logged out while Redis was unreachable must not come back with it."""
    cache.set_many({"kept": 1, "changed": 1, "deleted": 1})
    redis_behind_proxy.drop()
    cache.set("changed", 2)
    cache.delete("deleted")
    assert cache.get("kept") is None  # a miss while cut off
    redis_behind_proxy.resume()
    assert cache.get("deleted") is None
    assert cache.get("changed") is None  # neither the old value nor the lost write
    assert cache.get("kept") == 1


@pytest.mark.parametrize(
    "engine",
    ["members.session_store", "django.contrib.sessions.backends.cached_db"],
)
def test_a_session_logged_out_during_a_split_stays_logged_out(
    redis_behind_proxy, settings, member, engine
):
    settings.SESSION_ENGINE = engine
    client = Client()
    assert logged_in_to_mypage(login_card(client, member.card_number, DEFAULT_PIN))
    stolen = Client()
    # The same session cookie, in someone else's browser.
    stolen.cookies["sessionid"] = client.cookies["sessionid"].value
    redis_behind_proxy.drop()
    client.post(reverse("members:logout"))
    redis_behind_proxy.resume()
    assert stolen.get(reverse("members:mypage")).status_code == 302


def test_a_session_save_cut_off_by_the_database_is_a_503_not_a_400(member, monkeypatch):
    """Django turns a failed session update into SessionInterrupted (a 400): when the
    database went away, it is the 503 of the database instead."""
    client = Client(raise_request_exception=False)
    client.force_login(member)

    def fail(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("django.contrib.sessions.models.Session.save", fail)
    response = client.get(reverse("members:mypage"))
    assert response.status_code == 503
    assert error_codes(response) == ["service_unavailable"]
