"""Run the portal under gunicorn on loopback and talk to it like a browser.

Shared by the multi-process tests (tests/multiprocess) and `make bench` (bench/): both
need what production has — separate server processes sharing one database — which
Django's test client cannot give. It imports no Django, so bench/load.py sees the
portal only over HTTP.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
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

    def __init__(self, host: str, port: int, *, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
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
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
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
            env=dict(env),
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
    """Run `count` gunicorn servers, each with its workers, for the length of the block."""
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
