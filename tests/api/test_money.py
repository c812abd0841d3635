"""Money-moving calls of the app API: the web forms' rules and codes, and the
Idempotency-Key on the confirmations' exactly-once mechanism (SPEC §11, §12)."""

import pytest

from history import atm, services
from history.models import AtmSession, AtmState, Confirmation, Kind, LedgerEntry
from members.models import ContractStatus
from points import services as point_services
from points.models import PointEntry, Reason
from tests.api.conftest import ApiClient
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db


def key(value: str = "key-1") -> dict:
    return {"Idempotency-Key": value}


def test_a_borrowing_books_one_entry_and_answers_it(member_api, borrower):
    answer = member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())

    assert answer.status_code == 201
    body = answer.json()
    entry = LedgerEntry.objects.get(member=borrower, kind=Kind.BORROWING)
    assert body["id"] == entry.pk
    assert (body["kind"], body["amount"], body["balance_after"]) == ("borrowing", 30_000, 30_000)


def test_a_retry_with_the_key_answers_the_first_answer_and_books_nothing_more(member_api, borrower):
    first = member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())
    retry = member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())

    assert retry.status_code == first.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(member=borrower).count() == 1


def test_a_retry_still_answers_after_the_balance_changed(member_api, borrower):
    first = member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())
    member_api.post("/loan/borrowings", {"amount": 470_000}, headers=key("key-2"))

    retry = member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())
    assert retry.json() == first.json()


@pytest.mark.parametrize(
    ("second_path", "second_body"),
    [("/loan/borrowings", {"amount": 30_001}), ("/loan/repayments", {"amount": 30_000})],
)
def test_the_key_with_another_request_is_refused_with_409(
    member_api, borrower, second_path, second_body
):
    member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())

    answer = member_api.post(second_path, second_body, headers=key())

    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_key_reused"
    assert LedgerEntry.objects.filter(member=borrower).count() == 1


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "x" * 256}])
def test_a_money_call_without_a_usable_key_is_refused_with_400(member_api, borrower, headers):
    answer = member_api.post("/loan/borrowings", {"amount": 30_000}, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_missing"
    assert not LedgerEntry.objects.exists()


def test_keys_are_the_members_own(client, borrower):
    other = MemberFactory()
    TransferAccountFactory(member=other)
    mine, theirs = ApiClient(client), ApiClient(client)
    mine.log_in_card(borrower)
    theirs.log_in_card(other)

    assert mine.post("/loan/borrowings", {"amount": 10_000}, headers=key()).status_code == 201
    assert theirs.post("/loan/borrowings", {"amount": 20_000}, headers=key()).status_code == 201
    assert LedgerEntry.objects.filter(member=other).get().amount == 20_000


@pytest.mark.parametrize(
    ("amount", "code"),
    [(999, "amount_out_of_range"), (500_001, "amount_out_of_range"), (10**12, "format_amount"),
     (-5000, "format_amount"), (0, "amount_out_of_range")],
)  # fmt: skip
def test_borrowing_amounts_are_checked_with_the_forms_codes(member_api, amount, code):
    answer = member_api.post("/loan/borrowings", {"amount": amount}, headers=key())

    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == code
    assert body["errors"][0]["field"] == "amount"
    assert not LedgerEntry.objects.exists()


def test_a_refused_call_forgets_its_key(member_api, borrower):
    member_api.post("/loan/borrowings", {"amount": 999_999}, headers=key())
    assert member_api.post("/loan/borrowings", {"amount": 10_000}, headers=key()).status_code == 201


def test_a_suspended_contract_is_refused_with_its_code(member_api, borrower):
    borrower.contract.status = ContractStatus.SUSPENDED
    borrower.contract.save()

    answer = member_api.post("/loan/borrowings", {"amount": 10_000}, headers=key())

    assert answer.status_code == 422
    assert answer.json()["code"] == "contract_suspended"


@pytest.mark.parametrize("body", [{}, {"amount": "ten"}, {"amount": None}, [], "x", 1.5])
def test_bodies_that_do_not_fit_the_schema_answer_422(member_api, body):
    answer = member_api.post("/loan/borrowings", body, headers=key())
    assert answer.status_code in (400, 422), answer.content
    assert answer["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "raw", ["{", "\x00", '{"amount": 1e999}', '{"amount": "\\ud800"}', "[" * 10_000]
)
def test_malformed_bodies_never_answer_5xx(member_api, raw):
    answer = member_api.post("/loan/borrowings", raw=raw, headers=key())
    assert 400 <= answer.status_code < 500
    assert answer["Content-Type"].startswith("application/problem+json")


def test_a_repayment_books_its_split(member_api, borrower):
    services.borrow(member=borrower, amount=50_000)

    answer = member_api.post("/loan/repayments", {"amount": 20_000}, headers=key())

    assert answer.status_code == 201
    body = answer.json()
    assert body["kind"] == "repayment"
    assert body["principal_paid"] + body["interest_paid"] + body["late_damages_paid"] == 20_000


def test_repayment_closes_in_the_internet_repayment_window(api, borrower, time_machine):
    services.borrow(member=borrower, amount=50_000)
    # The Saturday before the third Sunday, 23:00-24:00.
    time_machine.move_to(tokyo(2026, 12, 19, 23, 30), tick=False)
    member_api = api
    api.log_in_card(borrower)

    answer = member_api.post("/loan/repayments", {"amount": 20_000}, headers=key())

    assert answer.status_code == 503
    assert answer.json()["code"] == "maintenance"
    assert int(answer["Retry-After"]) == (6 * 60 + 30) * 60  # chained into Sunday 00:00-06:00
    assert member_api.get("/dashboard").status_code == 200


def test_nothing_to_repay_is_refused_with_its_code(member_api):
    answer = member_api.post("/loan/repayments", {"amount": 1_000}, headers=key())
    assert answer.status_code == 422
    assert answer.json()["code"] == "amount_out_of_range"


# --- Points ------------------------------------------------------------------------------


def test_a_redemption_spends_the_points_once(member_api, borrower):
    point_services.join(member=borrower)
    point_services.adjust(member=borrower, points=1_000, note="test")

    first = member_api.post("/points/redemptions", {"benefit": "interest_free_7"}, headers=key())
    retry = member_api.post("/points/redemptions", {"benefit": "interest_free_7"}, headers=key())

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert first.json()["points"] == -250
    assert PointEntry.objects.filter(member=borrower, reason=Reason.REDEMPTION).count() == 1
    assert member_api.get("/points").json()["points"] == 100 + 1_000 - 250


@pytest.mark.parametrize(("joined", "code"), [(False, "not_joined"), (True, "insufficient_points")])
def test_a_redemption_the_rules_refuse_answers_their_code(member_api, borrower, joined, code):
    if joined:
        point_services.join(member=borrower)
    answer = member_api.post("/points/redemptions", {"benefit": "interest_free_30"}, headers=key())
    assert answer.status_code == 422
    assert answer.json()["code"] == code


def test_an_unknown_benefit_is_refused_by_the_schema(member_api):
    answer = member_api.post("/points/redemptions", {"benefit": "gold"}, headers=key())
    assert answer.status_code == 422


# --- Smartphone ATM ----------------------------------------------------------------------


def test_an_atm_code_is_claimed_then_confirmed_once(member_api, borrower):
    session, _token = atm.start_session()
    body = {"code": session.code, "operation": "withdraw", "amount": 20_000}

    claim = member_api.post("/atm/claims", body)
    assert claim.status_code == 200
    assert claim.json()["fee"] == 220
    session.refresh_from_db()
    assert (session.state, session.member) == (AtmState.CLAIMED, borrower)

    first = member_api.post("/atm/operations", body, headers=key())
    retry = member_api.post("/atm/operations", body, headers=key())

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert first.json()["entry"]["channel"] == "smartphone_atm"
    assert first.json()["fee"] == 220
    session.refresh_from_db()
    assert session.state == AtmState.DONE
    assert LedgerEntry.objects.filter(member=borrower, kind=Kind.BORROWING).count() == 1
    assert LedgerEntry.objects.filter(member=borrower, kind=Kind.ATM_FEE).count() == 1


def test_another_members_atm_code_is_refused(member_api, borrower):
    session, _token = atm.start_session()
    other = MemberFactory()
    atm.claim(code=session.code, member=other, operation="withdraw", amount=10_000, address="x")

    answer = member_api.post(
        "/atm/claims", {"code": session.code, "operation": "withdraw", "amount": 10_000}
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "atm_code_used"


@pytest.mark.parametrize(
    ("code", "amount", "error"),
    [("12345", 10_000, "atm_code_format"), ("123456", 10_500, "atm_amount_unit"),
     ("000000", 10_000, "atm_code_unknown")],
)  # fmt: skip
def test_atm_refusals_carry_the_forms_codes(member_api, code, amount, error):
    body = {"code": code, "operation": "withdraw", "amount": amount}
    answer = member_api.post("/atm/claims", body)
    assert answer.status_code == 422
    assert answer.json()["code"] == error
    assert not AtmSession.objects.filter(state=AtmState.CLAIMED).exists()


def test_confirmations_are_the_web_mechanism(member_api, borrower):
    member_api.post("/loan/borrowings", {"amount": 30_000}, headers=key())
    confirmation = Confirmation.objects.get(member=borrower)
    assert confirmation.result_id == LedgerEntry.objects.get(member=borrower).pk
    assert confirmation.fingerprint
