"""Lockout and throttle stay exact across app processes (SPEC §4 "Exact under concurrency").

tests/members/test_lockout_concurrency.py races the threads of one process; here two
gunicorn servers with two workers of two threads each share the test database, as app
servers behind a load balancer share PostgreSQL. The servers count their hash
computations per process and name the process behind every answer (server_settings), so
"verified at most `threshold` times" is measured, not inferred, and so is the race
running on more than one process.
"""

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from devserver import Response, Server
from members import limits, lockout
from members.models import LoginAttempt, LoginMethod, LoginResult
from portal.models import MaintenanceScope, MaintenanceWindow, Recurrence
from tests.counters import counter_failures
from tests.factories import DEFAULT_PIN, MemberFactory
from tests.multiprocess.hashers import hashes_by_process
from tests.multiprocess.middleware import assert_served_by_several_processes

IP_THROTTLE = 6
PARALLEL = 24
THRESHOLD = 5
WRONG_PIN = "9999"


def _fire(servers: list[Server], forms: list[dict[str, str]]) -> list[Response]:
    """Post every card login at the same moment, one browser each, spread over the servers.

    Each browser first opens the login page for its CSRF cookie and token.
    """
    barrier = threading.Barrier(len(forms))

    def one(index: int, form: dict[str, str]) -> Response:
        browser = servers[index % len(servers)].browser()
        token = browser.get(reverse("members:login")).csrf_token
        barrier.wait(timeout=60)
        return browser.post(reverse("members:login-card"), {**form, "csrfmiddlewaretoken": token})

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(one, range(len(forms)), forms))


def _assert_hashed_by_workers(servers: list[Server], hashes: dict[int, int]) -> None:
    workers = {pid for server in servers for pid in server.worker_pids()}
    assert set(hashes) <= workers, "a hash computed outside the servers' workers"


@pytest.mark.parametrize("known", [True, False], ids=["known-card", "unknown-card"])
def test_parallel_wrong_pins_on_two_servers_lock_exactly(
    start_servers, argon2_pins, hash_count_dir, known
):
    card_number = MemberFactory().card_number if known else "7" * 16
    servers = start_servers(lockout_threshold=THRESHOLD, ip_throttle="1000/15m")

    answers = _fire(servers, [{"card_number": card_number, "pin": WRONG_PIN}] * PARALLEL)

    assert [answer.status for answer in answers] == [200] * PARALLEL
    assert Counter(answer.error_code for answer in answers) == {
        "invalid_credentials": THRESHOLD - 1,
        "locked": PARALLEL - THRESHOLD + 1,
    }
    key = lockout.credential_key(method=LoginMethod.CARD, identifier=card_number)
    assert counter_failures(key) == THRESHOLD
    # Each attempt that got one of the `threshold` places costs one hash (a dummy one for
    # an unknown card); the locked ones none.
    hashes = hashes_by_process(hash_count_dir)
    assert sum(hashes.values()) == THRESHOLD
    _assert_hashed_by_workers(servers, hashes)
    assert_served_by_several_processes(servers, answers)
    # Every attempt recorded, none lost.
    assert Counter(LoginAttempt.objects.values_list("result", flat=True)) == {
        LoginResult.INVALID_CREDENTIALS: THRESHOLD - 1,
        LoginResult.LOCKED: PARALLEL - THRESHOLD + 1,
    }


def test_locked_card_refuses_the_right_pin_on_every_server(
    start_servers, argon2_pins, hash_count_dir
):
    card_number = MemberFactory().card_number
    lockout.lock_credential(method=LoginMethod.CARD, identifier=card_number)
    servers = start_servers(lockout_threshold=THRESHOLD, ip_throttle="1000/15m")

    answers = [
        server.browser().submit(
            reverse("members:login"),
            reverse("members:login-card"),
            {"card_number": card_number, "pin": DEFAULT_PIN},
        )
        for server in servers
    ]

    assert [(answer.status, answer.error_code) for answer in answers] == [(200, "locked")] * 2
    assert hashes_by_process(hash_count_dir) == {}


def test_parallel_failures_from_one_address_on_two_servers_throttle_exactly(
    start_servers, hash_count_dir
):
    servers = start_servers(lockout_threshold=THRESHOLD, ip_throttle=f"{IP_THROTTLE}/15m")
    cards = [f"{5_000_000_000 + n}" for n in range(PARALLEL)]  # unknown, one attempt each

    answers = _fire(servers, [{"card_number": card, "pin": WRONG_PIN} for card in cards])

    assert Counter((answer.status, answer.error_code) for answer in answers) == {
        (200, "invalid_credentials"): IP_THROTTLE,
        (429, "throttled"): PARALLEL - IP_THROTTLE,
    }
    assert counter_failures(limits.address_key("127.0.0.1")) == IP_THROTTLE
    # Only the attempts that got a place under the throttle reached a card's counter and
    # its (dummy) hash; the throttled ones cost nothing.
    card_failures = [
        counter_failures(lockout.credential_key(method=LoginMethod.CARD, identifier=card))
        for card in cards
    ]
    assert sorted(card_failures) == [0] * (PARALLEL - IP_THROTTLE) + [1] * IP_THROTTLE
    hashes = hashes_by_process(hash_count_dir)
    assert sum(hashes.values()) == IP_THROTTLE
    _assert_hashed_by_workers(servers, hashes)
    assert_served_by_several_processes(servers, answers)
    assert Counter(LoginAttempt.objects.values_list("result", flat=True)) == {
        LoginResult.INVALID_CREDENTIALS: IP_THROTTLE,
        LoginResult.THROTTLED: PARALLEL - IP_THROTTLE,
    }


def test_a_server_started_with_fake_now_in_a_window_answers_503(start_servers):
    """PORTAL_FAKE_NOW from the environment to the maintenance page, as a demo starts it."""
    # A transactional test starts from empty tables: the migration's windows are gone.
    MaintenanceWindow.objects.create(
        scope=MaintenanceScope.MEMBER_PAGES,
        recurrence=Recurrence.WEEKLY,
        weekday=0,
        start_time=dt.time(0, 0),
        duration_minutes=7 * 60,
    )
    servers = start_servers(
        lockout_threshold=THRESHOLD, ip_throttle="50/15m", fake_now="2026-12-07T03:00:00+09:00"
    )

    for server in servers:
        answer = server.browser().get(reverse("members:login"))
        assert answer.status == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert 'data-maintenance-until="2026-12-07T07:00:00+09:00"' in answer.text
