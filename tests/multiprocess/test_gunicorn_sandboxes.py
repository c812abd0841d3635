"""Two sandboxes driven at once through two gunicorn servers never see each other's
members, mail, clock or glitches (SPEC §11): each request finds its sandbox's clock and
mailbox in its own context, whichever process and thread serves it."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from django.urls import reverse

from tests.browser.conftest import seed_default_maintenance_windows
from tests.multiprocess.middleware import assert_served_by_several_processes

MONDAY_NIGHT = "2026-12-14T03:00:00+09:00"  # inside the member pages' maintenance window
PARALLEL = 12
UNAVAILABLE = 3


def test_two_sandboxes_on_two_servers_stay_apart(start_servers):
    seed_default_maintenance_windows()  # flushed by the transactional test case
    servers = start_servers(demo=True)
    bases = [f"http://{server.host}:{server.port}" for server in servers]
    create = reverse("demo:sandbox-create")
    first = requests.post(bases[0] + create, timeout=60).json()
    second = requests.post(bases[1] + create, timeout=60).json()
    # Set each through the other server: the settings live in the database, not a process.
    requests.post(
        bases[1] + reverse("demo:sandbox-clock", args=[first["token"]]),
        json={"now": MONDAY_NIGHT},
        timeout=60,
    ).raise_for_status()
    requests.post(
        bases[0] + reverse("demo:sandbox-glitches", args=[second["token"]]),
        json={"kind": "unavailable", "path": "/mypage/", "count": UNAVAILABLE},
        timeout=60,
    ).raise_for_status()

    browsers = []
    for index, sandbox in enumerate((first, second)):
        me = next(p for p in sandbox["personas"] if p["key"] == "new_device")
        browser = servers[index].browser()
        answer = browser.submit(
            reverse("members:login"),
            reverse("members:login-card"),
            {"card_number": me["card_number"], "pin": me["pin"]},
        )
        assert answer.status == 302, answer.text
        browsers.append(browser)
    barrier = threading.Barrier(PARALLEL)

    def one(index: int):
        clone = servers[index % 2].browser()
        clone.cookies = dict(browsers[index // (PARALLEL // 2)].cookies)
        barrier.wait(timeout=60)
        return clone.get(reverse("members:mypage"))

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(one, range(PARALLEL)))
    of_first, of_second = answers[: PARALLEL // 2], answers[PARALLEL // 2 :]

    # The first sandbox stands in Monday night's window: every page is maintenance.
    assert {answer.status for answer in of_first} == {503}
    assert all("data-maintenance-until" in answer.text for answer in of_first)
    # The second is on the portal's clock; exactly its glitch's count answered 503.
    statuses = sorted(answer.status for answer in of_second)
    assert statuses == [200] * (PARALLEL // 2 - UNAVAILABLE) + [503] * UNAVAILABLE
    assert_served_by_several_processes(servers, answers)

    for index, sandbox in enumerate((first, second)):
        me = next(p for p in sandbox["personas"] if p["key"] == "new_device")
        mail = requests.get(sandbox["urls"]["mailbox_json"], timeout=60).json()["messages"]
        assert [message["to"] for message in mail] == [[me["email"]]]
        clock = requests.get(sandbox["urls"]["clock"], timeout=60).json()
        assert clock["now"].startswith("2026-12-14T03:00") == (index == 0)
    shared = requests.get(bases[0] + reverse("demo:mailbox"), timeout=60).text
    assert "sandbox.demo.portal.example" not in shared
