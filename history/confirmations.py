"""Confirm once: the amount → confirmation → done step of every operation that books money.

`issue` stores what the confirmation page shows and returns the token the page posts
back; `carry_out` books it. Carrying out locks the stored confirmation's row, books the
entry and records it in the same transaction, so N submissions of one confirmation —
a double click, a reload, a retry, parallel requests on several app processes — book one
entry, and every submission after the first answers with that entry. Borrowing,
repayment, point redemptions and smartphone-ATM operations use it.

The app API's Idempotency-Key is the same mechanism with a token the client chose:
`carry_out_keyed` stores the confirmation under the key (with a fingerprint of the
request) and carries it out at once; a retry with the key finds the entry (`answered`),
and the key asking for something else is refused (KeyReused).
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from history.models import Confirmation
from members.models import Member
from portal import clock

# How long a confirmation page may be left open before its button no longer books;
# longer than the member-page idle timeout, so the session ends first.
PENDING_LIFETIME = dt.timedelta(minutes=30)
# How long a carried-out confirmation still answers with its entry (retries, reloads).
KEPT_FOR = dt.timedelta(days=1)


class Refusal(Exception):
    """The rules do not allow the operation; `code` says which rule (data-error-code)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
        # Set by carry_out: what was confirmed and refused.
        self.amount: int | None = None
        self.detail: str = ""

    def as_validation_error(self) -> ValidationError:
        """Return the refusal as a form error (its code is the page's data-error-code)."""
        return ValidationError(self.message, code=self.code)


class NotPending(Exception):
    """No confirmation of this operation with this token is waiting for this member."""


class KeyReused(Exception):
    """The client's key was used before for another request."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _store(*, member: Member, token: str, **fields) -> None:
    """Store a confirmation named by `token`; forget the member's that are kept no longer."""
    now = clock.now()
    Confirmation.objects.filter(member=member, created_at__lt=now - KEPT_FOR).delete()
    Confirmation.objects.create(member=member, token_hash=_hash(token), created_at=now, **fields)


@transaction.atomic
def issue(*, member: Member, operation: str, amount: int, detail: str = "") -> str:
    """Store a confirmation of `operation` for `amount` (and what else the operation
    needs to know, `detail`: a benefit's key, an ATM session's code); return the page's
    token."""
    token = secrets.token_urlsafe(32)
    _store(member=member, token=token, operation=operation, amount=amount, detail=detail)
    return token


def carry_out(
    *, member: Member, operation: str, token: str, book: Callable[[Confirmation], models.Model]
) -> int:
    """Book a confirmed operation once; return the pk of its entry.

    `book(confirmation)` writes the entry (of the confirmation's `amount` and `detail`)
    and returns it. A confirmation carried out before
    returns the entry it booked, without booking again. Raises NotPending if there is no
    such confirmation (unknown, someone else's, another operation's, or left too long),
    and the Refusal that `book` raised (with the confirmed `amount`), after forgetting the
    confirmation, so that a refused one cannot be carried out later.
    """
    refusal = None
    with transaction.atomic():
        confirmation = (
            Confirmation.objects.select_for_update()
            .filter(member=member, operation=operation, token_hash=_hash(token))
            .first()
        )
        if confirmation is None:
            raise NotPending
        if confirmation.result_id is not None:
            return confirmation.result_id
        if confirmation.created_at < clock.now() - PENDING_LIFETIME:
            raise NotPending
        try:
            with transaction.atomic():
                entry = book(confirmation)
        except Refusal as exc:
            confirmation.delete()
            refusal, refusal.amount, refusal.detail = exc, confirmation.amount, confirmation.detail
        else:
            confirmation.result_id = entry.pk
            confirmation.save(update_fields=["result_id"])
            return entry.pk
    raise refusal


def _key_token(member: Member, key: str) -> str:
    # A key is the client's choice: scoped to the member, it can never name another's.
    return f"key:{member.pk}:{key}"


def answered(*, member: Member, key: str, fingerprint: str) -> int | None:
    """Return the pk of the entry booked under the client's `key`, None while there is none
    (a new key, or one being carried out); raise KeyReused if `key` asked for another
    request (`fingerprint`)."""
    confirmation = (
        Confirmation.objects.filter(member=member, token_hash=_hash(_key_token(member, key)))
        .only("fingerprint", "result_id")
        .first()
    )
    if confirmation is None:
        return None
    if confirmation.fingerprint != fingerprint:
        raise KeyReused
    return confirmation.result_id


def carry_out_keyed(
    *,
    member: Member,
    operation: str,
    key: str,
    fingerprint: str,
    amount: int,
    detail: str = "",
    book: Callable[[Confirmation], models.Model],
) -> int:
    """Book `operation` once under the client's `key` (the app API's Idempotency-Key);
    return the pk of its entry.

    The confirmation is stored under the key and carried out at once, so parallel requests
    with one key book one entry and all answer with it (`carry_out`). Raises KeyReused if
    the key was stored for another request (`fingerprint`), and what `carry_out` raises.
    A refused operation forgets its key: a retry is checked afresh.
    """
    token = _key_token(member, key)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                _store(
                    member=member,
                    token=token,
                    operation=operation,
                    amount=amount,
                    detail=detail,
                    fingerprint=fingerprint,
                )
        except IntegrityError:
            # Stored already, by an earlier or a parallel request with this key.
            stored = Confirmation.objects.filter(member=member, token_hash=_hash(token)).first()
            if stored is None:
                continue  # refused and forgotten in between: store it afresh
            if stored.fingerprint != fingerprint or stored.operation != operation:
                raise KeyReused from None
        break
    return carry_out(member=member, operation=operation, token=token, book=book)
