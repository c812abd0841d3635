"""Failure drills on gunicorn servers (README, "Production deployment"): the database or
the cache behind a TCP proxy (tests/tcp_proxy.py) that the test cuts and restores — never
the machine's own PostgreSQL or Redis, which other work shares.

- PostgreSQL restarting under load: every answer meanwhile is a 503 page with its code
  (never a 500 or a cut connection), `/healthz` names the database, and once the database
  is back every answer is normal again, without restarting the servers.
- Redis down: members still log in on either server, use their pages, are locked out
  after wrong PINs and log out, with sessions in the database or in `cached_db`;
  `/healthz` names the cache; all is normal once Redis is back.
"""

import json
import os
import threading
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from devserver import Browser, Response, Server, database_url
from tests.factories import DEFAULT_PIN, MemberFactory
from tests.multiprocess.logins import logged_in
from tests.tcp_proxy import LOOPBACK, TcpProxy

LOAD_THREADS = 4
ENOUGH = 8  # answers of each kind the load must have seen before the drill moves on
WAIT = 60  # seconds at most for the load to see them (it sees them in well under one)


class Load:
    """Members browsing their page over and over, on threads, until stopped; every answer
    (or connection failure) is recorded with the phase it came back in."""

    def __init__(self, browsers: list[Browser], path: str) -> None:
        self.browsers, self.path = browsers, path
        self.phase = "before"
        self.answers: list[tuple[str, int, str | None]] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(browser,), daemon=True) for browser in browsers
        ]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=WAIT)

    def _run(self, browser: Browser) -> None:
        while not self._stop.is_set():
            phase = self.phase
            try:
                answer = browser.get(self.path)
                record = (phase, answer.status, answer.error_code)
            except OSError as exc:
                record = (phase, 0, type(exc).__name__)
            with self._changed:
                self.answers.append(record)
                self._changed.notify_all()

    def wait_for(self, phase: str, status: int) -> None:
        """Wait until the load has seen ENOUGH answers of `status` in `phase`."""

        def seen() -> bool:
            return sum(1 for p, s, _ in self.answers if (p, s) == (phase, status)) >= ENOUGH

        with self._changed:
            assert self._changed.wait_for(seen, timeout=WAIT), Counter(self.answers)

    def start(self, phase: str) -> None:
        self.phase = phase


def health(server: Server) -> tuple[int, dict]:
    answer = server.browser().get("/healthz")
    return answer.status, json.loads(answer.text)


def test_postgresql_restarting_under_load_fails_cleanly_and_recovers(start_servers, argon2_pins):
    member = MemberFactory()
    database = connection.settings_dict
    with TcpProxy(database["HOST"] or LOOPBACK, int(database["PORT"] or 5432)) as proxy:
        through_proxy = {**database, "HOST": LOOPBACK, "PORT": proxy.port}
        servers = start_servers(
            # Persistent connections, so each worker holds one that the restart breaks.
            extra_env={"DATABASE_URL": database_url(through_proxy), "CONN_MAX_AGE": "60"}
        )
        browsers = [logged_in(servers[i % 2], member) for i in range(LOAD_THREADS)]
        mypage = reverse("members:mypage")

        with Load(browsers, mypage) as load:
            load.wait_for("before", 200)
            load.start("down")
            proxy.drop()
            load.wait_for("down", 503)
            assert health(servers[0]) == (503, {"status": "unavailable", "failed": ["database"]})
            proxy.resume()
            load.start("back")
            load.wait_for("back", 200)

        answers = Counter(load.answers)
        # Nothing but normal answers and the coded 503 page (a request is counted in the
        # phase it started in: the cut may answer it either way).
        assert {(status, code) for _, status, code in answers} == {
            (200, None),
            (503, "service_unavailable"),
        }, answers
        # Back: every worker thread answers normally again, the servers never restarted.
        for server in servers:
            assert health(server) == (200, {"status": "ok"})
        fresh = [logged_in(servers[i % 2], member) for i in range(2)]
        for browser in browsers + fresh:
            for _ in range(4):
                assert browser.get(mypage).status == 200


@pytest.fixture
def redis_proxy():
    url = urlsplit(os.environ.get("CACHE_URL", ""))
    if url.scheme != "redis":
        pytest.skip("needs Redis (CACHE_URL=redis://...), as in CI's PostgreSQL pass")
    with TcpProxy(url.hostname, url.port or 6379) as proxy:
        netloc = f"{LOOPBACK}:{proxy.port}"
        proxy.cache_url = urlunsplit(url._replace(netloc=netloc))
        yield proxy


def _continued_on(server: Server, browser: Browser) -> Browser:
    """The same visitor (cookies) sent to the other server, as a load balancer may."""
    other = server.browser()
    other.cookies = dict(browser.cookies)
    return other


def _login(server: Server, card_number: str, pin: str) -> Response:
    return server.browser().submit(
        reverse("members:login"),
        reverse("members:login-card"),
        {"card_number": card_number, "pin": pin},
    )


@pytest.mark.parametrize("sessions", ["db", "cached_db"])
def test_with_redis_down_members_log_in_and_use_pages_on_both_servers(
    start_servers, argon2_pins, redis_proxy, sessions
):
    settings_module = {
        "db": "tests.multiprocess.server_settings",
        "cached_db": "tests.multiprocess.cached_session_settings",
    }[sessions]
    servers = start_servers(
        extra_env={
            "CACHE_URL": redis_proxy.cache_url,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "PORTAL_CACHE_RETRY_SECONDS": "0",  # back at the first call (tested in-process)
        }
    )
    before, during, locked = MemberFactory(), MemberFactory(), MemberFactory()
    early = logged_in(servers[0], before)
    assert health(servers[0]) == (200, {"status": "ok"})

    redis_proxy.drop()
    assert health(servers[0]) == (503, {"status": "unavailable", "failed": ["cache"]})
    # Logged in before: continues, on either server.
    for browser in (early, _continued_on(servers[1], early)):
        for name in ("members:mypage", "members:settings", "history:history"):
            assert browser.get(reverse(name)).status == 200, name
    # Logs in now, on the other server.
    late = logged_in(servers[1], during)
    assert late.get(reverse("members:mypage")).status == 200
    # Wrong PINs lock the card across both servers (the counters are in the database).
    for attempt in range(settings.PORTAL_LOCKOUT_THRESHOLD):
        answer = _login(servers[attempt % 2], locked.card_number, "0000")
        assert answer.status == 200
    answer = _login(servers[1], locked.card_number, DEFAULT_PIN)
    assert (answer.status, answer.error_code) == (200, "locked")
    # Logs out.
    late.submit(reverse("members:mypage"), reverse("members:logout"), {})
    assert late.get(reverse("members:mypage")).status == 302

    redis_proxy.resume()
    for server in servers:
        assert health(server) == (200, {"status": "ok"})
    assert early.get(reverse("members:mypage")).status == 200
    assert _continued_on(servers[0], late).get(reverse("members:mypage")).status == 302
