"""The loan ledger in a real browser (SPEC §6, §10; issue #5 item 10).

The frozen clock (tests/conftest.py) is Wednesday 2026-12-09 12:00 in Tokyo: no
maintenance window is open and a transfer is paid out at once.
"""

import calendar
import csv
import datetime as dt
import io
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from history.models import InterestFreePeriod, Kind, LedgerEntry
from history.selectors import loan_position
from members.models import DueDay, LoanContract, Member, StatementDelivery
from tests.browser.conftest import expect_error_codes, login_as
from tests.factories import DEFAULT_PIN, MemberFactory, TransferAccountFactory

pytestmark = pytest.mark.django_db(transaction=True)

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = dt.date(2026, 12, 9)


def figure(page, name: str) -> str:
    """The unformatted value of the one `data-<name>` key figure on the page."""
    element = page.locator(f"[data-{name}]")
    expect(element).to_have_count(1)
    return element.get_attribute(f"data-{name}")


def history_rows(page):
    return page.locator("#history-table tbody tr[data-kind]")


def test_borrow_then_repay_in_full_brings_the_balance_to_zero(page, personas):
    """Borrow → confirm → done, the entry tops the history; repaying the payoff amount the
    repay page shows closes the balance to exactly 0."""
    login_as(page, "standard", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    balance_before = int(figure(page, "balance"))
    limit = int(figure(page, "limit"))
    assert balance_before > 0  # the standard persona is in the middle of repaying
    assert int(figure(page, "available")) == limit - balance_before

    page.locator("#menu-borrow").click()
    expect(page).to_have_url(re.compile(r"/mypage/borrow/$"))
    page.get_by_label("金額（円）").fill("30000")
    page.locator("#borrow-submit").click()
    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", "30000")
    page.locator("#borrow-confirm-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/borrow/done/\d+/$"))
    done = page.locator("#ledger-done")
    expect(done).to_have_attribute("data-kind", "borrowing")
    expect(done).to_have_attribute("data-amount", "30000")
    expect(done).to_have_attribute("data-balance-after", str(balance_before + 30_000))
    # A Wednesday-noon transfer is paid out at once, not the next morning.
    expect(page.locator("[data-paid-out-at]")).to_have_count(0)

    page.locator("#main").get_by_role("link", name="ご利用履歴").click()
    newest = history_rows(page).first
    expect(newest).to_have_attribute("data-kind", "borrowing")
    expect(newest).to_have_attribute("data-amount", "30000")
    expect(newest).to_have_attribute("data-balance-after", str(balance_before + 30_000))

    page.goto("/mypage/")
    expect(page.locator("[data-balance]")).to_have_attribute(
        "data-balance", str(balance_before + 30_000)
    )
    page.locator("#menu-repay").click()
    expect(page).to_have_url(re.compile(r"/mypage/repay/$"))
    payoff_figure = page.locator("[data-payoff]")
    payoff = int(payoff_figure.get_attribute("data-payoff"))
    assert payoff >= balance_before + 30_000  # principal plus the interest accrued so far
    shown = payoff_figure.inner_text()  # e.g. "123,456円", as a person reads and types it
    assert shown == f"{payoff:,}円"
    page.get_by_label("金額（円）").fill(shown)
    page.locator("#repay-submit").click()
    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", str(payoff))
    page.locator("#repay-confirm-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/repay/done/\d+/$"))
    done = page.locator("#ledger-done")
    expect(done).to_have_attribute("data-kind", "repayment")
    expect(done).to_have_attribute("data-amount", str(payoff))
    expect(done).to_have_attribute("data-balance-after", "0")

    page.locator("#main").get_by_role("link", name="ご利用履歴").click()
    newest = history_rows(page).first
    expect(newest).to_have_attribute("data-kind", "repayment")
    expect(newest).to_have_attribute("data-amount", str(payoff))
    expect(newest).to_have_attribute("data-balance-after", "0")

    page.get_by_role("link", name="会員トップ").click()
    expect(page.locator("[data-balance]")).to_have_attribute("data-balance", "0")
    assert figure(page, "available") == str(limit)
    assert figure(page, "minimum-payment") == "0"
    assert figure(page, "overdue") == "0"


def test_saturday_night_transfer_is_paid_out_the_next_morning(page, personas, time_machine):
    """A borrowing requested Saturday 23:45 shows when it was requested and that it is paid
    out on Sunday morning (SPEC §3); the history lists it at the paid-out time."""
    time_machine.move_to(dt.datetime(2026, 12, 12, 23, 45, tzinfo=TOKYO), tick=True)
    login_as(page, "standard", "card")
    page.locator("#menu-borrow").click()
    page.get_by_label("金額（円）").fill("5000")
    page.locator("#borrow-submit").click()
    page.locator("#borrow-confirm-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/borrow/done/\d+/$"))
    requested_at = dt.datetime.fromisoformat(figure(page, "requested-at"))
    paid_out_at = dt.datetime.fromisoformat(figure(page, "paid-out-at"))
    assert requested_at.astimezone(TOKYO).date() == dt.date(2026, 12, 12)
    assert requested_at.astimezone(TOKYO).time() >= dt.time(23, 45)
    assert paid_out_at.astimezone(TOKYO).date() == dt.date(2026, 12, 13)
    assert paid_out_at.astimezone(TOKYO).time() < dt.time(12, 0)

    page.locator("#main").get_by_role("link", name="ご利用履歴").click()
    newest = history_rows(page).first
    expect(newest).to_have_attribute("data-kind", "borrowing")
    expect(newest).to_have_attribute("data-amount", "5000")
    expect(newest.locator("td").first).to_have_text(
        paid_out_at.astimezone(TOKYO).strftime("%Y/%m/%d %H:%M")
    )


def _inquire(page, day: dt.date):
    page.locator("#menu-interest").click()
    expect(page).to_have_url(re.compile(r"/mypage/interest/$"))
    page.get_by_label("ご返済予定日").fill(day.isoformat())
    page.locator("#interest-submit").click()
    expect(page).to_have_url(re.compile(rf"/mypage/interest/\?repayment_date={day.isoformat()}$"))
    expect(page.locator("#interest-result")).to_be_visible()


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, TOKYO).date()


def _spec_interest(member: Member, rate: Decimal, on: dt.date) -> tuple[int, int, int]:
    """(days, interest, payoff) on `on` by SPEC §6, summed day by day from the ledger rows.

    Interest runs from the day after the last repayment (the last settlement) on the
    balance each day starts with, at rate ÷ 365 (÷ 366 in a leap year), outside
    interest-free days, and is truncated to the yen.
    """
    entries = LedgerEntry.objects.filter(member=member).order_by("occurred_at", "id")
    moving = [e for e in entries if e.kind in (Kind.BORROWING, Kind.REPAYMENT, Kind.ADJUSTMENT)]
    settlement = next(e for e in reversed(moving) if e.kind == Kind.REPAYMENT)
    settled_on = _local_day(settlement.occurred_at)
    later = [e for e in moving if e.occurred_at > settlement.occurred_at]
    free = [(p.first_day, p.last_day) for p in InterestFreePeriod.objects.filter(member=member)]
    total = Fraction(0)
    day = settled_on + dt.timedelta(days=1)
    while day <= on:
        reached = [e.principal_after for e in later if _local_day(e.occurred_at) < day]
        balance = reached[-1] if reached else settlement.principal_after
        if not any(first <= day <= last for first, last in free):
            year_days = 366 if calendar.isleap(day.year) else 365
            total += Fraction(balance) * Fraction(rate) / 100 / year_days
        day += dt.timedelta(days=1)
    principal = (later[-1] if later else settlement).principal_after
    interest = settlement.interest_unpaid + int(total)
    return (on - settled_on).days, interest, principal + interest


def test_interest_inquiry_for_the_next_due_date_matches_the_spec_formula(page, personas):
    """The standard persona asks for the interest up to the next due date; days, interest
    and payoff are what SPEC's daily formula gives on the persona's ledger."""
    persona = personas["standard"]
    login_as(page, "standard", "card")
    next_due = dt.date.fromisoformat(figure(page, "next-due-date"))
    rate = Decimal(figure(page, "rate"))
    assert next_due > TODAY

    _inquire(page, next_due)
    member = Member.objects.get(member_number=persona.member_number)
    days, interest, payoff = _spec_interest(member, rate, next_due)
    assert interest > 0
    assert (figure(page, "days"), figure(page, "interest"), figure(page, "payoff")) == (
        str(days),
        str(interest),
        str(payoff),
    )
    # Repaying on the due date is not late: no late damages.
    expect(page.locator("[data-late-damages]")).to_have_count(0)


@pytest.fixture
def new_borrower(transactional_db):
    """A member with Web-ID-free card login, a transfer account, paper statements (so no
    first-time interest-free days) and due day 15, who has never borrowed."""
    member = MemberFactory(
        statement_delivery=StatementDelivery.POST, contract__due_day=DueDay.FIFTEENTH
    )
    TransferAccountFactory(member=member)
    return member


def test_first_borrowing_then_interest_inquiry_gives_the_published_example(page, new_borrower):
    """100,000 yen borrowed today at 17.8%: repaying 30 days later costs 1,463 yen of interest
    (SPEC §6's example), the first due date is the 15th of next month and the minimum 4,000."""
    page.goto("/login/")
    page.locator("#id_card_number").fill(new_borrower.card_number)
    page.locator("#id_pin").fill(DEFAULT_PIN)
    page.locator("#card-login-submit").click()
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    assert figure(page, "balance") == "0"

    page.locator("#menu-borrow").click()
    page.get_by_label("金額（円）").fill("100000")
    page.locator("#borrow-submit").click()
    page.locator("#borrow-confirm-submit").click()
    expect(page.locator("#ledger-done")).to_have_attribute("data-balance-after", "100000")

    page.get_by_role("link", name="会員トップに戻る").click()
    assert figure(page, "next-due-date") == "2027-01-15"
    assert figure(page, "minimum-payment") == "4000"
    # Paper statements: no interest-free days, so none is shown.
    expect(page.locator("[data-interest-free-days]")).to_have_count(0)

    _inquire(page, TODAY + dt.timedelta(days=30))
    assert figure(page, "days") == "30"
    assert figure(page, "interest") == "1463"
    assert figure(page, "payoff") == "101463"
    assert figure(page, "minimum-payment") == "4000"


def test_interest_inquiry_refuses_a_date_in_the_past(page, personas):
    """The date field stops a past date in the browser (min), and the server refuses it too
    when the GET URL of the testers' contract is opened directly."""
    login_as(page, "standard", "card")
    page.locator("#menu-interest").click()
    date_field = page.get_by_label("ご返済予定日")
    date_field.fill((TODAY - dt.timedelta(days=1)).isoformat())
    page.locator("#interest-submit").click()
    assert date_field.evaluate("field => field.validity.rangeUnderflow") is True
    expect(page).to_have_url(re.compile(r"/mypage/interest/$"))

    page.goto("/mypage/interest/?repayment_date=2026-12-08")
    expect_error_codes(page, "date_out_of_range")
    expect(page.locator("#interest-result")).to_have_count(0)


def test_csv_download_has_the_pages_rows_under_the_same_filters(page, personas):
    """Filter the history by kind and period, download the CSV from the page: UTF-8 with a
    BOM, a header row, and exactly the rows the page lists, in the same order."""
    login_as(page, "standard", "card")
    page.locator("#menu-history").click()
    expect(page).to_have_url(re.compile(r"/mypage/history/$"))
    all_count = int(figure(page, "count"))

    date_from = TODAY - dt.timedelta(days=120)
    page.get_by_label("開始日").fill(date_from.isoformat())
    page.get_by_label("終了日").fill(TODAY.isoformat())
    page.get_by_label("種類").select_option(label="ご返済")
    page.locator("#history-filter-submit").click()
    expect(page).to_have_url(re.compile(r"kind=repayment"))

    count = int(figure(page, "count"))
    assert 0 < count < all_count
    rows = history_rows(page)
    expect(rows).to_have_count(count)  # one page holds them all
    on_page = [
        (
            row.locator("td").nth(0).inner_text(),
            row.locator("td").nth(1).inner_text(),
            row.get_attribute("data-amount"),
            row.get_attribute("data-balance-after"),
        )
        for row in rows.all()
    ]
    assert all(row.get_attribute("data-kind") == "repayment" for row in rows.all())
    assert all(date_from.strftime("%Y/%m/%d") <= day[:10] for day, *_ in on_page)

    with page.expect_download() as download_info:
        page.locator("#history-csv-link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {"取引日時", "種類", "金額", "取引後元金残高"} <= set(header)
    column = {name: index for index, name in enumerate(header)}
    in_csv = [
        (
            dt.datetime.fromisoformat(record[column["取引日時"]]).strftime("%Y/%m/%d %H:%M"),
            record[column["種類"]],
            record[column["金額"]],
            record[column["取引後元金残高"]],
        )
        for record in records
    ]
    assert in_csv == on_page


def test_delinquent_member_sees_the_overdue_amount_and_cannot_borrow(page, personas):
    """The delinquent persona's page shows what is overdue; the borrow page refuses with a
    coded message and writes nothing."""
    persona = personas["delinquent"]
    member = Member.objects.get(member_number=persona.member_number)
    entries_before = LedgerEntry.objects.filter(member=member).count()
    login_as(page, "delinquent", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))

    overdue = int(figure(page, "overdue"))
    minimum = int(figure(page, "minimum-payment"))
    assert overdue > minimum > 0  # the unpaid minimum plus late damages
    contract = LoanContract.objects.get(member=member)
    assert overdue == loan_position(contract=contract, on=TODAY).overdue_amount
    expect(page.locator('[data-contract-status="suspended"]')).to_be_visible()
    expect(page.locator("#overdue-banner")).to_contain_text("本日お支払いいただく金額")
    expect(page.locator("#menu-borrow")).to_have_count(0)  # no borrowing button while overdue

    page.goto("/mypage/borrow/")  # typed by hand: the page refuses it too
    page.get_by_label("金額（円）").fill("1000")
    page.locator("#borrow-submit").click()
    expect_error_codes(page, "contract_suspended")
    expect(page.locator("#borrow-confirm-submit")).to_have_count(0)
    assert LedgerEntry.objects.filter(member=member).count() == entries_before
    assert LoanContract.objects.get(member=member).principal_balance == contract.principal_balance
