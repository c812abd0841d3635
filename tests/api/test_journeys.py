"""App API journeys (SPEC §11): what the official app does, call after call, as the
demo personas."""

import uuid

import pytest

from demo.personas import PERSONAS_BY_KEY
from history import atm
from history.models import AtmState, Kind, LedgerEntry
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_log_in_borrow_with_a_retried_key_read_the_history_redeem_and_use_an_atm(
    client, persona_members
):
    persona = PERSONAS_BY_KEY["points_rich"]
    member = persona_members["points_rich"]
    app = ApiClient(client)
    borrowings = LedgerEntry.objects.filter(member=member, kind=Kind.BORROWING)
    borrowed_before = borrowings.count()

    # Log in with the Web-ID, as the app's first screen.
    login = app.post("/auth/web-id", {"web_id": persona.web_id, "password": persona.password})
    assert login.status_code == 201
    app.token = login.json()["token"]
    before = app.get("/dashboard").json()

    # Borrow; the network drops the answer, the app retries with the same key.
    key = {"Idempotency-Key": str(uuid.uuid4())}
    borrowed = app.post("/loan/borrowings", {"amount": 12_000}, headers=key)
    retried = app.post("/loan/borrowings", {"amount": 12_000}, headers=key)
    assert borrowed.status_code == retried.status_code == 201
    assert retried.json()["id"] == borrowed.json()["id"]
    after = app.get("/dashboard").json()
    assert after["balance"] == before["balance"] + 12_000

    # The history shows the one borrowing, newest first.
    history = app.get("/history", {"kind": "borrowing", "limit": 1}).json()
    assert history["items"][0]["id"] == borrowed.json()["id"]
    assert history["items"][0]["amount"] == 12_000

    # Redeem points for interest-free days.
    points = app.get("/points").json()["points"]
    redeemed = app.post(
        "/points/redemptions",
        {"benefit": "interest_free_7"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert redeemed.status_code == 201
    assert app.get("/points").json()["points"] == points - 250

    # At a partner ATM: claim the code on its screen, then confirm a deposit.
    session, _token = atm.start_session()
    body = {"code": session.code, "operation": "deposit", "amount": 5_000}
    assert app.post("/atm/claims", body).status_code == 200
    done = app.post("/atm/operations", body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert done.status_code == 201
    assert done.json()["entry"]["kind"] == "repayment"
    session.refresh_from_db()
    assert session.state == AtmState.DONE

    # One borrowing was booked in all this, and the app logs out.
    assert borrowings.count() == borrowed_before + 1
    assert app.post("/auth/logout").status_code == 204
    assert app.get("/dashboard").status_code == 401


def test_a_card_only_member_logs_in_with_the_card_and_sets_a_reminder(client, persona_members):
    persona = PERSONAS_BY_KEY["card_only"]
    app = ApiClient(client)
    app.log_in_card(persona_members["card_only"], pin=persona.pin)

    setting = {"enabled": True, "days_before": 2, "hour": 8}
    assert app.put("/settings/reminder", setting).json() == setting
