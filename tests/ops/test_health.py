"""`/healthz` (portal.health): 200 when the database and the cache answer, 503 naming the
dependency that failed; no data, no login, no session, no cache, open in maintenance."""

import socket

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError

from portal.models import MaintenanceScope, MaintenanceWindow
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("connection refused by the test")


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr("portal.health.connection", _BrokenConnection())


def test_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_cache_down_is_a_503_naming_the_cache(client, cache_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["cache"]}


def test_database_down_is_a_503_naming_the_database(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["database"]}


def test_both_down_name_both_and_nothing_else(client, database_down, cache_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["database", "cache"]}
    assert "refused" not in response.text and "127.0.0.1" not in response.text


def test_no_session_is_made_and_no_cookie_is_set(client):
    response = client.get("/healthz")
    assert not response.cookies
    assert not Session.objects.exists()


def test_a_load_balancer_asking_by_address_over_http_is_answered(client, settings):
    """Not redirected to HTTPS, not refused for its Host (the instance's address)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["portal.example"]
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200


def test_open_during_a_maintenance_window(client):
    MaintenanceWindow.objects.create(
        scope=MaintenanceScope.MEMBER_PAGES,
        recurrence="weekly",
        weekday=2,  # QUIET_MOMENT is a Wednesday noon
        start_time="11:00",
        duration_minutes=120,
    )
    assert client.get("/login/").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_never_throttled(client, settings):
    settings.PORTAL_IP_THROTTLE = (1, 900)
    for _ in range(5):
        assert client.get("/healthz").status_code == 200


def test_a_logged_in_members_cookie_changes_nothing(client):
    client.force_login(MemberFactory())
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
