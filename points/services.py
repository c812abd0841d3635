"""Writes of the point ledger: join, earn, spend, and staff grants and deductions.

Every write locks the member's point account, books one entry with the balance after it
and updates the running balance, in one transaction; so parallel requests of one member
are serialised, the balance is the sum of the entries and never negative.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from history.confirmations import Refusal
from members.models import Member
from points import rules
from points.models import ONCE_PER_REFERENCE, PointAccount, PointEntry, Reason
from portal import clock


class PointRefusal(Refusal):
    """The point rules refuse (codes: not_joined, already_joined, insufficient_points)."""


def not_joined() -> PointRefusal:
    return PointRefusal("not_joined", _("ポイントサービスへのお申し込みが必要です。"))


def _locked_account(member: Member) -> PointAccount:
    account = PointAccount.objects.select_for_update().filter(member=member).first()
    if account is None:
        raise not_joined()
    return account


def _book(
    account: PointAccount, *, points: int, reason: str, reference: str = "", note: str = ""
) -> PointEntry:
    balance = account.balance + points
    if balance < 0:
        raise PointRefusal(
            "insufficient_points",
            _("ポイントが足りません（残高 %(balance)s ポイント）。")
            % {"balance": f"{account.balance:,}"},
        )
    entry = PointEntry.objects.create(
        member_id=account.member_id,
        occurred_at=clock.now(),
        reason=reason,
        reference=reference,
        points=points,
        balance_after=balance,
        note=note,
    )
    account.balance = balance
    account.save(update_fields=["balance"])
    return entry


@transaction.atomic
def join(*, member: Member) -> PointEntry:
    """Open the member's point account with the joining points (once)."""
    account, created = PointAccount.objects.get_or_create(
        member=member, defaults={"joined_at": clock.now()}
    )
    if not created:
        raise PointRefusal("already_joined", _("ポイントサービスにはお申し込み済みです。"))
    account = PointAccount.objects.select_for_update().get(pk=account.pk)
    return _book(account, points=rules.JOIN_POINTS, reason=Reason.JOIN)


def earn(
    *, member: Member, reason: str, points: int, reference: str, note: str = ""
) -> PointEntry | None:
    """Credit an earning that is due once per `reference` (a notice, a month, a year).

    Return the entry, or None if the member has not joined or already earned it: earnings
    are never an error for the member, they just do not happen twice.
    """
    if reason not in ONCE_PER_REFERENCE or not reference or points <= 0:
        raise ValueError(f"not a once-per-reference earning: {reason} {reference!r} {points}")
    try:
        with transaction.atomic():
            account = PointAccount.objects.select_for_update().filter(member=member).first()
            if account is None:
                return None
            already = PointEntry.objects.filter(member=member, reason=reason, reference=reference)
            if already.exists():
                return None
            return _book(account, points=points, reason=reason, reference=reference, note=note)
    except IntegrityError:
        # The unique constraint: another transaction credited it first.
        return None


@transaction.atomic
def spend(*, member: Member, points: int, reference: str, note: str = "") -> PointEntry:
    """Take `points` for a redemption; raise PointRefusal if not joined or not enough."""
    if points <= 0:
        raise ValueError(f"points to spend must be positive, not {points}")
    account = _locked_account(member)
    return _book(account, points=-points, reason=Reason.REDEMPTION, reference=reference, note=note)


@transaction.atomic
def adjust(*, member: Member, points: int, note: str) -> PointEntry:
    """Grant (points > 0) or deduct (points < 0) points by staff, with the reason in `note`."""
    if points == 0 or not note.strip():
        raise ValueError("a staff adjustment needs non-zero points and a reason")
    reason = Reason.STAFF_GRANT if points > 0 else Reason.STAFF_DEDUCTION
    return _book(_locked_account(member), points=points, reason=reason, note=note.strip())
