"""`make serve` with production settings on the test database and Redis: the deploy check
passes, migrate and collectstatic run, gunicorn answers `/healthz` and pages (WhiteNoise's
static files included), and each request is one JSON line in its log."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from devserver import database_url
from tests.ops.test_health import closed_port
from tests.portal.test_deploy import NOT_INHERITED, PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="needs make"),
    pytest.mark.skipif(
        not os.environ.get("CACHE_URL", "").startswith("redis://"),
        reason="make serve needs Redis (CACHE_URL), as in CI's PostgreSQL pass",
    ),
]


def _get(port: int, path: str, headers: dict) -> tuple[int, dict, str]:
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection_.request("GET", path, headers=headers)
        response = connection_.getresponse()
        return response.status, dict(response.headers), response.read().decode()
    finally:
        connection_.close()


def test_make_serve_starts_a_production_like_server(transactional_db):
    port = closed_port()
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(PRODUCTION_ENV)
    env.update(
        {
            "DATABASE_URL": database_url(connection.settings_dict),
            "BEHIND_TLS_PROXY": "1",
            "PORTAL_LOCKOUT_KEY": "x9!another-production-like-key-for-the-counters-0123456789",
        }
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-o",
                ".venv/.requirements",
                "serve",
                f"BIN={Path(sys.executable).parent}",
                f"PORT={port}",
                "WORKERS=2",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while True:
                assert process.poll() is None, _output(log)
                try:
                    status, headers, body = _get(port, "/healthz", {})
                    break
                except OSError:
                    assert time.monotonic() < deadline, _output(log)
                    time.sleep(0.2)
            # Asked by address over plain HTTP, as a load balancer does.
            assert (status, json.loads(body)) == (200, {"status": "ok"})

            proxied = {"Host": "portal.example", "X-Forwarded-Proto": "https"}
            status, headers, body = _get(
                port, "/login/", {**proxied, "X-Request-ID": "lb-req-0001"}
            )
            assert status == 200 and headers["X-Request-ID"] == "lb-req-0001"
            stylesheet = next(
                part.split('"')[0]
                for part in body.split('href="')[1:]
                if part.split('"')[0].endswith(".css")
            )
            assert _get(port, stylesheet, proxied)[0] == 200  # WhiteNoise, hashed names
            # Without the proxy's header: the HTTPS redirect of production.
            assert _get(port, "/login/", {"Host": "portal.example"})[0] == 301
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        output = _output(log)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    logins = [line for line in lines if line.get("path") == "/login/"]
    assert {line["request_id"] for line in logins} >= {"lb-req-0001"}
    assert all(line["status"] in {200, 301} for line in logins)


def _output(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")
