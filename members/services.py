"""Writes of the members app: logging in, and staff actions on credentials and contracts."""

from dataclasses import dataclass

from django.contrib.auth import authenticate, login
from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from members import lockout
from members.models import (
    ContractStatus,
    LoanContract,
    LoginAttempt,
    LoginMethod,
    LoginResult,
    Member,
    mask_identifier,
)
from portal import clock

PREVIOUS_LOGIN_SESSION_KEY = "members_previous_login_at"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    member: Member | None = None

    @property
    def succeeded(self) -> bool:
        return self.result == LoginResult.SUCCESS


def client_address(request: HttpRequest) -> str:
    """Return the client's address as the server saw it (set by the proxy in production)."""
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _identifier_lookup(method: str, identifier: str) -> dict[str, str]:
    return {"card_number": identifier} if method == LoginMethod.CARD else {"web_id": identifier}


@sensitive_variables("secret_value")
def attempt_login(
    *, request: HttpRequest, method: str, identifier: str, secret_value: str
) -> LoginOutcome:
    """Check a well-formed credential under lockout and throttle rules; log in on success.

    Order matters: the address and the credential each reserve a place in their counters
    *before* the secret is verified, so parallel attempts can never verify more often
    than the threshold allows.
    """
    address = client_address(request)
    if not lockout.reserve_address(address):
        return _record(request, method, identifier, LoginResult.THROTTLED)
    place = lockout.reserve_credential(method=method, identifier=identifier)
    if place is None:
        return _record(request, method, identifier, LoginResult.LOCKED)

    if method == LoginMethod.CARD:
        member = authenticate(request, card_number=identifier, pin_secret=secret_value)
    else:
        member = authenticate(request, web_id=identifier, password=secret_value)
    if member is None:
        locked_now = place >= lockout.lockout_threshold()
        result = LoginResult.LOCKED if locked_now else LoginResult.INVALID_CREDENTIALS
        return _record(request, method, identifier, result)

    # The secret was right: this was not a failure of the credential nor of the address.
    lockout.unlock_credential(method=method, identifier=identifier)
    lockout.give_back_address(address)
    contract = getattr(member, "contract", None)
    if contract is not None and contract.status == ContractStatus.TERMINATED:
        return _record(request, method, identifier, LoginResult.CONTRACT_TERMINATED, member)

    previous_login = member.last_login
    login(request, member)  # cycles the session key and the CSRF token
    request.session[PREVIOUS_LOGIN_SESSION_KEY] = (
        previous_login.isoformat() if previous_login else None
    )
    return _record(request, method, identifier, LoginResult.SUCCESS, member)


def _record(request, method, identifier, result, member=None) -> LoginOutcome:
    if member is None:
        # Known or unknown, the same one query: the member sees failures against their
        # own credentials in the login history.
        member = Member.objects.filter(**_identifier_lookup(method, identifier)).first()
    LoginAttempt.objects.create(
        attempted_at=clock.now(),
        method=method,
        masked_identifier=mask_identifier(identifier),
        member=member,
        client_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        result=result,
    )
    return LoginOutcome(result=result, member=member if result == LoginResult.SUCCESS else None)


# --- Staff actions ------------------------------------------------------------------


def unlock_web_id(*, member: Member) -> None:
    """Unlock the member's Web-ID (staff action, or completed password recovery)."""
    if member.web_id:
        lockout.unlock_web_id(member.web_id)


@sensitive_variables("new_pin_secret")
@transaction.atomic
def set_new_pin(*, member: Member, new_pin_secret: str) -> None:
    """Set a new PIN after staff checked the member's identity; this unlocks the card."""
    member.set_pin(new_pin_secret)
    member.save(update_fields=["pin"])
    if member.card_number:
        lockout.unlock_card(member.card_number)


def set_contract_status(*, contract: LoanContract, status: str) -> None:
    """Terminate or reinstate a contract (staff action)."""
    contract.status = status
    contract.save(update_fields=["status"])
