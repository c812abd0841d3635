"""Lockout and throttle stay exact under parallel requests (SPEC §4, "Exact under concurrency").

These tests need a database with real row locking and concurrent connections, so they
run in CI's PostgreSQL pass and skip on SQLite.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from members import lockout
from members.models import LoginMethod
from tests.counters import counter_failures
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.postgres,
    # `make test` runs the races on one pytest-xdist worker (tests/multiprocess/conftest.py).
    pytest.mark.xdist_group("races"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (CI's DATABASE_URL pass)"
    ),
]

PARALLEL = 16


def _fire(posts: list[dict]) -> list[tuple[int, str]]:
    """POST every form to the card login at the same moment; return (status, error code)."""
    barrier = threading.Barrier(len(posts))

    def one(data):
        try:
            client = Client()
            barrier.wait()
            response = client.post(reverse("members:login-card"), data)
            html = response.content.decode()
            code = (
                html.split('data-error-code="', 1)[1].split('"', 1)[0]
                if response.status_code != 302
                else "ok"
            )
            return response.status_code, code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(one, posts))


@pytest.mark.parametrize("known", [True, False], ids=["known-card", "unknown-card"])
def test_parallel_wrong_pins_verify_at_most_threshold_times(hash_counter, settings, known):
    card_number = MemberFactory().card_number if known else "7" * 16
    before = hash_counter()

    answers = _fire([{"card_number": card_number, "pin": "9999"}] * PARALLEL)

    threshold = settings.PORTAL_LOCKOUT_THRESHOLD
    assert hash_counter() - before <= threshold
    codes = Counter(code for _, code in answers)
    assert codes == {"invalid_credentials": threshold - 1, "locked": PARALLEL - threshold + 1}
    assert all(status == 200 for status, _ in answers)
    assert (
        counter_failures(lockout.credential_key(method=LoginMethod.CARD, identifier=card_number))
        == threshold
    )


def test_parallel_failures_from_one_address_throttle_exactly(settings):
    settings.PORTAL_IP_THROTTLE = (6, 15 * 60)
    cards = [f"{5_000_000_000 + n}" for n in range(PARALLEL)]

    answers = _fire([{"card_number": card, "pin": "9999"} for card in cards])

    assert Counter(answers) == {
        (200, "invalid_credentials"): 6,
        (429, "throttled"): PARALLEL - 6,
    }
