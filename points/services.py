"""Writes of the point ledger: join, earn, spend, redeem, and staff grants and deductions.

Every write locks the member's point account, books one entry with the balance after it
and updates the running balance, in one transaction; so parallel requests of one member
are serialised, the balance is the sum of the entries and never negative.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from history import selectors as history_selectors
from history import services as history_services
from history.confirmations import Refusal
from history.models import InterestFreeSource
from members.models import Member, StatementDelivery
from members.notifications import notify_member
from points import rules
from points.models import ONCE_PER_REFERENCE, PointAccount, PointEntry, Reason
from portal import clock


class PointRefusal(Refusal):
    """The point rules refuse (codes: not_joined, already_joined, insufficient_points,
    benefit_active, invalid_choice)."""


def not_joined() -> PointRefusal:
    return PointRefusal("not_joined", _("ポイントサービスへのお申し込みが必要です。"))


def _locked_account(member: Member) -> PointAccount:
    account = PointAccount.objects.select_for_update().filter(member=member).first()
    if account is None:
        raise not_joined()
    return account


def _book(
    account: PointAccount,
    *,
    points: int,
    reason: str,
    reference: str = "",
    note: str = "",
    period: tuple[dt.date, dt.date] | None = None,
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
        benefit_first_day=period[0] if period else None,
        benefit_last_day=period[1] if period else None,
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


# --- Redemption (ポイント交換) ----------------------------------------------------------
#
# Which second benefit makes no sense (`benefit_active`): an ATM-fee waiver runs from
# today to the end of next month and waivers do not add up, so buying one while a waiver
# already covers that day would take 40 points for nothing: refused. One bought while a
# waiver ends earlier (say, bought last month: it ends this month) extends it, and is
# taken. Interest-free days do add up — each purchase starts the day after the member's
# last free day already granted (history.services.grant_interest_free_days) — so a second
# one always gives days and is never refused as active.


def _benefit(key: str) -> rules.Benefit:
    benefit = rules.BENEFITS.get(key)
    if benefit is None:
        raise PointRefusal("invalid_choice", _("交換する特典を選んでください。"))
    return benefit


def _check_redemption(*, member: Member, balance: int, benefit: rules.Benefit) -> None:
    if benefit.cost > balance:
        raise PointRefusal(
            "insufficient_points",
            _("ポイントが足りません（必要 %(cost)s ポイント、残高 %(balance)s ポイント）。")
            % {"cost": f"{benefit.cost:,}", "balance": f"{balance:,}"},
        )
    if not benefit.interest_free_days:
        last_day = rules.end_of_next_month(clock.today())
        waived_until = history_selectors.atm_fee_waived_until(member)
        if waived_until is not None and waived_until >= last_day:
            raise PointRefusal(
                "benefit_active",
                _("提携ATM手数料無料は %(until)s まで適用中です。重ねて交換する必要はありません。")
                % {"until": date_format(waived_until, "DATE_FORMAT")},
            )


def check_redemption(*, member: Member, benefit: str) -> None:
    """Raise PointRefusal if redeeming `benefit` would be refused now (reads only).

    The confirmation step asks this first; `redeem` checks again under the account lock.
    """
    balance = PointAccount.objects.filter(member=member).values_list("balance", flat=True)
    balance = balance.first()
    if balance is None:
        raise not_joined()
    _check_redemption(member=member, balance=balance, benefit=_benefit(benefit))


@transaction.atomic
def redeem(*, member: Member, benefit: str) -> PointEntry:
    """Exchange points for `benefit` (a key of rules.BENEFITS): spend its cost and grant it,
    in one transaction under the member's point-account lock.

    Interest-free days go into the loan ledger (history.services.grant_interest_free_days,
    source "points"), so the interest inquiry, the minimum payment and the history count
    them; the partner-ATM fee waiver runs from today to the end of next month
    (history.services.grant_atm_fee_waiver). Refusals (PointRefusal codes):
    `not_joined`, `insufficient_points`, and `benefit_active` for an ATM-fee waiver when
    one already covers the end of next month (interest-free days add up, so they are
    never refused as active; see the comment above). A confirmation e-mail goes out after
    the commit.
    """
    chosen = _benefit(benefit)
    account = _locked_account(member)
    _check_redemption(member=member, balance=account.balance, benefit=chosen)
    if chosen.interest_free_days:
        period = history_services.grant_interest_free_days(
            member=member, days=chosen.interest_free_days, source=InterestFreeSource.POINTS
        )
        first_day, last_day = period.first_day, period.last_day
    else:
        waiver = history_services.grant_atm_fee_waiver(
            member=member,
            last_day=rules.end_of_next_month(clock.today()),
            source=InterestFreeSource.POINTS,
        )
        first_day, last_day = waiver.first_day, waiver.last_day
    entry = _book(
        account,
        points=-chosen.cost,
        reason=Reason.REDEMPTION,
        reference=chosen.key,
        note=rules.redemption_note(chosen, first_day, last_day),
        period=(first_day, last_day),
    )
    context = {"entry": entry, "benefit": chosen, "first_day": first_day, "last_day": last_day}
    transaction.on_commit(
        lambda: notify_member(member=member, template="emails/points_redeemed", context=context)
    )
    return entry


# --- Month-end registrations (a monthly job) ------------------------------------------

# What earns a point a month, and which members have it registered. The two mails count
# only with a verified address: an unverified one is sent nothing.
REGISTRATIONS = (
    (
        Reason.REMINDER_MAIL,
        Q(mail_preference__reminder_enabled=True, email_verified=True),
    ),
    (
        Reason.TRANSACTION_MAIL,
        Q(mail_preference__transaction_email=True, email_verified=True),
    ),
    (Reason.WEB_STATEMENT, Q(statement_delivery=StatementDelivery.WEB)),
)
REGISTRATION_BATCH = 500


def credit_registration_points(
    *, month: str, member_ids: list[int] | None = None, batch_size: int = REGISTRATION_BATCH
) -> int:
    """Credit `rules.REGISTRATION_POINTS` for each registration every joined member holds,
    for `month` ("2026-11", the entries' reference); return the number of entries written.

    Idempotent: an earning already credited for the month is skipped, and the ledger's
    once-per-reference constraint refuses a second one anyway. Run after the month ended
    (the registrations read are those held when it runs). Members are taken in batches,
    each in one transaction with a constant number of queries: lock the batch's accounts,
    read their registrations and what the month already credited, insert the entries and
    update the balances in bulk.
    """
    accounts = PointAccount.objects.order_by("member_id")
    if member_ids is not None:  # only these members (a sandbox's, demo.sandboxes)
        accounts = accounts.filter(member_id__in=member_ids)
    member_ids = list(accounts.values_list("member_id", flat=True))
    return sum(
        _credit_registration_batch(member_ids[start : start + batch_size], month=month)
        for start in range(0, len(member_ids), batch_size)
    )


@transaction.atomic
def _credit_registration_batch(member_ids: list[int], *, month: str) -> int:
    accounts = {
        account.member_id: account
        for account in PointAccount.objects.select_for_update()
        .filter(member_id__in=member_ids)
        .order_by("member_id")  # one lock order for every writer of several accounts
    }
    flags = {reason: f"registered_{reason}" for reason, _condition in REGISTRATIONS}
    members = Member.objects.filter(pk__in=list(accounts)).annotate(
        **{flags[reason]: Q(condition) for reason, condition in REGISTRATIONS}
    )
    rows = members.order_by("pk").values_list("pk", *flags.values())
    reasons = [reason for reason, _condition in REGISTRATIONS]
    already = set(
        PointEntry.objects.filter(
            member_id__in=list(accounts), reason__in=reasons, reference=month
        ).values_list("member_id", "reason")
    )
    now, entries, changed = clock.now(), [], []
    for member_id, *registered in rows:
        account = accounts[member_id]
        before = account.balance
        for reason, held in zip(reasons, registered, strict=True):
            if not held or (member_id, reason) in already:
                continue
            account.balance += rules.REGISTRATION_POINTS
            entries.append(
                PointEntry(
                    member_id=member_id,
                    occurred_at=now,
                    reason=reason,
                    reference=month,
                    points=rules.REGISTRATION_POINTS,
                    balance_after=account.balance,
                )
            )
        if account.balance != before:
            changed.append(account)
    PointEntry.objects.bulk_create(entries)
    PointAccount.objects.bulk_update(changed, ["balance"])
    return len(entries)
