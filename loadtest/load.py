"""The load generator of `make loadtest`, run as a process of its own.

Reads a plan (JSON) on stdin: where the front door is, the members (card number and
PIN), the pages, and for how long. Each member is one thread, a tester clicking through
the portal: it logs in, then until the time is up browses (mypage, history, points, the
interest inquiry) and now and then borrows or repays through the confirmation step,
sending each confirmation twice at the same moment (a double click) to check that both
answers lead to the same entry. Writes what happened (JSON) on stdout. It imports no
Django: it sees the portal only over HTTP, as a browser does.
"""

import json
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from devserver import Browser, Response

THINK = (0.1, 0.5)  # seconds between clicks, drawn per click
MONEY_EVERY = 5  # about one click in five moves money


class Tester:
    """One simulated member, driving one browser; records every answer in `log`."""

    def __init__(self, plan: dict, member: dict, index: int, log: "Log") -> None:
        self.plan, self.member, self.log = plan, member, log
        self.browser = Browser(plan["host"], plan["port"], timeout=120)
        self.rng = random.Random(plan["seed"] + index)
        self.booked: set[int] = set()  # entry ids of the done pages reached

    def request(
        self, name: str, method: str, path: str, form: dict | None = None, *, browser=None
    ) -> Response:
        browser = browser or self.browser
        started = time.perf_counter()
        try:
            answer = browser.get(path) if method == "GET" else browser.post(path, form)
        except OSError as error:
            self.log.record(name, f"error {type(error).__name__}", time.perf_counter() - started)
            raise
        self.log.record(name, str(answer.status), time.perf_counter() - started)
        return answer

    def login(self) -> None:
        pages = self.plan["pages"]
        token = self.request("login page", "GET", pages["login"]).csrf_token
        answer = self.request(
            "card login",
            "POST",
            pages["login_card"],
            {**self.member, "csrfmiddlewaretoken": token},
        )
        if answer.status != 302:
            raise RuntimeError(f"login of {self.member['card_number']}: HTTP {answer.status}")

    def browse(self) -> None:
        name = self.rng.choice(["mypage", "history", "points", "interest"])
        answer = self.request(name, "GET", self.plan["pages"][name])
        if answer.status == 302:  # the session ended (idle timeout): log in again
            self.login()

    def move_money(self) -> None:
        operation = self.rng.choice(["borrow", "repay"])
        pages = self.plan["pages"]
        form = self.request(operation, "GET", pages[operation])
        if form.status != 200:
            return
        amount = self.rng.randrange(1_000, 20_001, 1_000)
        shown = self.request(
            f"{operation} (amount)",
            "POST",
            pages[operation],
            {"amount": str(amount), "csrfmiddlewaretoken": form.csrf_token},
        )
        nonce = re.search(r'name="nonce" value="([^"]+)"', shown.text)
        if nonce is None:
            return  # refused with a reason (over the limit, nothing to repay, suspended…)
        first, again = self.double_click(
            f"{operation} (confirm)",
            pages[f"{operation}_confirm"],
            {"nonce": nonce[1], "csrfmiddlewaretoken": shown.csrf_token},
        )
        done = re.compile(pages[f"{operation}_done"])
        places = [done.search(answer.headers.get("Location") or "") for answer in (first, again)]
        if all(places) and places[0][1] == places[1][1]:
            self.booked.add(int(places[0][1]))
        elif first.status < 500 and again.status < 500:
            self.log.problem(
                f"{self.member['card_number']}: {operation} confirmed twice answered "
                + " and ".join(
                    f"{answer.status} {answer.headers.get('Location') or answer.error_code}"
                    for answer in (first, again)
                )
            )

    def double_click(self, name: str, path: str, form: dict) -> tuple[Response, Response]:
        """Post `form` twice at the same moment, the second from another connection with the
        same cookies (through the proxy, usually to the other instance)."""
        clone = Browser(self.plan["host"], self.plan["port"], timeout=120)
        clone.cookies = dict(self.browser.cookies)
        answers: list = [None, None]

        def click(index: int, browser: Browser) -> None:
            try:
                answers[index] = self.request(name, "POST", path, form, browser=browser)
            except OSError as error:
                answers[index] = error

        second = threading.Thread(target=click, args=(1, clone))
        second.start()
        click(0, self.browser)
        second.join()
        for answer in answers:
            if isinstance(answer, OSError):
                raise answer
        return answers[0], answers[1]

    def run(self, stop_at: float) -> None:
        self.login()
        while time.monotonic() < stop_at:
            time.sleep(self.rng.uniform(*THINK))
            try:
                if self.rng.randrange(MONEY_EVERY) == 0:
                    self.move_money()
                else:
                    self.browse()
            except OSError:
                continue  # recorded as an error of the page


class Log:
    """Answers by page and status, latencies by page, and problems; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.problems: list[str] = []

    def record(self, page: str, status: str, seconds: float) -> None:
        with self.lock:
            self.statuses[page][status] += 1
            self.latencies[page].append(seconds)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def main() -> None:
    plan = json.load(sys.stdin)
    log = Log()
    testers = [Tester(plan, member, index, log) for index, member in enumerate(plan["members"])]
    stop_at = time.monotonic() + plan["seconds"]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(testers)) as pool:
        outcomes = [pool.submit(tester.run, stop_at) for tester in testers]
        for tester, outcome in zip(testers, outcomes, strict=True):
            if (error := outcome.exception()) is not None:
                log.problem(f"{tester.member['card_number']}: stopped by {error!r}")
    json.dump(
        {
            "seconds": time.monotonic() - started,
            "statuses": {page: dict(counts) for page, counts in log.statuses.items()},
            "latencies": log.latencies,
            "problems": log.problems,
            "booked": {t.member["card_number"]: sorted(t.booked) for t in testers},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
