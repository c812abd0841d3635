"""The lockout of credentials (SPEC §4, "Lockout"): a card number's PIN, a Web-ID's
password and a staff ID's password (and TOTP code) each have a failure counter in
`counters`, locked by the failure that reaches PORTAL_LOCKOUT_THRESHOLD until a success,
staff or recovery resets it. Unknown identifiers are counted and locked like known ones.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, F, Q, Value, When

from members import counters
from members.models import AttemptCounter, LoginMethod, LoginResult
from portal import clock


def credential_key(*, method: str, identifier: str) -> str:
    """Return the counter key of a card number's PIN or a Web-ID's password."""
    return counters.counter_key(f"{method}:{identifier}")


def lockout_threshold() -> int:
    return settings.PORTAL_LOCKOUT_THRESHOLD


@dataclass(frozen=True)
class Reservation:
    """A place taken in a credential's counter, before its secret is verified."""

    # The place reached the threshold: if the secret is wrong, the credential is locked
    # by this very failure (a right one resets the counter).
    locks_on_failure: bool

    @property
    def failure_result(self) -> str:
        """Return the LoginResult of a wrong secret in this place."""
        return LoginResult.LOCKED if self.locks_on_failure else LoginResult.INVALID_CREDENTIALS


def reserve_credential(*, method: str, identifier: str) -> Reservation | None:
    """Reserve a verification of this credential; None means it is locked."""
    threshold = lockout_threshold()
    place = counters.reserve(
        key=credential_key(method=method, identifier=identifier), limit=threshold
    )
    if place is None:
        return None
    return Reservation(locks_on_failure=place >= threshold)


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
    counters.reset(key=credential_key(method=method, identifier=identifier))


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
