"""Money moves exactly once across app processes (SPEC §12 "Exactly once").

One member confirms a borrowing or a repayment once, and the confirmation is then posted
many times at the same moment — the same session, the same token — to two gunicorn
servers with two workers each, as a double-clicking browser behind a load balancer or a
retrying client would. Exactly one entry is booked, and every answer shows it.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from devserver import Browser, Response, Server
from history import services
from history.models import Confirmation, Kind, LedgerEntry
from tests.factories import MemberFactory, TransferAccountFactory
from tests.multiprocess.logins import logged_in
from tests.multiprocess.middleware import assert_served_by_several_processes

PARALLEL = 12


def _confirmation_token(browser: Browser, operation: str, amount: int) -> str:
    page = reverse(f"history:{operation}")
    answer = browser.submit(page, page, {"amount": str(amount)})
    tokens = re.findall(r'name="nonce" value="([^"]+)"', answer.text)
    assert len(tokens) == 1, (
        f"no confirmation ({answer.status}, {answer.error_code}):\n{answer.text}"
    )
    return tokens[0]


def _fire(servers: list[Server], browser: Browser, operation: str) -> list[Response]:
    """Post the one confirmation PARALLEL times at once, spread over the servers."""
    token = _confirmation_token(browser, operation, 10_000)
    csrf = browser.get(reverse(f"history:{operation}")).csrf_token
    form = {"nonce": token, "csrfmiddlewaretoken": csrf}
    barrier = threading.Barrier(PARALLEL)

    def one(index: int) -> Response:
        clone = servers[index % len(servers)].browser()
        clone.cookies = dict(browser.cookies)  # the same session, from another connection
        barrier.wait(timeout=60)
        return clone.post(reverse(f"history:{operation}-confirm"), form)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(one, range(PARALLEL)))


@pytest.mark.parametrize(
    ("operation", "kind"), [("borrow", Kind.BORROWING), ("repay", Kind.REPAYMENT)]
)
def test_parallel_confirmations_on_two_servers_book_one_entry(
    start_servers, argon2_pins, operation, kind
):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    if operation == "repay":
        services.borrow(member=member, amount=50_000)
    servers = start_servers()
    browser = logged_in(servers[0], member)

    answers = _fire(servers, browser, operation)

    (entry,) = LedgerEntry.objects.filter(member=member, kind=kind)
    done = reverse(f"history:{operation}-done", args=[entry.pk])
    assert [(answer.status, answer.headers["Location"]) for answer in answers] == [
        (302, done)
    ] * PARALLEL
    assert entry.amount == 10_000
    assert Confirmation.objects.get(member=member).result_id == entry.pk
    assert_served_by_several_processes(servers, answers)
