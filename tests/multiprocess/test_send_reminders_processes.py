"""`send_reminders` from cron on several hosts at once (SPEC §8, §12 "Concurrency"): three
processes over 1,000 members send each due reminder exactly once, and a mail that failed
goes out at the next run, once."""

import datetime as dt
import os
import re
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count

from devserver import database_url
from history.models import Channel, DueStatus, Kind, LedgerEntry, MailPreference, Reminder
from members.models import DueDay, LoanContract, Member
from portal.models import MailboxMessage
from tests.helpers import tokyo
from tests.multiprocess.commands import run_at_once

MEMBERS = 1_000
PROCESSES = 3
DUE_DATE = dt.date(2027, 1, 25)
SEND_AT = tokyo(2027, 1, 22, 9, 30)  # 3 days before at 9:00, half an hour late


def members_with_a_reminder_due(count: int) -> list[Member]:
    """Members who borrowed 100,000 yen and want the reminder 3 days before at 9:00, written
    in bulk (no hashing, no factories): 1,000 take a second."""
    members = Member.objects.bulk_create(
        Member(
            member_number=f"{300_000_000 + index:09d}",
            card_number=f"{3_000_000_000 + index:010d}",
            name_kanji="山田 太郎",
            name_kana="ヤマダ タロウ",
            email=f"reminded{index}@example.jp",
            email_verified=True,
            password="!",
        )
        for index in range(count)
    )
    contracts = LoanContract.objects.bulk_create(
        LoanContract(
            member=member,
            credit_limit=500_000,
            annual_rate=Decimal("17.80"),
            due_day=DueDay.TWENTY_FIFTH,
            principal_balance=100_000,
            contracted_on=dt.date(2026, 1, 1),
        )
        for member in members
    )
    DueStatus.objects.bulk_create(
        DueStatus(contract=contract, next_due_date=DUE_DATE) for contract in contracts
    )
    MailPreference.objects.bulk_create(
        MailPreference(member=member, reminder_enabled=True, reminder_days_before=3)
        for member in members
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            member=member,
            occurred_at=tokyo(2026, 12, 10),
            kind=Kind.BORROWING,
            channel=Channel.TRANSFER,
            amount=100_000,
            principal_after=100_000,
        )
        for member in members
    )
    return members


def command_env(delivery_backend: str) -> dict[str, str]:
    """Return the environment of a management command run as cron would, at SEND_AT."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.multiprocess.command_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "PORTAL_DEMO": "1",  # every mail is copied to the demo mailbox: the test counts them
        "PORTAL_FAKE_NOW": SEND_AT.isoformat(),
        "PORTAL_TEST_DELIVERY_BACKEND": delivery_backend,
    }


def _run_at_once(delivery_backend: str) -> list[int]:
    """Run `send_reminders` in PROCESSES processes at once; return what each sent."""
    outputs = run_at_once(["send_reminders"] * PROCESSES, command_env(delivery_backend))
    return [int(re.match(r"Sent (\d+) ", out)[1]) for out in outputs]


def _mails_per_address() -> set[int]:
    counts = MailboxMessage.objects.values("to").annotate(mails=Count("id"))
    return {row["mails"] for row in counts}


def test_three_processes_at_once_send_each_reminder_once_and_retry_failures_once(
    transactional_db,
):
    members_with_a_reminder_due(MEMBERS)
    refused = MEMBERS // 10  # the addresses ending in 7

    first = _run_at_once("tests.mail_backends.RefusingSomeEmailBackend")

    assert sum(first) == MEMBERS - refused
    assert sum(1 for count in first if count) >= 2, f"the processes did not share: {first}"
    assert Reminder.objects.filter(sent_at__isnull=True).count() == refused
    assert MailboxMessage.objects.count() == MEMBERS - refused
    assert _mails_per_address() == {1}

    second = _run_at_once("django.core.mail.backends.dummy.EmailBackend")

    assert sum(second) == refused
    assert Reminder.objects.count() == Reminder.objects.filter(sent_at__isnull=False).count()
    assert Reminder.objects.count() == MEMBERS
    assert MailboxMessage.objects.count() == MEMBERS
    assert _mails_per_address() == {1}
