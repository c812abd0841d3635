"""Several hosts behind one front door (README "Several hosts"): two gunicorn instances on
one PostgreSQL database and one cache (CACHE_URL: Redis in CI), behind a round-robin
proxy (devserver.RoundRobinProxy) that sends each request to the other instance and
appends the client's address to X-Forwarded-For (the instances trust one proxy:
PORTAL_TRUSTED_PROXIES=1). A browser uses the portal through the proxy only, so each
step of one visit lands on another instance, and every answer names the process that
served it (tests/multiprocess/middleware.py):

- the session: logged in on one instance, used on both; logging out on one ends it on both;
- a borrowing confirmed on the other instance than the one that showed the confirmation,
  and the smartphone ATM claimed on one, confirmed on the other;
- exactly once: one confirmation posted many times at once through the proxy, spread
  over both instances, books one entry;
- lockout and the per-address throttle count the failures of every instance, and each
  client behind the proxy is throttled by its own address (X-Forwarded-For), not the
  proxy's;
- a tester's sandbox made on one instance is used on the other: its clock and mailbox.

The races per instance are tests/multiprocess/test_gunicorn_*.py; cron on several hosts
is test_send_reminders_processes.py and test_point_job_processes.py.
"""

import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests
from django.urls import reverse

from devserver import Response, RoundRobinProxy, Server, round_robin_proxy
from history import services
from history.models import AtmSession, AtmState, Kind, LedgerEntry
from members import limits, lockout
from members.models import LoginMethod
from tests.browser.conftest import seed_default_maintenance_windows
from tests.counters import counter_failures
from tests.factories import DEFAULT_PIN, MemberFactory, TransferAccountFactory
from tests.multiprocess.middleware import SERVED_BY_HEADER, assert_served_by_several_processes
from tests.multiprocess.test_gunicorn_atm import ATM_CONFIRM_URL, ATM_URL
from tests.multiprocess.test_gunicorn_confirmations import PARALLEL, _fire
from tests.multiprocess.test_gunicorn_sandboxes import MONDAY_NIGHT

LOGIN = reverse("members:login")
LOGIN_CARD = reverse("members:login-card")
MYPAGE = reverse("members:mypage")
THRESHOLD = 5
IP_THROTTLE = 6
WRONG_PIN = "9999"
# Clients behind the proxy, each from an address of its own (all of 127.0.0.0/8 is loopback).
GUESSER, OWNER, THROTTLED_CLIENT, OTHER_CLIENT = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"


@pytest.fixture
def front_door(start_servers) -> Iterator:
    """Return `open(**start_servers's options)`: two instances trusting one proxy, and it.

    The proxy stops before the servers (start_servers's teardown comes after this one's).
    """
    with ExitStack() as stack:

        def open_front_door(**options) -> tuple[list[Server], RoundRobinProxy]:
            servers = start_servers(trusted_proxies=1, **options)
            return servers, stack.enter_context(round_robin_proxy(servers))

        yield open_front_door


def _instance(servers: list[Server], answer) -> int:
    """Return which instance's worker answered."""
    pid = int(answer.headers[SERVED_BY_HEADER])
    (index,) = [i for i, server in enumerate(servers) if pid in server.worker_pids()]
    return index


def _login(proxy: RoundRobinProxy, member, **browser):
    visitor = proxy.browser(**browser)
    answer = visitor.submit(
        LOGIN, LOGIN_CARD, {"card_number": member.card_number, "pin": DEFAULT_PIN}
    )
    assert (answer.status, answer.headers["Location"]) == (302, MYPAGE), answer.text
    return visitor


def _nonce(answer: Response) -> str:
    (nonce,) = re.findall(r'name="nonce" value="([^"]+)"', answer.text)
    return nonce


def test_one_visit_through_the_balancer_lands_on_both_instances(front_door, argon2_pins):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    servers, proxy = front_door()

    visitor = _login(proxy, member)
    pages = [
        MYPAGE,
        reverse("history:history"),
        reverse("points:points"),
        reverse("history:interest"),
    ] * 2
    answers = [visitor.get(page) for page in pages]

    assert [answer.status for answer in answers] == [200] * len(pages)
    assert {_instance(servers, answer) for answer in answers} == {0, 1}
    assert proxy.served[0] >= 4 and proxy.served[1] >= 4

    # A borrowing: the confirmation shown by one instance, confirmed on the other.
    page = reverse("history:borrow")
    shown = visitor.submit(page, page, {"amount": "20000"})
    confirmed = visitor.post(
        reverse("history:borrow-confirm"),
        {"nonce": _nonce(shown), "csrfmiddlewaretoken": shown.csrf_token},
    )
    (entry,) = LedgerEntry.objects.filter(member=member, kind=Kind.BORROWING)
    assert confirmed.headers["Location"] == reverse("history:borrow-done", args=[entry.pk])
    assert _instance(servers, shown) != _instance(servers, confirmed)
    assert entry.amount == 20_000

    # The smartphone ATM: the code shown on an ATM screen, claimed through one instance,
    # confirmed through the other.
    atm = proxy.browser()
    start = reverse("atm:start")
    started = atm.submit(start, start, {})
    (code,) = re.findall(r'data-atm-code="(\d{6})"', atm.get(started.headers["Location"]).text)
    claimed = visitor.submit(
        ATM_URL, ATM_URL, {"code": code, "operation": "withdraw", "amount": "10000"}
    )
    assert AtmSession.objects.get(code=code).state == AtmState.CLAIMED
    withdrawn = visitor.post(
        ATM_CONFIRM_URL, {"nonce": _nonce(claimed), "csrfmiddlewaretoken": claimed.csrf_token}
    )
    assert withdrawn.status == 302, withdrawn.text
    assert _instance(servers, claimed) != _instance(servers, withdrawn)
    session = AtmSession.objects.get(code=code)
    assert (session.state, session.entry.amount, session.fee_entry.amount) == (
        AtmState.DONE,
        10_000,
        110,
    )

    # Logging out through one instance ends the session on both.
    copy = dict(visitor.cookies)
    logout = reverse("members:logout")
    assert visitor.submit(MYPAGE, logout, {}).status == 302
    for server in servers:
        stale = server.browser()
        stale.cookies = dict(copy)
        answer = stale.get(MYPAGE)
        assert answer.status == 302 and answer.headers["Location"].startswith(LOGIN), answer.status


@pytest.mark.parametrize(
    ("operation", "kind"), [("borrow", Kind.BORROWING), ("repay", Kind.REPAYMENT)]
)
def test_one_confirmation_posted_at_once_through_the_balancer_books_one_entry(
    front_door, argon2_pins, operation, kind
):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    if operation == "repay":
        services.borrow(member=member, amount=50_000)
    servers, proxy = front_door()
    visitor = _login(proxy, member)

    # tests/multiprocess/test_gunicorn_confirmations.py's race, every copy through the proxy.
    answers = _fire([proxy], visitor, operation)

    (entry,) = LedgerEntry.objects.filter(member=member, kind=kind)
    done = reverse(f"history:{operation}-done", args=[entry.pk])
    assert [(a.status, a.headers["Location"]) for a in answers] == [(302, done)] * PARALLEL
    assert_served_by_several_processes(servers, answers)


def _attempts(proxy: RoundRobinProxy, client: str, forms: list[dict[str, str]]) -> list[Response]:
    """Post card logins one after the other from one browser at `client`'s address: the
    login page once, then each form, so the posts alternate between the instances."""
    visitor = proxy.browser(source_address=client)
    token = visitor.get(LOGIN).csrf_token
    return [visitor.post(LOGIN_CARD, {**form, "csrfmiddlewaretoken": token}) for form in forms]


def test_lockout_and_throttle_count_the_failures_of_both_instances(front_door, argon2_pins):
    card_number = MemberFactory().card_number
    servers, proxy = front_door(lockout_threshold=THRESHOLD, ip_throttle=f"{IP_THROTTLE}/15m")

    # One card: wrong PINs through the proxy, alternating between the instances; neither
    # instance alone saw `THRESHOLD` failures, yet the card locks at the threshold, and
    # then the right PIN (from the owner's own address) is refused by both.
    guesses = _attempts(
        proxy, GUESSER, [{"card_number": card_number, "pin": WRONG_PIN}] * THRESHOLD
    )
    owner = _attempts(proxy, OWNER, [{"card_number": card_number, "pin": DEFAULT_PIN}] * 2)

    assert [a.error_code for a in guesses] == ["invalid_credentials"] * (THRESHOLD - 1) + ["locked"]
    assert {_instance(servers, a) for a in guesses} == {0, 1}
    assert [(a.status, a.error_code) for a in owner] == [(200, "locked")] * 2
    assert {_instance(servers, a) for a in owner} == {0, 1}
    key = lockout.credential_key(method=LoginMethod.CARD, identifier=card_number)
    assert counter_failures(key) == THRESHOLD

    # One client address: failures with unknown cards, spread over the instances, are
    # throttled at the limit; another client behind the same proxy is not.
    unknown = [{"card_number": f"{5_000_000_000 + n}", "pin": WRONG_PIN} for n in range(10)]
    throttled = _attempts(proxy, THROTTLED_CLIENT, unknown[: IP_THROTTLE + 2])
    other = _attempts(proxy, OTHER_CLIENT, unknown[-1:])

    assert [(a.status, a.error_code) for a in throttled] == [(200, "invalid_credentials")] * (
        IP_THROTTLE
    ) + [(429, "throttled")] * 2
    assert {_instance(servers, a) for a in throttled[:IP_THROTTLE]} == {0, 1}
    assert [(a.status, a.error_code) for a in other] == [(200, "invalid_credentials")]
    assert counter_failures(limits.address_key(THROTTLED_CLIENT)) == IP_THROTTLE
    assert counter_failures(limits.address_key(OTHER_CLIENT)) == 1
    # The proxy's own address counted nothing: the instances read X-Forwarded-For.
    assert counter_failures(limits.address_key("127.0.0.1")) == 0


def test_a_sandbox_made_on_one_instance_is_used_on_the_other(front_door):
    seed_default_maintenance_windows()  # flushed by the transactional test case
    servers, proxy = front_door(demo=True)

    def call(method: str, url: str, **kwargs) -> requests.Response:
        answer = requests.request(method, url, timeout=60, **kwargs)
        answer.raise_for_status()
        return answer

    made = call("POST", proxy.url + reverse("demo:sandbox-create"))
    sandbox = made.json()
    # Its clock set through the other instance (its own: the portal's is untouched).
    clock_set = call("POST", sandbox["urls"]["clock"], json={"now": MONDAY_NIGHT})
    assert _instance(servers, made) != _instance(servers, clock_set)
    me = next(p for p in sandbox["personas"] if p["key"] == "new_device")
    visitor = proxy.browser()
    answer = visitor.submit(LOGIN, LOGIN_CARD, {"card_number": me["card_number"], "pin": me["pin"]})
    assert answer.status == 302, answer.text

    # Both instances put the member into the sandbox's Monday-night maintenance window.
    pages = [visitor.get(MYPAGE) for _ in range(2)]
    assert [page.status for page in pages] == [503, 503]
    assert all("data-maintenance-until" in page.text for page in pages)
    assert {_instance(servers, page) for page in pages} == {0, 1}
    # Both read the same clock and the same mailbox: the new-device alert, once.
    clocks = [call("GET", sandbox["urls"]["clock"]) for _ in range(2)]
    mailboxes = [call("GET", sandbox["urls"]["mailbox_json"]) for _ in range(2)]
    assert {_instance(servers, a) for a in clocks} == {_instance(servers, a) for a in mailboxes}
    assert {_instance(servers, a) for a in clocks} == {0, 1}
    # (running on from 03:00: the hour leaves room for a slow machine)
    assert all(a.json()["now"].startswith("2026-12-14T03:") for a in clocks)
    assert [[m["to"] for m in a.json()["messages"]] for a in mailboxes] == [[[me["email"]]]] * 2
    # Set to a weekday noon through one instance: both serve the page again (to a new
    # login: days passed on the sandbox's clock, so the session timed out).
    call("POST", sandbox["urls"]["clock"], json={"now": "2026-12-16T12:00:00+09:00"})
    visitor = proxy.browser()
    answer = visitor.submit(LOGIN, LOGIN_CARD, {"card_number": me["card_number"], "pin": me["pin"]})
    assert answer.status == 302, answer.text
    pages = [visitor.get(MYPAGE) for _ in range(2)]
    assert [page.status for page in pages] == [200, 200]
    assert {_instance(servers, page) for page in pages} == {0, 1}
