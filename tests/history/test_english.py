"""The history area in English (issue 13): every page of the loan ledger, the smartphone
ATM and the simulator, in each state that changes what it says, and the ledger's mails
to a member who reads English, have no Japanese outside data (names, bank names)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from history import atm, services
from history.models import Channel, Kind, LedgerEntry
from history.reminders import send_due_notices
from members.models import DueDay, StatementDelivery
from tests.english import JAPANESE, assert_page_in_english
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import error_codes, nonce_of, tokyo

pytestmark = pytest.mark.django_db

MYPAGE_URL = reverse("members:mypage")
HISTORY_URL = reverse("history:history")
CSV_URL = reverse("history:history-csv")
INTEREST_URL = reverse("history:interest")
SIMULATOR_URL = reverse("simulator:simulator")
ATM_URL = reverse("history:atm")
ATM_START_URL = reverse("atm:start")


@pytest.fixture
def english(client):
    """A browser whose visitor chose English (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def log_in(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def borrower(**fields):
    """A member with a transfer account who borrowed 100,000 yen (no interest-free days)."""
    member = MemberFactory(**fields)
    TransferAccountFactory(member=member)
    services.borrow(member=member, amount=100_000)
    return member


@pytest.fixture
def debtor(db):
    return borrower()


# --- The member top ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["standard", "delinquent", "interest_free", "paid_off"])
def test_the_member_tops_loan_panel_in_english(english, persona_members, persona):
    html = assert_page_in_english(log_in(english, persona_members[persona]).get(MYPAGE_URL))
    # The large figures put the yen sign before the number, as English writes it.
    hero = re.findall(r'class="hero-figure" data-(?:overdue|minimum-payment)="\d+">([^<]*)<', html)
    assert hero and all(figure.startswith("¥") for figure in hero)


def test_the_member_top_keeps_japanese_amounts_in_japanese(client, persona_members):
    html = log_in(client, persona_members["standard"]).get(MYPAGE_URL).content.decode()
    assert re.search(r'data-minimum-payment="\d+">[\d,]+<span class="unit">円</span>', html)


def test_the_member_top_during_a_repayment_window(english, debtor, time_machine):
    time_machine.move_to(tokyo(2026, 12, 13, 23, 30), tick=False)  # a Sunday night
    html = assert_page_in_english(log_in(english, debtor).get(MYPAGE_URL))
    assert 'id="repayment-maintenance"' in html and "14 Dec 2026, 07:00" in html


# --- History, CSV, chart ----------------------------------------------------------------


def test_the_history_with_its_totals_chart_and_pages(english, persona_members):
    member = persona_members["standard"]
    html = assert_page_in_english(log_in(english, member).get(HISTORY_URL))
    assert 'class="balance-chart"' in html and 'aria-label="Principal balance over time (' in html
    assert re.search(r'class="chart-label" text-anchor="end">¥\d+k<', html)
    if LedgerEntry.objects.filter(member=member).count() > 20:
        assert_page_in_english(english.get(HISTORY_URL, {"page": "2"}))


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-12-01", "date_to": "2026-11-01"},  # in the wrong order
        {"date_from": "1999-12-31"},  # before the history can start
        {"kind": "repayment", "date_from": "2026-12-09"},  # nothing found
        {"kind": "nonsense"},
    ],
)
def test_the_history_filter_and_its_errors(english, debtor, query):
    assert_page_in_english(log_in(english, debtor).get(HISTORY_URL, query))


def test_the_csv_of_an_english_page_has_english_headers_and_the_same_columns(english, debtor):
    services.repay(member=debtor, amount=5_000)
    response = log_in(english, debtor).get(CSV_URL)
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    header, *lines = [line.split(",") for line in text.splitlines()]
    assert header[:3] == ["Transaction date and time", "Received at", "Type"]
    assert len(header) == 9 and "Amount" in header
    assert [line[2] for line in lines] == ["Repayment", "Borrowing"]
    assert not JAPANESE.search(text)


# --- Borrowing and repayment ------------------------------------------------------------


def test_borrowing_from_the_form_to_the_done_page(english, debtor):
    log_in(english, debtor)
    assert_page_in_english(english.get(reverse("history:borrow")))
    for amount in ("abc", "1", "9999999"):
        errors = assert_page_in_english(english.post(reverse("history:borrow"), {"amount": amount}))
        assert 'data-error-code="' in errors
    confirmation = english.post(reverse("history:borrow"), {"amount": "20000"})
    html = assert_page_in_english(confirmation)
    # The transfer account's bank, branch and holder are data in Japanese.
    assert re.search(r'<span class="keep" lang="ja">[^<]+</span>', html)
    assert "***" in html and "＊" not in html
    done = english.post(reverse("history:borrow-confirm"), {"nonce": nonce_of(confirmation)})
    assert_page_in_english(english.get(done.url))


def test_borrowing_refused_without_a_transfer_account_and_while_overdue(
    english, persona_members, db
):
    log_in(english, MemberFactory())
    html = assert_page_in_english(english.get(reverse("history:borrow")))
    assert 'data-error-code="no_transfer_account"' in html

    log_in(english, persona_members["delinquent"])
    refused = english.post(reverse("history:borrow"), {"amount": "10000"})
    assert "contract_suspended" in error_codes(assert_page_in_english(refused))


@pytest.mark.parametrize("persona", ["standard", "delinquent"])
def test_repaying_from_the_form_to_the_done_page(english, persona_members, persona):
    log_in(english, persona_members[persona])
    assert_page_in_english(english.get(reverse("history:repay")))
    errors = assert_page_in_english(english.post(reverse("history:repay"), {"amount": "99999999"}))
    assert 'data-error-code="amount_out_of_range"' in errors
    confirmation = english.post(reverse("history:repay"), {"amount": "12000"})
    assert_page_in_english(confirmation)
    done = english.post(reverse("history:repay-confirm"), {"nonce": nonce_of(confirmation)})
    assert_page_in_english(english.get(done.url))


def test_a_saturday_night_transfer_in_english(english, debtor, time_machine):
    time_machine.move_to(tokyo(2026, 12, 12, 23, 45), tick=False)  # a Saturday night
    log_in(english, debtor)
    confirmation = english.post(reverse("history:borrow"), {"amount": "10000"})
    done = english.post(reverse("history:borrow-confirm"), {"nonce": nonce_of(confirmation)})
    html = assert_page_in_english(english.get(done.url))
    assert "<h1>Borrowing complete</h1>" in html
    assert "data-paid-out-at=" in html
    refused = english.post(reverse("history:repay"), {"amount": "10000"})
    assert "payout_pending" in error_codes(assert_page_in_english(refused))


# --- Interest inquiry, simulator, mail settings ----------------------------------------


@pytest.mark.parametrize("persona", ["standard", "delinquent", "interest_free", "paid_off"])
def test_the_interest_inquiry(english, persona_members, persona):
    log_in(english, persona_members[persona])
    assert_page_in_english(english.get(INTEREST_URL))
    html = assert_page_in_english(english.get(INTEREST_URL, {"repayment_date": "2026-12-20"}))
    assert 'id="interest-result"' in html and "If you repay on 20 Dec 2026" in html
    assert_page_in_english(english.get(INTEREST_URL, {"repayment_date": "2030-01-01"}))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"mode": "payment", "amount": "300000", "months": "36", "rate": "17.8"},
        {"mode": "count", "amount": "300000", "monthly_payment": "10000", "rate": "17.8"},
        {"mode": "amount", "monthly_payment": "10000", "months": "36", "rate": "17.8"},
        {"mode": "count", "amount": "300000", "monthly_payment": "1000", "rate": "17.8"},
        {"mode": "payment", "amount": "", "months": "", "rate": "abc"},
    ],
)
def test_the_simulator(english, db, query):
    assert_page_in_english(english.get(SIMULATOR_URL, query))


def test_the_reminder_and_transaction_mail_settings(english, debtor):
    log_in(english, debtor)
    assert_page_in_english(english.get(reverse("history:settings-reminder")))
    invalid = english.post(reverse("history:settings-reminder"), {"enabled": "on"})
    assert_page_in_english(invalid)
    english.post(
        reverse("history:settings-reminder"), {"enabled": "on", "days_before": 2, "hour": 8}
    )
    html = assert_page_in_english(english.get(reverse("members:settings")))
    assert "Sent 2 days before the due date at 8:00" in html
    assert_page_in_english(english.get(reverse("history:settings-transaction-mail")))
    assert_page_in_english(english.post(reverse("history:settings-transaction-mail"), {}))


def test_the_reminder_setting_asks_for_a_verified_address_first(english, db):
    log_in(english, MemberFactory(email_verified=False))
    html = assert_page_in_english(english.get(reverse("history:settings-reminder")))
    assert 'data-error-code="email_not_verified"' in html


# --- Smartphone ATM ---------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["withdraw", "deposit"])
def test_the_smartphone_atm_on_both_sides(english, debtor, operation):
    session, token = atm.start_session()
    screen = reverse("atm:session", kwargs={"token": token})
    assert_page_in_english(english.get(ATM_START_URL))
    assert 'data-atm-state="waiting"' in assert_page_in_english(english.get(screen))

    log_in(english, debtor)
    assert_page_in_english(english.get(ATM_URL))
    wrong = {"code": "000000" if session.code != "000000" else "999999"}
    errors = assert_page_in_english(
        english.post(ATM_URL, {**wrong, "operation": operation, "amount": "1"})
    )
    assert "atm_amount_unit" in error_codes(errors)
    form = {"code": session.code, "operation": operation, "amount": "20000"}
    confirmation = english.post(ATM_URL, form)
    assert_page_in_english(confirmation)
    assert 'data-atm-state="claimed"' in assert_page_in_english(english.get(screen))
    done = english.post(reverse("history:atm-confirm"), {"nonce": nonce_of(confirmation)})
    assert_page_in_english(english.get(done.url))
    assert 'data-atm-state="done"' in assert_page_in_english(english.get(screen))


def test_the_atm_screen_cancelled_and_expired(english, db, time_machine):
    _session, token = atm.start_session()
    screen = reverse("atm:session", kwargs={"token": token})
    english.post(reverse("atm:session-cancel", kwargs={"token": token}))
    assert 'data-atm-state="cancelled"' in assert_page_in_english(english.get(screen))

    _session, token = atm.start_session()
    time_machine.shift(dt.timedelta(minutes=4))
    html = assert_page_in_english(english.get(reverse("atm:session", kwargs={"token": token})))
    assert 'data-atm-state="expired"' in html


def test_the_atm_refuses_an_unknown_code_in_english(english, debtor):
    log_in(english, debtor)
    session, _token = atm.start_session()
    unknown = "000000" if session.code != "000000" else "999999"
    refused = english.post(ATM_URL, {"code": unknown, "operation": "withdraw", "amount": "1000"})
    assert "atm_code_unknown" in error_codes(assert_page_in_english(refused))


# --- Mails ------------------------------------------------------------------------------


def english_mail(message, member) -> str:
    """Return the mail's text after checking it is English apart from the member's name."""
    text = f"{message.subject}\n{message.body}".replace(member.name_kanji, "")
    assert JAPANESE.findall(text) == [], text
    return text


@pytest.fixture
def english_reader(time_machine, mailbox):
    """A member who reads English and borrowed 100,000 yen on 2026-12-10 (due 2027-01-25)."""
    member = MemberFactory(language="en", statement_delivery=StatementDelivery.POST)
    member.contract.due_day = DueDay.TWENTY_FIFTH
    member.contract.save()
    TransferAccountFactory(member=member)
    time_machine.move_to(tokyo(2026, 12, 10), tick=False)
    services.borrow(member=member, amount=100_000)
    return member


def test_the_reminder_mail_in_english(english_reader, time_machine):
    services.set_mail_preference(
        member=english_reader, reminder_enabled=True, reminder_days_before=3, reminder_hour=9
    )
    time_machine.move_to(tokyo(2027, 1, 22, 9), tick=False)
    send_due_notices()
    (message,) = mail.outbox
    text = english_mail(message, english_reader)
    assert "Due date: Mon 25 Jan 2027" in text and "Next payment: ¥4,000" in text
    assert "This is the minimum payment. You may repay any amount above it." in text


def test_the_overdue_mail_in_english(english_reader, time_machine):
    time_machine.move_to(tokyo(2027, 1, 26, 9), tick=False)
    send_due_notices()
    (message,) = mail.outbox
    text = english_mail(message, english_reader)
    assert "Mon 25 Jan 2027" in text and "(as of 26 Jan 2027)" in text


def test_the_transaction_mails_in_english(english_reader, django_capture_on_commit_callbacks):
    services.set_mail_preference(member=english_reader, transaction_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.repay(member=english_reader, amount=10_000)
        services.borrow(member=english_reader, amount=5_000, channel=Channel.SMARTPHONE_ATM)
    repayment, borrowing = mail.outbox
    assert "Amount: ¥10,000" in english_mail(repayment, english_reader)
    assert "Borrowing (Smartphone ATM)" in english_mail(borrowing, english_reader)
    assert LedgerEntry.objects.filter(member=english_reader, kind=Kind.REPAYMENT).exists()
