"""Counters that every process shares through the database (`AttemptCounter`).

The credential lockout (`lockout.py`) and the rate limits (`limits.py`) keep theirs here.
A counter is keyed by a keyed hash of what it counts, so an unknown card number or Web-ID
is counted exactly like a known one and the table never holds an identifier or an address
in clear. An attempt *reserves* its place in one atomic database step before any secret
is verified: however many requests race, at most `limit` of them get a place.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.crypto import salted_hmac

from members.models import AttemptCounter
from portal import clock

# Every stored key was made with this salt (from the days when lockout.py held the
# counters): another one would silently forget every counter.
_KEY_SALT = "members.lockout"


def counter_key(name: str) -> str:
    """Return the key of the counter of `name` (what it counts, in clear)."""
    return salted_hmac(
        _KEY_SALT, name, secret=settings.PORTAL_LOCKOUT_KEY, algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def reserve(*, key: str, limit: int, window: dt.timedelta | None = None) -> int | None:
    """Take the next place in the counter `key`; return its number, or None if it is full.

    With `window`, a counter whose window has passed starts again from one.
    """
    now = clock.now()
    AttemptCounter.objects.bulk_create(
        [AttemptCounter(key=key, failures=0, window_started_at=now)], ignore_conflicts=True
    )
    counter = AttemptCounter.objects.filter(key=key)
    if window is None:
        # In an UPDATE, `failures` on the right is the value before it: the place that
        # reaches the limit locks the counter in the same step.
        updated = counter.filter(failures__lt=limit, locked=False).update(
            failures=F("failures") + 1,
            locked=Case(When(failures__gte=limit - 1, then=Value(True)), default=Value(False)),
        )
    else:
        expired = Q(window_started_at__lte=now - window)
        updated = counter.filter(Q(failures__lt=limit) | expired).update(
            failures=Case(When(expired, then=Value(1)), default=F("failures") + 1),
            window_started_at=Case(When(expired, then=Value(now)), default=F("window_started_at")),
        )
    if not updated:
        return None
    # The row stays locked by this transaction, so this reads the place just taken.
    return counter.values_list("failures", flat=True).get()


def give_back(*, key: str) -> None:
    """Return a place taken by `reserve` (the attempt turned out not to be a failure)."""
    AttemptCounter.objects.filter(key=key, failures__gt=0).update(failures=F("failures") - 1)


def reset(*, key: str) -> None:
    """Forget every failure of `key` (a success, or an unlock by staff or recovery).

    The row is zeroed, not deleted: a parallel `reserve` that found it must still find
    it, or it would take the missing row for a full counter and answer `locked`.
    """
    AttemptCounter.objects.filter(key=key).update(failures=0, locked=False)
