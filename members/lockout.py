"""Failure counters for credentials and client addresses (SPEC §4, "Lockout").

Counters are keyed by a keyed hash of the normalised identifier, so an unknown card
number or Web-ID is counted and locked exactly like a known one and the table never
holds an identifier in clear. An attempt *reserves* its place in a counter in one
atomic database step before any secret is verified: however many requests race, at
most `threshold` of them get to verify a secret.
"""

import datetime as dt
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.crypto import salted_hmac

from members.models import AttemptCounter, LoginMethod
from portal import clock

_KEY_SALT = "members.lockout"


def _counter_key(name: str) -> str:
    return salted_hmac(
        _KEY_SALT, name, secret=settings.PORTAL_LOCKOUT_KEY, algorithm="sha256"
    ).hexdigest()


def credential_key(*, method: str, identifier: str) -> str:
    """Return the counter key of a card number's PIN or a Web-ID's password."""
    return _counter_key(f"{method}:{identifier}")


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
    return _counter_key(f"{prefix}:{client_network(address)}")


def lockout_threshold() -> int:
    return settings.PORTAL_LOCKOUT_THRESHOLD


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


def failures(*, key: str) -> int:
    return AttemptCounter.objects.filter(key=key).values_list("failures", flat=True).first() or 0


# --- Credentials -------------------------------------------------------------------


def reserve_credential(*, method: str, identifier: str) -> int | None:
    """Reserve a verification of this credential; None means it is locked."""
    return reserve(
        key=credential_key(method=method, identifier=identifier), limit=lockout_threshold()
    )


def _locked() -> Q:
    """Locked: by the failure that reached the threshold, or past a threshold lowered since."""
    return Q(locked=True) | Q(failures__gte=lockout_threshold())


def is_locked(*, method: str, identifier: str) -> bool:
    key = credential_key(method=method, identifier=identifier)
    return AttemptCounter.objects.filter(_locked(), key=key).exists()


def locked_credentials(credentials: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Return which of the (method, identifier) pairs are locked, in one query (admin lists)."""
    keys = {
        credential_key(method=method, identifier=identifier): (method, identifier)
        for method, identifier in credentials
    }
    if not keys:
        return set()
    locked = AttemptCounter.objects.filter(_locked(), key__in=keys)
    return {keys[key] for key in locked.values_list("key", flat=True)}


def lock_credential(*, method: str, identifier: str) -> None:
    """Lock a credential as if it had reached the threshold (demo personas, tests)."""
    key = credential_key(method=method, identifier=identifier)
    AttemptCounter.objects.update_or_create(
        key=key,
        defaults={
            "failures": lockout_threshold(),
            "locked": True,
            "window_started_at": clock.now(),
        },
    )


def unlock_credential(*, method: str, identifier: str) -> None:
    reset(key=credential_key(method=method, identifier=identifier))


def unlock_card(card_number: str) -> None:
    unlock_credential(method=LoginMethod.CARD, identifier=card_number)


def unlock_web_id(web_id: str) -> None:
    unlock_credential(method=LoginMethod.WEB_ID, identifier=web_id)


def unlock_staff(username: str) -> None:
    unlock_credential(method=LoginMethod.STAFF, identifier=username)


def give_back_credential(*, method: str, identifier: str) -> None:
    """Return a place whose secret was right but which does not end the sign-in (a second
    factor follows), with the lock that taking the threshold's place set in advance.

    Unlike a reset, the failures before it still count: a right staff password must not
    wipe the wrong TOTP codes that came before it.
    """
    AttemptCounter.objects.filter(
        key=credential_key(method=method, identifier=identifier), failures__gt=0
    ).update(
        failures=F("failures") - 1,
        # `failures` on the right is the value before the update.
        locked=Case(When(failures__gt=lockout_threshold(), then=F("locked")), default=Value(False)),
    )


# --- Client addresses ---------------------------------------------------------------


def reserve_address(address: str) -> bool:
    """Count a possible failure from `address`; False means the address is throttled."""
    limit, window_seconds = settings.PORTAL_IP_THROTTLE
    place = reserve(
        key=address_key(address), limit=limit, window=dt.timedelta(seconds=window_seconds)
    )
    return place is not None


def give_back_address(address: str) -> None:
    give_back(key=address_key(address))


def reserve_recovery(address: str) -> bool:
    """Count a recovery request from `address`; False means the address is throttled.

    Recovery pages answer the same whether or not the data matched, so every request
    counts, under the same limit as failed logins.
    """
    limit, window_seconds = settings.PORTAL_IP_THROTTLE
    place = reserve(
        key=address_key(address, purpose="recovery"),
        limit=limit,
        window=dt.timedelta(seconds=window_seconds),
    )
    return place is not None


# Mails of one kind that one member can be sent in an hour, whatever addresses ask for
# them: the per-address throttle alone would let rotating addresses flood one inbox
# with recovery mails, and an open session any inbox with verification links. This
# project's choice of numbers.
MEMBER_MAILS_PER_HOUR = {"web_id": 3, "password": 3, "verification": 5}
MEMBER_MAIL_WINDOW = dt.timedelta(hours=1)


def reserve_member_mail(*, member_pk: int, kind: str) -> bool:
    """Count a mail of `kind` (a key of MEMBER_MAILS_PER_HOUR) to a member; False: no more."""
    place = reserve(
        key=_counter_key(f"member-mail:{kind}:{member_pk}"),
        limit=MEMBER_MAILS_PER_HOUR[kind],
        window=MEMBER_MAIL_WINDOW,
    )
    return place is not None
