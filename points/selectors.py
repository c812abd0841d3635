"""Reads of the point ledger."""

from members.models import Member
from points.models import IncomeCertificate, PointAccount, PointEntry, PointEntryQuerySet


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
