"""The history page, its CSV and chart, and the interest inquiry, through the pages (SPEC §6)."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from history import charts, services
from history.models import Channel, Kind, LedgerEntry
from history.selectors import CHART_STEPS, balance_over_time
from members.models import DueDay, StatementDelivery
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import TOKYO, data, error_codes, tokyo

pytestmark = pytest.mark.django_db

HISTORY_URL = reverse("history:history")
CSV_URL = reverse("history:history-csv")
INTEREST_URL = reverse("history:interest")
ROW = re.compile(r'<tr data-kind="([a-z_]+)" data-amount="(\d+)" data-balance-after="(\d+)"')
BOM = "\ufeff"


def rows(response) -> list[tuple[str, int, int]]:
    return [
        (kind, int(amount), int(after))
        for kind, amount, after in ROW.findall(response.content.decode())
    ]


def log_in(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


FIRST_ENTRY_AT = tokyo(2026, 1, 5, 10)


def make_entries(member, count: int, *, start=FIRST_ENTRY_AT, step=dt.timedelta(days=1)):
    """Bulk-create `count` entries one `step` apart: two borrowings of 10,000 yen, then a
    repayment of 3,000 yen (500 yen interest), and again. Return them oldest first."""
    entries, balance = [], 0
    for index in range(count):
        at = start + index * step
        if index % 3 == 2:
            balance -= 2_500
            entry = LedgerEntry(
                member=member, occurred_at=at, kind=Kind.REPAYMENT, channel=Channel.INTERNET,
                amount=3_000, interest_paid=500, principal_paid=2_500, principal_after=balance,
            )  # fmt: skip
        else:
            balance += 10_000
            entry = LedgerEntry(
                member=member, occurred_at=at, kind=Kind.BORROWING, channel=Channel.TRANSFER,
                amount=10_000, principal_after=balance,
            )  # fmt: skip
        entries.append(entry)
    return LedgerEntry.objects.bulk_create(entries)


def as_rows(entries) -> list[tuple[str, int, int]]:
    return [(entry.kind, entry.amount, entry.principal_after) for entry in entries]


def newest_first(entries):
    return sorted(entries, key=lambda entry: (entry.occurred_at, entry.pk), reverse=True)


def totals_of(entries) -> dict[str, str]:
    return {
        "count": str(len(entries)),
        "total-borrowed": str(sum(e.amount for e in entries if e.kind == Kind.BORROWING)),
        "total-repaid": str(sum(e.amount for e in entries if e.kind == Kind.REPAYMENT)),
        "total-interest": str(sum(e.interest_paid for e in entries)),
    }


def totals_on(response) -> dict[str, str]:
    return {name: data(response, name) for name in totals_of([])}


@pytest.fixture
def member_client(client, member):
    return log_in(client, member)


# --- The list ------------------------------------------------------------------------


def test_history_lists_entries_newest_first_with_their_figures(member_client, member):
    entries = make_entries(member, 5)

    response = member_client.get(HISTORY_URL)

    assert response.status_code == 200
    assert rows(response) == as_rows(newest_first(entries))
    assert rows(response)[0] == (Kind.BORROWING, 10_000, 37_500)
    assert totals_on(response) == totals_of(entries)


def test_entries_at_the_same_moment_keep_the_order_they_were_written(member_client, member):
    same_moment = tokyo(2026, 12, 1, 10)
    entries = make_entries(member, 3, start=same_moment, step=dt.timedelta(0))

    assert rows(member_client.get(HISTORY_URL)) == as_rows(reversed(entries))


def test_empty_history_says_so(member_client):
    response = member_client.get(HISTORY_URL)

    assert rows(response) == []
    assert data(response, "count") == "0"
    assert "該当するお取引はありません" in response.content.decode()


def test_history_is_paginated_by_twenty(member_client, member):
    entries = newest_first(make_entries(member, 45))

    first = member_client.get(HISTORY_URL)
    third = member_client.get(HISTORY_URL, {"page": "3"})
    beyond = member_client.get(HISTORY_URL, {"page": "99"})
    garbage = member_client.get(HISTORY_URL, {"page": "abc"})

    assert rows(first) == as_rows(entries[:20])
    assert rows(third) == as_rows(entries[40:])
    assert rows(beyond) == rows(third)  # past the end: the last page
    assert rows(garbage) == rows(first)
    assert 'href="?page=2"' in first.content.decode()
    # Totals cover the whole period, not just the page shown.
    assert totals_on(third) == totals_on(first) == totals_of(entries)


def test_page_links_keep_the_filters(member_client, member):
    entries = make_entries(member, 45)
    borrowings = newest_first([e for e in entries if e.kind == Kind.BORROWING])
    query = {"date_from": "2026-01-01", "date_to": "2026-12-31", "kind": "borrowing"}

    first = member_client.get(HISTORY_URL, query)
    second = member_client.get(HISTORY_URL, {**query, "page": "2"})

    filters = "?date_from=2026-01-01&amp;date_to=2026-12-31&amp;kind=borrowing"
    assert f'href="{filters}&amp;page=2"' in first.content.decode()
    assert f'href="{filters}&amp;page=1"' in second.content.decode()
    assert rows(first) + rows(second) == as_rows(borrowings)
    assert totals_on(second) == totals_of(borrowings)


def test_filters_by_period_and_kind_with_totals_for_the_period(member_client, member):
    entries = make_entries(member, 30)  # one a day from 2026-01-05
    in_period = [
        e for e in entries if dt.date(2026, 1, 10) <= e.occurred_at.date() <= dt.date(2026, 1, 20)
    ]
    repayments = [e for e in in_period if e.kind == Kind.REPAYMENT]

    period = member_client.get(HISTORY_URL, {"date_from": "2026-01-10", "date_to": "2026-01-20"})
    repaid = member_client.get(
        HISTORY_URL, {"date_from": "2026-01-10", "date_to": "2026-01-20", "kind": "repayment"}
    )
    since = member_client.get(HISTORY_URL, {"date_from": "2026-01-30"})
    until = member_client.get(HISTORY_URL, {"date_to": "2026-01-06"})

    assert len(in_period) == 11
    assert rows(period) == as_rows(newest_first(in_period))
    assert totals_on(period) == totals_of(in_period)
    assert rows(repaid) == as_rows(newest_first(repayments))
    assert totals_on(repaid) == totals_of(repayments)
    assert data(repaid, "total-borrowed") == "0"
    assert len(rows(since)) == 5
    assert len(rows(until)) == 2


def test_period_boundaries_are_days_in_tokyo(member_client, member):
    early = tokyo(2026, 3, 10, 0, 30)  # still 2026-03-09 in UTC
    late = tokyo(2026, 3, 10, 23, 59)
    next_morning = tokyo(2026, 3, 11, 8, 0)  # still 2026-03-10 in UTC
    for moment in (early, late, next_morning):
        make_entries(member, 1, start=moment)

    response = member_client.get(HISTORY_URL, {"date_from": "2026-03-10", "date_to": "2026-03-10"})

    assert data(response, "count") == "2"
    assert len(rows(response)) == 2


def test_date_from_after_date_to_is_an_error_and_shows_nothing(member_client, member):
    make_entries(member, 10)

    response = member_client.get(HISTORY_URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"})

    assert response.status_code == 200
    assert error_codes(response) == ["date_order"]
    assert rows(response) == []
    assert data(response, "count") == "0"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"kind": "gift"}, "invalid_choice"),
        ({"kind": "<script>"}, "invalid_choice"),
        ({"date_from": "yesterday"}, "invalid"),
        ({"date_to": "2026-02-30"}, "invalid"),
        ({"date_from": "９９９９９-01-01"}, "invalid"),
        # Valid dates, but beyond the range a history can have: no datetime overflow (500).
        ({"date_to": "9999-12-31"}, "date_out_of_range"),
        ({"date_from": "9999-12-31"}, "date_out_of_range"),
        ({"date_from": "0001-01-01"}, "date_out_of_range"),
        ({"date_to": "0001-01-01"}, "date_out_of_range"),
        ({"date_from": "1999-12-31"}, "date_out_of_range"),
        ({"date_to": "2027-12-11"}, "date_out_of_range"),  # today (2026-12-09) + 367 days
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_order"),
    ],
)
def test_invalid_filters_are_errors_and_show_nothing(member_client, member, query, code):
    make_entries(member, 10)

    response = member_client.get(HISTORY_URL, query)
    download = member_client.get(CSV_URL, query)

    assert response.status_code == 200
    assert error_codes(response) == [code]
    assert rows(response) == []
    assert download.status_code == 200
    assert len(read_csv(download)) == 1  # the header only


def test_both_dates_out_of_range_say_so_on_each_field(member_client, member):
    make_entries(member, 3)
    query = {"date_from": "0001-01-01", "date_to": "9999-12-31"}

    response = member_client.get(HISTORY_URL, query)
    download = member_client.get(CSV_URL, query)

    assert error_codes(response) == ["date_out_of_range", "date_out_of_range"]
    assert rows(response) == []
    assert len(read_csv(download)) == 1


def test_the_widest_allowed_period_shows_everything(member_client, member):
    entries = make_entries(member, 10)
    query = {"date_from": "2000-01-01", "date_to": "2027-12-10"}  # today + 366 days

    response = member_client.get(HISTORY_URL, query)
    download = member_client.get(CSV_URL, query)

    assert error_codes(response) == []
    assert rows(response) == as_rows(newest_first(entries))
    assert len(read_csv(download)) == 1 + len(entries)
    assert 'min="2000-01-01"' in response.content.decode()
    assert 'max="2027-12-10"' in response.content.decode()


def test_only_the_members_own_entries_appear(member_client, member):
    own = make_entries(member, 3)
    make_entries(MemberFactory(), 7, start=tokyo(2026, 1, 6, 9))

    response = member_client.get(HISTORY_URL)
    download = read_csv(member_client.get(CSV_URL))

    assert rows(response) == as_rows(newest_first(own))
    assert totals_on(response) == totals_of(own)
    assert len(download) == 1 + len(own)


def test_history_pages_need_a_login(client):
    for url in (HISTORY_URL, CSV_URL, INTEREST_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("members:login"))


# --- The chart -----------------------------------------------------------------------


CHART_LABEL = re.compile(
    r'<svg class="balance-chart"[^>]* aria-label="元金残高の推移（([^〜]+)〜([^）]+)）"'
)
CHART_LINE = re.compile(r'<polyline points="([^"]+)"')


def chart_of(response) -> tuple[str, str, list[tuple[float, float]]] | None:
    """Return the chart's first and last day and the points of its line, or None."""
    html = response.content.decode()
    label = CHART_LABEL.search(html)
    if label is None:
        return None
    (line,) = CHART_LINE.findall(html)
    points = [tuple(float(value) for value in point.split(",")) for point in line.split()]
    return label[1], label[2], points


def test_chart_of_the_balance_is_drawn_from_two_changes_to_today(member_client, member):
    make_entries(member, 2)

    first, last, points = chart_of(member_client.get(HISTORY_URL))

    assert (first, last) == ("2026/01/05", "2026/12/09")  # the balance is still owed today
    heights = sorted({y for _x, y in points})
    assert len(heights) == 2  # 10,000 yen, then 20,000 yen


def test_no_chart_for_a_single_change(member_client, member):
    make_entries(member, 1)

    assert "<svg" not in member_client.get(HISTORY_URL).content.decode()


def test_a_single_change_in_a_period_is_drawn_from_the_balance_carried_in(member_client, member):
    make_entries(member, 5)  # 01-07 is a repayment: 20,000 → 17,500

    first, last, points = chart_of(
        member_client.get(HISTORY_URL, {"date_from": "2026-01-07", "date_to": "2026-01-07"})
    )

    assert (first, last) == ("2026/01/07", "2026/01/07")
    assert len({y for _x, y in points}) == 2


def test_chart_spans_a_long_history_with_a_bounded_number_of_points(member_client, member):
    """2,000 changes every three hours (2026-01-05 .. 2026-09-13): the chart covers them all,
    not only the latest few hundred, and draws at most CHART_STEPS of them."""
    make_entries(member, 2_000, step=dt.timedelta(hours=3))

    first, last, points = chart_of(member_client.get(HISTORY_URL))

    assert (first, last) == ("2026/01/05", "2026/12/09")
    assert len(points) <= 2 * (CHART_STEPS + 2)
    # The balance grows by 17,500 yen every three entries: the line rises across the chart.
    assert points[0][1] > points[len(points) // 2][1] > points[-1][1]  # (y grows downward)


def test_chart_covers_the_filtered_period_from_the_balance_carried_into_it(member):
    """From 03-01 the balance of February is carried in; the chart ends on date_to."""
    entries = make_entries(member, 90)  # one a day from 2026-01-05 to 2026-04-04
    start = dt.datetime(2026, 3, 1, tzinfo=TOKYO)
    end = dt.datetime(2026, 4, 1, tzinfo=TOKYO)

    points = balance_over_time(member_id=member.pk, start=start, end=end, steps=CHART_STEPS)

    carried = [e for e in entries if e.occurred_at < start][-1].principal_after
    in_march = [(e.occurred_at, e.principal_after) for e in entries if start <= e.occurred_at < end]
    assert points == [(start, carried), *in_march, (end, in_march[-1][1])]


@pytest.mark.parametrize(("date_from", "date_to"), [(None, None), ((2026, 3, 1), (2026, 4, 1))])
def test_a_period_of_few_changes_reads_them_all_with_the_same_points(member, date_from, date_to):
    """The cheap path (every change of a short period) draws what the stretches would."""
    entries = make_entries(member, 90)  # one a day from 2026-01-05 to 2026-04-04
    start = dt.datetime(*date_from, tzinfo=TOKYO) if date_from else entries[0].occurred_at
    end = dt.datetime(*date_to, tzinfo=TOKYO) if date_to else entries[-1].occurred_at
    in_period = sum(start <= e.occurred_at <= end for e in entries)
    by_stretch = balance_over_time(member_id=member.pk, start=start, end=end, steps=CHART_STEPS)

    every_change = balance_over_time(
        member_id=member.pk, start=start, end=end, steps=CHART_STEPS, changes_in_period=in_period
    )

    assert every_change == by_stretch


def test_the_stretches_end_on_whole_microseconds_rounded_down_on_every_database(member):
    """Three stretches of 5 µs end 1, 3 and 5 µs after the start (5/3 rounded down, not to
    the nearest): the entry 1 µs in is the newest at the first end, so the line shows it
    (an end 2 µs in would skip it). PostgreSQL counts the ends out itself, SQLite is given
    them: this holds the two ways of counting to each other."""
    start = tokyo(2026, 3, 1, 12)
    _one, two, three = make_entries(member, 3, start=start, step=dt.timedelta(microseconds=1))
    end = start + dt.timedelta(microseconds=5)

    points = balance_over_time(member_id=member.pk, start=start, end=end, steps=3)

    assert (two.occurred_at, two.principal_after) in points
    assert points[-1] == (end, three.principal_after)


def test_chart_of_a_period_starts_at_zero_before_the_first_borrowing(member_client, member):
    make_entries(member, 10)  # from 2026-01-05

    first, last, points = chart_of(
        member_client.get(HISTORY_URL, {"date_from": "2025-12-01", "date_to": "2026-01-31"})
    )

    assert (first, last) == ("2025/12/01", "2026/01/31")
    assert points[0][1] == points[1][1] == max(y for _x, y in points)  # the zero line


def test_chart_thins_to_the_last_change_of_each_stretch(member):
    entries = make_entries(member, 1_000, step=dt.timedelta(hours=1))
    start, end = entries[0].occurred_at, entries[-1].occurred_at

    points = balance_over_time(member_id=member.pk, start=start, end=end, steps=10)

    assert len(points) == 11
    assert points[0] == (start, entries[0].principal_after)
    assert points[-1] == (end, entries[-1].principal_after)
    # Each point is a real change, the last one at or before the end of its stretch.
    changes = {(e.occurred_at, e.principal_after) for e in entries}
    assert set(points) <= changes
    for index, (moment, _balance) in enumerate(points):
        stretch_end = start + (end - start) * index / 10
        assert stretch_end - dt.timedelta(hours=1) < moment <= stretch_end


def test_chart_ignores_the_kind_filter(member_client, member):
    make_entries(member, 30)

    every_kind = chart_of(member_client.get(HISTORY_URL))
    repayments = chart_of(member_client.get(HISTORY_URL, {"kind": "repayment"}))
    fees = chart_of(member_client.get(HISTORY_URL, {"kind": "atm_fee"}))

    assert every_kind is not None
    assert repayments == fees == every_kind


# --- CSV -----------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def test_csv_download_is_utf8_with_bom_and_a_header(member_client, member):
    entries = make_entries(member, 4)

    response = member_client.get(CSV_URL)
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="history-20261209.csv"' in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    header, *lines = list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix(BOM))))
    assert header[:3] == ["取引日時", "受付日時", "種類"]
    assert "金額" in header
    amount, balance = header.index("金額"), header.index("取引後元金残高")
    expected = newest_first(entries)
    assert [(line[2], int(line[amount]), int(line[balance])) for line in lines] == [
        (e.get_kind_display(), e.amount, e.principal_after) for e in expected
    ]
    assert lines[0][0] == "2026-01-08 10:00:00"  # Tokyo time
    assert {line[2] for line in lines} == {"お借入れ", "ご返済"}
    assert lines[1][amount] == "3000"  # unformatted: no separators, no 円


def test_csv_applies_the_same_filters(member_client, member):
    entries = make_entries(member, 30)
    expected = newest_first(
        [
            e
            for e in entries
            if e.kind == Kind.BORROWING and dt.date(2026, 1, 10) <= e.occurred_at.date()
        ]
    )

    lines = read_csv(member_client.get(CSV_URL, {"date_from": "2026-01-10", "kind": "borrowing"}))[
        1:
    ]

    assert [line[0][:10] for line in lines] == [
        e.occurred_at.astimezone(TOKYO).date().isoformat() for e in expected
    ]
    assert {line[2] for line in lines} == {"お借入れ"}


def test_csv_link_on_the_page_carries_the_filters(member_client, member):
    make_entries(member, 3)

    html = member_client.get(HISTORY_URL, {"kind": "repayment", "page": "1"}).content.decode()

    assert f'href="{CSV_URL}?kind=repayment"' in html


def test_links_carry_the_filters_and_nothing_else_from_the_address(member_client, member):
    make_entries(member, 45)

    html = member_client.get(
        HISTORY_URL, {"kind": "borrowing", "member_number": "200000999", "page": "1", "x": "<"}
    ).content.decode()

    assert f'href="{CSV_URL}?kind=borrowing"' in html
    assert 'href="?kind=borrowing&amp;page=2"' in html
    assert "200000999" not in html


def test_csv_shows_when_a_saturday_night_transfer_was_requested(
    member_client, member, time_machine
):
    TransferAccountFactory(member=member)
    time_machine.move_to(tokyo(2026, 12, 12, 23, 40), tick=False)
    services.borrow(member=member, amount=5_000)

    (line,) = read_csv(log_in(member_client, member).get(CSV_URL))[1:]

    assert line[:4] == ["2026-12-13 09:00:00", "2026-12-12 23:40:00", "お借入れ", "振込"]


# --- A constant number of queries ----------------------------------------------------

# The same budget for a short and a long history (SPEC §11). The session, the member and
# the maintenance windows (read on every request here: the tests keep no copy) take
# three, and the idle clock's save of the session three more (a savepoint around an
# update); the inquiry reads the ledger twice (today and the chosen day).
QUERY_BUDGETS = {
    HISTORY_URL: 9,  # the totals, the page, the chart
    # The ledger's state three, the notices panel (points) one, the points panel one.
    reverse("members:mypage"): 11,
    INTEREST_URL: 16,
    # The forms read the ledger once (its last borrowing may take one query more).
    reverse("history:borrow"): 13,
    reverse("history:repay"): 13,
}
FILTERS = {"date_from": "2026-01-01", "date_to": "2026-12-31", "kind": "borrowing"}


@pytest.mark.parametrize("count", [5, 300])
@pytest.mark.parametrize(
    ("url", "query"),
    [
        (HISTORY_URL, {"page": "2"}),
        (HISTORY_URL, {**FILTERS, "page": "2"}),
        (reverse("members:mypage"), {}),
        (INTEREST_URL, {"repayment_date": "2026-12-20"}),
        (reverse("history:borrow"), {}),
        (reverse("history:repay"), {}),
    ],
)
def test_member_pages_need_a_constant_number_of_queries(
    member_client, member, django_assert_max_num_queries, count, url, query
):
    make_entries(member, count)

    with django_assert_max_num_queries(QUERY_BUDGETS[url]):
        response = member_client.get(url, query)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 300])
@pytest.mark.parametrize("query", [{}, FILTERS])
def test_csv_needs_a_constant_number_of_queries(
    member_client, member, django_assert_max_num_queries, count, query
):
    entries = make_entries(member, count)

    with django_assert_max_num_queries(QUERY_BUDGETS[HISTORY_URL]):
        lines = read_csv(member_client.get(CSV_URL, query))

    kinds = {query.get("kind", Kind.BORROWING), query.get("kind", Kind.REPAYMENT)}
    assert len(lines) == 1 + sum(entry.kind in kinds for entry in entries)


# --- Interest inquiry ----------------------------------------------------------------


def borrowed(member, time_machine, *, on: dt.datetime, amount: int):
    time_machine.move_to(on, tick=False)
    return services.borrow(member=member, amount=amount, channel=Channel.PARTNER_ATM)


def inquire(client, member, day: str):
    return log_in(client, member).get(INTEREST_URL, {"repayment_date": day})


def test_inquiry_matches_the_published_example(client, time_machine):
    """100,000 yen at 17.8% for 30 days = 1,463 yen (SPEC §6), with no interest-free days."""
    member = MemberFactory(statement_delivery=StatementDelivery.POST)
    borrowed(member, time_machine, on=tokyo(2026, 12, 10), amount=100_000)

    ahead = inquire(client, member, "2027-01-09")
    time_machine.move_to(tokyo(2027, 1, 9), tick=False)
    on_the_day = inquire(client, member, "2027-01-09")

    for response in (ahead, on_the_day):
        assert response.status_code == 200
        assert data(response, "days") == "30"
        assert data(response, "interest") == "1463"
        assert data(response, "payoff") == "101463"
        assert "data-interest-waived" not in response.content.decode()


def test_inquiry_after_a_payoff_counts_days_from_the_next_borrowing(client, time_machine):
    """Paid off on 12-20, borrowed 100,000 yen on 03-03 (due day 5: due 04-05): on 04-02
    it is 30 days of interest, not the 103 days since the payoff."""
    member = MemberFactory(
        statement_delivery=StatementDelivery.POST, contract__due_day=DueDay.FIFTH
    )
    borrowed(member, time_machine, on=tokyo(2026, 12, 10), amount=50_000)
    time_machine.move_to(tokyo(2026, 12, 20), tick=False)
    services.repay(member=member, amount=50_000 + 243)  # 10 days: 243.83 yen
    assert member.contract.due_status.next_due_date is None
    borrowed(member, time_machine, on=tokyo(2027, 3, 3), amount=100_000)

    response = inquire(client, member, "2027-04-02")

    assert (data(response, "days"), data(response, "interest"), data(response, "payoff")) == (
        "30",
        "1463",
        "101463",
    )


def test_inquiry_applies_the_first_time_interest_free_days(client, member, time_machine):
    """A first borrowing with an e-mail address and Web statements: 30 days without interest."""
    assert member.email and member.statement_delivery == StatementDelivery.WEB
    borrowed(member, time_machine, on=tokyo(2026, 12, 10), amount=100_000)

    inside = inquire(client, member, "2027-01-09")
    after = inquire(client, member, "2027-01-14")

    assert (data(inside, "days"), data(inside, "interest"), data(inside, "payoff")) == (
        "30",
        "0",
        "100000",
    )
    assert data(inside, "interest-waived") == "1463"
    # 35 days, of which the last 5 bear interest: 100,000 × 17.8% × 5 / 365 = 243.8 yen.
    assert (data(after, "days"), data(after, "interest"), data(after, "payoff")) == (
        "35",
        "243",
        "100243",
    )


def test_inquiry_shows_the_minimum_payment(client, member, time_machine):
    borrowed(member, time_machine, on=tokyo(2026, 12, 10), amount=300_000)

    response = inquire(client, member, "2026-12-20")

    assert data(response, "minimum-payment") == "11000"  # 300,000 × 3.61%, rounded up


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        ("2026-12-09", True),  # today
        ("2026-12-08", False),  # yesterday
        ("2026-12-25", True),  # the next due date
        ("2027-01-13", True),  # today + 35 days, later than the due date
        ("2027-01-14", False),
    ],
)
def test_inquiry_dates_run_from_today_to_35_days_ahead(client, member, time_machine, day, accepted):
    borrowed(member, time_machine, on=tokyo(2026, 12, 9), amount=100_000)  # due 2026-12-25

    response = inquire(client, member, day)

    assert response.status_code == 200
    assert error_codes(response) == ([] if accepted else ["date_out_of_range"])
    assert ('id="interest-result"' in response.content.decode()) is accepted


def test_inquiry_reaches_a_due_date_beyond_35_days(client, member, time_machine):
    borrowed(member, time_machine, on=tokyo(2026, 12, 10), amount=100_000)  # due 2027-01-25

    within = inquire(client, member, "2027-01-25")
    beyond = inquire(client, member, "2027-01-26")

    assert error_codes(within) == []
    assert data(within, "days") == "46"
    assert error_codes(beyond) == ["date_out_of_range"]
    assert 'id="interest-result"' not in beyond.content.decode()


@pytest.mark.parametrize("day", ["tomorrow", "2026-13-01", "2026-12-32", "20261210", "'; --"])
def test_inquiry_rejects_garbage_dates(member_client, day):
    response = member_client.get(INTEREST_URL, {"repayment_date": day})

    assert response.status_code == 200
    assert error_codes(response) == ["invalid"]
    assert 'id="interest-result"' not in response.content.decode()


def test_inquiry_without_a_date_shows_the_empty_form(member_client):
    response = member_client.get(INTEREST_URL)

    assert response.status_code == 200
    assert error_codes(response) == []
    assert 'name="repayment_date"' in response.content.decode()
    assert 'id="interest-result"' not in response.content.decode()


def test_inquiry_with_no_balance_owes_nothing(member_client):
    response = member_client.get(INTEREST_URL, {"repayment_date": "2026-12-20"})

    assert (data(response, "days"), data(response, "interest"), data(response, "payoff")) == (
        "0",
        "0",
        "0",
    )


@pytest.mark.parametrize(
    ("top", "step", "labels"),
    [
        (155_306, 50_000, ["0円", "5万円", "10万円", "15万円", "20万円"]),
        (100_000, 20_000, ["0円", "2万円", "4万円", "6万円", "8万円", "10万円"]),
        (4_000, 1_000, ["0円", "1,000円", "2,000円", "3,000円", "4,000円"]),
        (1, 1, ["0円", "1円"]),
        (2_000_000, 500_000, ["0円", "50万円", "100万円", "150万円", "200万円"]),
    ],
)
def test_the_chart_axis_has_round_ticks_in_man_yen(top, step, labels):
    assert charts.tick_step(top) == step
    highest = -(-top // step) * step
    assert [charts.tick_label(value) for value in range(0, highest + 1, step)] == labels
