"""The smartphone ATM (SPEC §8): the fee rule, sessions and their codes (history.atm), the
ATM's screen (/atm/) and the member's side (/mypage/atm/) through the pages."""

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from history import atm, services
from history.models import AtmSession, AtmState, Channel, Kind, LedgerEntry
from members.models import ContractStatus
from portal import clock
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import data, error_codes, tokyo

pytestmark = pytest.mark.django_db

ATM_URL = reverse("history:atm")
ATM_CONFIRM_URL = reverse("history:atm-confirm")
START_URL = reverse("atm:start")
HISTORY_URL = reverse("history:history")
ADDRESS = "192.0.2.10"


def screen_url(token: str) -> str:
    return reverse("atm:session", kwargs={"token": token})


def nonce_of(response) -> str:
    (nonce,) = re.findall(r'name="nonce" value="([^"]+)"', response.content.decode())
    return nonce


def log_in(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def ledger(member) -> list[tuple[str, str, int, int]]:
    return list(
        LedgerEntry.objects.filter(member=member)
        .order_by("id")
        .values_list("kind", "channel", "amount", "principal_after")
    )


@pytest.fixture
def session_and_token():
    return atm.start_session()


@pytest.fixture
def debtor(member):
    """A member who owes 100,000 yen (borrowed by transfer, so no ATM fee yet)."""
    services.borrow(member=member, amount=100_000, channel=Channel.INTERNET)
    return member


@pytest.fixture
def member_client(client, member):
    return log_in(client, member)


def claim(session, member, *, operation="withdraw", amount=10_000, address=ADDRESS):
    atm.claim(code=session.code, member=member, operation=operation, amount=amount, address=address)


def refusal_code(call) -> str:
    with pytest.raises(atm.AtmRefusal) as refused:
        call()
    return refused.value.code


# --- The fee rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (1, 110),
        (1_000, 110),
        (9_999, 110),
        (10_000, 110),
        (10_001, 220),
        (11_000, 220),
        (500_000, 220),
    ],
)
def test_the_fee_is_110_yen_up_to_10000_yen_and_220_above(amount, fee):
    assert atm.atm_fee(amount) == fee


# --- Sessions and codes ----------------------------------------------------------------


def test_a_session_has_a_six_digit_code_a_hashed_token_and_three_minutes(time_machine):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)

    session, token = atm.start_session()

    assert re.fullmatch(r"\d{6}", session.code)
    assert session.state == AtmState.WAITING and session.member is None
    assert session.expires_at - session.created_at == dt.timedelta(minutes=3)
    assert len(token) >= 40 and token not in session.token_hash
    assert atm.session_for_token(token) == session
    assert atm.session_for_token(token + "x") is None


def test_codes_are_unique_among_live_sessions(monkeypatch):
    first, _token = atm.start_session()
    draws = iter([int(first.code), int(first.code), 424242])
    monkeypatch.setattr(atm.secrets, "randbelow", lambda _n: next(draws))

    second, _token = atm.start_session()

    assert second.code == "424242"


def test_an_expired_code_is_given_to_a_new_session(time_machine, monkeypatch):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    old, _token = atm.start_session()
    time_machine.move_to(tokyo(2026, 12, 9, 12, 3), tick=False)
    monkeypatch.setattr(atm.secrets, "randbelow", lambda _n: int(old.code))

    new, _token = atm.start_session()

    assert new.code == old.code
    old.refresh_from_db()
    assert old.state == AtmState.EXPIRED


def test_a_code_is_claimed_once_for_one_member(session_and_token, member):
    session, _token = session_and_token
    other = MemberFactory()

    claim(session, member)
    claim(session, member, operation="deposit", amount=5_000)  # the same member, again

    session.refresh_from_db()
    assert (session.state, session.member, session.operation, session.amount) == (
        AtmState.CLAIMED,
        member,
        "deposit",
        5_000,
    )
    assert refusal_code(lambda: claim(session, other)) == "atm_code_used"


def test_a_code_works_until_just_before_three_minutes(time_machine, member):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    session, _token = atm.start_session()
    time_machine.move_to(tokyo(2026, 12, 9, 12, 2, 59, 999_999), tick=False)

    claim(session, member)

    session.refresh_from_db()
    assert session.state_at(clock.now()) == AtmState.CLAIMED


def test_a_code_expires_at_three_minutes_exactly(time_machine, member):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    session, _token = atm.start_session()
    time_machine.move_to(tokyo(2026, 12, 9, 12, 3), tick=False)

    assert refusal_code(lambda: claim(session, member)) == "atm_code_expired"
    session.refresh_from_db()
    assert session.state_at(clock.now()) == AtmState.EXPIRED
    assert atm.seconds_left(session, clock.now()) == 0


def test_unknown_and_cancelled_codes_are_refused(session_and_token, member):
    session, _token = session_and_token
    unknown = f"{(int(session.code) + 1) % 1_000_000:06d}"

    assert (
        refusal_code(
            lambda: atm.claim(
                code=unknown, member=member, operation="withdraw", amount=1_000, address=ADDRESS
            )
        )
        == "atm_code_unknown"
    )
    assert atm.cancel(session=session)
    assert refusal_code(lambda: claim(session, member)) == "atm_code_cancelled"
    assert not atm.cancel(session=session)


def test_wrong_codes_count_under_the_address_throttle(settings, session_and_token, member):
    settings.PORTAL_IP_THROTTLE = (3, 15 * 60)
    session, _token = session_and_token
    wrong = f"{(int(session.code) + 1) % 1_000_000:06d}"

    def guess(code, address=ADDRESS):
        return atm.claim(
            code=code, member=member, operation="withdraw", amount=1_000, address=address
        )

    claim(session, member)  # a right code gives its place back
    claim(session, member)
    for _attempt in range(3):
        assert refusal_code(lambda: guess(wrong)) == "atm_code_unknown"

    assert refusal_code(lambda: guess(session.code)) == "throttled"
    assert refusal_code(lambda: guess(wrong, "198.51.100.7")) == "atm_code_unknown"


# --- Booking ---------------------------------------------------------------------------


def test_a_withdrawal_books_a_borrowing_and_its_fee_without_moving_the_principal(
    session_and_token, debtor
):
    session, _token = session_and_token
    claim(session, debtor, amount=10_000)

    entry = atm.carry_out(member=debtor, code=session.code, operation="withdraw", amount=10_000)

    assert ledger(debtor)[1:] == [
        (Kind.BORROWING, Channel.SMARTPHONE_ATM, 10_000, 110_000),
        (Kind.ATM_FEE, Channel.SMARTPHONE_ATM, 110, 110_000),
    ]
    debtor.contract.refresh_from_db()
    assert debtor.contract.principal_balance == 110_000
    session.refresh_from_db()
    assert (session.state, session.entry, session.fee) == (AtmState.DONE, entry, 110)
    assert session.fee_entry.kind == Kind.ATM_FEE


def test_a_deposit_pays_down_like_a_repayment_with_the_larger_fee(session_and_token, debtor):
    session, _token = session_and_token
    claim(session, debtor, operation="deposit", amount=20_000)

    entry = atm.carry_out(member=debtor, code=session.code, operation="deposit", amount=20_000)

    assert (entry.kind, entry.channel, entry.amount) == (
        Kind.REPAYMENT,
        Channel.SMARTPHONE_ATM,
        20_000,
    )
    assert entry.interest_paid + entry.principal_paid == 20_000
    fee = LedgerEntry.objects.get(member=debtor, kind=Kind.ATM_FEE)
    assert (fee.amount, fee.principal_after) == (220, entry.principal_after)


def test_no_fee_while_a_waiver_is_active(session_and_token, debtor):
    services.grant_atm_fee_waiver(member=debtor, last_day=clock.today())
    session, _token = session_and_token
    claim(session, debtor)

    atm.carry_out(member=debtor, code=session.code, operation="withdraw", amount=10_000)

    assert not LedgerEntry.objects.filter(member=debtor, kind=Kind.ATM_FEE).exists()
    session.refresh_from_db()
    assert (session.state, session.fee, session.fee_entry) == (AtmState.DONE, 0, None)


def test_a_claim_not_confirmed_within_three_minutes_books_nothing(time_machine, debtor):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    session, _token = atm.start_session()
    claim(session, debtor)
    time_machine.move_to(tokyo(2026, 12, 9, 12, 3), tick=False)

    assert (
        refusal_code(
            lambda: atm.carry_out(
                member=debtor, code=session.code, operation="withdraw", amount=10_000
            )
        )
        == "atm_code_expired"
    )
    assert len(ledger(debtor)) == 1


def test_a_session_books_once(session_and_token, debtor):
    session, _token = session_and_token
    claim(session, debtor)
    atm.carry_out(member=debtor, code=session.code, operation="withdraw", amount=10_000)

    assert (
        refusal_code(
            lambda: atm.carry_out(
                member=debtor, code=session.code, operation="withdraw", amount=10_000
            )
        )
        == "atm_code_used"
    )
    assert refusal_code(lambda: claim(session, debtor)) == "atm_code_used"
    assert len(ledger(debtor)) == 3


# --- The ATM's screen ------------------------------------------------------------------


def test_starting_redirects_to_the_sessions_own_address(client):
    assert 'id="atm-start-form"' in client.get(START_URL).content.decode()

    response = client.post(START_URL)

    assert response.status_code == 302
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    session = AtmSession.objects.get()
    assert atm.session_for_token(token) == session
    page = client.get(response.url)
    assert data(page, "atm-state") == "waiting"
    assert data(page, "atm-code") == session.code
    assert data(page, "atm-seconds-left") == "180"
    html = page.content.decode()
    assert "<svg" in html and "<script>" not in html
    assert "atm-screen.js" in html


def test_the_screen_follows_the_state_and_shows_the_result(client, session_and_token, debtor):
    session, token = session_and_token
    state_url = reverse("atm:session-state", kwargs={"token": token})
    assert json.loads(client.get(state_url).content)["state"] == "waiting"

    claim(session, debtor, amount=10_000)
    assert data(client.get(screen_url(token)), "atm-state") == "claimed"
    atm.carry_out(member=debtor, code=session.code, operation="withdraw", amount=10_000)

    answer = json.loads(client.get(state_url).content)
    page = client.get(screen_url(token))
    assert answer == {
        "state": "done",
        "seconds_left": 0,
        "operation": "withdraw",
        "amount": 10_000,
        "fee": 110,
    }
    assert data(page, "atm-state") == "done"
    assert "お取り出しください" in page.content.decode()
    assert data(page, "fee") == "110"
    assert 'data-atm-code="' not in page.content.decode()  # a used code is not shown again


def test_the_screen_shows_an_expired_session(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    _session, token = atm.start_session()
    time_machine.move_to(tokyo(2026, 12, 9, 12, 3), tick=False)

    assert data(client.get(screen_url(token)), "atm-state") == "expired"


def test_cancelling_at_the_atm(client, session_and_token):
    _session, token = session_and_token

    response = client.post(reverse("atm:session-cancel", kwargs={"token": token}))

    assert (response.status_code, response.url) == (302, screen_url(token))
    assert data(client.get(screen_url(token)), "atm-state") == "cancelled"


def test_an_unknown_token_is_404(client):
    assert client.get(screen_url("no-such-token")).status_code == 404
    assert client.get(reverse("atm:session-state", kwargs={"token": "x"})).status_code == 404
    assert client.post(reverse("atm:session-cancel", kwargs={"token": "x"})).status_code == 404


def test_the_atm_posts_need_the_csrf_token(session_and_token):
    _session, token = session_and_token
    client = Client(enforce_csrf_checks=True)

    assert client.post(START_URL).status_code == 403
    assert client.post(reverse("atm:session-cancel", kwargs={"token": token})).status_code == 403
    assert AtmSession.objects.get().state == AtmState.WAITING


def test_no_session_starts_in_a_member_page_window(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 14, 3, 0), tick=False)  # a Monday

    for response in (client.get(START_URL), client.post(START_URL)):
        assert response.status_code == 503
        assert data(response, "maintenance-until") == "2026-12-14T07:00:00+09:00"
    assert not AtmSession.objects.exists()


def test_the_screens_query_budgets(client, session_and_token, django_assert_max_num_queries):
    _session, token = session_and_token
    with django_assert_max_num_queries(1):
        client.get(screen_url(token))
    with django_assert_max_num_queries(1):
        client.get(reverse("atm:session-state", kwargs={"token": token}))
    with django_assert_max_num_queries(1):  # the maintenance windows
        client.get(START_URL)


# --- The member's side -----------------------------------------------------------------


def withdraw(client, code, amount="10000", operation="withdraw"):
    return client.post(ATM_URL, {"code": code, "operation": operation, "amount": amount})


def test_the_form_shows_the_fields_and_the_fee(member_client):
    response = member_client.get(ATM_URL)

    html = response.content.decode()
    assert response.status_code == 200
    for name in ("code", "operation", "amount"):
        assert f'name="{name}"' in html
    assert 'value="withdraw"' in html and 'value="deposit"' in html
    assert data(response, "available") == "500000"
    assert "atm-member.js" in html


def test_withdrawing_through_the_pages(member_client, member, session_and_token):
    session, token = session_and_token

    confirmation = withdraw(member_client, session.code, "１０，０００円")
    assert data(confirmation, "amount") == "10000"
    assert data(confirmation, "fee") == "110"
    assert data(confirmation, "operation") == "withdraw"
    assert data(member_client.get(screen_url(token)), "atm-state") == "claimed"
    done = member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})
    again = member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    entry = LedgerEntry.objects.get(member=member, kind=Kind.BORROWING)
    done_url = reverse("history:atm-done", kwargs={"pk": entry.pk})
    assert (done.status_code, done.url) == (302, done_url)
    assert (again.status_code, again.url) == (302, done_url)
    page = member_client.get(done_url)
    assert "<h1>スマホATMのお取引完了</h1>" in page.content.decode()
    assert data(page, "fee") == "110"
    assert 'data-kind="borrowing"' in page.content.decode()
    assert data(member_client.get(screen_url(token)), "atm-state") == "done"
    history = member_client.get(HISTORY_URL).content.decode()
    assert re.search(r'data-kind="atm_fee"[^>]*data-amount="110"', history)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"code": "12345"}, "atm_code_format"),
        ({"code": "abcdef"}, "atm_code_format"),
        ({"amount": "10500"}, "atm_amount_unit"),
        ({"amount": "500"}, "atm_amount_unit"),
        ({"amount": "501000"}, "amount_out_of_range"),
        ({"operation": "deposit"}, "amount_out_of_range"),  # nothing owed
        ({"operation": "steal"}, "invalid_choice"),
        ({"amount": ""}, "required"),
    ],
)
def test_bad_input_is_refused_with_a_code(member_client, session_and_token, fields, code):
    session, _token = session_and_token
    form = {"code": session.code, "operation": "withdraw", "amount": "10000", **fields}

    response = member_client.post(ATM_URL, form)

    assert response.status_code == 200
    assert code in error_codes(response)
    assert 'name="nonce"' not in response.content.decode()
    assert AtmSession.objects.get().state == AtmState.WAITING


def test_unknown_expired_and_used_codes_are_refused_on_the_page(
    member_client, time_machine, session_and_token
):
    session, _token = session_and_token
    unknown = f"{(int(session.code) + 1) % 1_000_000:06d}"
    claim(session, MemberFactory())

    assert "atm_code_unknown" in error_codes(withdraw(member_client, unknown))
    assert "atm_code_used" in error_codes(withdraw(member_client, session.code))
    time_machine.move_to(clock.now() + dt.timedelta(minutes=3), tick=False)
    assert "atm_code_expired" in error_codes(withdraw(member_client, session.code))


def test_a_suspended_member_cannot_withdraw_but_can_deposit(
    member_client, debtor, session_and_token
):
    session, token = session_and_token
    debtor.contract.status = ContractStatus.SUSPENDED
    debtor.contract.save()

    refused = withdraw(member_client, session.code)
    assert "contract_suspended" in error_codes(refused)
    assert AtmSession.objects.get().state == AtmState.WAITING  # the code stays free

    confirmation = withdraw(member_client, session.code, "5000", operation="deposit")
    member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert LedgerEntry.objects.filter(
        member=debtor, kind=Kind.REPAYMENT, channel=Channel.SMARTPHONE_ATM
    ).exists()
    assert data(member_client.get(screen_url(token)), "atm-state") == "done"


def test_a_withdrawal_waits_for_a_pending_saturday_night_payout_at_the_first_step(
    client, member, time_machine
):
    """Cash now would be booked before the transfer paid out at 09:00: refused at once,
    not after confirming, and the code stays free."""
    TransferAccountFactory(member=member)
    time_machine.move_to(tokyo(2026, 12, 12, 23, 45), tick=False)  # a Saturday
    services.borrow(member=member, amount=20_000)
    time_machine.move_to(tokyo(2026, 12, 12, 23, 50), tick=False)
    session, _token = atm.start_session()

    refused = withdraw(log_in(client, member), session.code)

    assert error_codes(refused) == ["payout_pending"]
    assert 'name="nonce"' not in refused.content.decode()
    assert AtmSession.objects.get().state == AtmState.WAITING


def test_a_confirmation_after_the_atm_cancelled_books_nothing(
    member_client, member, session_and_token
):
    session, _token = session_and_token
    confirmation = withdraw(member_client, session.code)
    atm.cancel(session=session)

    response = member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert "atm_code_cancelled" in error_codes(response)
    assert ledger(member) == []


def test_another_members_confirmation_and_entry_are_not_reachable(
    member_client, member, session_and_token
):
    session, _token = session_and_token
    confirmation = withdraw(member_client, session.code)
    other = log_in(Client(), MemberFactory())

    stolen = other.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})
    assert (stolen.status_code, stolen.url) == (302, ATM_URL)
    assert ledger(member) == []

    member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})
    entry = LedgerEntry.objects.get(member=member, kind=Kind.BORROWING)
    assert other.get(reverse("history:atm-done", kwargs={"pk": entry.pk})).status_code == 404


def test_the_member_form_needs_the_csrf_token(member, session_and_token):
    session, _token = session_and_token
    client = log_in(Client(enforce_csrf_checks=True), member)

    response = withdraw(client, session.code)

    assert response.status_code == 403
    assert AtmSession.objects.get().state == AtmState.WAITING


def test_the_member_side_closes_in_a_member_page_window(client, member, time_machine):
    time_machine.move_to(tokyo(2026, 12, 14, 3, 0), tick=False)
    log_in(client, member)

    assert client.get(ATM_URL).status_code == 503


def test_the_transaction_mail_names_the_smartphone_atm(
    member_client, member, session_and_token, django_capture_on_commit_callbacks
):
    services.set_mail_preference(member=member, transaction_email=True)
    session, _token = session_and_token
    confirmation = withdraw(member_client, session.code, "12000")

    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    (message,) = mail.outbox
    assert "スマホATM" in message.body and "12,000円" in message.body


def test_the_member_pages_query_budgets(
    member_client, session_and_token, django_assert_max_num_queries
):
    """Constant whatever the history: the borrowing pages' queries plus the code's claim
    (the address throttle's counter and one UPDATE) and the fee."""
    session, _token = session_and_token
    with django_assert_max_num_queries(13):
        member_client.get(ATM_URL)
    with django_assert_max_num_queries(24):
        confirmation = withdraw(member_client, session.code)
    with django_assert_max_num_queries(37):
        done = member_client.post(ATM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})
    with django_assert_max_num_queries(13):
        member_client.get(done.url)
