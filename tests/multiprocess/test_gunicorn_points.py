"""Points stay exact across app processes (SPEC §7, §12 "Concurrency").

Two gunicorn servers with two workers of two threads each share the PostgreSQL test
database. One member's first logins of a month, by card and by Web-ID at the same moment,
earn the monthly points once; parallel redemptions worth more than the balance never
take it below zero, and exactly the affordable number of them succeed.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from django.urls import reverse

from devserver import Response
from history.models import InterestFreePeriod
from points import rules, selectors, services
from points.models import PointEntry, Reason
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory
from tests.multiprocess.logins import logged_in
from tests.multiprocess.middleware import assert_served_by_several_processes

PARALLEL = 12
THIS_MONTH = "2026-12"  # the servers' PORTAL_FAKE_NOW is tests/conftest.py's QUIET_MOMENT


def _login_forms(member) -> list[tuple[str, dict[str, str]]]:
    card = (reverse("members:login-card"), {"card_number": member.card_number, "pin": DEFAULT_PIN})
    web_id = (
        reverse("members:login-web-id"),
        {"web_id": member.web_id, "password": DEFAULT_PASSWORD},
    )
    return [card if index % 2 else web_id for index in range(PARALLEL)]


def test_parallel_first_logins_of_a_month_earn_the_monthly_points_once(start_servers, argon2_pins):
    member = MemberFactory()
    services.join(member=member)
    servers = start_servers()
    barrier = threading.Barrier(PARALLEL)

    def one(index: int, login: tuple[str, dict[str, str]]) -> Response:
        action, form = login
        browser = servers[index % len(servers)].browser()
        token = browser.get(reverse("members:login")).csrf_token
        barrier.wait(timeout=60)
        return browser.post(action, {**form, "csrfmiddlewaretoken": token})

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(one, range(PARALLEL), _login_forms(member)))

    assert [answer.status for answer in answers] == [302] * PARALLEL
    assert {answer.headers["Location"] for answer in answers} == {reverse("members:mypage")}
    monthly = PointEntry.objects.filter(member=member, reason=Reason.MONTHLY_LOGIN)
    assert list(monthly.values_list("reference", "points")) == [(THIS_MONTH, 10)]
    assert selectors.balance_of(member) == rules.JOIN_POINTS + rules.MONTHLY_LOGIN_POINTS
    assert_served_by_several_processes(servers, answers)


def test_parallel_redemptions_beyond_the_balance_never_take_it_below_zero(
    start_servers, argon2_pins
):
    member = MemberFactory()
    services.join(member=member)
    services.earn(member=member, reason=Reason.MONTHLY_LOGIN, points=10, reference=THIS_MONTH)
    services.adjust(member=member, points=1_000 - 110, note="テスト付与")  # 1,000 points
    cost = rules.BENEFITS["interest_free_7"].cost
    affordable = 1_000 // cost  # 4 of the 12
    servers = start_servers()
    browser = logged_in(servers[0], member)
    page = reverse("points:redeem")
    # Twelve confirmations, each affordable on its own when it was shown.
    nonces = []
    for _ in range(PARALLEL):
        answer = browser.submit(page, page, {"benefit": "interest_free_7"})
        (nonce,) = re.findall(r'name="nonce" value="([^"]+)"', answer.text)
        nonces.append(nonce)
    csrf = browser.get(page).csrf_token
    barrier = threading.Barrier(PARALLEL)

    def one(index: int) -> Response:
        clone = servers[index % len(servers)].browser()
        clone.cookies = dict(browser.cookies)
        barrier.wait(timeout=60)
        return clone.post(
            reverse("points:redeem-confirm"),
            {"nonce": nonces[index], "csrfmiddlewaretoken": csrf},
        )

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(one, range(PARALLEL)))

    booked = [answer for answer in answers if answer.status == 302]
    refused = [answer for answer in answers if answer.status == 200]
    assert len(booked) == affordable
    assert len(refused) == PARALLEL - affordable
    assert {answer.error_code for answer in refused} == {"insufficient_points"}
    redemptions = PointEntry.objects.filter(member=member, reason=Reason.REDEMPTION)
    assert redemptions.count() == affordable
    assert sorted(redemptions.values_list("balance_after", flat=True)) == [0, 250, 500, 750]
    assert selectors.balance_of(member) == 1_000 - affordable * cost == 0
    assert InterestFreePeriod.objects.filter(member=member).count() == affordable
    assert_served_by_several_processes(servers, answers)
