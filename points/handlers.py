"""Receivers of other apps' signals: the monthly first-login points (SPEC §7)."""

from django.db.models import Exists

from members.decorators import is_member
from points import rules, services
from points.models import PointAccount, PointEntry, Reason
from portal import clock


def credit_monthly_login(sender, request, user, **kwargs):
    """Credit the first login of the calendar month (Tokyo time), once per member and month.

    Connected to Django's `user_logged_in`, which every member login fires (card, Web-ID,
    and any later door): members need not know about points. Parallel logins of one member
    on several processes credit it once: `earn` locks the point account, and the ledger's
    unique (member, reason, reference) constraint refuses a second entry for the month.
    """
    if not is_member(user):
        return
    month = rules.month_reference(clock.today())
    # Most logins earn nothing (not joined, or not the first of the month): one query tells,
    # before any transaction or lock.
    earned = PointEntry.objects.filter(member=user, reason=Reason.MONTHLY_LOGIN, reference=month)
    if not PointAccount.objects.filter(~Exists(earned), member=user).exists():
        return
    services.earn(
        member=user, reason=Reason.MONTHLY_LOGIN, points=rules.MONTHLY_LOGIN_POINTS, reference=month
    )
