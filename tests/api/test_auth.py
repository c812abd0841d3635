"""The app API's login, logout and tokens (SPEC §11): the web login's rules and counters,
tokens stored hashed, expiring and ended by whatever ends the web sessions."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from members import account, lockout, sessions, staff_actions
from members.models import ContractStatus, LoginAttempt, LoginMethod, LoginResult
from points import services as point_services
from points.models import PointEntry, Reason
from portal import clock
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory, StaffFactory
from tests.helpers import error_codes, tokyo
from tests.staff_sign_in import sign_in_staff

pytestmark = pytest.mark.django_db


def problem(answer) -> dict:
    assert answer["Content-Type"].startswith("application/problem+json"), answer.content
    body = answer.json()
    assert body["status"] == answer.status_code
    assert body["type"].endswith(body["code"])
    return body


def test_card_login_answers_a_bearer_token_that_opens_the_member_api(api, borrower):
    answer = api.post("/auth/card", {"card_number": borrower.card_number, "pin": DEFAULT_PIN})

    assert answer.status_code == 201
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["member_number"] == borrower.member_number
    api.token = body["token"]
    assert api.get("/dashboard").json()["member_number"] == borrower.member_number


def test_web_id_login_answers_a_token(api, borrower):
    answer = api.post("/auth/web-id", {"web_id": borrower.web_id, "password": DEFAULT_PASSWORD})
    assert answer.status_code == 201


def test_the_token_is_stored_only_as_its_hash(api, borrower):
    token = api.log_in_card(borrower).json()["token"]
    stored = ApiToken.objects.get(member=borrower)
    assert token not in stored.token_hash
    assert stored.token_hash != token


@pytest.mark.parametrize(
    ("card_number", "pin", "code"),
    [
        ("１０００００００００", "1234", "format_fullwidth"),
        ("1000-000-001", "1234", "format_hyphen"),
        ("1000 000 001", "1234", "format_space"),
        ("123", "1234", "format_length"),
        ("100000000a", "1234", "format_charset"),
        ("1000000001", "12３4", "format_fullwidth"),
    ],
)
def test_card_format_errors_carry_the_login_pages_codes_and_count_nothing(
    api, client, card_number, pin, code
):
    answer = api.post("/auth/card", {"card_number": card_number, "pin": pin})
    web = client.post(reverse("members:login-card"), {"card_number": card_number, "pin": pin})

    body = problem(answer)
    assert answer.status_code == 422
    assert body["code"] == code
    assert code in error_codes(web)
    assert any(error["field"] in ("card_number", "pin") for error in body["errors"])
    assert not LoginAttempt.objects.exists()


def test_web_id_format_errors_name_their_field(api):
    body = problem(api.post("/auth/web-id", {"web_id": "ab", "password": "Ｐａｓｓ"}))
    assert {(error["field"], error["code"]) for error in body["errors"]} == {
        ("web_id", "format_length"),
        ("password", "format_fullwidth"),
    }


def test_unknown_card_and_wrong_pin_answer_alike(api, borrower):
    unknown = api.post("/auth/card", {"card_number": "1999999999", "pin": DEFAULT_PIN})
    wrong = api.post("/auth/card", {"card_number": borrower.card_number, "pin": "9999"})

    assert unknown.status_code == wrong.status_code == 401
    assert problem(unknown)["code"] == problem(wrong)["code"] == "invalid_credentials"
    assert problem(unknown)["detail"] == problem(wrong)["detail"]


def test_one_credential_has_one_counter_whichever_door(api, client, borrower, settings):
    settings.PORTAL_LOCKOUT_THRESHOLD = 3
    web = reverse("members:login-card")
    client.post(web, {"card_number": borrower.card_number, "pin": "9999"})
    api.post("/auth/card", {"card_number": borrower.card_number, "pin": "9999"})

    locking = api.post("/auth/card", {"card_number": borrower.card_number, "pin": "9999"})

    assert problem(locking)["code"] == "locked"
    assert lockout.is_locked(method=LoginMethod.CARD, identifier=borrower.card_number)
    # Locked for both doors, even with the right PIN.
    right = api.post("/auth/card", {"card_number": borrower.card_number, "pin": DEFAULT_PIN})
    assert right.status_code == 401
    assert problem(right)["code"] == "locked"
    page = client.post(web, {"card_number": borrower.card_number, "pin": DEFAULT_PIN})
    assert error_codes(page) == ["locked"]


def test_the_address_throttle_answers_429_with_retry_after(api, settings):
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    members = MemberFactory.create_batch(3)
    for other in members[:2]:
        api.post("/auth/card", {"card_number": other.card_number, "pin": "9999"})

    answer = api.post("/auth/card", {"card_number": members[2].card_number, "pin": DEFAULT_PIN})

    assert answer.status_code == 429
    assert answer["Retry-After"] == str(15 * 60)
    assert problem(answer)["code"] == "throttled"


def test_a_terminated_contract_is_refused_after_the_right_pin(api, borrower):
    borrower.contract.status = ContractStatus.TERMINATED
    borrower.contract.save()

    answer = api.post("/auth/card", {"card_number": borrower.card_number, "pin": DEFAULT_PIN})

    assert answer.status_code == 403
    assert problem(answer)["code"] == "contract_terminated"
    assert not ApiToken.objects.exists()


def test_a_login_is_recorded_in_the_login_history(api, borrower):
    api.log_in_card(borrower)
    attempt = LoginAttempt.objects.get(member=borrower)
    assert attempt.result == LoginResult.SUCCESS
    assert attempt.method == LoginMethod.CARD


def test_an_api_login_earns_the_months_first_login_points_and_stamps_the_last_login(api, borrower):
    point_services.join(member=borrower)
    api.log_in_card(borrower)
    api.log_in_card(borrower)

    assert PointEntry.objects.filter(member=borrower, reason=Reason.MONTHLY_LOGIN).count() == 1
    borrower.refresh_from_db()
    assert borrower.last_login == pytest.approx(clock.now(), abs=dt.timedelta(seconds=5))


def test_api_calls_open_no_web_session_and_are_never_cached(api, client, borrower):
    login = api.log_in_card(borrower)
    dashboard = api.get("/dashboard")

    for answer in (login, dashboard):
        assert "sessionid" not in answer.cookies
        assert "no-store" in answer["Cache-Control"]
    assert not Session.objects.exists()
    assert client.get(reverse("members:mypage")).status_code == 302


def test_the_previous_login_is_the_one_before_this_token(api, borrower, time_machine):
    api.log_in_card(borrower)
    first = clock.now()
    time_machine.move_to(clock.now() + dt.timedelta(hours=1), tick=False)
    api.log_in_card(borrower)
    previous = dt.datetime.fromisoformat(api.get("/dashboard").json()["previous_login"])
    assert previous == pytest.approx(first, abs=dt.timedelta(seconds=5))


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic abc", "Bearer \u3042"])
def test_no_live_token_answers_401_problem(api, db, header):
    answer = api.get("/dashboard", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Bearer"
    assert problem(answer)["code"] == "not_authenticated"


def test_logout_ends_the_token(member_api):
    assert member_api.post("/auth/logout").status_code == 204
    assert member_api.get("/dashboard").status_code == 401
    assert not ApiToken.objects.exists()


def test_a_token_expires_after_the_configured_hours(member_api, settings, time_machine):
    time_machine.move_to(
        clock.now() + dt.timedelta(hours=settings.PORTAL_API_TOKEN_HOURS, seconds=1), tick=False
    )
    assert member_api.get("/dashboard").status_code == 401


def test_a_new_password_ends_the_tokens(member_api, borrower):
    account.reset_password(member=borrower, password="Renewed2026")
    assert member_api.get("/dashboard").status_code == 401


def test_a_new_pin_set_by_staff_ends_the_tokens(member_api, borrower):
    staff_actions.set_new_pin(member=borrower, new_pin_secret="4321")
    assert member_api.get("/dashboard").status_code == 401


def test_ending_the_other_sessions_ends_the_tokens(member_api, borrower):
    sessions.end_other_sessions(member=borrower, current_session_key=None)
    assert member_api.get("/dashboard").status_code == 401
    assert not ApiToken.objects.filter(member=borrower).exists()


def test_the_sessions_page_button_ends_the_tokens_too(member_api, client, borrower):
    client.force_login(borrower)
    client.post(reverse("members:settings-sessions"))
    assert member_api.get("/dashboard").status_code == 401


def test_a_contract_terminated_after_login_ends_the_token(member_api, borrower):
    # However the contract came to be terminated: the token is refused like a session.
    borrower.contract.status = ContractStatus.TERMINATED
    borrower.contract.save(update_fields=["status"])

    answer = member_api.get("/dashboard")

    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/problem+json")
    assert problem(answer)["code"] == "not_authenticated"


def test_the_staff_terminate_action_ends_the_tokens_and_the_web_sessions(member_api, borrower):
    web = Client()
    web.force_login(borrower)
    sessions.record_login(
        member=borrower,
        session=web.session,
        user_agent="",
        client_address="127.0.0.1",
        now=clock.now(),
    )
    staff = sign_in_staff(Client(), StaffFactory(is_superuser=True))

    staff.post(
        reverse("admin:members_member_changelist"),
        {"action": "terminate_contract", ACTION_CHECKBOX_NAME: [borrower.pk]},
    )

    answer = member_api.get("/dashboard")
    assert answer.status_code == 401
    assert problem(answer)["code"] == "not_authenticated"
    assert not ApiToken.objects.filter(member=borrower).exists()
    assert not Session.objects.filter(session_key=web.session.session_key).exists()
    assert web.get(reverse("members:mypage")).status_code == 302


def test_member_api_and_login_answer_503_with_retry_after_in_maintenance(
    member_api, borrower, time_machine
):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)  # Monday 03:00

    for answer in (
        member_api.get("/dashboard"),
        member_api.post("/auth/card", {"card_number": borrower.card_number, "pin": DEFAULT_PIN}),
    ):
        assert answer.status_code == 503
        assert answer["Retry-After"] == str(4 * 60 * 60)
        body = problem(answer)
        assert body["code"] == "maintenance"
        assert body["maintenance_until"] == tokyo(2026, 12, 7, 7, 0).isoformat()
