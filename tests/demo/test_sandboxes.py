"""Testers' sandboxes (SPEC §11): private copies of the personas with their own mailbox,
clock and glitch switches."""

import datetime as dt
import threading

import pytest
import requests
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from demo import middleware as sandbox_middleware
from demo import sandboxes
from demo.models import Sandbox, SandboxGlitch
from demo.personas import PERSONAS, reset_demo_personas
from history.models import LedgerEntry
from history.reminders import send_due_notices
from members.models import AttemptCounter, LoginAttempt, Member
from points.models import Notice, PointEntry
from portal import clock
from portal.mail import delivering_to, mailbox_for
from portal.models import MailboxMessage
from tests.browser.conftest import seed_default_maintenance_windows
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

CREATE = reverse("demo:sandbox-create")
JSON = "application/json"


@pytest.fixture(autouse=True)
def _demo(settings, mailbox):
    settings.PORTAL_DEMO = True


def create(client) -> dict:
    response = client.post(CREATE, content_type=JSON)
    assert response.status_code == 201
    return response.json()


def persona(sandbox: dict, key: str) -> dict:
    return next(p for p in sandbox["personas"] if p["key"] == key)


def log_in(client, credentials: dict):
    response = client.post(
        reverse("members:login-card"),
        {"card_number": credentials["card_number"], "pin": credentials["pin"]},
    )
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def url(name: str, sandbox: dict) -> str:
    return reverse(name, args=[sandbox["token"]])


# --- Creation ----------------------------------------------------------------------------


def test_a_sandbox_copies_the_ten_personas_with_fresh_credentials_in_the_reserved_range(client):
    reset_demo_personas()
    first, second = create(client), create(client)
    shared = {p.member_number for p in PERSONAS} | {p.card_number for p in PERSONAS}
    for sandbox in (first, second):
        assert [p["key"] for p in sandbox["personas"]] == [p.key for p in PERSONAS]
        for copy in sandbox["personas"]:
            assert 110_000_000 <= int(copy["member_number"]) < 200_000_000
            assert copy["member_number"] not in shared and copy["card_number"] not in shared
            assert len(copy["pin"]) == 4 and copy["pin"].isdigit()
        assert len(sandbox["token"]) >= 40
    assert {p["card_number"] for p in first["personas"]}.isdisjoint(
        p["card_number"] for p in second["personas"]
    )
    assert Member.objects.filter(member_number__startswith="1").count() == 30


def test_card_numbers_keep_their_length_and_web_ids_their_rules(client):
    sandbox = create(client)
    for copy, original in zip(sandbox["personas"], PERSONAS, strict=True):
        assert len(copy["card_number"]) == len(original.card_number)
        assert bool(copy["web_id"]) == bool(original.web_id)
        if copy["web_id"]:
            assert 8 <= len(copy["password"]) <= 20 and copy["password"].isalnum()


def test_sandbox_members_log_in_and_keep_their_personas_states(client):
    sandbox = create(client)
    log_in(client, persona(sandbox, "standard"))
    assert client.get(reverse("members:mypage")).status_code == 200
    locked = persona(sandbox, "card_locked")
    response = client.post(
        reverse("members:login-card"),
        {"card_number": locked["card_number"], "pin": locked["pin"]},
    )
    assert 'data-error-code="locked"' in response.content.decode()


def test_the_demo_page_offers_a_button_that_shows_the_sandbox_page(client):
    reset_demo_personas()
    create(client)
    page = client.get(reverse("demo:personas")).content.decode()
    assert f'action="{CREATE}"' in page
    assert page.count("data-persona=") == len(PERSONAS)  # only the shared personas
    response = client.post(CREATE, HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    sandbox_page = client.get(response["Location"], HTTP_ACCEPT="text/html").content.decode()
    assert sandbox_page.count("data-persona=") == len(PERSONAS)
    assert "data-sandbox-token=" in sandbox_page


def test_a_sandbox_answers_as_json_by_its_token(client):
    sandbox = create(client)
    again = client.get(sandbox["urls"]["self"]).json()
    assert again["personas"] == sandbox["personas"]


def test_creation_is_rate_limited_per_client_address(client, settings):
    settings.PORTAL_SANDBOX_THROTTLE = (2, 3600)
    create(client)
    create(client)
    response = client.post(CREATE, content_type=JSON)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "throttled" and response["Retry-After"] == "3600"


# --- Mail --------------------------------------------------------------------------------


def test_mail_of_sandbox_members_lands_in_their_mailbox_only(client):
    reset_demo_personas()
    first, second = create(client), create(client)
    # Sent outside any request of theirs: the overdue notice of each delinquent copy.
    send_due_notices()
    for sandbox in (first, second):
        email = persona(sandbox, "delinquent")["email"]
        messages = client.get(url("demo:sandbox-mailbox-json", sandbox)).json()["messages"]
        assert [m["to"] for m in messages] == [[email]]
        latest = client.get(url("demo:sandbox-latest-mail", sandbox), {"to": email}).json()
        assert latest["to"] == [email] and latest["links"]
    shared = client.get(reverse("demo:mailbox")).content.decode()
    assert "delinquent@demo.portal.example" in shared
    assert sandboxes.EMAIL_DOMAIN not in shared


def test_the_login_alert_of_a_sandbox_member_lands_in_its_mailbox(client):
    sandbox = create(client)
    new_device = persona(sandbox, "new_device")
    log_in(client, new_device)
    latest = client.get(url("demo:sandbox-latest-mail", sandbox), {"to": new_device["email"]})
    assert latest.status_code == 200
    assert not MailboxMessage.objects.filter(mailbox="").exists()
    html = client.get(url("demo:sandbox-mailbox", sandbox)).content.decode()
    assert latest.json()["subject"] in html


def test_the_latest_mail_answers_404_when_there_is_none(client):
    sandbox = create(client)
    response = client.get(url("demo:sandbox-latest-mail", sandbox), {"to": "nobody@x"})
    assert response.status_code == 404 and response.json()["code"] == "no_mail"


def test_the_shared_mailbox_never_shows_a_sandbox_mail_even_by_its_id(client):
    sandbox = create(client)
    log_in(client, persona(sandbox, "new_device"))
    mail = MailboxMessage.objects.get()
    assert client.get(reverse("demo:mailbox-detail", args=[mail.pk])).status_code == 404


# --- Clock -------------------------------------------------------------------------------

MONDAY_NIGHT = "2026-12-14T03:00:00+09:00"  # inside the member pages' maintenance window


def test_the_clock_moves_only_for_the_sandbox_members(client, django_user_model):
    reset_demo_personas()
    first, second = create(client), create(client)
    answer = client.post(url("demo:sandbox-clock", first), {"now": MONDAY_NIGHT}, content_type=JSON)
    assert answer.status_code == 200
    assert answer.json()["now"].startswith("2026-12-14T03:00")
    assert log_in_status(client, first) == 503
    assert log_in_status(client, second) == 200
    shared = PERSONAS[0]
    client.post(
        reverse("members:login-card"), {"card_number": shared.card_number, "pin": shared.pin}
    )
    assert client.get(reverse("members:mypage")).status_code == 200
    assert clock.now() < tokyo(2026, 12, 10)  # this test's own clock never moved


def log_in_status(client, sandbox: dict) -> int:
    client.logout()
    log_in(client, persona(sandbox, "standard"))
    return client.get(reverse("members:mypage")).status_code


def test_the_clock_takes_an_offset_and_goes_back(client):
    sandbox = create(client)
    clock_url = url("demo:sandbox-clock", sandbox)
    answer = client.post(clock_url, {"offset_seconds": 86_400}, content_type=JSON).json()
    assert answer["offset_seconds"] == 86_400
    assert client.post(clock_url, {}, content_type=JSON).json()["offset_seconds"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"now": "yesterday"},
        {"now": "9999-12-31T23:59:59"},
        {"now": 12},
        {"offset_seconds": "x"},
        {"offset_seconds": 10**30},
        {"now": MONDAY_NIGHT, "offset_seconds": 5},
    ],
)
def test_a_bad_clock_is_refused_with_its_error_codes(client, body):
    sandbox = create(client)
    response = client.post(url("demo:sandbox-clock", sandbox), body, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("body", ["[1]", "{", "null", '"x"', "\udcff", '{"now": "2026\\u0000"}'])
def test_a_body_that_is_no_json_object_is_refused(client, body):
    sandbox = create(client)
    for name in ("demo:sandbox-clock", "demo:sandbox-glitches"):
        response = client.post(
            url(name, sandbox), body.encode("utf-8", "surrogatepass"), content_type=JSON
        )
        assert response.status_code == 400


def test_the_clock_form_on_the_page_shows_its_errors(client):
    sandbox = create(client)
    response = client.post(url("demo:sandbox-clock", sandbox), {"now": "x"})
    assert response.status_code == 400
    assert 'data-error-code="invalid"' in response.content.decode()
    assert client.post(url("demo:sandbox-clock", sandbox), {"now": MONDAY_NIGHT}).status_code == 302


# --- Glitches ----------------------------------------------------------------------------


@pytest.fixture
def slept(monkeypatch):
    waits = []
    monkeypatch.setattr(sandbox_middleware, "sleep", waits.append)
    return waits


def test_latency_delays_only_the_chosen_pages_of_the_sandbox(client, slept):
    first, second = create(client), create(client)
    glitch = {"kind": "latency", "path": "/mypage/history/", "latency_ms": 1500}
    answer = client.post(url("demo:sandbox-glitches", first), glitch, content_type=JSON)
    assert answer.json()["glitches"] == [glitch]
    log_in(client, persona(first, "standard"))
    assert client.get(reverse("members:mypage")).status_code == 200
    assert slept == []
    response = client.get(reverse("history:history"))
    assert slept == [1.5] and response[sandbox_middleware.LATENCY_HEADER] == "1500"
    client.logout()
    log_in(client, persona(second, "standard"))
    client.get(reverse("history:history"))
    assert slept == [1.5]


def test_the_next_requests_to_a_path_answer_503_then_it_is_over(client):
    first, second = create(client), create(client)
    glitch = {"kind": "unavailable", "path": "/mypage/", "count": 2}
    client.post(url("demo:sandbox-glitches", first), glitch, content_type=JSON)
    log_in(client, persona(first, "standard"))
    first_two = [client.get(reverse("members:mypage")) for _ in range(2)]
    assert [r.status_code for r in first_two] == [503, 503]
    assert "data-maintenance-until" in first_two[0].content.decode()
    assert first_two[0]["Retry-After"]
    assert client.get(reverse("members:mypage")).status_code == 200
    client.logout()
    client.post(url("demo:sandbox-glitches", first), glitch, content_type=JSON)
    assert log_in_status(client, second) == 200


def api_token(client, credentials: dict) -> str:
    answer = client.post(
        "/api/v1/auth/card",
        {"card_number": credentials["card_number"], "pin": credentials["pin"]},
        content_type=JSON,
    )
    assert answer.status_code == 201, answer.content
    return answer.json()["token"]


def test_a_503_glitch_on_the_api_answers_its_maintenance_problem(client):
    sandbox = create(client)
    glitch = {"kind": "unavailable", "path": "/api/v1/dashboard", "count": 1}
    client.post(url("demo:sandbox-glitches", sandbox), glitch, content_type=JSON)
    bearer = {"Authorization": f"Bearer {api_token(client, persona(sandbox, 'standard'))}"}

    glitched = client.get("/api/v1/dashboard", headers=bearer)

    assert glitched.status_code == 503
    assert glitched["Content-Type"].startswith("application/problem+json")
    assert glitched["Retry-After"] == "5"
    assert "no-store" in glitched["Cache-Control"]
    body = glitched.json()
    assert body["code"] == "maintenance" and body["status"] == 503
    assert body["maintenance_until"]
    assert "sessionid" not in glitched.cookies and not Session.objects.exists()
    assert client.get("/api/v1/dashboard", headers=bearer).status_code == 200


def test_latency_on_the_api_delays_its_answers(client, slept):
    sandbox = create(client)
    glitch = {"kind": "latency", "path": "/api/v1/", "latency_ms": 250}
    client.post(url("demo:sandbox-glitches", sandbox), glitch, content_type=JSON)
    bearer = {"Authorization": f"Bearer {api_token(client, persona(sandbox, 'standard'))}"}

    answer = client.get("/api/v1/dashboard", headers=bearer)

    assert answer.status_code == 200 and answer.json()
    assert slept == [0.25] and answer[sandbox_middleware.LATENCY_HEADER] == "250"


def test_glitches_are_off_by_default_and_turn_off(client):
    sandbox = create(client)
    glitches_url = url("demo:sandbox-glitches", sandbox)
    assert client.get(glitches_url).json() == {"glitches": []}
    client.post(glitches_url, {"kind": "unavailable", "path": "/", "count": 3}, content_type=JSON)
    client.post(glitches_url, {"kind": "unavailable", "path": "/", "count": 0}, content_type=JSON)
    assert client.get(glitches_url).json() == {"glitches": []}
    client.post(glitches_url, {"kind": "latency", "path": "/", "latency_ms": 5}, content_type=JSON)
    assert client.delete(glitches_url).json() == {"glitches": []}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "latency", "path": "/"},
        {"kind": "latency", "path": "/", "latency_ms": 10**9},
        {"kind": "latency", "path": "mypage", "latency_ms": 5},
        {"kind": "explode", "path": "/", "count": 1},
        {"kind": "unavailable", "path": "/" + "x" * 300, "count": 1},
        {"kind": "unavailable", "path": "/ü", "count": 1},
        {"kind": "unavailable", "path": "/", "count": -1},
        {"kind": ["latency"], "path": {}, "count": None},
    ],
)
def test_a_bad_glitch_is_refused(client, body):
    sandbox = create(client)
    response = client.post(url("demo:sandbox-glitches", sandbox), body, content_type=JSON)
    assert response.status_code == 400 and response.json()["errors"]
    assert not SandboxGlitch.objects.exists()


# --- Reset, delete, expiry ---------------------------------------------------------------


def state(sandbox: dict) -> dict:
    """Return what a sandbox holds, without the ids a reset renews."""
    numbers = [p["member_number"] for p in sandbox["personas"]]
    members = Member.objects.filter(member_number__in=numbers)
    return {
        "members": sorted(
            members.values_list("member_number", "card_number", "web_id", "email", "name_kanji")
        ),
        "ledger": sorted(
            LedgerEntry.objects.filter(member__in=members).values_list(
                "member__member_number", "occurred_at", "kind", "amount", "principal_after"
            )
        ),
        "points": sorted(
            PointEntry.objects.filter(member__in=members).values_list(
                "member__member_number", "reason", "points"
            )
        ),
        "notices": sorted(
            Notice.objects.filter(recipients__in=members).values_list(
                "title", "recipients__member_number"
            )
        ),
        "mail": MailboxMessage.objects.filter(to__contains=sandboxes.EMAIL_DOMAIN).count(),
        "locked": AttemptCounter.objects.filter(locked=True).count(),
    }


def test_reset_restores_the_starting_state_exactly(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 9, 12), tick=False)
    sandbox = create(client)
    before = state(sandbox)
    token = sandbox["token"]
    client.post(url("demo:sandbox-clock", sandbox), {"offset_seconds": 3600}, content_type=JSON)
    client.post(
        url("demo:sandbox-glitches", sandbox),
        {"kind": "latency", "path": "/", "latency_ms": 1},
        content_type=JSON,
    )
    log_in(client, persona(sandbox, "new_device"))
    client.post(reverse("history:borrow"), {"amount": "10000"})
    webid_locked = persona(sandbox, "webid_locked")
    Member.objects.filter(member_number=webid_locked["member_number"]).update(name_kanji="x")
    assert state(sandbox) != before
    answer = client.post(url("demo:sandbox-reset", sandbox), content_type=JSON).json()
    assert answer["personas"] == sandbox["personas"] and answer["token"] == token
    assert answer["clock"]["offset_seconds"] == 0
    assert state(sandbox) == before
    assert client.get(url("demo:sandbox-glitches", sandbox)).json() == {"glitches": []}


def test_reset_demo_leaves_sandboxes_alone(client):
    reset_demo_personas()
    sandbox = create(client)
    before = state(sandbox)
    call_command("reset_demo")
    assert state(sandbox) == before


def counts() -> dict[str, int]:
    """Return how many rows every table of the project (and the sessions' table) holds."""
    with connection.cursor() as cursor:
        tables = [
            table
            for table in connection.introspection.table_names(cursor)
            if not table.startswith(("django_", "auth_")) or table == "django_session"
        ]
        result = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            result[table] = cursor.fetchone()[0]
        return result


def test_delete_and_expiry_remove_everything_a_sandbox_made(client, time_machine):
    reset_demo_personas()
    send_due_notices()  # the shared personas' own mail
    empty = counts()
    # Everything that a sandbox's use leaves, for both.
    doomed = []
    for _ in range(2):
        sandbox = create(client)
        log_in(Client(), persona(sandbox, "standard"))  # a session left open
        log_in(client, persona(sandbox, "new_device"))
        client.post(reverse("members:logout"))
        client.post(
            reverse("members:login-card"),
            {"card_number": persona(sandbox, "standard")["card_number"], "pin": "0000"},
        )
        send_due_notices()
        doomed.append(sandbox)
    assert counts() != empty
    assert client.delete(doomed[0]["urls"]["self"]).status_code == 204
    assert client.get(doomed[0]["urls"]["self"]).status_code == 404
    time_machine.shift(dt.timedelta(hours=24, seconds=1))
    assert client.get(doomed[1]["urls"]["self"]).status_code == 404  # expired
    call_command("expire_sandboxes")
    call_command("expire_sandboxes")  # nothing left: a second run is harmless
    after = counts()
    # Not a sandbox's: this client address's counters (creations, login failures).
    assert after.pop("members_attemptcounter") == empty.pop("members_attemptcounter") + 2
    assert after == empty
    assert not LoginAttempt.objects.filter(member__isnull=True).exists()


def test_the_delete_button_removes_the_sandbox(client):
    sandbox = create(client)
    response = client.post(url("demo:sandbox-delete", sandbox), HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    assert not Sandbox.objects.exists() and not Member.objects.exists()


def test_a_sandbox_lives_portal_sandbox_hours(client, settings, time_machine):
    settings.PORTAL_SANDBOX_HOURS = 2
    sandbox = create(client)
    time_machine.shift(dt.timedelta(hours=1, minutes=59))
    call_command("expire_sandboxes")
    assert client.get(sandbox["urls"]["self"]).status_code == 200
    time_machine.shift(dt.timedelta(minutes=2))
    call_command("expire_sandboxes")
    assert not Sandbox.objects.exists()


# --- Every endpoint: unknown tokens, wrong methods, no demo mode -------------------------

TOKEN_VIEWS = [
    ("demo:sandbox", "get"),
    ("demo:sandbox-delete", "post"),
    ("demo:sandbox-reset", "post"),
    ("demo:sandbox-clock", "get"),
    ("demo:sandbox-clock", "post"),
    ("demo:sandbox-glitches", "get"),
    ("demo:sandbox-glitches", "post"),
    ("demo:sandbox-mailbox", "get"),
    ("demo:sandbox-mailbox-json", "get"),
    ("demo:sandbox-latest-mail", "get"),
    ("demo:sandbox-reminders", "post"),
]


@pytest.mark.parametrize(("name", "method"), TOKEN_VIEWS)
@pytest.mark.parametrize("token", ["x", "a" * 43, "%E3%81%82", "a" * 5000])
def test_an_unknown_token_answers_404(client, name, method, token):
    create(client)
    assert getattr(client, method)(reverse(name, args=[token])).status_code == 404


@pytest.mark.parametrize(("name", "method"), TOKEN_VIEWS)
def test_every_sandbox_url_is_404_outside_demo_mode(client, settings, name, method):
    sandbox = create(client)
    settings.PORTAL_DEMO = False
    assert getattr(client, method)(url(name, sandbox)).status_code == 404
    assert client.post(CREATE, content_type=JSON).status_code == 404


def test_creation_answers_only_to_post(client):
    assert client.get(CREATE).status_code == 405
    sandbox = create(client)
    assert client.put(url("demo:sandbox", sandbox)).status_code == 405
    assert client.get(url("demo:sandbox-reset", sandbox)).status_code == 405


def test_a_sandbox_member_outside_demo_mode_is_a_plain_member(client, settings):
    sandbox = create(client)
    client.post(url("demo:sandbox-clock", sandbox), {"now": MONDAY_NIGHT}, content_type=JSON)
    settings.PORTAL_DEMO = False
    log_in(client, persona(sandbox, "standard"))
    assert client.get(reverse("members:mypage")).status_code == 200


# --- In parallel -------------------------------------------------------------------------


def test_clock_and_mailbox_contexts_never_leak_between_threads():
    seen: dict[int, list] = {0: [], 1: []}
    barrier = threading.Barrier(2)

    def work(index: int) -> None:
        with clock.shifted(dt.timedelta(days=index + 1)), delivering_to(f"box-{index}"):
            for _ in range(50):
                barrier.wait()
                shift = round((clock.now() - clock.shared_now()) / dt.timedelta(days=1))
                seen[index].append((shift, mailbox_for([])))

    threads = [threading.Thread(target=work, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert set(seen[0]) == {(1, "box-0")} and set(seen[1]) == {(2, "box-1")}
    assert clock.current_shift() == dt.timedelta(0) and mailbox_for([]) == ""


# SQLite's shared in-memory test database locks a table against a second writer: parallel
# logins need PostgreSQL (CI's second pass).
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_sandboxes_driven_in_parallel_threads_never_see_each_other(
    live_server, slept, settings
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain http here
    seed_default_maintenance_windows()  # flushed by the transactional test case
    base = live_server.url
    made = [requests.post(base + CREATE, timeout=30).json() for _ in range(2)]
    clocks = ["2026-12-14T03:00:00+09:00", "2026-12-20T12:00:00+09:00"]
    results: dict[int, dict] = {}
    barrier = threading.Barrier(2)

    def drive(index: int) -> None:
        sandbox, session = made[index], requests.Session()
        token = sandbox["token"]
        requests.post(sandbox["urls"]["clock"], json={"now": clocks[index]}, timeout=30)
        requests.post(
            sandbox["urls"]["glitches"],
            json={"kind": "latency", "path": "/mypage/", "latency_ms": 100 + index},
            timeout=30,
        )
        barrier.wait()
        me = persona(sandbox, "new_device")
        login = base + reverse("members:login")
        session.get(login, timeout=30)
        answer = session.post(
            base + reverse("members:login-card"),
            data={
                "card_number": me["card_number"],
                "pin": me["pin"],
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": login},
            timeout=30,
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:2000]
        pages = [session.get(base + "/mypage/", timeout=30) for _ in range(5)]
        statuses = [(page.status_code, page.url == base + "/mypage/") for page in pages]
        mail = requests.get(sandbox["urls"]["mailbox_json"], timeout=30).json()["messages"]
        results[index] = {
            "statuses": statuses,
            "mail_to": {address for m in mail for address in m["to"]},
            "token": token,
        }

    threads = [threading.Thread(target=drive, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # The first sandbox stands in Monday night's maintenance window, the second does not.
    assert set(results[0]["statuses"]) == {(503, True)}
    assert set(results[1]["statuses"]) == {(200, True)}
    for index in range(2):
        assert results[index]["mail_to"] == {persona(made[index], "new_device")["email"]}
    assert sorted(set(slept)) == [0.1, 0.101]
    assert clock.now() < tokyo(2026, 12, 10)


def test_the_reminder_job_of_a_sandbox_runs_on_its_clock(client):
    first, second = create(client), create(client)
    # The standard persona's reminder goes out 7 days before its due date (the 25th), at 9.
    client.post(
        url("demo:sandbox-clock", first), {"now": "2026-12-18T10:00:00+09:00"}, content_type=JSON
    )
    for sandbox in (first, second):
        answer = client.post(url("demo:sandbox-reminders", sandbox))
        assert answer.status_code == 200
    for sandbox, expected in ((first, {"standard", "delinquent"}), (second, {"delinquent"})):
        messages = client.get(url("demo:sandbox-mailbox-json", sandbox)).json()["messages"]
        emails = {persona(sandbox, key)["email"]: key for key in ("standard", "delinquent")}
        assert {emails[m["to"][0]] for m in messages} == expected
    assert not MailboxMessage.objects.filter(mailbox="").exists()  # no shared persona's


def test_the_demo_pages_never_glitch(client):
    sandbox = create(client)
    glitch = {"kind": "unavailable", "path": "/", "count": 5}
    client.post(url("demo:sandbox-glitches", sandbox), glitch, content_type=JSON)
    log_in(client, persona(sandbox, "standard"))
    assert client.get(url("demo:sandbox-glitches", sandbox)).json()["glitches"][0]["count"] == 5
    assert client.get(reverse("members:mypage")).status_code == 503


def test_too_many_sandboxes_from_a_browser_show_a_page(client, settings):
    settings.PORTAL_SANDBOX_THROTTLE = (1, 60)
    create(client)
    response = client.post(CREATE, HTTP_ACCEPT="text/html")
    assert response.status_code == 429
    assert 'data-error-code="throttled"' in response.content.decode()
