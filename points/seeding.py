"""Plausible point histories for members who need a past (demo personas, generated members).

Played in memory through the same rules as the services (monthly login points, month-end
registration points for what the member has registered now, partner-ATM fee benefits
bought when the balance allows), then written with bulk inserts. Only benefits whose
effect is over are played: an ATM-fee waiver that ended before today (its row is written
too, so the ledger stays true); interest-free days are never played, because the loan
histories (history.seeding) were computed without them. This month's login is left out,
so a member's next login earns it.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from history.models import AtmFeeWaiver, InterestFreeSource, MailPreference
from members.models import Member, StatementDelivery
from points import rules
from points.models import PointAccount, PointEntry, Reason

# The most months a generated history goes back: enough to look lived-in, few enough rows.
MAX_MONTHS = 18


class PointPlan:
    """How a simulated member uses the point service."""

    NONE = ""  # never joined
    REGULAR = "regular"  # joined some months ago, logs in most months, the odd ATM benefit
    RICH = "rich"  # joined a year ago, every month, a campaign grant: enough for every benefit


# The campaign grant of the RICH plan (a staff grant, as staff make them in the admin).
RICH_CAMPAIGN_POINTS = 1_500
RICH_CAMPAIGN_NOTE = "ご愛顧キャンペーン特典"


def _first_of_months(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the first day of every month from `start`'s through `end`'s."""
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _moment(day: dt.date, rng: random.Random, hour: tuple[int, int] = (7, 23)) -> dt.datetime:
    time = dt.time(rng.randint(*hour), rng.randint(0, 59))
    return timezone.make_aware(dt.datetime.combine(day, time))


class _Simulation:
    def __init__(self, member: Member, joined_at: dt.datetime):
        self.member = member
        self.account = PointAccount(member=member, joined_at=joined_at, balance=0)
        self.entries: list[PointEntry] = []
        self.waivers: list[AtmFeeWaiver] = []

    def book(
        self, at: dt.datetime, reason: str, points: int, reference="", note="", period=None
    ) -> None:
        self.account.balance += points
        self.entries.append(
            PointEntry(
                member=self.member,
                occurred_at=at,
                reason=reason,
                reference=reference,
                points=points,
                balance_after=self.account.balance,
                note=note,
                benefit_first_day=period[0] if period else None,
                benefit_last_day=period[1] if period else None,
            )
        )


def simulate(
    *,
    member: Member,
    plan: str,
    today: dt.date,
    rng: random.Random,
    mails: tuple[bool, bool] = (False, False),
) -> _Simulation | None:
    """Play the point history of `plan` up to yesterday; None for a member who never joined.

    `mails`: whether the member has the reminder and the transaction e-mail on (their
    month-end points are played for every month, as Web statements' are).
    """
    if not plan:
        return None
    member_since = timezone.localdate(member.date_joined)
    if plan == PointPlan.RICH:
        months_back, login_rate, atm_rate = 12, 1.0, 0.0
    else:
        months_back, login_rate, atm_rate = rng.randint(2, MAX_MONTHS), rng.uniform(0.5, 1), 0.15
    start = max(member_since, (today.replace(day=1) - dt.timedelta(days=31 * months_back)))
    start = min(start, today - dt.timedelta(days=1))
    simulation = _Simulation(member, _moment(start, rng, (9, 11)))
    simulation.book(simulation.account.joined_at, Reason.JOIN, rules.JOIN_POINTS)
    verified = bool(member.email and member.email_verified)
    registrations = [
        reason
        for reason, held in (
            (Reason.REMINDER_MAIL, mails[0] and verified),
            (Reason.TRANSACTION_MAIL, mails[1] and verified),
            (Reason.WEB_STATEMENT, member.statement_delivery == StatementDelivery.WEB),
        )
        if held
    ]
    waived_until = None
    for first in _first_of_months(start, today)[:-1]:  # every month that has ended
        month = rules.month_reference(first)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        if rng.random() < login_rate:
            login_day = max(first, start) + dt.timedelta(days=rng.randint(0, 3))
            at = max(_moment(min(login_day, last), rng), simulation.entries[-1].occurred_at)
            simulation.book(at + dt.timedelta(minutes=1), Reason.MONTHLY_LOGIN, 10, month)
        benefit = rules.BENEFITS["atm_fee_free"]
        buy_on = first + dt.timedelta(days=rng.randint(10, 20))
        at = _moment(buy_on, rng)
        if (
            rng.random() < atm_rate
            and simulation.account.balance >= benefit.cost
            and at > simulation.entries[-1].occurred_at
            and rules.end_of_next_month(buy_on) < today
            and (waived_until is None or waived_until < buy_on)
        ):
            waived_until = rules.end_of_next_month(buy_on)
            note = rules.redemption_note(benefit, buy_on, waived_until)
            period = (buy_on, waived_until)
            simulation.book(at, Reason.REDEMPTION, -benefit.cost, benefit.key, note, period)
            simulation.waivers.append(
                AtmFeeWaiver(
                    member=member,
                    first_day=buy_on,
                    last_day=waived_until,
                    source=InterestFreeSource.POINTS,
                    granted_at=at,
                )
            )
        # Credited by the monthly job in the first hours of the next month.
        credited = _moment(last + dt.timedelta(days=1), rng, (3, 3))
        for reason in registrations:
            simulation.book(credited, reason, rules.REGISTRATION_POINTS, month)
    if plan == PointPlan.RICH:
        at = max(_moment(today - dt.timedelta(days=20), rng), simulation.entries[-1].occurred_at)
        simulation.book(
            at + dt.timedelta(minutes=1),
            Reason.STAFF_GRANT,
            RICH_CAMPAIGN_POINTS,
            note=RICH_CAMPAIGN_NOTE,
        )
    return simulation


@transaction.atomic
def seed_point_histories(
    members: list[tuple[Member, str]], *, today: dt.date, seed: int = 0
) -> int:
    """Give each (member, PointPlan) its point history; return the number of entries."""
    rng = random.Random(seed)
    preferences = MailPreference.objects.filter(
        member__in=[member for member, plan in members if plan]
    ).values_list("member_id", "reminder_enabled", "transaction_email")
    mails = {member_id: (reminder, transaction) for member_id, reminder, transaction in preferences}
    simulations = [
        simulation
        for member, plan in members
        if (
            simulation := simulate(
                member=member,
                plan=plan,
                today=today,
                rng=rng,
                mails=mails.get(member.pk, (False, False)),
            )
        )
    ]
    PointAccount.objects.bulk_create([s.account for s in simulations], batch_size=2000)
    entries = [entry for s in simulations for entry in s.entries]
    PointEntry.objects.bulk_create(entries, batch_size=2000)
    AtmFeeWaiver.objects.bulk_create([w for s in simulations for w in s.waivers], batch_size=2000)
    return len(entries)
