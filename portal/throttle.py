"""The per-address throttle's setting, PORTAL_IP_THROTTLE, read in one place."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse


@dataclass(frozen=True)
class IpThrottle:
    limit: int  # failures one client address may have per window
    window_seconds: int

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.window_seconds)


def ip_throttle() -> IpThrottle:
    """Return PORTAL_IP_THROTTLE (a `(failures, window seconds)` pair) by name."""
    limit, window_seconds = settings.PORTAL_IP_THROTTLE
    return IpThrottle(limit=limit, window_seconds=window_seconds)


def with_retry_after(response: HttpResponse) -> HttpResponse:
    """Tell a throttled client (and scripts) how long to wait: at most one window."""
    response["Retry-After"] = str(ip_throttle().window_seconds)
    return response
