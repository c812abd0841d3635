"""The app API's Idempotency-Key holds across app processes (SPEC §11, §12 "Exactly once").

One member's app sends one borrowing many times at the same moment with one key — a
retrying client behind a load balancer — to two gunicorn servers with two workers each.
Exactly one entry is booked, and every answer is that entry.
"""

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

from devserver import Response, Server
from history.models import Confirmation, Kind, LedgerEntry
from tests.factories import DEFAULT_PIN, MemberFactory, TransferAccountFactory
from tests.multiprocess.middleware import assert_served_by_several_processes

PARALLEL = 12


def _call(server: Server, method: str, path: str, body: dict, headers: dict) -> Response:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        connection.request(
            method,
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", **headers},
        )
        answer = connection.getresponse()
        return Response(status=answer.status, text=answer.read().decode(), headers=answer.headers)
    finally:
        connection.close()


def test_parallel_calls_with_one_key_on_two_servers_book_one_entry(start_servers, argon2_pins):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    servers = start_servers()
    login = _call(
        servers[0],
        "POST",
        "/api/v1/auth/card",
        {"card_number": member.card_number, "pin": DEFAULT_PIN},
        {},
    )
    assert login.status == 201, login.text
    headers = {
        "Authorization": f"Bearer {json.loads(login.text)['token']}",
        "Idempotency-Key": "one-borrowing",
    }
    barrier = threading.Barrier(PARALLEL)

    def one(index: int) -> Response:
        server = servers[index % len(servers)]
        barrier.wait(timeout=60)
        return _call(server, "POST", "/api/v1/loan/borrowings", {"amount": 10_000}, headers)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(one, range(PARALLEL)))

    (entry,) = LedgerEntry.objects.filter(member=member, kind=Kind.BORROWING)
    assert [answer.status for answer in answers] == [201] * PARALLEL, [a.text for a in answers]
    assert {json.loads(answer.text)["id"] for answer in answers} == {entry.pk}
    assert entry.amount == 10_000
    assert Confirmation.objects.get(member=member).result_id == entry.pk
    assert_served_by_several_processes(servers, answers)
