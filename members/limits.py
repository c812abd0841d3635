"""Rate limits (SPEC §4): failures per client address, and mails per member.

Both count in `counters`; unlike the credential lockout they forget after a window.
"""

import datetime as dt
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from members import counters
from portal.throttle import ip_throttle

# --- Client addresses ---------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or behind PORTAL_TRUSTED_PROXIES proxies
    the address the outermost one saw (a client cannot forge entries to the right of it)."""
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    proxies = settings.PORTAL_TRUSTED_PROXIES
    if not proxies:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_network(address: str) -> str:
    """Return what the per-address throttle counts: an IPv4 address, or an IPv6 address's
    /64 network (one subscriber is handed a whole /64, so each address of it is the same
    client)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def address_key(address: str, *, purpose: str = "login") -> str:
    """Return the counter key of a client address (its network, see client_network)."""
    prefix = "address" if purpose == "login" else f"{purpose}:address"
    return counters.counter_key(f"{prefix}:{client_network(address)}")


def _reserve_for_address(address: str, *, purpose: str) -> bool:
    throttle = ip_throttle()
    place = counters.reserve(
        key=address_key(address, purpose=purpose), limit=throttle.limit, window=throttle.window
    )
    return place is not None


def reserve_address(address: str) -> bool:
    """Count a possible failure from `address`; False means the address is throttled."""
    return _reserve_for_address(address, purpose="login")


def give_back_address(address: str) -> None:
    counters.give_back(key=address_key(address))


def reserve_recovery(address: str) -> bool:
    """Count a recovery request from `address`; False means the address is throttled.

    Recovery pages answer the same whether or not the data matched, so every request
    counts, under the same limit as failed logins.
    """
    return _reserve_for_address(address, purpose="recovery")


def reserve_atm_code(address: str) -> bool:
    """Count a smartphone-ATM code entered from `address` before looking it up; False means
    the address is throttled. A right code gives its place back (`give_back_atm_code`),
    so only wrong guesses (unknown, expired or used codes) count, as failed logins do."""
    return _reserve_for_address(address, purpose="atm")


def give_back_atm_code(address: str) -> None:
    counters.give_back(key=address_key(address, purpose="atm"))


# --- Mails to a member --------------------------------------------------------------

# Mails of one kind that one member can be sent in an hour, whatever addresses ask for
# them: the per-address throttle alone would let rotating addresses flood one inbox
# with recovery mails, and an open session any inbox with verification links. This
# project's choice of numbers.
MEMBER_MAILS_PER_HOUR = {"web_id": 3, "password": 3, "verification": 5}
MEMBER_MAIL_WINDOW = dt.timedelta(hours=1)


def reserve_member_mail(*, member_pk: int, kind: str) -> bool:
    """Count a mail of `kind` (a key of MEMBER_MAILS_PER_HOUR) to a member; False: no more."""
    place = counters.reserve(
        key=counters.counter_key(f"member-mail:{kind}:{member_pk}"),
        limit=MEMBER_MAILS_PER_HOUR[kind],
        window=MEMBER_MAIL_WINDOW,
    )
    return place is not None
