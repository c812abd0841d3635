"""Two gunicorn servers on the test database, as app servers behind a load balancer."""

import os
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from devserver import Server, database_url, gunicorn_servers
from tests.multiprocess.hashers import HASH_COUNT_DIR


# tryfirst: before pytest-xdist reads the group marks (--dist loadgroup).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test here runs servers on a database they can share: PostgreSQL."""
    here = Path(__file__).parent
    shared_database = [
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason="gunicorn servers need a database they can share: PostgreSQL (CI's second pass)",
        ),
        # Under pytest-xdist (`make test`, --dist loadgroup) one worker runs the tests that
        # race many requests (these and tests/members/test_lockout_concurrency.py), one
        # after the other: two fleets of servers on two CPUs would starve each other.
        pytest.mark.xdist_group("races"),
    ]
    for item in items:
        if here in Path(item.fspath).parents:
            for mark in shared_database:
                item.add_marker(mark)


@pytest.fixture
def hash_count_dir(tmp_path):
    directory = tmp_path / "hashes"
    directory.mkdir()
    return directory


@pytest.fixture
def start_servers(transactional_db, settings, hash_count_dir):
    """Return `start(...)`, which runs two servers on the test database.

    Depending on `transactional_db` stops the servers before pytest-django empties the
    database, so no server connection outlives the test.
    """
    with ExitStack() as stack:

        def start(
            *,
            ip_throttle: str = "1000/15m",
            lockout_threshold: int = 5,
            fake_now: str | None = None,
            demo: bool = False,
            trusted_proxies: int = 0,
            extra_env: dict[str, str] | None = None,
        ) -> list[Server]:
            env = {
                **os.environ,  # CACHE_URL included: Redis in CI, as in production
                "DJANGO_SETTINGS_MODULE": "tests.multiprocess.server_settings",
                "DATABASE_URL": database_url(connection.settings_dict),
                # Counter keys are keyed hashes: the test computes them with the same key.
                "SECRET_KEY": settings.SECRET_KEY,
                "PORTAL_LOCKOUT_KEY": settings.PORTAL_LOCKOUT_KEY,
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1",
                "PORTAL_DEMO": "1" if demo else "0",
                # By default the test's own moment (QUIET_MOMENT and the seconds since,
                # outside maintenance windows): the servers' clocks start where the test's
                # is, so what the test booked before starting them is never in their future
                # (the test's set-up can take seconds on a busy machine).
                "PORTAL_FAKE_NOW": fake_now or timezone.now().isoformat(),
                "PORTAL_LOCKOUT_THRESHOLD": str(lockout_threshold),
                "PORTAL_IP_THROTTLE": ip_throttle,
                # 1 behind tests/multiprocess/test_several_hosts.py's balancer stand-in.
                "PORTAL_TRUSTED_PROXIES": str(trusted_proxies),
                HASH_COUNT_DIR: str(hash_count_dir),
                # What a test changes (a database or cache behind a proxy it can cut).
                **(extra_env or {}),
            }
            ready_path = reverse("members:login")
            return stack.enter_context(
                gunicorn_servers(2, env=env, workers=2, threads=2, ready_path=ready_path)
            )

        yield start


@pytest.fixture
def argon2_pins(settings):
    """Hash PINs with Argon2 like the servers, which verify them with it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
