"""The load-balancer stand-in of the several-hosts test and `make loadtest`
(devserver.RoundRobinProxy), against two tiny backends that echo what they received."""

import http.client
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devserver import LOOPBACK, RoundRobinProxy


class Echo(BaseHTTPRequestHandler):
    """Answers with what it got: its name, the method, path, headers and body, and two cookies."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.dumps(
            {
                "backend": self.server.name,
                "method": self.command,
                "path": self.path,
                "forwarded_for": self.headers.get_all("X-Forwarded-For"),
                "cookie": self.headers.get("Cookie"),
                "body": self.rfile.read(length).decode() if length else "",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", f"seen_by={self.server.name}; Path=/")
        self.send_header("Set-Cookie", "second=2; Path=/; HttpOnly")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format, *args):
        pass


@pytest.fixture
def backends():
    servers = []
    for name in ("a", "b"):
        server = ThreadingHTTPServer((LOOPBACK, 0), Echo)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [server.server_address[:2] for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def _proxy(addresses):
    return RoundRobinProxy(addresses).start()


def test_requests_alternate_between_the_backends(backends):
    proxy = _proxy(backends)
    try:
        browser = proxy.browser()
        seen = [json.loads(browser.get(f"/page/{n}?q=1").text) for n in range(4)]
    finally:
        proxy.stop()

    assert [answer["backend"] for answer in seen] == ["a", "b", "a", "b"]
    assert [answer["path"] for answer in seen] == [f"/page/{n}?q=1" for n in range(4)]
    assert proxy.served == [2, 2]


def test_cookies_bodies_and_the_clients_address_pass_through(backends):
    proxy = _proxy(backends)
    try:
        browser = proxy.browser(source_address="127.0.0.9")
        first = browser.get("/")
        second = json.loads(browser.post("/form", {"amount": "1000"}).text)
        connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=10)
        connection.request("GET", "/", headers={"X-Forwarded-For": "203.0.113.7"})
        behind_another = json.loads(connection.getresponse().read())
        connection.close()
    finally:
        proxy.stop()

    # Both Set-Cookie headers of one answer reach the browser, which sends them back.
    assert first.headers.get_all("Set-Cookie") == [
        "seen_by=a; Path=/",
        "second=2; Path=/; HttpOnly",
    ]
    assert second["cookie"] == "seen_by=a; second=2"
    assert (second["method"], second["body"]) == ("POST", "amount=1000")
    # The client's address is appended to what earlier proxies wrote.
    assert second["forwarded_for"] == ["127.0.0.9"]
    assert behind_another["forwarded_for"] == ["203.0.113.7, 127.0.0.1"]


def _closed_port() -> tuple[str, int]:
    """Return a loopback address with nothing listening: the port of a closed socket."""
    with socket.create_server((LOOPBACK, 0)) as listener:
        return listener.getsockname()[:2]


def test_a_backend_that_is_down_answers_502(backends):
    proxy = _proxy([backends[0], _closed_port()])
    try:
        browser = proxy.browser()
        statuses = [browser.get("/").status for _ in range(4)]
    finally:
        proxy.stop()

    assert statuses == [200, 502, 200, 502]
