"""Borrowing, repayment and the loan figures on /mypage/, through the pages (SPEC §3, §6)."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from history import confirmations, services
from history.models import Kind, LedgerEntry
from history.selectors import loan_position
from members.models import ContractStatus, StatementDelivery, TransferAccount
from portal import clock
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import data, error_codes, nonce_of, tokyo

pytestmark = pytest.mark.django_db

MYPAGE_URL = reverse("members:mypage")
BORROW_URL = reverse("history:borrow")
BORROW_CONFIRM_URL = reverse("history:borrow-confirm")
REPAY_URL = reverse("history:repay")
REPAY_CONFIRM_URL = reverse("history:repay-confirm")
MAIL_SETTING_URL = reverse("history:settings-transaction-mail")


def log_in(client, member):
    """Log in afresh (a jump of the clock ends an idle session)."""
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def with_transfer_account(member):
    TransferAccountFactory(member=member)
    return member


@pytest.fixture
def borrower(db):
    """A member who can borrow: a transfer account, no balance, 500,000 yen limit."""
    return with_transfer_account(MemberFactory())


@pytest.fixture
def member_client(client, borrower):
    return log_in(client, borrower)


def submit(client, operation: str, amount: str):
    """Post an amount and confirm it; return the confirmation step's answer."""
    form_url, confirm_url = reverse(f"history:{operation}"), reverse(f"history:{operation}-confirm")
    confirmation = client.post(form_url, {"amount": amount})
    assert confirmation.status_code == 200, confirmation.content.decode()
    return client.post(confirm_url, {"nonce": nonce_of(confirmation)})


def ledger(member) -> list[tuple[str, int, int]]:
    return list(
        LedgerEntry.objects.filter(member=member)
        .order_by("id")
        .values_list("kind", "amount", "principal_after")
    )


# --- Borrowing -----------------------------------------------------------------------


def test_borrow_page_shows_the_available_credit(member_client):
    response = member_client.get(BORROW_URL)

    assert response.status_code == 200
    assert data(response, "available") == "500000"
    assert 'name="amount"' in response.content.decode()
    assert 'id="id_amount"' in response.content.decode()


def test_valid_amount_shows_a_confirmation_and_writes_nothing(member_client, borrower):
    response = member_client.post(BORROW_URL, {"amount": "30000"})

    assert response.status_code == 200
    assert data(response, "amount") == "30000"
    assert nonce_of(response)
    assert f'action="{BORROW_CONFIRM_URL}"' in response.content.decode()
    assert ledger(borrower) == []


def test_confirming_writes_one_borrowing_and_shows_it(member_client, borrower):
    response = submit(member_client, "borrow", "30000")

    (entry,) = LedgerEntry.objects.filter(member=borrower)
    assert response.status_code == 302
    assert response.url == reverse("history:borrow-done", args=[entry.pk])
    assert (entry.kind, entry.amount, entry.principal_after) == (Kind.BORROWING, 30_000, 30_000)
    done = member_client.get(response.url)
    assert done.status_code == 200
    assert "<h1>お借入れ完了</h1>" in done.content.decode()
    assert "<title>お借入れ完了 |" in done.content.decode()  # not 「お借入れ（振込）（完了）」
    assert data(done, "amount") == "30000"
    assert data(done, "balance-after") == "30000"
    borrower.contract.refresh_from_db()
    assert borrower.contract.principal_balance == 30_000


def test_a_repeated_confirmation_writes_nothing_more(member_client, borrower):
    confirmation = member_client.post(BORROW_URL, {"amount": "30000"})
    nonce = nonce_of(confirmation)

    first = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce})
    again = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce})  # double click or reload

    (entry,) = LedgerEntry.objects.filter(member=borrower)
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == reverse("history:borrow-done", args=[entry.pk])
    assert ledger(borrower) == [(Kind.BORROWING, 30_000, 30_000)]


def test_a_confirmation_opened_in_two_tabs_books_each_once(member_client, borrower):
    first = nonce_of(member_client.post(BORROW_URL, {"amount": "30000"}))
    second = nonce_of(member_client.post(BORROW_URL, {"amount": "20000"}))

    for nonce in (second, first, second, first):
        member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce})

    assert sorted(ledger(borrower)) == [(Kind.BORROWING, 20_000, 20_000),
                                        (Kind.BORROWING, 30_000, 50_000)]  # fmt: skip


def test_a_confirmation_left_open_too_long_books_nothing(member_client, borrower, time_machine):
    time_machine.move_to(clock.now(), tick=False)
    nonce = nonce_of(member_client.post(BORROW_URL, {"amount": "30000"}))
    time_machine.shift(confirmations.PENDING_LIFETIME + dt.timedelta(seconds=1))

    response = log_in(Client(), borrower).post(BORROW_CONFIRM_URL, {"nonce": nonce})

    assert response.url == BORROW_URL
    assert ledger(borrower) == []


def test_another_members_confirmation_books_nothing(client, borrower, member_client):
    other = MemberFactory()
    nonce = confirmations.issue(member=other, operation="borrow", amount=30_000)

    response = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce})

    assert response.url == BORROW_URL
    assert LedgerEntry.objects.count() == 0


def test_a_refused_confirmation_is_forgotten(member_client, borrower):
    nonce = nonce_of(member_client.post(BORROW_URL, {"amount": "30000"}))
    borrower.contract.status = ContractStatus.SUSPENDED
    borrower.contract.save()

    refused = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce})
    borrower.contract.status = ContractStatus.ACTIVE
    borrower.contract.save()
    later = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce})

    assert error_codes(refused) == ["contract_suspended"]
    assert later.url == BORROW_URL
    assert ledger(borrower) == []


def test_confirmation_needs_the_nonce_it_was_shown(member_client, borrower):
    member_client.post(BORROW_URL, {"amount": "30000"})

    assert member_client.post(BORROW_CONFIRM_URL, {"nonce": "guessed"}).status_code == 302
    assert member_client.post(BORROW_CONFIRM_URL, {}).status_code == 302
    assert ledger(borrower) == []


def test_confirmation_of_a_borrowing_does_not_carry_out_a_repayment(member_client, borrower):
    services.borrow(member=borrower, amount=50_000)
    confirmation = member_client.post(BORROW_URL, {"amount": "30000"})

    response = member_client.post(REPAY_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert response.status_code == 302
    assert response.url == REPAY_URL
    assert ledger(borrower) == [(Kind.BORROWING, 50_000, 50_000)]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("１０，０００円", 10_000),
        ("10,000円", 10_000),
        ("１２３４５", 12_345),
        (" 5000 ", 5_000),
        ("1000", 1_000),
        ("500000", 500_000),
    ],
)
def test_amounts_typed_like_people_type_them_are_accepted(member_client, borrower, typed, amount):
    response = submit(member_client, "borrow", typed)

    assert response.status_code == 302
    assert ledger(borrower) == [(Kind.BORROWING, amount, amount)]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0", "amount_out_of_range"),
        ("999", "amount_out_of_range"),
        ("500001", "amount_out_of_range"),
        ("abc", "format_amount"),
        ("1万", "format_amount"),
        ("10000.5", "format_amount"),
        ("-5000", "format_amount"),
        ("ー5000", "format_amount"),
        ("1e5", "format_amount"),
        ("9999999999", "format_amount"),
        ("99999999999999999999", "format_amount"),
        ("9" * 40, "max_length"),
        ("", "required"),
        ("   ", "required"),
    ],
)
def test_bad_amounts_are_refused_with_a_field_error(member_client, borrower, typed, code):
    response = member_client.post(BORROW_URL, {"amount": typed})

    assert response.status_code == 200
    assert error_codes(response) == [code]
    assert 'name="nonce"' not in response.content.decode()
    assert ledger(borrower) == []


def test_amount_above_what_is_left_of_the_limit_is_refused(member_client, borrower):
    services.borrow(member=borrower, amount=450_000)

    page = member_client.get(BORROW_URL)
    refused = member_client.post(BORROW_URL, {"amount": "50001"})

    assert data(page, "available") == "50000"
    assert error_codes(refused) == ["amount_out_of_range"]
    assert submit(member_client, "borrow", "50000").status_code == 302
    assert ledger(borrower)[-1] == (Kind.BORROWING, 50_000, 500_000)


@pytest.mark.parametrize("typed", ["500", "999", "1000"])
def test_borrowing_below_1000_is_refused_even_when_less_than_1000_is_available(
    member_client, borrower, typed
):
    services.borrow(member=borrower, amount=499_500)

    page = member_client.get(BORROW_URL)
    refused = member_client.post(BORROW_URL, {"amount": typed})

    assert data(page, "available") == "500"
    assert error_codes(refused) == ["amount_out_of_range"]
    assert refused.context["form"].has_error("amount", "amount_out_of_range")  # at the form
    assert 'name="nonce"' not in refused.content.decode()
    assert ledger(borrower) == [(Kind.BORROWING, 499_500, 499_500)]


def test_suspended_contract_cannot_borrow(member_client, borrower):
    borrower.contract.status = ContractStatus.SUSPENDED
    borrower.contract.save()

    response = member_client.post(BORROW_URL, {"amount": "10000"})

    assert error_codes(response) == ["contract_suspended"]
    assert 'name="nonce"' not in response.content.decode()
    assert ledger(borrower) == []


def test_contract_suspended_between_the_steps_is_refused_at_confirmation(member_client, borrower):
    confirmation = member_client.post(BORROW_URL, {"amount": "10000"})
    borrower.contract.status = ContractStatus.SUSPENDED
    borrower.contract.save()

    response = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert response.status_code == 200
    assert error_codes(response) == ["contract_suspended"]
    assert ledger(borrower) == []


def test_without_a_transfer_account_the_page_says_so_and_nothing_is_lent(client):
    member = MemberFactory()
    log_in(client, member)

    page = client.get(BORROW_URL)
    refused = client.post(BORROW_URL, {"amount": "10000"})

    assert page.status_code == 200
    assert "no_transfer_account" in error_codes(page)
    assert set(error_codes(refused)) == {"no_transfer_account"}
    assert 'name="nonce"' not in refused.content.decode()
    assert ledger(member) == []


def test_confirmation_refuses_when_the_transfer_account_is_gone(member_client, borrower):
    confirmation = member_client.post(BORROW_URL, {"amount": "10000"})
    TransferAccount.objects.filter(member=borrower).delete()

    response = member_client.post(BORROW_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert response.status_code == 200
    assert "no_transfer_account" in error_codes(response)
    assert ledger(borrower) == []


def test_saturday_night_transfer_is_paid_out_the_next_morning(client, borrower, time_machine):
    time_machine.move_to(tokyo(2026, 12, 12, 23, 45), tick=False)  # a Saturday
    log_in(client, borrower)

    response = submit(client, "borrow", "20000")
    done = client.get(response.url)

    assert done.status_code == 200
    assert data(done, "requested-at") == "2026-12-12T23:45:00+09:00"
    assert data(done, "paid-out-at") == "2026-12-13T09:00:00+09:00"
    (entry,) = LedgerEntry.objects.filter(member=borrower)
    assert entry.requested_at == tokyo(2026, 12, 12, 23, 45)
    assert entry.occurred_at == tokyo(2026, 12, 13, 9, 0)


def test_saturday_before_the_cutoff_is_paid_out_at_once(client, borrower, time_machine):
    time_machine.move_to(tokyo(2026, 12, 12, 23, 29), tick=False)
    log_in(client, borrower)

    done = client.get(submit(client, "borrow", "20000").url)

    assert 'data-requested-at="' not in done.content.decode()
    (entry,) = LedgerEntry.objects.filter(member=borrower)
    assert entry.requested_at is None
    assert entry.occurred_at == tokyo(2026, 12, 12, 23, 29)


def test_repayment_waits_for_a_pending_saturday_night_payout_at_the_first_step(
    client, borrower, time_machine
):
    time_machine.move_to(tokyo(2026, 12, 12, 23, 45), tick=False)  # a Saturday
    log_in(client, borrower)
    submit(client, "borrow", "20000")
    time_machine.move_to(tokyo(2026, 12, 12, 23, 50), tick=False)

    response = client.post(REPAY_URL, {"amount": "5000"})

    assert error_codes(response) == ["payout_pending"]
    assert 'name="nonce"' not in response.content.decode()  # no confirmation step
    assert [kind for kind, _amount, _after in ledger(borrower)] == [Kind.BORROWING]


def test_borrowing_after_an_entry_ahead_of_the_clock_is_refused_at_the_first_step(
    client, borrower, time_machine
):
    """An entry dated after now (booked by a host whose clock runs ahead, or during a
    Saturday-night payout) refuses a borrowing at once, never only after confirming."""
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0, 5), tick=False)
    services.borrow(member=borrower, amount=10_000)  # as booked by a host 5 s ahead
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    log_in(client, borrower)

    response = client.post(BORROW_URL, {"amount": "5000"})

    assert error_codes(response) == ["payout_pending"]
    assert 'name="nonce"' not in response.content.decode()
    assert len(ledger(borrower)) == 1


# --- Repayment -----------------------------------------------------------------------


@pytest.fixture
def debtor(db, time_machine):
    """A member without Web statements (so no interest-free days) who borrowed 100,000 yen
    on 2026-12-10 (first due date 2027-01-25); the clock then stands 30 days later."""
    member = with_transfer_account(MemberFactory(statement_delivery=StatementDelivery.POST))
    time_machine.move_to(tokyo(2026, 12, 10), tick=False)
    services.borrow(member=member, amount=100_000)
    time_machine.move_to(tokyo(2027, 1, 9), tick=False)
    return member


def test_repay_page_shows_the_payoff_amount(client, debtor):
    log_in(client, debtor)

    response = client.get(REPAY_URL)

    assert response.status_code == 200
    assert data(response, "payoff") == "101463"  # 100,000 yen × 17.8% × 30/365 = 1,463 yen


def test_partial_repayment_pays_interest_first(client, debtor):
    log_in(client, debtor)

    response = submit(client, "repay", "10000")
    done = client.get(response.url)

    assert response.url == reverse("history:repay-done", args=[LedgerEntry.objects.latest("id").pk])
    assert data(done, "amount") == "10000"
    assert "<h1>ご返済完了</h1>" in done.content.decode()
    assert data(done, "balance-after") == str(100_000 - (10_000 - 1_463))
    repayment = LedgerEntry.objects.get(member=debtor, kind=Kind.REPAYMENT)
    assert (repayment.interest_paid, repayment.principal_paid) == (1_463, 8_537)


def test_payoff_closes_the_balance_to_exactly_zero(client, debtor):
    log_in(client, debtor)

    response = submit(client, "repay", "101,463")
    done = client.get(response.url)
    mypage = client.get(MYPAGE_URL)

    assert data(done, "balance-after") == "0"
    assert data(mypage, "balance") == "0"
    assert data(mypage, "available") == "500000"
    assert data(mypage, "next-due-date") == ""
    debtor.contract.refresh_from_db()
    assert debtor.contract.principal_balance == 0
    assert loan_position(contract=debtor.contract, on=clock.today()).payoff == 0


def test_a_payoff_below_1000_yen_is_paid_exactly(client, debtor):
    services.repay(member=debtor, amount=101_463 - 500)
    log_in(client, debtor)

    page = client.get(REPAY_URL)
    less = client.post(REPAY_URL, {"amount": "499"})
    response = submit(client, "repay", "500")

    assert data(page, "payoff") == "500"
    assert less.context["form"].has_error("amount", "amount_out_of_range")
    assert response.status_code == 302
    assert data(client.get(response.url), "balance-after") == "0"
    assert ledger(debtor)[-1] == (Kind.REPAYMENT, 500, 0)
    assert loan_position(contract=debtor.contract, on=clock.today()).payoff == 0


def test_repayment_above_the_payoff_is_refused(client, debtor):
    log_in(client, debtor)

    response = client.post(REPAY_URL, {"amount": "101464"})

    assert error_codes(response) == ["amount_out_of_range"]
    assert [kind for kind, *_ in ledger(debtor)] == [Kind.BORROWING]


def test_nothing_to_repay_refuses_any_amount(member_client, borrower):
    response = member_client.post(REPAY_URL, {"amount": "1000"})

    assert error_codes(response) == ["amount_out_of_range"]
    assert ledger(borrower) == []


def test_a_repeated_repayment_confirmation_writes_nothing_more(client, debtor):
    log_in(client, debtor)
    confirmation = client.post(REPAY_URL, {"amount": "5000"})
    nonce = nonce_of(confirmation)

    first = client.post(REPAY_CONFIRM_URL, {"nonce": nonce})
    again = client.post(REPAY_CONFIRM_URL, {"nonce": nonce})

    (entry,) = LedgerEntry.objects.filter(member=debtor, kind=Kind.REPAYMENT)
    assert first.url == again.url == reverse("history:repay-done", args=[entry.pk])


# --- Maintenance windows (SPEC §3) ---------------------------------------------------

REPAYMENT_WINDOWS = [
    tokyo(2026, 12, 13, 23, 30),  # Sunday night
    tokyo(2026, 12, 20, 3, 0),  # the third Sunday of December
    tokyo(2026, 12, 19, 23, 30),  # the Saturday before the third Sunday
]


@pytest.mark.parametrize("moment", REPAYMENT_WINDOWS, ids=["sunday", "third-sunday", "saturday"])
def test_internet_repayment_windows_close_repayment_but_not_borrowing(
    client, borrower, time_machine, moment
):
    services.borrow(member=borrower, amount=50_000)
    time_machine.move_to(moment, tick=False)
    log_in(client, borrower)

    form = client.get(REPAY_URL)
    confirm = client.post(REPAY_CONFIRM_URL, {"nonce": "x"})
    posted = client.post(REPAY_URL, {"amount": "5000"})

    for response in (form, confirm, posted):
        assert response.status_code == 503
        assert int(response["Retry-After"]) > 0
        assert 'data-maintenance-until="' in response.content.decode()
    assert client.get(BORROW_URL).status_code == 200
    assert client.get(MYPAGE_URL).status_code == 200
    assert submit(client, "borrow", "1000").status_code == 302
    assert [kind for kind, *_ in ledger(borrower)] == [Kind.BORROWING, Kind.BORROWING]


def test_during_a_repayment_window_the_member_top_hides_repayment_and_says_what_works(
    client, borrower, time_machine
):
    services.borrow(member=borrower, amount=50_000)
    time_machine.move_to(tokyo(2026, 12, 13, 23, 30), tick=False)
    log_in(client, borrower)

    mypage = client.get(MYPAGE_URL).content.decode()
    closed = client.get(REPAY_URL).content.decode()

    assert 'id="menu-repay"' not in mypage and 'id="menu-borrow"' in mypage
    assert 'id="repayment-maintenance"' in mypage and "スマホATM" in mypage
    # One date style in the text of the page: 「2026年12月14日 07:00」, as 「…年…月…日」 beside it.
    assert "（2026年12月14日 07:00再開）" in mypage
    # The 503 page of one service keeps the member menu and names the other ways to pay.
    assert 'id="logout-button"' in closed and 'id="other-ways-to-repay"' in closed


def test_sunday_night_window_resumes_when_the_monday_window_ends(client, borrower, time_machine):
    time_machine.move_to(tokyo(2026, 12, 13, 23, 30), tick=False)
    log_in(client, borrower)

    response = client.get(REPAY_URL)

    assert data(response, "maintenance-until") == "2026-12-14T07:00:00+09:00"


def test_repayment_confirmed_once_the_window_opened_is_refused(client, debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 10, 22, 59), tick=False)  # a Sunday
    log_in(client, debtor)
    confirmation = client.post(REPAY_URL, {"amount": "5000"})
    time_machine.move_to(tokyo(2027, 1, 10, 23, 0), tick=False)

    response = client.post(REPAY_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert response.status_code == 503
    assert [kind for kind, *_ in ledger(debtor)] == [Kind.BORROWING]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", BORROW_URL),
        ("post", BORROW_CONFIRM_URL),
        ("get", REPAY_URL),
        ("post", REPAY_CONFIRM_URL),
        ("get", MYPAGE_URL),
    ],
)
def test_member_page_window_closes_borrowing_and_repayment(
    client, borrower, time_machine, method, url
):
    time_machine.move_to(tokyo(2026, 12, 14, 3, 0), tick=False)  # a Monday
    log_in(client, borrower)

    response = getattr(client, method)(url, {"amount": "1000"} if method == "post" else None)

    assert response.status_code == 503
    assert data(response, "maintenance-until") == "2026-12-14T07:00:00+09:00"
    assert ledger(borrower) == []


# --- Isolation -----------------------------------------------------------------------


def test_done_pages_of_another_members_entries_are_not_found(client, borrower, debtor):
    log_in(client, debtor)
    other_repayment_url = submit(client, "repay", "5000").url
    other_borrowing = LedgerEntry.objects.get(member=debtor, kind=Kind.BORROWING)
    own = services.borrow(member=borrower, amount=1_000)
    log_in(client, borrower)

    assert client.get(reverse("history:borrow-done", args=[own.pk])).status_code == 200
    assert client.get(reverse("history:borrow-done", args=[other_borrowing.pk])).status_code == 404
    assert client.get(other_repayment_url).status_code == 404
    # A borrowing is not shown as a repayment either.
    assert client.get(reverse("history:repay-done", args=[own.pk])).status_code == 404


def test_ledger_pages_need_a_login(client):
    for url in (BORROW_URL, REPAY_URL, MYPAGE_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("members:login"))


# --- The figures on /mypage/ ---------------------------------------------------------

MYPAGE_FIGURES = {
    "balance": "principal",
    "next-due-date": "next_due_date",
    "minimum-payment": "remaining_due",
    "overdue": "overdue_amount",
}


def assert_mypage_matches_the_position(response, member):
    contract = member.contract
    contract.refresh_from_db()
    position = loan_position(contract=contract, on=clock.today())
    for name, attribute in MYPAGE_FIGURES.items():
        value = getattr(position, attribute)
        if value is None:
            expected = ""
        elif isinstance(value, dt.date):
            expected = value.isoformat()
        else:
            expected = str(value)
        assert data(response, name) == expected, name
    assert data(response, "available") == str(contract.credit_limit - position.principal)
    assert data(response, "limit") == str(contract.credit_limit)
    assert data(response, "rate") == str(contract.annual_rate)
    return position


def test_mypage_shows_the_key_figures(client, debtor):
    log_in(client, debtor)

    response = client.get(MYPAGE_URL)

    assert response.status_code == 200
    position = assert_mypage_matches_the_position(response, debtor)
    assert data(response, "balance") == "100000"
    assert data(response, "available") == "400000"
    assert data(response, "limit") == "500000"
    assert data(response, "rate") == "17.80"
    assert data(response, "next-due-date") == "2027-01-25"  # borrowed on the 10th; due day 25
    assert data(response, "minimum-payment") == "4000"  # 100,000 × 3.61%, rounded up
    assert data(response, "overdue") == "0"
    assert position.overdue_since is None


def test_mypage_leads_with_what_to_pay_and_hides_what_does_not_apply(client, debtor):
    log_in(client, debtor)

    html = client.get(MYPAGE_URL).content.decode()

    assert html.index("次回ご返済額") < html.index("ご返済期日") < html.index("ご利用残高")
    assert "延滞" not in html and 'id="overdue-banner"' not in html
    assert "無利息期間の残り" not in html  # paper statements: no interest-free days
    assert 'id="menu-borrow"' in html and 'id="menu-repay"' in html


def test_an_overdue_member_gets_one_banner_with_the_amount_to_pay_and_no_borrowing(
    client, debtor, time_machine
):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    log_in(client, debtor)

    html = client.get(MYPAGE_URL).content.decode()

    assert 'id="overdue-banner"' in html and "本日お支払いいただく金額" in html
    assert "2027年1月26日からお支払いが遅れています" in html
    assert "銀行振込" in html and "スマホATM" in html  # how to pay
    assert 'id="menu-borrow"' not in html
    assert "お借入れ停止中" in html
    assert "次回ご返済額" not in html  # no minimum "next" beside the overdue amount
    assert html.count('id="menu-repay"') == 1


def test_mypage_of_a_member_who_never_borrowed(member_client, borrower):
    response = member_client.get(MYPAGE_URL)

    assert_mypage_matches_the_position(response, borrower)
    assert data(response, "balance") == "0"
    assert data(response, "available") == "500000"
    assert data(response, "next-due-date") == ""
    assert data(response, "minimum-payment") == "0"


def test_unpaid_minimum_after_the_due_date_makes_the_member_delinquent(
    client, debtor, time_machine
):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)  # two days after the due date
    log_in(client, debtor)

    mypage = client.get(MYPAGE_URL)
    refused = client.post(BORROW_URL, {"amount": "1000"})

    position = assert_mypage_matches_the_position(mypage, debtor)
    assert position.overdue_since == dt.date(2027, 1, 26)
    assert int(data(mypage, "overdue")) > 4_000  # the minimum plus late damages
    assert 'data-contract-status="' in mypage.content.decode()
    assert error_codes(refused) == ["contract_suspended"]
    assert [kind for kind, *_ in ledger(debtor)] == [Kind.BORROWING]


def test_paying_the_overdue_amount_lifts_the_refusal(client, debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    log_in(client, debtor)
    overdue = data(client.get(MYPAGE_URL), "overdue")

    submit(client, "repay", overdue)
    mypage = client.get(MYPAGE_URL)

    assert data(mypage, "overdue") == "0"
    confirmation = client.post(BORROW_URL, {"amount": "1000"})
    assert error_codes(confirmation) == []
    assert nonce_of(confirmation)


def test_mypage_figures_across_two_missed_due_dates(client, debtor, time_machine):
    """01-25 and 02-25 passed unpaid: two minimums of 4,000 yen plus 32 days of damages."""
    time_machine.move_to(tokyo(2027, 2, 26), tick=False)
    log_in(client, debtor)

    two_missed = client.get(MYPAGE_URL)
    submit(client, "repay", "5753")  # one minimum and the 1,753 yen of late damages
    one_missed = client.get(MYPAGE_URL)
    refused = client.post(BORROW_URL, {"amount": "1000"})
    submit(client, "repay", data(one_missed, "overdue"))
    up_to_date = client.get(MYPAGE_URL)

    figures = ("overdue", "minimum-payment", "next-due-date", "due-dates-missed")
    assert [data(two_missed, name) for name in figures] == ["9753", "8000", "2027-01-25", "2"]
    assert "2回分の返済期日が過ぎています" in two_missed.content.decode()
    assert [data(one_missed, name) for name in figures] == ["4000", "4000", "2027-02-25", "1"]
    assert error_codes(refused) == ["contract_suspended"]
    assert [data(up_to_date, name) for name in figures[:3]] == ["0", "4000", "2027-03-25"]
    assert 'data-due-dates-missed="' not in up_to_date.content.decode()
    assert_mypage_matches_the_position(up_to_date, debtor)
    assert error_codes(client.post(BORROW_URL, {"amount": "1000"})) == []


# --- Transaction e-mail --------------------------------------------------------------


def test_transaction_mail_is_sent_after_borrowing_when_opted_in(
    member_client, borrower, django_capture_on_commit_callbacks
):
    response = member_client.post(MAIL_SETTING_URL, {"transaction_email": "on"})
    assert response.status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        submit(member_client, "borrow", "12000")

    (message,) = mail.outbox
    assert message.to == [borrower.email]
    assert "お借入れ" in message.subject
    assert "12,000円" in message.body


def test_no_transaction_mail_when_opted_out(
    member_client, borrower, django_capture_on_commit_callbacks
):
    member_client.post(MAIL_SETTING_URL, {"transaction_email": "on"})
    member_client.post(MAIL_SETTING_URL, {"transaction_email": "off"})

    with django_capture_on_commit_callbacks(execute=True):
        submit(member_client, "borrow", "12000")

    assert mail.outbox == []
    assert len(ledger(borrower)) == 1


def test_no_transaction_mail_by_default(
    member_client, borrower, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(member_client, "borrow", "12000")

    assert mail.outbox == []


def test_transaction_mail_setting_refuses_a_bad_choice(member_client, borrower):
    response = member_client.post(MAIL_SETTING_URL, {"transaction_email": "maybe"})

    assert response.status_code == 200
    assert error_codes(response) == ["invalid_choice"]
    assert 'value="off"' in member_client.get(MAIL_SETTING_URL).content.decode()


def test_the_repayment_confirmation_shows_the_split_and_the_balance_after(client, debtor):
    log_in(client, debtor)
    position = loan_position(contract=debtor.contract, on=clock.today())

    confirmation = client.post(REPAY_URL, {"amount": "10000"})

    html = confirmation.content.decode()
    assert "<h1>ご返済内容の確認</h1>" in html and "（確認）" not in html
    assert data(confirmation, "interest-paid") == str(position.interest)
    assert data(confirmation, "principal-paid") == str(10_000 - position.interest)
    assert data(confirmation, "balance-after") == str(
        position.principal - (10_000 - position.interest)
    )


def test_the_borrowing_confirmation_has_a_plain_title(member_client):
    html = member_client.post(BORROW_URL, {"amount": "10000"}).content.decode()

    assert "<h1>お借入れ内容の確認</h1>" in html


def test_the_borrowing_confirmation_names_the_bank_and_branch_and_masks_the_number(
    member_client,
):
    html = member_client.post(BORROW_URL, {"amount": "10000"}).content.decode()

    assert "みずほ" in html and "東京営業部" in html  # bank 0001, branch 001
    assert "＊＊＊4567" in html and "1234567" not in html


@pytest.mark.parametrize("url", [MYPAGE_URL, BORROW_URL, REPAY_URL, "/mypage/history/"])
def test_every_member_page_has_the_everyday_actions_under_the_header(member_client, url):
    html = member_client.get(url).content.decode()

    actions = ("borrow", "repay", "history", "interest", "atm", "points", "notices", "coupons")
    for action in (f"nav-{name}" for name in actions):
        assert f'id="{action}"' in html


def test_the_everyday_actions_are_for_members_only(client):
    assert 'class="quick-nav"' not in client.get("/login/").content.decode()
