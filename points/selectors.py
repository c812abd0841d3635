"""Reads of the point ledger."""

from django.db.models import OuterRef, Subquery

from history.models import AtmFeeWaiver
from members.models import Member
from points.models import IncomeCertificate, PointAccount, PointEntry, PointEntryQuerySet
from portal import clock


def account_of(member: Member) -> PointAccount | None:
    """Return the member's point account, or None if they have not joined."""
    return PointAccount.objects.filter(member=member).first()


def balance_of(member: Member) -> int | None:
    """Return the member's point balance, or None if they have not joined."""
    return PointAccount.objects.filter(member=member).values_list("balance", flat=True).first()


def history_of(member: Member) -> PointEntryQuerySet:
    """Return the member's point entries, newest first."""
    return PointEntry.objects.for_member(member).newest_first()


def certificates_of(member: Member) -> list[IncomeCertificate]:
    """Return the member's income certificates, newest first."""
    return list(IncomeCertificate.objects.for_member(member).newest_first())


def mypage_figures(member: Member) -> dict:
    """Return what the /mypage/ panel shows, in one query: the balance (None: not joined)
    and the last day of an active partner-ATM fee waiver (None: none)."""
    today = clock.today()
    waivers = AtmFeeWaiver.objects.filter(
        member=OuterRef("pk"), first_day__lte=today, last_day__gte=today
    )
    figures = (
        Member.objects.filter(pk=member.pk)
        .annotate(
            points=Subquery(PointAccount.objects.filter(member=OuterRef("pk")).values("balance")),
            atm_fee_waived_until=Subquery(waivers.order_by("-last_day").values("last_day")[:1]),
        )
        .values("points", "atm_fee_waived_until")
        .first()
    )
    return figures or {"points": None, "atm_fee_waived_until": None}


def balances_by_member_number(member_numbers: list[str]) -> dict[str, int]:
    """Return the point balances of those members who joined, by member number (one query)."""
    return dict(
        PointAccount.objects.filter(member__member_number__in=member_numbers).values_list(
            "member__member_number", "balance"
        )
    )
