"""Repayment reminders and overdue notices (SPEC §8): when each is due, and sending each
exactly once however many `send_reminders` runs overlap, on however many hosts.

A run inserts a `Reminder` row for every notice due at the clock's now (the unique
constraint makes that idempotent), then claims the unsent rows one at a time under a row
lock (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so parallel runs share the work;
a plain loop on SQLite), checks that the notice is still due, mails it and marks it sent
in the same transaction. A mail that cannot go out rolls its row back to unsent for the
next run.
"""

import dataclasses
import datetime as dt
from collections.abc import Collection

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from history import schedule
from history.models import DueStatus, Reminder, ReminderKind
from history.selectors import loan_position, local_date
from members.models import ContractStatus, Member
from members.notifications import notify_member
from portal import clock
from portal.mail import absolute_url

DAYS_BEFORE_CHOICES = range(1, 8)
HOUR_CHOICES = range(24)
# Until a member chooses, reminders go out 3 days before at 9:00 (MailPreference's
# defaults), and overdue notices at 9:00 too.
DEFAULT_HOUR = 9
# Where overdue notices tell members to transfer a repayment (a fictional account).
REPAYMENT_TRANSFER_ACCOUNT = _("デモ銀行 本店営業部 普通預金 7654321（架空の口座）")


def send_time(*, due_date: dt.date, days_before: int, hour: int) -> dt.datetime:
    """Return when the reminder for `due_date` goes out: at `hour` o'clock, `days_before`
    days before it (Asia/Tokyo)."""
    day = due_date - dt.timedelta(days=days_before)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def reminder_due(*, due_date: dt.date, days_before: int, hour: int, now: dt.datetime) -> bool:
    """Return whether the reminder for `due_date` is due at `now`: from its send time on
    while the due date has not passed, so a run after a missed hour still sends it."""
    return send_time(due_date=due_date, days_before=days_before, hour=hour) <= now and (
        local_date(now) <= due_date
    )


def last_missed_due_date(*, next_due_date: dt.date, due_day: int, today: dt.date) -> dt.date:
    """Return the latest due date before `today` of the cycles left unpaid since
    `next_due_date` (itself before `today`)."""
    missed = next_due_date
    while (following := schedule.due_date_after(day=missed, due_day=due_day)) < today:
        missed = following
    return missed


def overdue_notice_due(*, missed_due_date: dt.date, hour: int, now: dt.datetime) -> bool:
    """Return whether the notice for a missed due date is due at `now`: from `hour` o'clock
    on the day after it."""
    return send_time(due_date=missed_due_date, days_before=-1, hour=hour) <= now


@dataclasses.dataclass(frozen=True)
class Standing:
    """What decides a member's notices: the cycle and the reminder settings."""

    member_id: int
    next_due_date: dt.date  # the earliest due date whose minimum is unpaid
    due_day: int
    reminder_enabled: bool
    days_before: int
    hour: int

    def notice_due(self, now: dt.datetime) -> tuple[str, dt.date] | None:
        """Return the (kind, due date) of the notice due at `now`, if any.

        Before and on the due date, the reminder (if the member asked for it); after it,
        the overdue notice of the latest missed due date (to every member: it is about a
        payment they owe, not an optional mail). One notice per missed due date: the
        earlier ones went out the day after each, or are no longer the news.
        """
        today = local_date(now)
        if self.next_due_date >= today:
            if self.reminder_enabled and reminder_due(
                due_date=self.next_due_date, days_before=self.days_before, hour=self.hour, now=now
            ):
                return ReminderKind.REMINDER, self.next_due_date
            return None
        missed = last_missed_due_date(
            next_due_date=self.next_due_date, due_day=self.due_day, today=today
        )
        if overdue_notice_due(missed_due_date=missed, hour=self.hour, now=now):
            return ReminderKind.OVERDUE, missed
        return None


def standings(
    *, today: dt.date, member_id: int | None = None, member_ids: Collection[int] | None = None
) -> list[Standing]:
    """Return the standings of members (of `member_ids` if given) who may have a notice
    due (one query): a balance, a verified address, a live contract, and a due date at
    most a week ahead or passed."""
    rows = DueStatus.objects.filter(
        next_due_date__lte=today + dt.timedelta(days=max(DAYS_BEFORE_CHOICES)),
        contract__principal_balance__gt=0,
        contract__member__email_verified=True,
    ).exclude(Q(contract__status=ContractStatus.TERMINATED) | Q(contract__member__email=""))
    if member_id is not None:
        rows = rows.filter(contract__member_id=member_id)
    if member_ids is not None:
        rows = rows.filter(contract__member_id__in=member_ids)
    preference = "contract__member__mail_preference__"
    return [
        Standing(
            member_id=member,
            next_due_date=due,
            due_day=due_day,
            reminder_enabled=bool(enabled),
            days_before=days_before or 0,
            hour=DEFAULT_HOUR if hour is None else hour,
        )
        for member, due, due_day, enabled, days_before, hour in rows.values_list(
            "contract__member_id",
            "next_due_date",
            "contract__due_day",
            f"{preference}reminder_enabled",
            f"{preference}reminder_days_before",
            f"{preference}reminder_hour",
        )
    ]


def plan_notices(*, now: dt.datetime, member_ids: Collection[int] | None = None) -> int:
    """Insert a row for every notice due at `now` that has none yet; return how many were
    due (sent or not)."""
    due = [
        (standing.member_id, notice)
        for standing in standings(today=local_date(now), member_ids=member_ids)
        if (notice := standing.notice_due(now))
    ]
    Reminder.objects.bulk_create(
        [
            Reminder(member_id=member_id, kind=kind, due_date=due_date, created_at=now)
            for member_id, (kind, due_date) in due
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(due)


@dataclasses.dataclass
class Outcome:
    sent: int = 0
    failed: int = 0  # left unsent for the next run
    withdrawn: int = 0  # no longer due (paid, settings changed): deleted unsent


def send_due_notices(
    *, now: dt.datetime | None = None, member_ids: Collection[int] | None = None
) -> Outcome:
    """Send every notice due at `now` (the clock's now) that has not gone out yet, to the
    members of `member_ids` only if given (a higher app's members on their own clock)."""
    now = now or clock.now()
    plan_notices(now=now, member_ids=member_ids)
    outcome, after_id = Outcome(), 0
    while (claimed := _send_next(after_id=after_id, now=now, member_ids=member_ids)) is not None:
        after_id, result = claimed
        setattr(outcome, result, getattr(outcome, result) + 1)
    return outcome


class _NotDelivered(Exception):
    def __init__(self, reminder_id: int):
        self.reminder_id = reminder_id


def _send_next(
    *, after_id: int, now: dt.datetime, member_ids: Collection[int] | None
) -> tuple[int, str] | None:
    """Claim the next unsent row after `after_id` and send it; return its id and what
    became of it, or None when no row is left to claim."""
    try:
        with transaction.atomic():
            unsent = Reminder.objects.filter(sent_at__isnull=True, pk__gt=after_id).order_by("pk")
            if member_ids is not None:
                unsent = unsent.filter(member_id__in=member_ids)
            if connection.features.has_select_for_update_skip_locked:
                # Rows another run is sending are skipped, not waited for.
                unsent = unsent.select_for_update(skip_locked=True)
            reminder = unsent.first()
            if reminder is None:
                return None
            return reminder.pk, _send(reminder, now)
    except _NotDelivered as failure:
        # Rolled back: the row is unsent again, and the demo mailbox holds no copy.
        return failure.reminder_id, "failed"


def _send(reminder: Reminder, now: dt.datetime) -> str:
    (standing,) = standings(today=local_date(now), member_id=reminder.member_id) or [None]
    if standing is None or standing.notice_due(now) != (reminder.kind, reminder.due_date):
        reminder.delete()
        return "withdrawn"
    member = Member.objects.select_related("contract").get(pk=reminder.member_id)
    position = loan_position(contract=member.contract, on=local_date(now))
    context = {
        "reminder": reminder,
        "position": position,
        "repay_url": absolute_url("history:repay"),
        "atm_url": absolute_url("history:atm"),
        "settings_url": absolute_url("history:settings-reminder"),
        "transfer_account": REPAYMENT_TRANSFER_ACCOUNT,
    }
    template = "emails/reminder" if reminder.kind == ReminderKind.REMINDER else "emails/overdue"
    # No outbox: an unsent reminder is this job's own to try again (its row rolls back).
    if not notify_member(member=member, template=template, context=context, retry=False):
        raise _NotDelivered(reminder.pk)
    reminder.sent_at = now
    reminder.save(update_fields=["sent_at"])
    return "sent"
