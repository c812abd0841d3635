"""Repayment reminders and overdue notices (SPEC §8): when `send_reminders` sends them,
once ever, catching up a missed hour, retrying a failed mail."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from history import services
from history.models import Reminder, ReminderKind
from history.reminders import send_due_notices
from history.selectors import loan_position
from members.models import ContractStatus, DueDay, StatementDelivery
from portal.models import MailboxMessage
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

ONE_MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _mail_into_mailbox(mailbox):
    """Send through the portal's backend: delivered to the outbox, copied to the mailbox."""


def borrower(time_machine, *, due_day=DueDay.TWENTY_FIFTH, on=dt.date(2026, 12, 10), **member):
    """A member who borrowed 100,000 yen at noon on `on` (no interest-free days)."""
    member = MemberFactory(statement_delivery=StatementDelivery.POST, **member)
    member.contract.due_day = due_day
    member.contract.save()
    TransferAccountFactory(member=member)
    time_machine.move_to(tokyo(on.year, on.month, on.day), tick=False)
    services.borrow(member=member, amount=100_000)
    return member


def remind(member, *, days_before=3, hour=9, enabled=True):
    services.set_mail_preference(
        member=member,
        reminder_enabled=enabled,
        reminder_days_before=days_before,
        reminder_hour=hour,
    )


def next_due_date(member):
    member.contract.due_status.refresh_from_db()
    return member.contract.due_status.next_due_date


def sent_to(member) -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [member.email]]


# --- The schedule -------------------------------------------------------------------

# (due day, borrowed on, the first due date as the ledger moves it, days before, hour,
# when the reminder goes out in Tokyo)
SCHEDULE = [
    (25, "2026-12-10", "2027-01-25", 3, 9, (2027, 1, 22, 9)),
    # 2027-05-05 is Children's Day: the 5th moves to the 6th, and the reminder with it.
    (5, "2027-04-10", "2027-05-06", 1, 0, (2027, 5, 5, 0)),
    (5, "2027-04-10", "2027-05-06", 7, 23, (2027, 4, 29, 23)),
    # February 2027 ends on a Sunday: the month-end due date is March 1.
    (31, "2027-01-20", "2027-03-01", 1, 9, (2027, 2, 28, 9)),
    # A leap day as the due date, and as the day the reminder goes out.
    (31, "2028-01-20", "2028-02-29", 2, 23, (2028, 2, 27, 23)),
    (5, "2028-02-10", "2028-03-06", 6, 8, (2028, 2, 29, 8)),
    (31, "2027-03-20", "2027-04-30", 5, 6, (2027, 4, 25, 6)),
    (15, "2026-12-20", "2027-01-15", 7, 0, (2027, 1, 8, 0)),
    # Over the year's end.
    (5, "2026-12-01", "2027-01-05", 7, 12, (2026, 12, 29, 12)),
    (25, "2027-12-20", "2028-01-25", 4, 18, (2028, 1, 21, 18)),
]


@pytest.mark.parametrize(
    ("due_day", "borrowed_on", "due_date", "days_before", "hour", "send_at"), SCHEDULE
)
def test_the_reminder_goes_out_at_the_chosen_hour_on_the_chosen_day_before_the_due_date(
    time_machine, due_day, borrowed_on, due_date, days_before, hour, send_at
):
    member = borrower(time_machine, due_day=due_day, on=dt.date.fromisoformat(borrowed_on))
    remind(member, days_before=days_before, hour=hour)
    assert next_due_date(member) == dt.date.fromisoformat(due_date)
    moment = tokyo(*send_at, minute=0)

    time_machine.move_to(moment - ONE_MINUTE, tick=False)
    assert send_due_notices().sent == 0
    time_machine.move_to(moment, tick=False)
    assert send_due_notices().sent == 1
    time_machine.move_to(moment + dt.timedelta(hours=1), tick=False)
    assert send_due_notices().sent == 0

    (subject,) = sent_to(member)
    due = dt.date.fromisoformat(due_date)
    assert f"{due.month}月{due.day}日" in subject
    (reminder,) = Reminder.objects.filter(member=member)
    assert (reminder.kind, reminder.due_date, reminder.sent_at) == (
        ReminderKind.REMINDER,
        due,
        moment,
    )


def test_the_reminder_names_the_due_date_the_minimum_what_was_paid_and_the_repayment_page(
    time_machine, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.jp"
    member = borrower(time_machine)  # due 2027-01-25, minimum 4,000 yen
    remind(member, days_before=3, hour=9)
    time_machine.move_to(tokyo(2027, 1, 5), tick=False)
    services.repay(member=member, amount=2_500)  # part of the minimum

    time_machine.move_to(tokyo(2027, 1, 22, 9), tick=False)
    send_due_notices()

    (message,) = mail.outbox
    assert message.to == [member.email]
    assert "2027年1月25日（月）" in message.body
    assert "次回ご返済額: 4,000円\n最低返済額です。" in message.body
    assert "今回の最低返済額" not in message.body
    assert "今回すでにお支払いいただいた額: 2,500円" in message.body
    assert "期日までにお支払いいただく額: 1,500円" in message.body
    assert "https://portal.example.jp/mypage/repay/" in message.body
    # The demo mailbox holds the same mail.
    (copy,) = MailboxMessage.objects.all()
    assert (copy.to, copy.subject, copy.body) == (member.email, message.subject, message.body)


# --- Once, and catching up ----------------------------------------------------------


def test_a_reminder_goes_out_once_ever_however_often_the_command_runs(time_machine):
    member = borrower(time_machine)
    remind(member, days_before=3, hour=9)
    time_machine.move_to(tokyo(2027, 1, 22, 9, 5), tick=False)

    for _run in range(3):
        call_command("send_reminders", stdout=io.StringIO())
    # Changing the settings after it went out does not send it again.
    remind(member, days_before=1, hour=10)
    time_machine.move_to(tokyo(2027, 1, 24, 10), tick=False)
    send_due_notices()

    assert len(sent_to(member)) == 1
    assert Reminder.objects.filter(member=member).count() == 1


def test_a_run_after_missed_hours_catches_up_until_the_due_date_has_passed(time_machine):
    caught_up = borrower(time_machine)
    too_late = borrower(time_machine)
    for member in (caught_up, too_late):
        remind(member, days_before=3, hour=9)  # 2027-01-22 09:00

    # No run from the 22nd until the evening of the due date itself.
    time_machine.move_to(tokyo(2027, 1, 25, 23, 55), tick=False)
    outcome = send_due_notices()
    assert (outcome.sent, len(sent_to(caught_up))) == (2, 1)

    # The day after the due date, a reminder that did not go out is no longer sent.
    Reminder.objects.all().delete()
    mail.outbox.clear()
    time_machine.move_to(tokyo(2027, 1, 26, 0, 5), tick=False)
    send_due_notices()
    assert not Reminder.objects.filter(kind=ReminderKind.REMINDER).exists()
    assert mail.outbox == []


def test_the_reminder_set_after_its_moment_goes_out_at_the_next_run(time_machine):
    member = borrower(time_machine)
    time_machine.move_to(tokyo(2027, 1, 23, 15), tick=False)
    remind(member, days_before=7, hour=9)  # its moment (the 18th) has passed

    assert send_due_notices().sent == 1


def test_a_reminder_no_longer_due_is_withdrawn_unsent(time_machine, settings):
    member = borrower(time_machine)
    remind(member, days_before=3, hour=9)
    time_machine.move_to(tokyo(2027, 1, 22, 9), tick=False)
    settings.PORTAL_MAIL_DELIVERY_BACKEND = "tests.mail_backends.RefusingEmailBackend"
    assert send_due_notices().failed == 1
    # Paid before the next run: the due date moved on, the reminder is not news any more.
    services.repay(member=member, amount=4_000)
    settings.PORTAL_MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    outcome = send_due_notices()

    assert (outcome.sent, outcome.withdrawn) == (0, 1)
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_a_failed_mail_stays_unsent_and_goes_out_once_at_the_next_run(time_machine, settings):
    member = borrower(time_machine)
    remind(member, days_before=3, hour=9)
    time_machine.move_to(tokyo(2027, 1, 22, 9), tick=False)
    settings.PORTAL_MAIL_DELIVERY_BACKEND = "tests.mail_backends.RefusingEmailBackend"

    outcome = send_due_notices()

    assert (outcome.sent, outcome.failed) == (0, 1)
    (reminder,) = Reminder.objects.all()
    assert reminder.sent_at is None
    assert not MailboxMessage.objects.exists()  # rolled back with the claim

    settings.PORTAL_MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(tokyo(2027, 1, 22, 9, 5), tick=False)
    assert send_due_notices().sent == 1
    assert send_due_notices().sent == 0
    assert len(sent_to(member)) == 1
    assert MailboxMessage.objects.count() == 1
    reminder.refresh_from_db()
    assert reminder.sent_at == tokyo(2027, 1, 22, 9, 5)


def payoff(member) -> int:
    return loan_position(contract=member.contract, on=dt.date(2026, 12, 20)).payoff


# --- Who gets one -------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: remind(m, enabled=False), id="reminders-off"),
        pytest.param(
            lambda m: type(m).objects.filter(pk=m.pk).update(email_verified=False),
            id="unverified-address",
        ),
        pytest.param(lambda m: services.repay(member=m, amount=payoff(m)), id="paid-off"),
        pytest.param(
            lambda m: (
                type(m.contract)
                .objects.filter(pk=m.contract.pk)
                .update(status=ContractStatus.TERMINATED)
            ),
            id="terminated",
        ),
    ],
)
def test_no_reminder_without_reminders_on_a_verified_address_and_a_balance(time_machine, change):
    member = borrower(time_machine)
    remind(member)
    time_machine.move_to(tokyo(2026, 12, 20), tick=False)
    change(member)

    time_machine.move_to(tokyo(2027, 1, 24, 12), tick=False)

    assert send_due_notices().sent == 0
    assert mail.outbox == []


# --- Overdue notices ----------------------------------------------------------------


def test_an_overdue_notice_goes_out_the_day_after_a_missed_due_date_once(time_machine, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.jp"
    member = borrower(time_machine)  # due 2027-01-25, not paid
    remind(member, enabled=False)  # the notice does not depend on the reminder

    time_machine.move_to(tokyo(2027, 1, 25, 23, 59), tick=False)
    assert send_due_notices().sent == 0
    time_machine.move_to(tokyo(2027, 1, 26, 8, 59), tick=False)
    assert send_due_notices().sent == 0  # from the hour of the member's reminders on
    time_machine.move_to(tokyo(2027, 1, 26, 9), tick=False)
    assert send_due_notices().sent == 1
    time_machine.move_to(tokyo(2027, 1, 27, 9), tick=False)
    assert send_due_notices().sent == 0

    (message,) = mail.outbox
    position = loan_position(contract=member.contract, on=dt.date(2027, 1, 26))
    assert position.late_damages > 0
    assert "2027年1月25日（月）" in message.body
    assert f"お支払いいただく額（2027年1月26日時点）: {position.overdue_amount:,}円" in message.body
    assert f"うち遅延損害金: {position.late_damages:,}円" in message.body
    assert "https://portal.example.jp/mypage/repay/" in message.body
    assert "https://portal.example.jp/mypage/atm/" in message.body
    assert "お振込み" in message.body
    (notice,) = Reminder.objects.all()
    assert (notice.kind, notice.due_date) == (ReminderKind.OVERDUE, dt.date(2027, 1, 25))


def test_each_missed_due_date_gets_its_own_notice(time_machine):
    member = borrower(time_machine)
    for day in ([2027, 1, 26], [2027, 1, 30], [2027, 2, 26], [2027, 3, 2]):
        time_machine.move_to(tokyo(*day, hour=10), tick=False)
        send_due_notices()

    assert list(
        Reminder.objects.filter(member=member).order_by("due_date").values_list("due_date", "kind")
    ) == [
        (dt.date(2027, 1, 25), ReminderKind.OVERDUE),
        (dt.date(2027, 2, 25), ReminderKind.OVERDUE),
    ]
    assert len(sent_to(member)) == 2


def test_a_member_who_paid_up_gets_no_overdue_notice(time_machine):
    member = borrower(time_machine)
    time_machine.move_to(tokyo(2027, 1, 25, 20), tick=False)
    services.repay(member=member, amount=4_000)

    time_machine.move_to(tokyo(2027, 1, 26, 10), tick=False)

    assert send_due_notices().sent == 0


QUERIES_PER_REMINDER = 12  # claim, re-check, member, ledger (4), mailbox copy, mark sent...


def test_each_reminder_costs_a_constant_number_of_queries(
    time_machine, django_assert_max_num_queries
):
    members = [borrower(time_machine) for _ in range(5)]
    for member in members:
        remind(member)
    time_machine.move_to(tokyo(2027, 1, 22, 9), tick=False)

    with django_assert_max_num_queries(5 * QUERIES_PER_REMINDER + 4):
        assert send_due_notices().sent == 5
