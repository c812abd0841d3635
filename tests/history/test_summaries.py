"""The ledger's day and month summaries (history.summaries): kept by every way entries are
written, equal to a recomputation from the entries, and what the history's totals read."""

import csv
import datetime as dt
import importlib
import io
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.personas import reset_demo_personas
from history import seeding, services, summaries, views
from history.models import Channel, Kind, LedgerEntry, LedgerSummary
from history.rules import LedgerRefusal
from history.seeding import Plan, seed_histories
from history.selectors import figures_of, filtered_history, history_figures, summary_rows
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import data, tokyo
from tests.history.test_history_page import rows

pytestmark = pytest.mark.django_db

HISTORY_URL = reverse("history:history")
CSV_URL = reverse("history:history-csv")
MYPAGE_URL = reverse("members:mypage")


def stored() -> dict:
    """Return every summary row as the arithmetic's (key → Sums)."""
    return {
        (row.member_id, row.span, row.first_day, row.kind): summaries.Sums(
            **{name: getattr(row, name) for name in summaries.Sums.__dataclass_fields__}
        )
        for row in LedgerSummary.objects.all()
    }


def recomputed() -> dict:
    """Return the summaries as they follow from the entries, summed afresh."""
    return summaries.sums_of(LedgerEntry.objects.values_list(*summaries.ENTRY_FIELDS))


def assert_summaries_add_up():
    assert stored() == recomputed()


# --- Every way in --------------------------------------------------------------------

WRITES = st.sampled_from(["borrow", "repay", "adjust", "atm_fee", "bulk"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            WRITES,
            st.integers(1, 300_000),  # yen
            st.integers(0, 24 * 20),  # hours after the step before: days and months cross
            st.booleans(),  # an adjustment's sign
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_summaries_equal_a_recomputation_after_every_kind_of_write(time_machine, steps):
    """Borrowing, repayment (with its interest-free benefit), a staff adjustment, an ATM
    fee saved on its own and bulk-created entries, near midnight in Tokyo: after each
    write the stored summaries are what the entries add up to."""
    with transaction.atomic():
        member = MemberFactory()  # e-mail and Web statements: the first 30 days are free
        TransferAccountFactory(member=member)
        moment = tokyo(2026, 1, 30, 23, 30)
        for write, amount, hours, up in steps:
            moment += dt.timedelta(hours=hours)
            time_machine.move_to(moment, tick=False)
            try:
                if write == "borrow":
                    services.borrow(member=member, amount=amount)
                elif write == "repay":
                    services.repay(member=member, amount=amount)
                elif write == "adjust":
                    change = amount if up else -amount
                    services.post_adjustment(member=member, principal_change=change, note="t")
                elif write == "atm_fee":  # as history.atm books the fee of an ATM withdrawal
                    LedgerEntry.objects.create(
                        member=member, occurred_at=moment, kind=Kind.ATM_FEE,
                        channel=Channel.SMARTPHONE_ATM, amount=220, principal_after=0,
                    )  # fmt: skip
                else:
                    LedgerEntry.objects.bulk_create(
                        LedgerEntry(
                            member=member,
                            occurred_at=moment + dt.timedelta(minutes=index),
                            kind=Kind.BORROWING,
                            channel=Channel.TRANSFER,
                            amount=amount,
                            principal_after=amount,
                        )
                        for index in range(3)
                    )
            except LedgerRefusal:
                pass
            assert_summaries_add_up()
        transaction.set_rollback(True)


def test_seeded_histories_and_demo_personas_are_summarised():
    members = [MemberFactory() for _plan in range(3)]
    seed_histories(
        list(zip(members, [Plan.STANDARD, Plan.DENSE, Plan.PAID_OFF], strict=True)),
        today=dt.date(2026, 12, 9),
        transactions=300,
    )
    reset_demo_personas()

    assert LedgerSummary.objects.filter(member=members[1]).exists()
    assert_summaries_add_up()


def test_a_booked_entry_cannot_be_changed():
    member = MemberFactory()
    (entry,) = LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                member=member,
                occurred_at=tokyo(2026, 3, 1),
                kind=Kind.BORROWING,
                channel=Channel.TRANSFER,
                amount=10_000,
                principal_after=10_000,
            )
        ]
    )
    entry.amount = 1

    with pytest.raises(NotImplementedError):
        entry.save()
    with pytest.raises(NotImplementedError):
        LedgerEntry.objects.bulk_create([entry], ignore_conflicts=True)
    assert_summaries_add_up()


def test_the_migration_backfills_the_entries_booked_before_it():
    member = MemberFactory()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            member=member,
            occurred_at=tokyo(2026, 1, 31, 23) + dt.timedelta(hours=index),
            kind=Kind.REPAYMENT,
            channel=Channel.INTERNET,
            amount=3_000,
            interest_paid=500,
            principal_paid=2_500,
            principal_after=10_000,
        )
        for index in range(30)
    )
    LedgerSummary.objects.all().delete()
    migration = importlib.import_module("history.migrations.0008_ledger_summary")

    migration.backfill(apps, SimpleNamespace(connection=connection))  # as migrate calls it

    assert stored() == recomputed() != {}


# --- What the totals read ------------------------------------------------------------


def _entry(member, moment, kind, amount):
    repaid = kind == Kind.REPAYMENT
    return LedgerEntry(
        member=member, occurred_at=moment, kind=kind, channel=Channel.INTERNET, amount=amount,
        interest_paid=amount // 4 if repaid else 0,
        principal_paid=amount - amount // 4 if repaid else 0, principal_after=amount,
    )  # fmt: skip


# Around two month ends, so that entries often fall on the ends of a period.
DAYS = st.dates(min_value=dt.date(2026, 10, 28), max_value=dt.date(2027, 1, 3))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            DAYS,
            st.integers(0, 23),
            st.sampled_from([Kind.BORROWING, Kind.REPAYMENT, Kind.ATM_FEE]),
            st.integers(1, 99_999),
        ),
        max_size=30,
    ),
    date_from=st.none() | DAYS,
    date_to=st.none() | DAYS,
    kind=st.sampled_from(["", Kind.BORROWING, Kind.REPAYMENT, Kind.ATM_FEE]),
)
def test_totals_from_summaries_equal_the_entries_of_any_period(entries, date_from, date_to, kind):
    """Whole months, partial months at either end, open ends, a single day: the totals
    equal the sums of the entries of those local days."""
    with transaction.atomic():
        member = MemberFactory()
        written = LedgerEntry.objects.bulk_create(
            _entry(member, tokyo(day.year, day.month, day.day, hour), entry_kind, amount)
            for day, hour, entry_kind, amount in entries
        )
        inside = [
            entry
            for entry in written
            if (date_from is None or summaries.local_day(entry.occurred_at) >= date_from)
            and (date_to is None or summaries.local_day(entry.occurred_at) <= date_to)
        ]
        shown = [entry for entry in inside if not kind or entry.kind == kind]
        moving = [entry for entry in inside if entry.kind != Kind.ATM_FEE]

        history = filtered_history(member=member, date_from=date_from, date_to=date_to, kind=kind)
        figures = history_figures(history)

        assert figures["count"] == len(shown)
        assert figures["borrowed"] == sum(e.amount for e in shown if e.kind == Kind.BORROWING)
        assert figures["repaid"] == sum(e.amount for e in shown if e.kind == Kind.REPAYMENT)
        assert figures["interest"] == sum(e.interest_paid for e in shown)
        assert figures["principal"] == sum(e.principal_paid for e in shown)
        assert figures["changes"] == len(moving)
        assert figures["first_change"] == min((e.occurred_at for e in moving), default=None)
        assert figures["last_change"] == max((e.occurred_at for e in moving), default=None)
        # A deep page sums the same rows in Python.
        assert figures_of(summary_rows(history), kind) == figures
        transaction.set_rollback(True)


# --- Whatever the history's length ---------------------------------------------------


def _queries_of(client, url, query) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return [entry["sql"] for entry in captured.captured_queries]


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (HISTORY_URL, {}),
        (HISTORY_URL, {"date_from": "2024-01-15", "date_to": "2026-11-20", "page": "2"}),
        (HISTORY_URL, {"kind": "repayment"}),
        (CSV_URL, {"date_from": "2026-11-01", "date_to": "2026-11-30"}),
        (MYPAGE_URL, {}),
    ],
)
def test_the_same_queries_for_ten_entries_as_for_a_thousand(client, url, query):
    """The queries of a page are the same statements for a short and a long history."""
    statements = []
    for count in (10, 1_000):
        member = MemberFactory()
        step = dt.timedelta(hours=3 * 1_000 / count)  # both histories span the same months
        LedgerEntry.objects.bulk_create(
            _entry(
                member,
                tokyo(2026, 1, 5) + index * step,
                Kind.REPAYMENT if index % 3 == 2 else Kind.BORROWING,
                10_000,
            )
            for index in range(count)
        )
        client.force_login(member, backend="members.backends.CardPinBackend")
        client.get(url, query)  # the first request fills per-process caches
        statements.append(_queries_of(client, url, query))

    assert len(statements[0]) == len(statements[1])


def test_the_page_totals_a_long_history_from_its_summaries(client):
    """Totals of a period are summed from day and month rows, not entries: a history's
    summaries stay in the hundreds of rows for thousands of entries."""
    member = MemberFactory()
    entries = LedgerEntry.objects.bulk_create(
        _entry(member, tokyo(2026, 1, 5) + index * dt.timedelta(hours=2), Kind.BORROWING, 1_000)
        for index in range(3_000)
    )
    client.force_login(member, backend="members.backends.CardPinBackend")

    response = client.get(HISTORY_URL, {"date_from": "2026-01-20", "date_to": "2026-08-10"})

    inside = [
        e
        for e in entries
        if dt.date(2026, 1, 20) <= summaries.local_day(e.occurred_at) <= dt.date(2026, 8, 10)
    ]
    assert data(response, "count") == str(len(inside))
    assert data(response, "total-borrowed") == str(1_000 * len(inside))
    assert LedgerSummary.objects.filter(member=member).count() < 300


# --- Deep pages ----------------------------------------------------------------------


def shown(response) -> tuple:
    """Return what a history page shows: its rows, totals and page links."""
    html = response.content.decode()
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    totals = [data(response, name) for name in ("count", "total-borrowed", "total-interest")]
    return rows(response), totals, nav and nav[0]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kind": "repayment"},
        {"date_from": "2026-02-10", "date_to": "2026-05-20"},
        {"date_from": "2026-03-01", "kind": "borrowing"},
        {"date_to": "2026-04-30"},
    ],
)
def test_a_deep_page_located_through_the_summaries_shows_what_the_offset_would(
    client, monkeypatch, query
):
    """Pages from DEEP_OFFSET on start at the day the summaries locate; with the threshold
    at zero every page goes that way and must list what counting the offset lists."""
    member = MemberFactory()
    LedgerEntry.objects.bulk_create(
        _entry(
            member,
            tokyo(2026, 1, 5, 22) + index * dt.timedelta(hours=5),
            Kind.REPAYMENT if index % 3 == 2 else Kind.BORROWING,
            1_000 + index,
        )
        for index in range(700)  # five a day, some past midnight, into May
    )
    client.force_login(member, backend="members.backends.CardPinBackend")
    by_offset = [shown(client.get(HISTORY_URL, {**query, "page": n})) for n in range(1, 40)]

    monkeypatch.setattr(views, "DEEP_OFFSET", 0)
    located = [shown(client.get(HISTORY_URL, {**query, "page": n})) for n in range(1, 40)]

    assert located == by_offset
    assert located[-1] == shown(client.get(HISTORY_URL, {**query, "page": "999"}))


def test_a_deep_page_keeps_the_query_budget(client, django_assert_max_num_queries):
    member = MemberFactory()
    LedgerEntry.objects.bulk_create(
        _entry(member, tokyo(2026, 1, 5) + index * dt.timedelta(hours=1), Kind.BORROWING, 1_000)
        for index in range(3_000)
    )
    client.force_login(member, backend="members.backends.CardPinBackend")

    with django_assert_max_num_queries(10):  # tests/history/test_history_page.py's budget
        response = client.get(HISTORY_URL, {"page": "120"})

    assert len(rows(response)) == 20


def test_a_long_csv_is_written_in_chunks_with_every_line(client):
    member = MemberFactory()
    entries = LedgerEntry.objects.bulk_create(
        _entry(
            member, tokyo(2026, 1, 5) + index * dt.timedelta(minutes=7), Kind.BORROWING, index + 1
        )
        for index in range(2 * views.CSV_ROWS_PER_CHUNK + 1)
    )
    client.force_login(member, backend="members.backends.CardPinBackend")

    response = client.get(CSV_URL)
    chunks = list(response.streaming_content)

    assert len(chunks) == 3
    lines = list(csv.reader(io.StringIO(b"".join(chunks).decode().removeprefix("\ufeff"))))
    assert len(lines) == 1 + len(entries)
    assert [int(line[4]) for line in lines[1:]] == [e.amount for e in reversed(entries)]
    assert lines[-1][:4] == ["2026-01-05 12:00:00", "", "お借入れ", "インターネット"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_a_large_seed_refreshes_the_planners_statistics(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A member with many fresh entries is not planned as one with none (see
    history.seeding.analyze_ledger)."""
    monkeypatch.setattr(seeding, "ANALYZE_AFTER", 100)

    def estimated_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s",
                [LedgerEntry._meta.db_table],
            )
            return cursor.fetchone()[0]

    with django_capture_on_commit_callbacks(execute=True):
        written = seed_histories([(MemberFactory(), Plan.DENSE)], today=dt.date(2026, 12, 9),
                                 transactions=500)  # fmt: skip

    assert written >= 500
    assert estimated_rows() >= written
