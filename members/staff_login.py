"""Staff sign-in to the admin (SPEC §4 "Session"): the staff ID's password under the
members' lockout and throttle rules, then, where needed, a TOTP code (django-otp)."""

import django_otp
from django.conf import settings
from django.contrib.auth import login, logout
from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import limits, lockout
from members.backends import StaffBackend
from members.login import LoginOutcome, record_attempt, reserve_places
from members.models import LoginMethod, LoginResult, Member

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
    places = reserve_places(request, method=method, identifier=username)
    if places.refusal is not None:
        return record_attempt(request, method, username, places.refusal)

    # Staff are the only users with a username; unknown ones cost a hash all the same.
    staff = StaffBackend().authenticate(request, username=username, password=password_secret)
    if staff is None or not staff.is_staff:
        return record_attempt(request, method, username, places.reservation.failure_result)

    limits.give_back_address(places.address)
    # Cycles the session key and the CSRF token.
    login(request, staff, backend="django.contrib.auth.backends.ModelBackend")
    if staff_needs_code(staff):
        lockout.give_back_credential(method=method, identifier=username)
        return record_attempt(request, method, username, LoginResult.CODE_REQUIRED, staff)
    lockout.unlock_staff(username)
    return record_attempt(request, method, username, LoginResult.SUCCESS, staff)


@sensitive_variables()
def verify_staff_code(*, request: HttpRequest, code_secret: str) -> LoginOutcome:
    """Check the TOTP code of a staff session that gave the right password.

    Wrong codes count in the staff ID's counter and the address throttle exactly like
    wrong passwords, so six digits cannot be guessed; the failure that locks, or a code
    sent to a locked ID, also ends the session.
    """
    staff = request.user
    method, username = LoginMethod.STAFF_CODE, staff.username
    # A code is counted under the staff ID, like its password.
    places = reserve_places(request, method=LoginMethod.STAFF, identifier=username)
    if places.refusal is not None:
        if places.refusal == LoginResult.LOCKED:
            logout(request)
        return record_attempt(request, method, username, places.refusal)

    device = staff_device(staff)
    verified = device is not None and django_otp.verify_token(
        staff, device.persistent_id, code_secret
    )
    if not verified:
        if places.reservation.locks_on_failure:
            logout(request)
        return record_attempt(request, method, username, places.reservation.failure_result)

    lockout.unlock_staff(username)
    limits.give_back_address(places.address)
    django_otp.login(request, verified)
    request.session.cycle_key()  # a new key for the session that now opens the admin
    return record_attempt(request, method, username, LoginResult.SUCCESS, staff)


# --- The staff user's TOTP device ---------------------------------------------------


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
