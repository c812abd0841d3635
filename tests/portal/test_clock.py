import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from portal import clock

TOKYO = ZoneInfo("Asia/Tokyo")
# Where the tests pretend the process started (real time, as time-machine shows it).
PROCESS_START = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def process_started(monkeypatch, time_machine):
    """Pretend the process started at PROCESS_START, which is also the current real time."""
    monkeypatch.setattr(clock, "_PROCESS_STARTED_AT", PROCESS_START)
    # The offset is cached per setting value and was computed from the real start time.
    clock._offset.cache_clear()
    time_machine.move_to(PROCESS_START, tick=False)
    yield
    clock._offset.cache_clear()


def test_now_follows_the_real_clock_without_fake_now(time_machine):
    moment = dt.datetime(2027, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    time_machine.move_to(moment, tick=False)

    assert clock.now() == moment
    assert timezone.is_aware(clock.now())


def test_fake_now_starts_the_clock_at_the_given_instant(settings, process_started):
    settings.PORTAL_FAKE_NOW = "2026-12-07T03:00:00+09:00"

    assert clock.now() == dt.datetime(2026, 12, 7, 3, 0, tzinfo=TOKYO)


def test_fake_now_runs_forward_with_real_time(settings, process_started, time_machine):
    settings.PORTAL_FAKE_NOW = "2026-12-07T03:00:00+09:00"
    start = clock.now()

    time_machine.move_to(PROCESS_START + dt.timedelta(hours=4, seconds=30), tick=False)

    assert clock.now() - start == dt.timedelta(hours=4, seconds=30)
    assert clock.localnow() == dt.datetime(2026, 12, 7, 7, 0, 30, tzinfo=TOKYO)


def test_fake_now_keeps_its_offset_when_real_time_jumps_days(
    settings, process_started, time_machine
):
    settings.PORTAL_FAKE_NOW = "2026-12-31T23:59:00+09:00"

    time_machine.move_to(PROCESS_START + dt.timedelta(days=1, minutes=1), tick=False)

    assert clock.localnow() == dt.datetime(2027, 1, 2, 0, 0, tzinfo=TOKYO)
    assert clock.today() == dt.date(2027, 1, 2)


def test_fake_now_in_another_offset_means_the_same_instant(settings, process_started):
    settings.PORTAL_FAKE_NOW = "2026-12-06T18:00:00+00:00"

    assert clock.localnow() == dt.datetime(2026, 12, 7, 3, 0, tzinfo=TOKYO)


def test_naive_fake_now_is_tokyo_wall_clock_time(settings, process_started):
    settings.PORTAL_FAKE_NOW = "2026-12-07T03:00:00"

    assert clock.now() == dt.datetime(2026, 12, 7, 3, 0, tzinfo=TOKYO)


def test_naive_fake_now_is_tokyo_even_under_another_active_time_zone(settings, process_started):
    settings.PORTAL_FAKE_NOW = "2026-12-07T03:00:00"

    with timezone.override(ZoneInfo("UTC")):
        now = clock.now()

    assert now == dt.datetime(2026, 12, 7, 3, 0, tzinfo=TOKYO)


def test_empty_fake_now_means_real_time(settings, process_started):
    settings.PORTAL_FAKE_NOW = ""

    assert clock.now() == PROCESS_START


@pytest.mark.parametrize("value", ["not-a-date", "2026-13-01T00:00", "07.12.2026 03:00"])
def test_invalid_fake_now_is_a_configuration_error(settings, value):
    settings.PORTAL_FAKE_NOW = value

    with pytest.raises(ImproperlyConfigured, match="PORTAL_FAKE_NOW"):
        clock.now()


@pytest.mark.parametrize(
    ("utc_moment", "tokyo_date"),
    [
        (dt.datetime(2026, 12, 6, 14, 59, 59, tzinfo=dt.UTC), dt.date(2026, 12, 6)),
        (dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC), dt.date(2026, 12, 7)),
        (dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC), dt.date(2026, 12, 7)),
        (dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC), dt.date(2027, 1, 1)),
    ],
)
def test_today_is_the_date_in_tokyo(time_machine, utc_moment, tokyo_date):
    time_machine.move_to(utc_moment, tick=False)

    assert clock.today() == tokyo_date


def test_localnow_is_in_tokyo(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC), tick=False)

    local = clock.localnow()

    assert local.utcoffset() == dt.timedelta(hours=9)
    assert (local.date(), local.time()) == (dt.date(2026, 12, 7), dt.time(0, 30))


def test_fake_now_since_anchors_the_clock_whenever_the_process_started(
    settings, process_started, time_machine
):
    """Workers started seconds apart (several gunicorn instances, a restarted worker) share
    one clock when given the real instant it read PORTAL_FAKE_NOW."""
    settings.PORTAL_FAKE_NOW = "2026-12-09T12:00:00+09:00"
    settings.PORTAL_FAKE_NOW_SINCE = (PROCESS_START - dt.timedelta(seconds=7)).isoformat()

    assert clock.localnow() == dt.datetime(2026, 12, 9, 12, 0, 7, tzinfo=TOKYO)
    time_machine.move_to(PROCESS_START + dt.timedelta(minutes=1), tick=False)
    assert clock.localnow() == dt.datetime(2026, 12, 9, 12, 1, 7, tzinfo=TOKYO)


def test_fake_now_since_alone_changes_nothing(settings, process_started):
    settings.PORTAL_FAKE_NOW = ""
    settings.PORTAL_FAKE_NOW_SINCE = "2020-01-01T00:00:00+00:00"

    assert clock.now() == PROCESS_START


def test_invalid_fake_now_since_is_a_configuration_error(settings):
    settings.PORTAL_FAKE_NOW = "2026-12-09T12:00:00+09:00"
    settings.PORTAL_FAKE_NOW_SINCE = "yesterday"

    with pytest.raises(ImproperlyConfigured, match="PORTAL_FAKE_NOW_SINCE"):
        clock.now()
