"""Writes of the loan ledger: borrowing, repayment, interest-free days, the daily job."""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from history import accounting
from history.models import (
    AtmFeeWaiver,
    Channel,
    DueStatus,
    InterestFreePeriod,
    InterestFreeSource,
    Kind,
    LedgerEntry,
    MailPreference,
)
from history.rules import (
    LedgerRefusal,
    borrowing_open,
    check_borrowing_amount,
    check_repayment_amount,
)
from history.selectors import ledger_state, local_date, terms_of
from members.models import ContractStatus, LoanContract, Member, StatementDelivery
from members.notifications import notify_member
from portal import clock

# A transfer requested on Saturday from 23:30 is paid out the next morning (SPEC §3).
SATURDAY_NIGHT_CUTOFF = dt.time(23, 30)
NEXT_MORNING_PAYOUT = dt.time(9, 0)


def transfer_payout_time(requested_at: dt.datetime) -> dt.datetime:
    """Return when a transfer requested at `requested_at` is paid out."""
    local = timezone.localtime(requested_at)
    if local.weekday() == 5 and local.time() >= SATURDAY_NIGHT_CUTOFF:
        morning = dt.datetime.combine(local.date() + dt.timedelta(days=1), NEXT_MORNING_PAYOUT)
        return timezone.make_aware(morning)
    return requested_at


def _locked_contract(member: Member) -> LoanContract:
    # Every ledger write for a member goes through this row lock, so balances stay exact.
    return LoanContract.objects.select_for_update().get(member=member)


def _refuse_before_a_later_entry(member: Member, at: dt.datetime) -> None:
    """Entries are booked in time order, each with the balance after it: nothing may be
    booked before a Saturday-night transfer still waiting for its payout."""
    if LedgerEntry.objects.filter(member=member, occurred_at__gt=at).exists():
        raise LedgerRefusal(
            "payout_pending",
            _("土曜深夜にお申し込みのお振込み（翌朝9時実行）が済むまで、このお取引はできません。"),
        )


def check_repayment(*, member: Member) -> None:
    """Raise LedgerRefusal if a repayment cannot be taken now, whatever its amount."""
    _refuse_before_a_later_entry(member, clock.now())


def _save_due_status(contract: LoanContract, state: accounting.LedgerState) -> None:
    # Under the contract's row lock: an update, or a first insert, is one query (the
    # ledger's summaries take one more per booking).
    values = {"next_due_date": state.next_due_date, "paid_toward_due": state.paid_toward_due}
    if not DueStatus.objects.filter(contract=contract).update(**values):
        DueStatus.objects.create(contract=contract, **values)


def check_borrowing(
    *,
    member: Member,
    contract: LoanContract,
    position: accounting.LoanPosition,
    amount: int,
    channel: str = Channel.TRANSFER,
    at: dt.datetime | None = None,
) -> None:
    """Raise LedgerRefusal if the rules do not allow this borrowing requested `at` (now
    by default; nothing is written)."""
    if contract.is_terminated:
        raise LedgerRefusal(
            "contract_terminated", _("ご契約が終了しているため、お借入れできません。")
        )
    if not borrowing_open(contract, overdue_since=position.overdue_since):
        raise LedgerRefusal(
            "contract_suspended",
            _("お支払いが確認できていないため、現在お借入れはご利用いただけません。"),
        )
    if channel == Channel.TRANSFER and not hasattr(member, "transfer_account"):
        raise LedgerRefusal(
            "no_transfer_account", _("お借入れの前に、振込先口座をご登録ください。")
        )
    check_borrowing_amount(
        amount=amount, available=contract.available_credit_at(position.principal)
    )
    requested_at = clock.now() if at is None else at
    _refuse_before_a_later_entry(
        member,
        transfer_payout_time(requested_at) if channel == Channel.TRANSFER else requested_at,
    )


@transaction.atomic
def borrow(*, member: Member, amount: int, channel: str = Channel.TRANSFER) -> LedgerEntry:
    """Lend `amount` yen (transfer to the registered account, or cash at an ATM)."""
    contract = _locked_contract(member)
    now = clock.now()
    state = ledger_state(contract)
    position = accounting.position_on(state=state, terms=terms_of(contract), on=local_date(now))
    check_borrowing(
        member=member,
        contract=contract,
        position=position,
        amount=amount,
        channel=channel,
        at=now,
    )

    paid_out_at = transfer_payout_time(now) if channel == Channel.TRANSFER else now
    paid_out_on = local_date(paid_out_at)
    gets_first_time_free = bool(member.email) and (
        member.statement_delivery == StatementDelivery.WEB
    )
    after = accounting.after_borrowing(
        state=state,
        amount=amount,
        terms=terms_of(contract),
        on=paid_out_on,
        first_time_free=gets_first_time_free,
    )
    if gets_first_time_free and not state.has_borrowed:
        period = accounting.first_time_free_period(paid_out_on)
        InterestFreePeriod.objects.create(
            member=member,
            first_day=period.first,
            last_day=period.last,
            source=InterestFreeSource.FIRST_TIME,
            granted_at=now,
        )
    _save_due_status(contract, after)
    entry = LedgerEntry.objects.create(
        member=member,
        occurred_at=paid_out_at,
        requested_at=now if paid_out_at != now else None,
        kind=Kind.BORROWING,
        channel=channel,
        amount=amount,
        principal_after=after.principal,
    )
    contract.principal_balance = entry.principal_after
    contract.save(update_fields=["principal_balance"])
    transaction.on_commit(lambda: send_transaction_mail(member=member, entry=entry))
    return entry


@transaction.atomic
def repay(*, member: Member, amount: int, channel: str = Channel.INTERNET) -> LedgerEntry:
    """Take a repayment: late damages first, then interest, then principal."""
    contract = _locked_contract(member)
    now = clock.now()
    today = local_date(now)
    _refuse_before_a_later_entry(member, now)
    state = ledger_state(contract)
    position = accounting.position_on(state=state, terms=terms_of(contract), on=today)
    if position.payoff == 0:
        raise LedgerRefusal("nothing_to_repay", _("ご返済いただくお借入れ残高はありません。"))
    check_repayment_amount(amount=amount, payoff=position.payoff)
    split = accounting.split_repayment(position, amount)
    entry, *_benefit = LedgerEntry.objects.bulk_create(
        repayment_entries(
            member=member, at=now, channel=channel, amount=amount, position=position, split=split
        )
    )
    after = accounting.after_repayment(
        state=state, position=position, repayment=split, terms=terms_of(contract), on=today
    )
    _save_due_status(contract, after)
    contract.principal_balance = entry.principal_after
    if contract.status == ContractStatus.SUSPENDED and not _overdue(after, today):
        contract.status = ContractStatus.ACTIVE
    contract.save(update_fields=["principal_balance", "status"])
    transaction.on_commit(lambda: send_transaction_mail(member=member, entry=entry))
    return entry


def repayment_entries(
    *,
    member: Member,
    at: dt.datetime,
    channel: str,
    amount: int,
    position: accounting.LoanPosition,
    split: accounting.Repayment,
) -> list[LedgerEntry]:
    """Return the unsaved entries of a repayment: the repayment, and the interest-free benefit
    it settled, if any."""
    entries = [
        LedgerEntry(
            member=member,
            occurred_at=at,
            kind=Kind.REPAYMENT,
            channel=channel,
            amount=amount,
            late_damages_paid=split.late_damages_paid,
            interest_paid=split.interest_paid,
            principal_paid=split.principal_paid,
            principal_after=split.principal_after,
            interest_unpaid=split.interest_unpaid,
            late_damages_unpaid=split.late_damages_unpaid,
        )
    ]
    if position.interest_waived:
        entries.append(
            LedgerEntry(
                member=member,
                occurred_at=at,
                kind=Kind.INTEREST_FREE_BENEFIT,
                channel=channel,
                amount=position.interest_waived,
                principal_after=split.principal_after,
                note=str(_("無利息期間により利息を免除しました")),
            )
        )
    return entries


def _overdue(state: accounting.LedgerState, today: dt.date) -> bool:
    return state.next_due_date is not None and state.next_due_date < today


@transaction.atomic
def grant_interest_free_days(
    *, member: Member, days: int, source: str = InterestFreeSource.POINTS
) -> InterestFreePeriod:
    """Give `days` interest-free days starting today, or after the member's last free day."""
    if days <= 0:
        raise ValueError(f"interest-free days must be positive, not {days}")
    # Under the ledger's row lock, so parallel grants (or a first borrowing) do not both
    # start after the same last free day.
    _locked_contract(member)
    today = clock.today()
    last = (
        InterestFreePeriod.objects.filter(member=member, last_day__gte=today)
        .order_by("-last_day")
        .values_list("last_day", flat=True)
        .first()
    )
    first_day = last + dt.timedelta(days=1) if last else today
    return InterestFreePeriod.objects.create(
        member=member,
        first_day=first_day,
        last_day=first_day + dt.timedelta(days=days - 1),
        source=source,
        granted_at=clock.now(),
    )


def grant_atm_fee_waiver(
    *, member: Member, last_day: dt.date, source: str = InterestFreeSource.POINTS
) -> AtmFeeWaiver:
    """Waive the member's ATM fees from today through `last_day` (inclusive)."""
    today = clock.today()
    if last_day < today:
        raise ValueError(f"a waiver cannot end in the past ({last_day})")
    return AtmFeeWaiver.objects.create(
        member=member, first_day=today, last_day=last_day, source=source, granted_at=clock.now()
    )


def mark_delinquencies(*, today: dt.date) -> tuple[int, int]:
    """Suspend contracts whose minimum went unpaid by the due date; lift paid-up ones.

    Idempotent; returns (suspended, reinstated) counts.
    """
    # The due date as EXISTS, not a join: an UPDATE through a join becomes "id IN (a
    # subquery)", which a run waiting on another host's row locks does not check again, so
    # both would count the same contracts. Here each row's status is checked again.
    late = Q(principal_balance__gt=0) & Exists(
        DueStatus.objects.filter(contract=OuterRef("pk"), next_due_date__lt=today)
    )
    suspended = LoanContract.objects.filter(late, status=ContractStatus.ACTIVE).update(
        status=ContractStatus.SUSPENDED
    )
    reinstated = (
        LoanContract.objects.filter(status=ContractStatus.SUSPENDED)
        .exclude(late)
        .update(status=ContractStatus.ACTIVE)
    )
    return suspended, reinstated


def set_mail_preference(*, member: Member, **values) -> MailPreference:
    preference, _created = MailPreference.objects.update_or_create(member=member, defaults=values)
    return preference


def send_transaction_mail(*, member: Member, entry: LedgerEntry) -> None:
    """Send the 取引確認メール if the member asked for it."""
    preference = MailPreference.objects.filter(member=member).first()
    if preference is None or not preference.transaction_email:
        return
    notify_member(member=member, template="emails/transaction", context={"entry": entry})


@transaction.atomic
def post_adjustment(*, member: Member, principal_change: int, note: str) -> LedgerEntry:
    """Correct the principal by `principal_change` yen (staff); the ledger stays append-only."""
    if principal_change == 0:
        raise LedgerRefusal("adjustment_zero", _("調整額を入力してください。"))
    contract = _locked_contract(member)
    now = clock.now()
    _refuse_before_a_later_entry(member, now)
    state = ledger_state(contract)
    new_balance = state.principal + principal_change
    if new_balance < 0:
        raise LedgerRefusal("adjustment_below_zero", _("調整後の元金残高がマイナスになります。"))
    after = accounting.after_adjustment(
        state=state, new_balance=new_balance, terms=terms_of(contract), on=local_date(now)
    )
    _save_due_status(contract, after)
    entry = LedgerEntry.objects.create(
        member=member,
        occurred_at=now,
        kind=Kind.ADJUSTMENT,
        channel=Channel.STAFF,
        amount=abs(principal_change),
        principal_after=new_balance,
        note=note,
    )
    contract.principal_balance = new_balance
    contract.save(update_fields=["principal_balance"])
    return entry
