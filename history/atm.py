"""The smartphone ATM (スマホATM, SPEC §8): a partner ATM's one-time session and its rules.

The ATM screen (/atm/) starts a session: a 6-digit code, shown with a QR code, that works
once, for one member, for 3 minutes (`SESSION_LIFETIME`; at 3:00 exactly it no longer
works). On /mypage/atm/ (history.atm_views, on the flow of history.flow) the member types
or scans the code and chooses a withdrawal or a deposit:

- the first step *claims* the code (`claim`): one conditional UPDATE, so of parallel
  claims one wins; an unknown, expired, used or cancelled code is refused with its code,
  and every wrong code counts under the per-address throttle (members.limits);
- the confirmation books it (`carry_out`) under the session's row lock: a withdrawal is a
  borrowing and a deposit a repayment of the ledger (history.services, channel スマホATM,
  with their rules and their transaction mail), followed by the ATM fee as an entry of its
  own (`Kind.ATM_FEE`), and the session is done.

The fee (`atm_fee`) is paid in cash at the ATM: its entry records it and leaves the
principal alone (ATM_FEE is not among MOVING_PRINCIPAL_KINDS; the entry carries the
balance after the operation). No fee is booked while an ATM-fee waiver is active
(history.selectors.atm_fee_waived_until; the points benefit grants one).
"""

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from history import services
from history.confirmations import Refusal
from history.models import (
    LIVE_ATM_STATES,
    AtmOperation,
    AtmSession,
    AtmState,
    Channel,
    Kind,
    LedgerEntry,
)
from history.selectors import atm_fee_waived_until
from members import limits
from members.models import Member
from portal import clock

SESSION_LIFETIME = dt.timedelta(minutes=3)
# How long an ended session is kept, so that its code is still told "expired" or "used"
# rather than "unknown"; older ones are deleted when a session starts.
KEPT_FOR = dt.timedelta(days=1)
CODE_DIGITS = 6
AMOUNT_UNIT = 1_000  # an ATM takes and pays out notes only

# The partner-ATM fee (SPEC §8): 110 yen up to 10,000 yen, 220 yen above.
FEE_LIMIT_OF_SMALL = 10_000
SMALL_FEE = 110
LARGE_FEE = 220


def atm_fee(amount: int) -> int:
    """Return the partner-ATM fee of one withdrawal or deposit of `amount` yen."""
    return SMALL_FEE if amount <= FEE_LIMIT_OF_SMALL else LARGE_FEE


class AtmRefusal(Refusal):
    """A code or an ATM operation that the rules refuse; `code` is the data-error-code."""


REFUSALS = {
    "atm_code_unknown": _(
        "このコードは見つかりません。ATMの画面に表示された6桁のコードをご確認ください。"
    ),
    "atm_code_expired": _(
        "このコードは有効期限（3分）が過ぎています。ATMで最初からやり直してください。"
    ),
    "atm_code_used": _("このコードはすでに使われています。ATMで最初からやり直してください。"),
    "atm_code_cancelled": _("このコードはATMで取り消されました。ATMで最初からやり直してください。"),
    "throttled": _(
        "お使いのネットワーク（IPアドレス）からの誤ったコードの入力が多すぎるため、しばらく受け付けません。"
        "時間をおいてからお試しください。"
    ),
}


def refusal(code: str) -> AtmRefusal:
    return AtmRefusal(code, str(REFUSALS[code]))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def session_for_token(token: str) -> AtmSession | None:
    """Return the session whose screen address carries `token`, if any."""
    return AtmSession.objects.filter(token_hash=hash_token(token)).first()


# Codes are drawn at random; one already live is drawn again (the unique constraint says
# which), up to this many times.
CODE_DRAWS = 20


@transaction.atomic
def start_session() -> tuple[AtmSession, str]:
    """Start a session at the ATM: return it and the token of its screen's address."""
    now = clock.now()
    # Ended sessions give their code back: mark the ones past their expiry.
    AtmSession.objects.filter(state__in=LIVE_ATM_STATES, expires_at__lte=now).update(
        state=AtmState.EXPIRED
    )
    AtmSession.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    token = secrets.token_urlsafe(32)
    for _draw in range(CODE_DRAWS):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        try:
            with transaction.atomic():
                session = AtmSession.objects.create(
                    token_hash=hash_token(token),
                    code=code,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
        except IntegrityError:
            continue  # the code is live in another session
        return session, token
    raise RuntimeError("no free smartphone-ATM code after many draws")


def _refusal_for_code(code: str, now: dt.datetime) -> AtmRefusal:
    """Return why `code` cannot be claimed (or booked) now."""
    newest = (
        AtmSession.objects.filter(code=code, created_at__gte=now - KEPT_FOR)
        .order_by("-created_at", "-id")
        .only("state", "expires_at")
        .first()
    )
    if newest is None:
        return refusal("atm_code_unknown")
    state = newest.state_at(now)
    if state == AtmState.EXPIRED:
        return refusal("atm_code_expired")
    if state == AtmState.CANCELLED:
        return refusal("atm_code_cancelled")
    return refusal("atm_code_used")  # another member's, or done


def claim(*, code: str, member: Member, operation: str, amount: int, address: str) -> None:
    """Claim the live session of `code` for `member` (again, if it is already theirs), for
    `operation` of `amount`; raise an AtmRefusal if the code is not theirs to use.

    Every code entered takes a place in the address's throttle first, and a right one
    gives it back: wrong guesses are what count.
    """
    if not limits.reserve_atm_code(address):
        raise refusal("throttled")
    now = clock.now()
    live = AtmSession.objects.filter(code=code, expires_at__gt=now)
    # One statement: of parallel claims of one code, one finds it waiting.
    claimed = live.filter(state=AtmState.WAITING).update(
        state=AtmState.CLAIMED, member=member, claimed_at=now, operation=operation, amount=amount
    ) or live.filter(state=AtmState.CLAIMED, member=member).update(
        operation=operation, amount=amount
    )
    if not claimed:
        raise _refusal_for_code(code, now)
    limits.give_back_atm_code(address)


@transaction.atomic
def carry_out(*, member: Member, code: str, operation: str, amount: int) -> LedgerEntry:
    """Book the member's withdrawal or deposit at the session they claimed with `code`, and
    its fee; return the withdrawal's or deposit's entry. Raises an AtmRefusal (or the
    ledger's LedgerRefusal) when the rules refuse; nothing is booked then."""
    now = clock.now()
    session = (
        AtmSession.objects.select_for_update()
        .filter(code=code, member=member, state=AtmState.CLAIMED)
        .order_by("-created_at", "-id")
        .first()
    )
    if session is None:
        raise _refusal_for_code(code, now)
    if session.state_at(now) == AtmState.EXPIRED:
        raise refusal("atm_code_expired")
    if operation == AtmOperation.WITHDRAW:
        entry = services.borrow(member=member, amount=amount, channel=Channel.SMARTPHONE_ATM)
    else:
        entry = services.repay(member=member, amount=amount, channel=Channel.SMARTPHONE_ATM)
    fee = 0 if atm_fee_waived_until(member) else atm_fee(amount)
    fee_entry = None
    if fee:
        fee_entry = LedgerEntry.objects.create(
            member=member,
            occurred_at=entry.occurred_at,
            kind=Kind.ATM_FEE,
            channel=Channel.SMARTPHONE_ATM,
            amount=fee,
            principal_after=entry.principal_after,
            note=str(_("スマホATM利用手数料（ATMで現金にてお支払い）")),
        )
    session.state = AtmState.DONE
    session.operation, session.amount, session.fee = operation, amount, fee
    session.entry, session.fee_entry, session.finished_at = entry, fee_entry, now
    session.save(
        update_fields=["state", "operation", "amount", "fee", "entry", "fee_entry", "finished_at"]
    )
    return entry


def cancel(*, session: AtmSession) -> bool:
    """Cancel a session at the ATM, unless it is done or over; return whether it was."""
    now = clock.now()
    return bool(
        AtmSession.objects.filter(
            pk=session.pk, state__in=LIVE_ATM_STATES, expires_at__gt=now
        ).update(state=AtmState.CANCELLED, finished_at=now)
    )


def seconds_left(session: AtmSession, now: dt.datetime) -> int:
    """Return the whole seconds (rounded up) until the session expires, 0 once it has."""
    if session.state_at(now) not in LIVE_ATM_STATES:
        return 0
    left = (session.expires_at - now).total_seconds()
    return max(0, int(-(-left // 1)))
