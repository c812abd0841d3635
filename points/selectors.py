"""Reads of the point ledger."""

from history.selectors import atm_fee_waived_until
from members.models import Member
from points.models import PointAccount, PointEntry, PointEntryQuerySet


def account_of(member: Member) -> PointAccount | None:
    """Return the member's point account, or None if they have not joined."""
    return PointAccount.objects.filter(member=member).first()


def balance_of(member: Member) -> int | None:
    """Return the member's point balance, or None if they have not joined."""
    return PointAccount.objects.filter(member=member).values_list("balance", flat=True).first()


def history_of(member: Member) -> PointEntryQuerySet:
    """Return the member's point entries, newest first."""
    return PointEntry.objects.for_member(member).newest_first()


def mypage_figures(member: Member) -> dict:
    """Return what the /mypage/ panel shows: the balance (None: not joined) and the last
    day of an active partner-ATM fee waiver (None: none), in two queries."""
    return {
        "points": balance_of(member),
        "atm_fee_waived_until": atm_fee_waived_until(member),
    }


def balances_by_member_number(member_numbers: list[str]) -> dict[str, int]:
    """Return the point balances of those members who joined, by member number (one query)."""
    return dict(
        PointAccount.objects.filter(member__member_number__in=member_numbers).values_list(
            "member__member_number", "balance"
        )
    )
