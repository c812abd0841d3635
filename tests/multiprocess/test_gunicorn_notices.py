"""A notice's points are credited once across app processes (SPEC §7, §12).

One member opens one notice with points many times at the same moment — the same
session, from several connections — on two gunicorn servers with two workers each, as a
reader's double click, a second tab or a prefetching browser behind a load balancer would:
one read mark and one point entry, and every answer is the notice.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.urls import reverse

from points import services
from points.models import Notice, NoticeRead, PointEntry, Reason
from tests.factories import MemberFactory
from tests.multiprocess.logins import logged_in
from tests.multiprocess.middleware import assert_served_by_several_processes
from tests.multiprocess.test_gunicorn_confirmations import PARALLEL


def test_parallel_readings_on_two_servers_credit_the_points_once(start_servers, argon2_pins):
    member = MemberFactory()
    services.join(member=member)
    notice = Notice.objects.create(title="ポイント付きのお知らせ", body="本文", points=20)
    servers = start_servers()
    browser = logged_in(servers[0], member)
    url = reverse("points:notice-detail", args=[notice.pk])
    barrier = threading.Barrier(PARALLEL)

    def one(index: int):
        clone = servers[index % len(servers)].browser()
        clone.cookies = dict(browser.cookies)
        barrier.wait(timeout=60)
        return clone.get(url)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(one, range(PARALLEL)))

    assert [answer.status for answer in answers] == [200] * PARALLEL
    statuses = [
        "earned" if 'data-points-status="earned"' in answer.text else "already"
        for answer in answers
    ]
    assert statuses.count("earned") == 1
    assert NoticeRead.objects.filter(member=member, notice=notice).count() == 1
    entry = PointEntry.objects.get(member=member, reason=Reason.NOTICE)
    # 100 for joining, 10 for the month's first login, 20 for the notice.
    assert (entry.points, entry.balance_after) == (20, 130)
    member.point_account.refresh_from_db()
    assert member.point_account.balance == 130
    assert_served_by_several_processes(servers, answers)
