"""The load generator of `make bench`, run as a process of its own.

Reads a plan (JSON) on stdin, drives the server with `concurrency` browsers (threads,
one new loopback connection per request) for each page in turn, each after a short burst
of the first page (the bare view), and writes one result per page (JSON) on stdout. It
imports no Django: it sees the portal only over HTTP.

A page with `verify` (the one-browser card login) also times one Argon2 verify of the PIN
after each of its requests, in this process: the unit a card login is compared with,
measured at the same moments under the same load; that page's req/s leaves it out.
"""

import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from devserver import Browser, Response

BASELINE_SECONDS = 1.5  # the bare view's burst before each page


def _send(browser: Browser, page: dict, index: int) -> Response:
    if page["method"] == "GET":
        return browser.get(page["path"])
    # A real form would carry the page's masked token; Django accepts the cookie's secret,
    # which stays right when a login rotates it.
    form = {**page["forms"][index % len(page["forms"])]}
    form["csrfmiddlewaretoken"] = browser.cookies["csrftoken"]
    return browser.post(page["path"], form)


def _prepare(browser: Browser, page: dict, index: int) -> None:
    """Give the browser what it needs before the clock starts: a session, a CSRF cookie."""
    if page.get("logins"):
        login = page["logins"][index % len(page["logins"])]
        response = browser.submit(page["login_page"], page["login_action"], login)
        if response.status != 302:
            raise SystemExit(f"{page['name']}: logging in answered HTTP {response.status}")
    elif page["method"] == "POST":
        browser.get(page["form_page"])


def _verifier(verify: dict | None):
    """Return a function that checks a secret against its Argon2 hash, as the server's
    hasher does (Django's encoding without its "argon2" prefix), and returns the seconds
    it took; None for a page without `verify`."""
    if verify is None:
        return None
    from argon2 import PasswordHasher

    hasher, encoded = PasswordHasher(), verify["encoded"].removeprefix("argon2")

    def timed() -> float:
        started = time.perf_counter()
        hasher.verify(encoded, verify["secret"])
        return time.perf_counter() - started

    return timed


def measure(page: dict, *, host: str, port: int, concurrency: int, warmup: float, seconds: float):
    """Return requests/s, latency percentiles and unexpected answers of one page."""
    browsers = [Browser(host, port) for _ in range(concurrency)]
    for index, browser in enumerate(browsers):
        _prepare(browser, page, index)
    barrier = threading.Barrier(concurrency)

    verify = _verifier(page.get("verify"))
    verifies = []

    def drive(index: int) -> tuple[list[float], int, float]:
        barrier.wait()
        measured_from = time.perf_counter() + warmup
        stop = measured_from + seconds
        latencies, unexpected, verifying = [], 0, 0.0
        # A page slower than the window (a 100,000-row CSV) is still measured once a browser.
        while (started := time.perf_counter()) < stop or not latencies:
            try:
                status = _send(browsers[index], page, index).status
            except OSError:
                status = None
            if started >= measured_from:
                latencies.append(time.perf_counter() - started)
                unexpected += status != page["expect"]
                if verify is not None:
                    verifies.append(verify())
                    verifying += verifies[-1]
        return latencies, unexpected, time.perf_counter() - measured_from - verifying

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(drive, range(concurrency)))
    latencies = sorted(latency for thread, _, _ in outcomes for latency in thread)
    measured_seconds = max(elapsed for _, _, elapsed in outcomes)
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    extra = {"verify_p50_ms": statistics.median(verifies) * 1000} if verifies else {}
    return {
        **extra,
        "name": page["name"],
        "path": page["path"],
        "method": page["method"],
        "concurrency": concurrency,
        "requests": len(latencies),
        "unexpected": sum(unexpected for _, unexpected, _ in outcomes),
        "requests_per_second": len(latencies) / measured_seconds,
        "p50_ms": percentiles[49] * 1000,
        "p95_ms": percentiles[94] * 1000,
    }


def main() -> None:
    plan = json.load(sys.stdin)
    settings = {key: plan[key] for key in ("host", "port", "concurrency", "warmup", "seconds")}
    results = []
    baseline = plan["pages"][0]
    for page in plan["pages"]:
        local = {}
        if page is not baseline:
            # The bare view again just before the page, so that the page's ratio compares
            # two moments of the same machine load (a shared machine's load drifts).
            local = measure(baseline, **{**settings, "seconds": BASELINE_SECONDS})
        # A page may ask for its own number of browsers (the card login's one-browser row).
        concurrency = page.get("concurrency", settings["concurrency"])
        result = measure(page, **{**settings, "concurrency": concurrency})
        result["baseline_requests_per_second"] = local.get(
            "requests_per_second", result["requests_per_second"]
        )
        results.append(result)
        print(f"measured {page['method']} {page['path']} ({page['name']})", file=sys.stderr)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
