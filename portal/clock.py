"""The one source of "now" and "today" for business code.

`PORTAL_FAKE_NOW=2026-12-07T03:00:00+09:00` makes the clock start at that instant
when the process starts and then run forward in real time, so demos and black-box
tests can stand at a maintenance window, a due date or a month change.
"""

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

_PROCESS_STARTED_AT = timezone.now()


@lru_cache(maxsize=4)
def _offset(fake_now: str) -> dt.timedelta:
    if not fake_now:
        return dt.timedelta(0)
    try:
        start = dt.datetime.fromisoformat(fake_now)
    except ValueError as exc:
        raise ImproperlyConfigured(f"PORTAL_FAKE_NOW is not an ISO datetime: {fake_now!r}") from exc
    if timezone.is_naive(start):
        # The portal's zone, not whichever zone happens to be active on the first call:
        # the offset is cached for the life of the process.
        start = timezone.make_aware(start, timezone.get_default_timezone())
    return start - _PROCESS_STARTED_AT


def now() -> dt.datetime:
    """Return the current aware datetime (UTC), shifted by PORTAL_FAKE_NOW if set."""
    return timezone.now() + _offset(settings.PORTAL_FAKE_NOW)


def localnow() -> dt.datetime:
    """Return the current datetime in the portal's time zone (Asia/Tokyo)."""
    return timezone.localtime(now())


def today() -> dt.date:
    """Return today's date in the portal's time zone."""
    return localnow().date()
