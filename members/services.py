"""Writes of the members app: login, self-service changes, recovery and staff actions."""

import hashlib
import ipaddress
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import lockout, sessions
from members.backends import StaffBackend
from members.models import (
    ChangeKind,
    KnownDevice,
    LoanContract,
    LoginAttempt,
    LoginMethod,
    LoginResult,
    Member,
    ProfileChange,
    TransferAccount,
    mask_identifier,
)
from members.tokens import email_verification_token, password_recovery_token
from portal import clock
from portal.mail import send_templated_mail

PREVIOUS_LOGIN_SESSION_KEY = "members_previous_login_at"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    member: Member | None = None

    @property
    def succeeded(self) -> bool:
        return self.result == LoginResult.SUCCESS


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


def _identifier_lookup(method: str, identifier: str) -> dict:
    if method in (LoginMethod.STAFF, LoginMethod.STAFF_CODE):
        return {"username": identifier, "is_staff": True}
    return {"card_number": identifier} if method == LoginMethod.CARD else {"web_id": identifier}


@sensitive_variables("secret_value")
def attempt_login(
    *,
    request: HttpRequest,
    method: str,
    identifier: str,
    secret_value: str,
    device_token: str,
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
    if contract is not None and contract.is_terminated:
        return _record(request, method, identifier, LoginResult.CONTRACT_TERMINATED, member)

    previous_login = member.last_login
    login(request, member)  # cycles the session key and the CSRF token
    request.session[PREVIOUS_LOGIN_SESSION_KEY] = (
        previous_login.isoformat() if previous_login else None
    )
    remember_device(request=request, member=member, device_token=device_token, method=method)
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


# --- Staff sign-in (the admin) -------------------------------------------------------

# The name of a staff user's TOTP device in the admin's device list.
STAFF_DEVICE_NAME = "authenticator"


def staff_needs_code(staff: Member) -> bool:
    """Return whether this staff user signs in with a TOTP code after the password.

    Always outside demo mode; in demo mode only once they have enrolled a device, so a
    demo stays one click and a staff member who chose a second factor keeps it.
    """
    return not settings.PORTAL_DEMO or staff_device(staff) is not None


def staff_signed_in(staff: Member) -> bool:
    """Return whether a staff session passed every step (the admin's permission gate)."""
    is_verified = getattr(staff, "is_verified", None)  # set by django_otp's middleware
    return bool(is_verified and is_verified()) or not staff_needs_code(staff)


def staff_device(staff: Member) -> TOTPDevice | None:
    """Return the staff user's confirmed TOTP device (one at most: enrolling replaces)."""
    return TOTPDevice.objects.devices_for_user(staff, confirmed=True).order_by("-id").first()


@sensitive_variables()  # every frame below (ModelBackend's, the hasher's) sees it too
def attempt_staff_login(
    *, request: HttpRequest, username: str, password_secret: str
) -> LoginOutcome:
    """Check a staff ID and password under the members' lockout and throttle rules.

    A staff ID is a credential like a Web-ID: its own counter, unknown IDs counted and
    locked alike, the place reserved before the password is verified. A right password
    answers SUCCESS (signed in) or CODE_REQUIRED (signed in, the admin stays closed
    until `verify_staff_code`); only then are the ID's failures forgotten.
    """
    method = LoginMethod.STAFF
    address = client_address(request)
    if not lockout.reserve_address(address):
        return _record(request, method, username, LoginResult.THROTTLED)
    place = lockout.reserve_credential(method=method, identifier=username)
    if place is None:
        return _record(request, method, username, LoginResult.LOCKED)

    # Staff are the only users with a username; unknown ones cost a hash all the same.
    staff = StaffBackend().authenticate(request, username=username, password=password_secret)
    if staff is None or not staff.is_staff:
        locked_now = place >= lockout.lockout_threshold()
        result = LoginResult.LOCKED if locked_now else LoginResult.INVALID_CREDENTIALS
        return _record(request, method, username, result)

    lockout.give_back_address(address)
    # Cycles the session key and the CSRF token.
    login(request, staff, backend="django.contrib.auth.backends.ModelBackend")
    if staff_needs_code(staff):
        lockout.give_back_credential(method=method, identifier=username)
        return _record(request, method, username, LoginResult.CODE_REQUIRED, staff)
    lockout.unlock_staff(username)
    return _record(request, method, username, LoginResult.SUCCESS, staff)


@sensitive_variables()
def verify_staff_code(*, request: HttpRequest, code_secret: str) -> LoginOutcome:
    """Check the TOTP code of a staff session that gave the right password.

    Wrong codes count in the staff ID's counter and the address throttle exactly like
    wrong passwords, so six digits cannot be guessed; the failure that locks, or a code
    sent to a locked ID, also ends the session.
    """
    staff = request.user
    method, username = LoginMethod.STAFF_CODE, staff.username
    address = client_address(request)
    if not lockout.reserve_address(address):
        return _record(request, method, username, LoginResult.THROTTLED)
    place = lockout.reserve_credential(method=LoginMethod.STAFF, identifier=username)
    if place is None:
        logout(request)
        return _record(request, method, username, LoginResult.LOCKED)

    device = staff_device(staff)
    verified = device is not None and django_otp.verify_token(
        staff, device.persistent_id, code_secret
    )
    if not verified:
        if place >= lockout.lockout_threshold():
            logout(request)
            return _record(request, method, username, LoginResult.LOCKED)
        return _record(request, method, username, LoginResult.INVALID_CREDENTIALS)

    lockout.unlock_staff(username)
    lockout.give_back_address(address)
    django_otp.login(request, verified)
    request.session.cycle_key()  # a new key for the session that now opens the admin
    return _record(request, method, username, LoginResult.SUCCESS, staff)


def unlock_staff(*, staff: Member) -> None:
    """Unlock a staff ID (another staff member's action, or `manage.py unlock_staff`)."""
    lockout.unlock_staff(staff.username)


@transaction.atomic
def start_staff_device(*, staff: Member) -> TOTPDevice:
    """Create a new, unconfirmed TOTP device for the staff user to scan and confirm.

    The device in use (if any) keeps working until the new one is confirmed.
    """
    TOTPDevice.objects.filter(user=staff, confirmed=False).delete()
    return TOTPDevice.objects.create(user=staff, name=STAFF_DEVICE_NAME, confirmed=False)


def pending_staff_device(staff: Member) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(staff, confirmed=False).order_by("-id").first()


@sensitive_variables()
@transaction.atomic
def confirm_staff_device(*, request: HttpRequest, device: TOTPDevice, code_secret: str) -> bool:
    """Make a scanned device the staff user's only one if it shows the right code.

    The session counts as verified with the new device, so replacing a device does not
    end the session that did it.
    """
    if not device.verify_token(code_secret):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user_id).exclude(pk=device.pk).delete()
    django_otp.login(request, device)
    return True


@transaction.atomic
def enroll_staff_device(*, staff: Member) -> TOTPDevice:
    """Give a staff user a new confirmed device, replacing any other (operator bootstrap)."""
    TOTPDevice.objects.filter(user=staff).delete()
    return TOTPDevice.objects.create(user=staff, name=STAFF_DEVICE_NAME, confirmed=True)


# --- Member e-mail ------------------------------------------------------------------


def notify_member(*, member: Member, template: str, context: dict | None = None) -> bool:
    """Mail the member at their verified address; an unverified address gets nothing."""
    if not (member.email and member.email_verified):
        return False
    send_templated_mail(
        to=member.email, template=template, context={"member": member, **(context or {})}
    )
    return True


def record_change(*, member: Member, kind: str) -> ProfileChange:
    return ProfileChange.objects.create(member=member, kind=kind, changed_at=clock.now())


def link_token(member: Member, generator) -> tuple[str, str]:
    """Return (uidb64, token) for a link in an e-mail."""
    return urlsafe_base64_encode(force_bytes(member.pk)), generator.make_token(member)


# --- New-browser alert --------------------------------------------------------------


def remember_device(
    *, request: HttpRequest, member: Member, device_token: str, method: str
) -> bool:
    """Note the browser a member logged in from; mail an alert if it is new. Return is-new."""
    device_hash = hashlib.sha256(device_token.encode()).hexdigest()
    now = clock.now()
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    device, created = KnownDevice.objects.get_or_create(
        member=member,
        device_hash=device_hash,
        defaults={"user_agent": user_agent, "first_seen_at": now, "last_seen_at": now},
    )
    if not created:
        KnownDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        return False
    notify_member(
        member=member,
        template="emails/new_device",
        context={
            "logged_in_at": now,
            "method": LoginMethod(method).label,
            "user_agent": user_agent or _("不明"),
            "address": client_address(request),
        },
    )
    return True


# --- Web-ID and password ------------------------------------------------------------


class WebIdTaken(Exception):
    """Another member took the Web-ID between the form check and the save."""


@sensitive_variables()  # every frame below (the hasher's) sees the secret too
def reauthenticate(*, member: Member, current_secret: str, method: str | None = None) -> str:
    """Check the secret of a logged-in member before a sensitive change; return a
    LoginResult (SUCCESS, INVALID_CREDENTIALS or LOCKED).

    `method` (a LoginMethod) names the secret asked for; without it, the Web-ID password
    where there is one, else the card PIN. A wrong one counts toward that credential's
    lockout exactly like a failed login, so a session left open cannot be used to guess it.
    """
    if method is None:
        method = LoginMethod.WEB_ID if member.web_id else LoginMethod.CARD
    if method == LoginMethod.WEB_ID:
        method, identifier, check = LoginMethod.WEB_ID, member.web_id, member.check_password
    else:
        method, identifier, check = LoginMethod.CARD, member.card_number, member.check_pin
    place = lockout.reserve_credential(method=method, identifier=identifier)
    if place is None:
        return LoginResult.LOCKED
    if check(current_secret):
        lockout.unlock_credential(method=method, identifier=identifier)
        return LoginResult.SUCCESS
    if place >= lockout.lockout_threshold():
        return LoginResult.LOCKED
    return LoginResult.INVALID_CREDENTIALS


@sensitive_variables("password")
def set_web_id(*, member: Member, web_id: str, password: str) -> None:
    """Register or change the member's Web-ID and password (needs a verified e-mail)."""
    if not member.email_verified:
        raise PermissionError("a verified e-mail address is required for a Web-ID")
    had_web_id = member.has_web_id
    member.web_id = web_id
    member.set_password(password)
    try:
        with transaction.atomic():
            member.save(update_fields=["web_id", "password"])
            # Failures against the Web-ID while nobody had it were counted like any
            # unknown identifier's; they must not greet its new owner with a lock.
            unlock_web_id(member=member)
            record_change(member=member, kind=ChangeKind.WEB_ID)
    except IntegrityError as exc:
        raise WebIdTaken(web_id) from exc
    notify_member(
        member=member,
        template="emails/web_id_registered",
        context={"changed": had_web_id, "web_id": web_id},
    )


@sensitive_variables("password")
@transaction.atomic
def reset_password(*, member: Member, password: str) -> None:
    """Set a new password from a recovery link; this also unlocks the Web-ID."""
    member.set_password(password)
    member.save(update_fields=["password"])
    unlock_web_id(member=member)
    record_change(member=member, kind=ChangeKind.PASSWORD)
    transaction.on_commit(lambda: notify_member(member=member, template="emails/password_changed"))


def send_web_id_reminder(*, member_number: str, email: str, site_url: str) -> None:
    """Mail the Web-ID if the member number and registered address match; silent otherwise."""
    member = (
        Member.objects.members()
        .filter(member_number=member_number, email__iexact=email, web_id__isnull=False)
        .first()
    )
    if member is not None and lockout.reserve_member_mail(member_pk=member.pk, kind="web_id"):
        notify_member(
            member=member, template="emails/web_id_reminder", context={"site_url": site_url}
        )


def send_password_recovery(*, web_id: str, email: str, build_url) -> None:
    """Mail a one-time link to set a new password if Web-ID and address match; silent otherwise.

    `build_url(uidb64, token)` returns the absolute URL of the link.
    """
    member = Member.objects.members().filter(web_id=web_id, email__iexact=email).first()
    if member is not None and lockout.reserve_member_mail(member_pk=member.pk, kind="password"):
        uidb64, token = link_token(member, password_recovery_token)
        notify_member(
            member=member,
            template="emails/password_recovery",
            context={"url": build_url(uidb64, token)},
        )


# --- E-mail address -----------------------------------------------------------------


class TooManyMails(Exception):
    """The member was sent as many mails of this kind as an hour allows."""


def request_email_verification(
    *, member: Member, new_email: str | None, build_url, current_session_key: str | None
) -> None:
    """Send the verification link for a new address (or for the current unverified one).

    This is the one mail an unverified address ever receives. Raises TooManyMails, and
    changes nothing, past MEMBER_MAILS_PER_HOUR["verification"]. A new address ends the
    member's other sessions (all but `current_session_key`); the old verified address is
    told when the new one is verified.
    """
    if not lockout.reserve_member_mail(member_pk=member.pk, kind="verification"):
        raise TooManyMails
    if new_email is not None:
        member.pending_email = new_email
        member.save(update_fields=["pending_email"])
        sessions.end_other_sessions(member=member, current_session_key=current_session_key)
    uidb64, token = link_token(member, email_verification_token)
    send_templated_mail(
        to=member.pending_email or member.email,
        template="emails/verify_email",
        context={"member": member, "url": build_url(uidb64, token)},
    )


@transaction.atomic
def verify_email(*, member: Member) -> None:
    """Make the address the link was sent to the member's verified address."""
    previous = member.email if member.email_verified else ""
    if member.pending_email:
        member.email = member.pending_email
        member.pending_email = ""
    member.email_verified = True
    member.save(update_fields=["email", "pending_email", "email_verified"])
    record_change(member=member, kind=ChangeKind.EMAIL)
    if previous and previous.lower() != member.email.lower():
        # Tell the old address too, so a hijacked account notices the change.
        transaction.on_commit(
            lambda: send_templated_mail(
                to=previous,
                template="emails/contact_changed",
                context={"member": member, "kinds": [ChangeKind.EMAIL.label]},
            )
        )


# --- Profile, transfer account, statements -------------------------------------------

CONTACT_FIELDS = {
    ChangeKind.ADDRESS: ("postal_code", "prefecture", "city", "street", "building"),
    ChangeKind.PHONE: ("phone",),
    ChangeKind.EMPLOYER: ("employer",),
}


@transaction.atomic
def update_profile(
    *, member: Member, changes: dict[str, str], current_session_key: str | None
) -> list[str]:
    """Save address, phone and employer; record and announce what changed.

    A new phone number ends the member's other sessions (all but `current_session_key`).
    """
    kinds = [
        kind
        for kind, fields in CONTACT_FIELDS.items()
        if any(getattr(member, name) != changes[name] for name in fields if name in changes)
    ]
    if not kinds:
        return []
    for name, value in changes.items():
        setattr(member, name, value)
    member.save(update_fields=list(changes))
    for kind in kinds:
        record_change(member=member, kind=kind)
    if ChangeKind.PHONE in kinds:
        sessions.end_other_sessions(member=member, current_session_key=current_session_key)
    labels = [ChangeKind(kind).label for kind in kinds]
    transaction.on_commit(
        lambda: notify_member(
            member=member, template="emails/contact_changed", context={"kinds": labels}
        )
    )
    return kinds


@transaction.atomic
def set_transfer_account(
    *, member: Member, account: dict[str, str], current_session_key: str | None
) -> TransferAccount:
    """Register or replace the account that transfer borrowing pays into; a change ends
    the member's other sessions (all but `current_session_key`).

    Submitting the registered account again changes nothing and announces nothing.
    """
    current = TransferAccount.objects.filter(member=member).first()
    if current is not None and all(
        getattr(current, name) == value for name, value in account.items()
    ):
        return current
    transfer_account, _created = TransferAccount.objects.update_or_create(
        member=member, defaults={**account, "updated_at": clock.now()}
    )
    record_change(member=member, kind=ChangeKind.TRANSFER_ACCOUNT)
    sessions.end_other_sessions(member=member, current_session_key=current_session_key)
    labels = [ChangeKind.TRANSFER_ACCOUNT.label]
    transaction.on_commit(
        lambda: notify_member(
            member=member, template="emails/contact_changed", context={"kinds": labels}
        )
    )
    return transfer_account


@transaction.atomic
def set_statement_delivery(*, member: Member, delivery: str) -> None:
    """Choose post or Web statements; a change is recorded."""
    if member.statement_delivery == delivery:
        return
    member.statement_delivery = delivery
    member.save(update_fields=["statement_delivery"])
    record_change(member=member, kind=ChangeKind.STATEMENT_DELIVERY)
