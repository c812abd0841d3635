"""Run the portal under gunicorn on loopback and talk to it like a browser.

Shared by the multi-process tests (tests/multiprocess) and `make bench` (bench/): both
need what production has — separate server processes sharing one database — which
Django's test client cannot give. Several servers go behind `RoundRobinProxy`, a
load-balancer stand-in (tests/multiprocess/test_several_hosts.py, `make loadtest`). It
imports no Django, so bench/load.py and loadtest/load.py see the portal only over HTTP.
"""

import http.client
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

BASE_DIR = Path(__file__).resolve().parent
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 60  # seconds for gunicorn to boot and Django to answer
POLL_TIMEOUT = 2  # seconds one readiness probe may take
STOP_TIMEOUT = 15  # gunicorn's graceful timeout (5 s) plus its own shutdown


def database_url(settings_dict: Mapping) -> str:
    """Return the DATABASE_URL (django-environ) of the database `settings_dict` describes."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    address = f"{settings_dict['HOST'] or LOOPBACK}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{credentials}@{address}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class Response:
    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def error_code(self) -> str | None:
        """Return the first `data-error-code` on the page (SPEC §10), None if there is none."""
        match = re.search(r'data-error-code="([^"]*)"', self.text)
        return match[1] if match else None

    @property
    def csrf_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        if match is None:
            raise AssertionError(f"no CSRF token on the page (HTTP {self.status})")
        return match[1]


class Browser:
    """One visitor of one server: keeps its cookies, opens a connection per request.

    Cookies marked `Secure` are sent anyway: plain HTTP on loopback stands in for the
    TLS that a proxy terminates in production, so the servers keep production cookies.
    """

    def __init__(
        self, host: str, port: int, *, timeout: float = 60, source_address: str | None = None
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        # The client's own address (any of 127.0.0.0/8 on loopback): visitors from
        # different addresses behind one proxy.
        self.source_address = (source_address, 0) if source_address else None
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Response:
        return self._request("GET", path)

    def post(self, path: str, form: Mapping[str, str]) -> Response:
        return self._request("POST", path, urlencode(form))

    def submit(self, page: str, action: str, form: Mapping[str, str]) -> Response:
        """Open `page` and post `form` to `action` with the page's CSRF token."""
        token = self.get(page).csrf_token
        return self.post(action, {**form, "csrfmiddlewaretoken": token})

    def _request(self, method: str, path: str, body: str | None = None) -> Response:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout, source_address=self.source_address
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(status=response.status, text=text, headers=response.headers)


@dataclass
class Server:
    """A gunicorn master serving the portal, and its workers."""

    process: subprocess.Popen
    host: str
    port: int
    log: BinaryIO

    def browser(self) -> Browser:
        return Browser(self.host, self.port)

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_until_ready(self, path: str) -> None:
        """Poll `path` until the server answers at all; fail with its log if it cannot."""
        deadline = time.monotonic() + READY_TIMEOUT
        probe = Browser(self.host, self.port, timeout=POLL_TIMEOUT)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.output()}")
            try:
                probe.get(path)
                return
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer:\n{self.output()}") from None
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the master (SIGTERM: graceful) and make sure no worker outlives it."""
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
        # The server runs in a session of its own; whatever is left of it goes now.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _wall_clock() -> datetime:
    # The servers read the machine's clock, even when a test process starting them is
    # time-travelling (time-machine).
    if "time_machine" in sys.modules:
        from time_machine import escape_hatch

        if escape_hatch.is_travelling():
            return escape_hatch.datetime.datetime.now(UTC)
    return datetime.now(UTC)


def one_clock(env: Mapping[str, str]) -> dict[str, str]:
    """Return `env` such that every process started with it keeps one clock: with
    PORTAL_FAKE_NOW, the real instant that clock reads it (portal.clock) is now, whenever
    a worker starts."""
    env = dict(env)
    if env.get("PORTAL_FAKE_NOW") and not env.get("PORTAL_FAKE_NOW_SINCE"):
        env["PORTAL_FAKE_NOW_SINCE"] = _wall_clock().isoformat()
    return env


def start_gunicorn(
    *, env: Mapping[str, str], workers: int, threads: int = 1, log: BinaryIO
) -> Server:
    """Start `gunicorn portal.wsgi` on a free loopback port, logging to `log`.

    It may still be booting: see `Server.wait_until_ready`.
    """
    # Bound here and handed over, so no other process can take the port in between.
    with socket.create_server((LOOPBACK, 0), backlog=128) as listener:
        host, port = listener.getsockname()[:2]
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "portal.wsgi"),
                *("--bind", f"fd://{listener.fileno()}"),
                *("--workers", str(workers), "--threads", str(threads)),
                *("--graceful-timeout", "5", "--timeout", "120"),
            ],
            cwd=BASE_DIR,
            env=one_clock(env),
            pass_fds=[listener.fileno()],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process=process, host=host, port=port, log=log)


@contextmanager
def gunicorn_servers(
    count: int, *, env: Mapping[str, str], workers: int, threads: int = 1, ready_path: str
) -> Iterator[list[Server]]:
    """Run `count` gunicorn servers, each with its workers, for the length of the block;
    they share one clock (`one_clock`), as hosts set by NTP do."""
    env = one_clock(env)
    with ExitStack() as stack:
        servers = []
        for _ in range(count):
            log = stack.enter_context(tempfile.TemporaryFile())
            server = start_gunicorn(env=env, workers=workers, threads=threads, log=log)
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            server.wait_until_ready(ready_path)
        yield servers


# Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own, never passed on.
HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade", "proxy-authenticate", "proxy-authorization")
)  # fmt: skip


class RoundRobinProxy:
    """A load-balancer stand-in: an HTTP reverse proxy on loopback that sends each request
    to the next of its backends in turn, so one browser's requests alternate between them.

    Like a real balancer it appends the address of the client it saw to
    `X-Forwarded-For` (the servers read it with `PORTAL_TRUSTED_PROXIES=1`) and passes
    everything else through: the method, path, headers, body and every `Set-Cookie`. It
    keeps no connection open (one backend connection per request) and no state but the
    turn. `served` counts the requests each backend answered.
    """

    def __init__(self, backends: list[tuple[str, int]], *, timeout: float = 120) -> None:
        self.backends = list(backends)
        self.served = [0] * len(self.backends)
        turns = itertools.cycle(range(len(self.backends)))
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                with lock:
                    turn = next(turns)
                    proxy.served[turn] += 1
                host, port = proxy.backends[turn]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP and name.lower() != "x-forwarded-for"
                }
                forwarded = [*self.headers.get_all("X-Forwarded-For", []), self.client_address[0]]
                headers["X-Forwarded-For"] = ", ".join(forwarded)
                backend = http.client.HTTPConnection(host, port, timeout=timeout)
                try:
                    backend.request(self.command, self.path, body=body, headers=headers)
                    answer = backend.getresponse()
                    content = answer.read()
                except (OSError, http.client.HTTPException):
                    self.send_error(502, "Bad Gateway")
                    return
                finally:
                    backend.close()
                self.send_response_only(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

            def log_message(self, format, *args):
                pass  # the servers log the requests

        class Listener(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self._server = Listener((LOOPBACK, 0), Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def browser(self, *, source_address: str | None = None) -> Browser:
        return Browser(self.host, self.port, source_address=source_address)

    def start(self) -> "RoundRobinProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def round_robin_proxy(servers: list[Server]) -> Iterator[RoundRobinProxy]:
    """Run a `RoundRobinProxy` in front of `servers` for the length of the block."""
    proxy = RoundRobinProxy([(server.host, server.port) for server in servers]).start()
    try:
        yield proxy
    finally:
        proxy.stop()
