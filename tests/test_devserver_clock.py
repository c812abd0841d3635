"""devserver.one_clock: every server process a test or `make loadtest` starts reads one
clock, however far apart the processes start (portal.clock, PORTAL_FAKE_NOW_SINCE)."""

import datetime as dt

from time_machine import escape_hatch

from devserver import one_clock

FAKE_NOW = "2026-12-09T12:00:00+09:00"


def test_the_clock_is_anchored_at_the_machines_time_even_under_time_travel(time_machine):
    time_machine.move_to(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), tick=False)
    machine_time = escape_hatch.datetime.datetime.now(dt.UTC)

    env = one_clock({"PORTAL_FAKE_NOW": FAKE_NOW})

    since = dt.datetime.fromisoformat(env["PORTAL_FAKE_NOW_SINCE"])
    assert abs(since - machine_time) < dt.timedelta(minutes=1)
    assert env["PORTAL_FAKE_NOW"] == FAKE_NOW


def test_an_anchor_given_is_kept():
    env = {"PORTAL_FAKE_NOW": FAKE_NOW, "PORTAL_FAKE_NOW_SINCE": "2026-12-05T04:00:00+00:00"}

    assert one_clock(env) == env


def test_without_a_fake_clock_there_is_no_anchor():
    assert "PORTAL_FAKE_NOW_SINCE" not in one_clock({"PORTAL_FAKE_NOW": ""})
    assert "PORTAL_FAKE_NOW_SINCE" not in one_clock({})
