"""Cron on every host (README "Several hosts"): two hosts run their crontab at the same
moment — `send_reminders` and the month-end point job `credit_registration_points` each —
so four processes work over the same 1,000 members at once. Every due reminder goes out
once and every registration point is credited once, with balances that add up. The
daily ledger job (`run_daily`) on both hosts suspends and reinstates each contract once,
and the sandboxes' cleanup (`expire_sandboxes`) deletes each expired sandbox once.

Reminders alone, with failed mails retried, are test_send_reminders_processes.py.
"""

import datetime as dt
import re
from collections import Counter

from django.db.models import Count, Sum

from demo import sandboxes
from demo.models import Sandbox
from history.models import DueStatus
from members.models import ContractStatus, LoanContract, Member, StatementDelivery
from points import rules
from points.models import PointAccount, PointEntry, Reason
from portal.models import MailboxMessage
from tests.factories import MemberFactory
from tests.multiprocess.commands import run_at_once
from tests.multiprocess.test_send_reminders_processes import (
    MEMBERS,
    SEND_AT,
    command_env,
    members_with_a_reminder_due,
)

HOSTS = 2
CRONTAB = ("send_reminders", "credit_registration_points")
MONTH = "2026-12"  # the month before test_send_reminders_processes.SEND_AT's


def _run_on_every_host(commands, env) -> list[str]:
    """Run each of `commands` on each of the HOSTS at the same moment; return their output."""
    return run_at_once([command for _host in range(HOSTS) for command in commands], env)


def test_both_jobs_on_two_hosts_at_once_do_each_thing_once(transactional_db):
    members = members_with_a_reminder_due(MEMBERS)  # reminder mail registered
    web = {member.pk for member in members[::2]}  # and half of them Web statements
    Member.objects.filter(pk__in=web).update(statement_delivery=StatementDelivery.WEB)
    PointAccount.objects.bulk_create(PointAccount(member=member) for member in members)
    env = command_env("django.core.mail.backends.dummy.EmailBackend")

    outputs = _run_on_every_host(CRONTAB, env)

    # Reminders: one mail per member, whichever host sent it.
    assert MailboxMessage.objects.count() == MEMBERS
    assert set(
        MailboxMessage.objects.values("to").annotate(n=Count("id")).values_list("n", flat=True)
    ) == {1}
    # Points: one entry per member and registration for the month, counted once between
    # the two hosts' reports, and each balance is what its entries add up to.
    expected = {Reason.REMINDER_MAIL: MEMBERS, Reason.WEB_STATEMENT: len(web)}
    entries = PointEntry.objects.filter(reference=MONTH)
    assert Counter(entries.values_list("reason", flat=True)) == expected
    assert entries.values("member", "reason").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    credited = [int(out.split(": ")[1].split()[0]) for out in outputs if out.startswith(MONTH)]
    assert len(credited) == HOSTS and sum(credited) == sum(expected.values())
    totals = dict(
        PointEntry.objects.values("member")
        .annotate(total=Sum("points"))
        .values_list("member", "total")
    )
    for account in PointAccount.objects.all():
        registrations = 2 if account.member_id in web else 1
        assert account.balance == totals[account.member_id]
        assert account.balance == rules.REGISTRATION_POINTS * registrations


def test_the_sandbox_cleanup_on_two_hosts_at_once_deletes_each_expired_sandbox_once(
    transactional_db,
):
    made = [sandboxes.create_sandbox()[0] for _ in range(6)]
    expired, alive = made[:5], made[5]
    Sandbox.objects.filter(pk__in=[sandbox.pk for sandbox in expired]).update(
        expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    Sandbox.objects.filter(pk=alive.pk).update(expires_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))

    def members_of(sandbox):
        numbers = [persona.member_number for persona in sandboxes.personas_of(sandbox)]
        return Member.objects.filter(member_number__in=numbers)

    assert all(members_of(sandbox).exists() for sandbox in expired)
    env = command_env("django.core.mail.backends.dummy.EmailBackend")

    outputs = _run_on_every_host(["expire_sandboxes"], env)

    assert sum(int(out.split()[1]) for out in outputs) == len(expired)  # "Deleted N …"
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [alive.pk]
    assert not any(members_of(sandbox).exists() for sandbox in expired)
    assert members_of(alive).count() == len(sandboxes.personas_of(alive))


def test_the_daily_job_on_two_hosts_at_once_suspends_and_reinstates_each_contract_once(
    transactional_db,
):
    today = SEND_AT.date()  # the day command_env's clock reads
    late, on_time, paid_up = [], [], []
    for group, status, due, balance in (
        (late, ContractStatus.ACTIVE, today - dt.timedelta(days=3), 50_000),
        (on_time, ContractStatus.ACTIVE, today + dt.timedelta(days=3), 50_000),
        (paid_up, ContractStatus.SUSPENDED, today + dt.timedelta(days=20), 50_000),
    ):
        for _ in range(40):
            member = MemberFactory(contract__status=status, contract__principal_balance=balance)
            DueStatus.objects.create(contract=member.contract, next_due_date=due)
            group.append(member.contract.pk)

    outputs = _run_on_every_host(
        ["run_daily"], command_env("django.core.mail.backends.dummy.EmailBackend")
    )

    # "Suspended N contracts; reinstated M."
    counts = [[int(n) for n in re.findall(r"\d+", out)] for out in outputs]
    assert [sum(column) for column in zip(*counts, strict=True)] == [len(late), len(paid_up)]
    statuses = dict(LoanContract.objects.values_list("pk", "status"))
    assert {statuses[pk] for pk in late} == {ContractStatus.SUSPENDED}
    assert {statuses[pk] for pk in on_time + paid_up} == {ContractStatus.ACTIVE}
