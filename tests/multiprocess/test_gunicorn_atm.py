"""The smartphone ATM across app processes (SPEC §8, §12): two gunicorn servers with two
workers each, as behind a load balancer.

- One ATM code typed by several members at the same moment goes to exactly one of them.
- One member's confirmations of one ATM session — the same confirmation posted many
  times, and a second confirmation of the same code — book one withdrawal and one fee.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from django.urls import reverse

from devserver import Response, Server
from history.models import AtmSession, AtmState, Kind, LedgerEntry
from tests.factories import MemberFactory
from tests.multiprocess.logins import logged_in
from tests.multiprocess.middleware import assert_served_by_several_processes

ATM_URL = reverse("history:atm")
ATM_CONFIRM_URL = reverse("history:atm-confirm")
PARALLEL = 12
CLAIMANTS = 6


def _start_atm_session(server: Server) -> str:
    """Press the ATM's start button; return the code its screen shows."""
    atm = server.browser()
    start = reverse("atm:start")
    answer = atm.submit(start, start, {})
    assert answer.status == 302, answer.text
    (code,) = re.findall(r'data-atm-code="(\d{6})"', atm.get(answer.headers["Location"]).text)
    return code


def _race(calls) -> list[Response]:
    barrier = threading.Barrier(len(calls))

    def one(call):
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def test_parallel_claims_of_one_code_give_it_to_one_member(start_servers, argon2_pins):
    members = [MemberFactory() for _ in range(CLAIMANTS)]
    servers = start_servers()
    browsers = [logged_in(servers[i % 2], member) for i, member in enumerate(members)]
    code = _start_atm_session(servers[0])
    form = {"code": code, "operation": "withdraw", "amount": "10000"}
    csrf = [browser.get(ATM_URL).csrf_token for browser in browsers]

    answers = _race(
        [
            lambda b=browser, t=token: b.post(ATM_URL, {**form, "csrfmiddlewaretoken": t})
            for browser, token in zip(browsers, csrf, strict=True)
        ]
    )

    winners = [i for i, answer in enumerate(answers) if 'name="nonce"' in answer.text]
    assert len(winners) == 1, [answer.error_code for answer in answers]
    assert sorted(answer.error_code for answer in answers if 'name="nonce"' not in answer.text) == (
        ["atm_code_used"] * (CLAIMANTS - 1)
    )
    session = AtmSession.objects.get(code=code)
    assert (session.state, session.member) == (AtmState.CLAIMED, members[winners[0]])
    assert_served_by_several_processes(servers, answers)


def test_parallel_confirmations_of_one_atm_session_book_one_withdrawal(start_servers, argon2_pins):
    member = MemberFactory()
    servers = start_servers()
    browser = logged_in(servers[0], member)
    code = _start_atm_session(servers[1])
    form = {"code": code, "operation": "withdraw", "amount": "10000"}
    # Two confirmation pages of one code (the second claims it again, for the same member).
    nonces = [
        re.findall(r'name="nonce" value="([^"]+)"', browser.submit(ATM_URL, ATM_URL, form).text)[0]
        for _ in range(2)
    ]
    csrf = browser.get(ATM_URL).csrf_token

    def confirm(index: int):
        clone = servers[index % len(servers)].browser()
        clone.cookies = dict(browser.cookies)  # the same session, from another connection
        nonce = nonces[(index // 2) % 2]  # each confirmation on both servers
        return lambda: clone.post(ATM_CONFIRM_URL, {"nonce": nonce, "csrfmiddlewaretoken": csrf})

    answers = _race([confirm(index) for index in range(PARALLEL)])

    (entry,) = LedgerEntry.objects.filter(member=member, kind=Kind.BORROWING)
    (fee,) = LedgerEntry.objects.filter(member=member, kind=Kind.ATM_FEE)
    assert (entry.amount, fee.amount, fee.principal_after) == (10_000, 110, 10_000)
    done = reverse("history:atm-done", args=[entry.pk])
    outcomes = {
        (answer.status, answer.headers.get("Location") or answer.error_code) for answer in answers
    }
    # The other confirmation is refused (the code is used), then forgotten: posted again,
    # it leads back to the form.
    assert outcomes <= {(302, done), (200, "atm_code_used"), (302, ATM_URL)}, outcomes
    assert (302, done) in outcomes
    session = AtmSession.objects.get(code=code)
    assert (session.state, session.entry, session.fee_entry) == (AtmState.DONE, entry, fee)
    assert_served_by_several_processes(servers, answers)
