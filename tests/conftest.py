import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from demo.personas import PERSONAS_BY_KEY, reset_demo_personas
from members.models import Member
from portal import maintenance
from tests.factories import MemberFactory, StaffFactory
from tests.staff_sign_in import sign_in_staff

# A Wednesday noon in Tokyo: no maintenance window is open, so tests do not depend on
# the day CI happens to run. Tests that need another moment move the clock themselves.
QUIET_MOMENT = dt.datetime(2026, 12, 9, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (`make test`): one worker per CPU the machine shows (hyper-threads too: the
    browser and server tests wait on other processes much of the time), none for a run of
    named test files or test ids, which would wait longer for the workers to start than
    for its tests. PYTEST_XDIST_AUTO_NUM_WORKERS, when set, decides instead."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist reads it
    if config.args and all(Path(arg.split("::")[0]).is_file() for arg in config.args):
        return 0
    return os.cpu_count() or 1


@pytest.fixture(autouse=True)
def _outside_maintenance(time_machine):
    time_machine.move_to(QUIET_MOMENT, tick=True)


@pytest.fixture(autouse=True)
def _fresh_maintenance_windows(monkeypatch):
    """Each test reads the windows of its own database: a process keeps them for a few
    seconds (portal.maintenance), and a test's rollback or flush sends no signal. Within
    a test the cache's clock stands still, so that how many queries a page asks does not
    depend on how fast the machine runs the test (tests that need it move it)."""
    monkeypatch.setattr(maintenance, "_monotonic", lambda: 0.0)
    maintenance.forget_windows()
    yield
    maintenance.forget_windows()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Japanese: a request in English activates English for its
    thread, which would otherwise carry over to the next test."""
    translation.activate("ja")
    yield
    translation.activate("ja")


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast hashing, a fixed brand and the default rules, whatever the environment says."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PORTAL_FAKE_NOW = ""
    settings.PORTAL_LOCKOUT_THRESHOLD = 5
    settings.PORTAL_IP_THROTTLE = (50, 15 * 60)
    settings.PORTAL_TRUSTED_PROXIES = 0
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    settings.PORTAL_SESSION_MAX_HOURS = 12
    settings.PORTAL_DEMO = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def staff_client(client, db):
    """A browser signed in to the admin as a superuser, second factor included."""
    return sign_in_staff(client, StaffFactory(is_superuser=True))


@pytest.fixture
def hash_counter(settings):
    """Count hash computations; `hash_counter()` returns the count since the fixture started."""
    from tests.hashers import CountingMD5PasswordHasher

    settings.PASSWORD_HASHERS = ["tests.hashers.CountingMD5PasswordHasher"]
    start = CountingMD5PasswordHasher.calls
    return lambda: CountingMD5PasswordHasher.calls - start


@pytest.fixture
def mailbox(settings):
    """Send through the portal's backend (demo copy on) with delivery to Django's outbox."""
    settings.EMAIL_BACKEND = "portal.mail.MailboxBackend"
    settings.PORTAL_MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_DEMO = True


@pytest.fixture
def mail_server_down(mailbox, settings):
    """Delivery fails as with an SMTP server that refuses connections (demo copy still on)."""
    settings.PORTAL_MAIL_DELIVERY_BACKEND = "tests.mail_backends.RefusingEmailBackend"


@pytest.fixture
def persona_members(db):
    """Reset the demo personas; return their members by persona key."""
    reset_demo_personas()
    return {
        key: Member.objects.get(member_number=persona.member_number)
        for key, persona in PERSONAS_BY_KEY.items()
    }
