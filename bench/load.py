"""The load generator of `make bench`, run as a process of its own.

Reads a plan (JSON) on stdin, drives the server with `concurrency` browsers (threads,
one new loopback connection per request) for each page in turn, and writes one result
per page (JSON) on stdout. It imports no Django: it sees the portal only over HTTP.
"""

import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from devserver import Browser, Response


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


def measure(page: dict, *, host: str, port: int, concurrency: int, warmup: float, seconds: float):
    """Return requests/s, latency percentiles and unexpected answers of one page."""
    browsers = [Browser(host, port) for _ in range(concurrency)]
    for index, browser in enumerate(browsers):
        _prepare(browser, page, index)
    barrier = threading.Barrier(concurrency)

    def drive(index: int) -> tuple[list[float], int, float]:
        barrier.wait()
        measured_from = time.perf_counter() + warmup
        stop = measured_from + seconds
        latencies, unexpected = [], 0
        # A page slower than the window (a 100,000-row CSV) is still measured once a browser.
        while (started := time.perf_counter()) < stop or not latencies:
            try:
                status = _send(browsers[index], page, index).status
            except OSError:
                status = None
            if started >= measured_from:
                latencies.append(time.perf_counter() - started)
                unexpected += status != page["expect"]
        return latencies, unexpected, time.perf_counter() - measured_from

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(drive, range(concurrency)))
    latencies = sorted(latency for thread, _, _ in outcomes for latency in thread)
    measured_seconds = max(elapsed for _, _, elapsed in outcomes)
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "name": page["name"],
        "path": page["path"],
        "method": page["method"],
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
    for page in plan["pages"]:
        results.append(measure(page, **settings))
        print(f"measured {page['method']} {page['path']} ({page['name']})", file=sys.stderr)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
