"""Credit the month-end registration points (SPEC §7): cron, on the 1st of each month."""

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from points import rules, services
from portal import clock


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}", value):
        raise CommandError(f"--month takes YYYY-MM, not {value!r}")
    try:
        return rules.month_reference(dt.date(int(value[:4]), int(value[5:]), 1))
    except ValueError:
        raise CommandError(f"no such month: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Credit 1 point each for the reminder e-mail, the transaction e-mail and Web "
        "statements to every joined member registered for them, for a month that has ended "
        "(default: the month before the portal clock's today). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")

    def handle(self, *args, month=None, **options):
        this_month = rules.month_reference(clock.today())
        if month is None:
            month = rules.previous_month_reference(clock.today())
        month = _month(month)
        if month >= this_month:
            raise CommandError(f"{month} has not ended yet (today is in {this_month})")
        credited = services.credit_registration_points(month=month)
        self.stdout.write(f"{month}: {credited} registration point entries credited")
