"""The balance chart's points equal a straightforward recomputation from the entries, on
random ledgers: ties in time, entries on the stretches' ends, every kind, either path of
balance_over_time (every change of the period, or the newest entry up to each stretch's
end, which PostgreSQL reads through a LATERAL join and SQLite through subqueries)."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from history.models import MOVING_PRINCIPAL_KINDS, Channel, Kind, LedgerEntry
from history.selectors import FEW_CHANGES_PER_STEP, balance_over_time
from tests.factories import MemberFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

ORIGIN = tokyo(2026, 3, 1, 0)
HOURS = 72  # entries on whole hours of three days: ties and entries on stretch ends are common


def _entry(member, hour: int, kind: str, balance: int) -> LedgerEntry:
    repaid = kind == Kind.REPAYMENT
    return LedgerEntry(
        member=member, occurred_at=ORIGIN + dt.timedelta(hours=hour), kind=kind,
        channel=Channel.INTERNET, amount=1_000, interest_paid=1_000 if repaid else 0,
        principal_after=balance,
    )  # fmt: skip


def recomputed(entries, start, end, steps, *, every_change: bool) -> list[tuple]:
    """The chart's points, read from the entries in Python."""
    ordered = sorted(entries, key=lambda entry: (entry.occurred_at, entry.pk))
    chosen = set()
    if every_change:
        chosen |= {
            e for e in ordered if start <= e.occurred_at <= end and e.kind in MOVING_PRINCIPAL_KINDS
        }
        chosen |= set([e for e in ordered if e.occurred_at < start][-1:])
    else:
        for index in range(steps + 1):
            moment = start + (end - start) * index / steps
            chosen |= set([e for e in ordered if e.occurred_at <= moment][-1:])
    changes = sorted((e.occurred_at, e.pk, e.principal_after) for e in chosen)
    points = [(max(moment, start), balance) for moment, _pk, balance in changes]
    if not points or points[0][0] > start:
        points.insert(0, (start, 0))
    if points[-1][0] < end:
        points.append((end, points[-1][1]))
    return points


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(0, HOURS),
            st.sampled_from([Kind.BORROWING, Kind.REPAYMENT, Kind.ATM_FEE, Kind.ADJUSTMENT]),
            st.integers(0, 500_000),  # the balance after: distinct per entry, so ties show
        ),
        max_size=40,
    ),
    start_hour=st.integers(-2, HOURS),
    length=st.integers(0, HOURS + 2),
    steps=st.integers(1, 12),
)
def test_chart_points_equal_a_recomputation_from_the_entries(entries, start_hour, length, steps):
    with transaction.atomic():
        member = MemberFactory()
        written = LedgerEntry.objects.bulk_create(
            _entry(member, hour, kind, balance) for hour, kind, balance in entries
        )
        MemberFactory()  # another member's entries are not read
        start = ORIGIN + dt.timedelta(hours=start_hour)
        end = start + dt.timedelta(hours=length, minutes=length % 7)
        in_period = sum(
            start <= e.occurred_at <= end and e.kind in MOVING_PRINCIPAL_KINDS for e in written
        )

        by_stretch = balance_over_time(member_id=member.pk, start=start, end=end, steps=steps)
        every_change = balance_over_time(
            member_id=member.pk, start=start, end=end, steps=steps, changes_in_period=in_period
        )

        assert by_stretch == recomputed(written, start, end, steps, every_change=False)
        reads_every_change = in_period <= FEW_CHANGES_PER_STEP * steps
        assert every_change == recomputed(
            written, start, end, steps, every_change=reads_every_change
        )
        transaction.set_rollback(True)
