"""The one source of "now" and "today" for business code.

`PORTAL_FAKE_NOW=2026-12-07T03:00:00+09:00` makes the clock start at that instant
when the process starts and then run forward in real time, so demos and black-box
tests can stand at a maintenance window, a due date or a month change. Processes that
must share one clock — the workers of several gunicorn instances behind one proxy,
a worker gunicorn restarts — are given the real instant their clock read
PORTAL_FAKE_NOW instead, `PORTAL_FAKE_NOW_SINCE` (devserver sets it for every server it
starts): started seconds apart, their clocks would otherwise differ by those seconds,
and an entry booked by one would lie in the future of the next.

On top of that, a piece of work may run on a shifted clock: `shifted(offset)` moves
`now()` by `offset` for the code it wraps, in this thread or task only (a context
variable, never a process-wide setting). The demo's sandboxes (SPEC §11) use it: their
middleware wraps each request of a sandbox member, so only that sandbox's members see
its clock. This module knows nothing of sandboxes.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

_PROCESS_STARTED_AT = timezone.now()
# The shift of the work in progress (a request, a job for one member); none by default.
_shift: ContextVar[dt.timedelta] = ContextVar("portal_clock_shift", default=dt.timedelta(0))


def _instant(name: str, value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not an ISO datetime: {value!r}") from exc
    if timezone.is_naive(instant):
        # The portal's zone, not whichever zone happens to be active on the first call:
        # the offset is cached for the life of the process.
        instant = timezone.make_aware(instant, timezone.get_default_timezone())
    return instant


@lru_cache(maxsize=4)
def _offset(fake_now: str, since: str = "") -> dt.timedelta:
    if not fake_now:
        return dt.timedelta(0)
    started = _instant("PORTAL_FAKE_NOW_SINCE", since) if since else _PROCESS_STARTED_AT
    return _instant("PORTAL_FAKE_NOW", fake_now) - started


def shared_now() -> dt.datetime:
    """Return the current aware datetime (UTC) of the portal, shifted by PORTAL_FAKE_NOW if
    set but by no `shifted()` context."""
    return timezone.now() + _offset(settings.PORTAL_FAKE_NOW, settings.PORTAL_FAKE_NOW_SINCE)


def now() -> dt.datetime:
    """Return the current aware datetime (UTC) of the work in progress: the portal's, moved
    by the `shifted()` context around it if any."""
    return shared_now() + _shift.get()


def current_shift() -> dt.timedelta:
    """Return how far the clock of the work in progress is from the portal's."""
    return _shift.get()


@contextmanager
def shifted(offset: dt.timedelta) -> Iterator[None]:
    """Run the wrapped code with `now()` moved by `offset` (in this context only)."""
    token = _shift.set(offset)
    try:
        yield
    finally:
        _shift.reset(token)


def localnow() -> dt.datetime:
    """Return the current datetime in the portal's time zone (Asia/Tokyo)."""
    return timezone.localtime(now())


def today() -> dt.date:
    """Return today's date in the portal's time zone."""
    return localnow().date()
