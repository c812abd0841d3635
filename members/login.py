"""The members' login (SPEC §4): a card number and PIN or a Web-ID and password, under
the credential lockout and the address throttle; and the secret asked again before a
sensitive change."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth import authenticate, login
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from members import limits, lockout
from members.languages import remember_language
from members.models import (
    LOGIN_CREDENTIALS,
    KnownDevice,
    LoginAttempt,
    LoginMethod,
    LoginResult,
    Member,
    mask_identifier,
)
from members.notifications import notify_member
from portal import clock

PREVIOUS_LOGIN_SESSION_KEY = "members_previous_login_at"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    member: Member | None = None

    @property
    def succeeded(self) -> bool:
        return self.result == LoginResult.SUCCESS


@dataclass(frozen=True)
class Places:
    """An attempt's places in its address's throttle and in its credential's counter."""

    address: str
    reservation: lockout.Reservation | None
    refusal: str | None = None  # THROTTLED or LOCKED: no place, so no secret is checked


def reserve_places(request: HttpRequest, *, method: str, identifier: str) -> Places:
    """Take an attempt's places, the address's and then the credential's, before any
    secret is verified, so parallel attempts can never verify more often than the limits
    allow."""
    address = limits.client_address(request)
    if not limits.reserve_address(address):
        return Places(address=address, reservation=None, refusal=LoginResult.THROTTLED)
    reservation = lockout.reserve_credential(method=method, identifier=identifier)
    if reservation is None:
        return Places(address=address, reservation=None, refusal=LoginResult.LOCKED)
    return Places(address=address, reservation=reservation)


@sensitive_variables("secret_value")
def check_credential(
    *, request: HttpRequest, method: str, identifier: str, secret_value: str
) -> LoginOutcome:
    """Check a well-formed credential under lockout and throttle rules, opening nothing.

    A refusal is recorded here. A success returns the member, unrecorded: the door that
    asked (the login page's session, the app API's token) opens and then records it, so
    every door shares one counter per credential and one throttle per address.
    """
    places = reserve_places(request, method=method, identifier=identifier)
    if places.refusal is not None:
        return record_attempt(request, method, identifier, places.refusal)

    credential = LOGIN_CREDENTIALS[method]
    member = authenticate(
        request,
        **{credential.identifier_field: identifier, credential.secret_argument: secret_value},
    )
    if member is None:
        return record_attempt(request, method, identifier, places.reservation.failure_result)

    # The secret was right: this was not a failure of the credential nor of the address.
    lockout.unlock_credential(method=method, identifier=identifier)
    limits.give_back_address(places.address)
    contract = getattr(member, "contract", None)
    if contract is not None and contract.is_terminated:
        return record_attempt(request, method, identifier, LoginResult.CONTRACT_TERMINATED, member)
    return LoginOutcome(result=LoginResult.SUCCESS, member=member)


@sensitive_variables("secret_value")
def attempt_login(
    *,
    request: HttpRequest,
    method: str,
    identifier: str,
    secret_value: str,
    device_token: str,
) -> LoginOutcome:
    """Check a well-formed credential under lockout and throttle rules; log in on success."""
    outcome = check_credential(
        request=request, method=method, identifier=identifier, secret_value=secret_value
    )
    if not outcome.succeeded:
        return outcome
    member = outcome.member
    previous_login = member.last_login
    login(request, member)  # cycles the session key and the CSRF token
    remember_language(member=member, language=translation.get_language())
    request.session[PREVIOUS_LOGIN_SESSION_KEY] = (
        previous_login.isoformat() if previous_login else None
    )
    remember_device(request=request, member=member, device_token=device_token, method=method)
    return record_attempt(request, method, identifier, LoginResult.SUCCESS, member)


def record_attempt(request, method, identifier, result, member=None) -> LoginOutcome:
    """Record an attempt that reached the credential check; return its outcome."""
    if member is None:
        # Known or unknown, the same one query: the member sees failures against their
        # own credentials in the login history.
        lookup = {LOGIN_CREDENTIALS[method].identifier_field: identifier}
        member = Member.objects.filter(**lookup).first()
    LoginAttempt.objects.create(
        attempted_at=clock.now(),
        method=method,
        masked_identifier=mask_identifier(identifier),
        member=member,
        client_address=limits.client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        result=result,
    )
    return LoginOutcome(result=result, member=member if result == LoginResult.SUCCESS else None)


# --- New-browser alert --------------------------------------------------------------


def remember_device(
    *, request: HttpRequest, member: Member, device_token: str, method: str
) -> bool:
    """Note the browser a member logged in from; mail an alert if it is new. Return is-new."""
    device_hash = hashlib.sha256(device_token.encode()).hexdigest()
    now = clock.now()
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    # A browser seen before (the usual case) costs one UPDATE.
    if KnownDevice.objects.filter(member=member, device_hash=device_hash).update(last_seen_at=now):
        return False
    _device, created = KnownDevice.objects.get_or_create(
        member=member,
        device_hash=device_hash,
        defaults={"user_agent": user_agent, "first_seen_at": now, "last_seen_at": now},
    )
    if not created:  # a parallel login from this browser recorded it first
        return False
    notify_member(
        member=member,
        template="emails/new_device",
        context={
            "logged_in_at": now,
            "method": LoginMethod(method).label,
            "user_agent": user_agent or gettext_lazy("不明"),  # read in the mail's language
            "address": limits.client_address(request),
        },
    )
    return True


# --- The secret asked again ---------------------------------------------------------


@sensitive_variables()  # every frame below (the hasher's) sees the secret too
def reauthenticate(*, member: Member, current_secret: str, method: str) -> str:
    """Check the secret of a logged-in member before a sensitive change; return a
    LoginResult (SUCCESS, INVALID_CREDENTIALS or LOCKED).

    `method` (LoginMethod.CARD or WEB_ID) names the secret asked for. A wrong one counts
    toward that credential's lockout exactly like a failed login, so a session left open
    cannot be used to guess it.
    """
    credential = LOGIN_CREDENTIALS[method]
    identifier = getattr(member, credential.identifier_field)
    reservation = lockout.reserve_credential(method=method, identifier=identifier)
    if reservation is None:
        return LoginResult.LOCKED
    if getattr(member, credential.check_secret)(current_secret):
        lockout.unlock_credential(method=method, identifier=identifier)
        return LoginResult.SUCCESS
    return reservation.failure_result
