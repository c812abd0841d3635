"""Helpers for tests that sign staff in to the admin (SPEC §4 "Session", staff)."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from members import staff_login

STAFF_PASSWORD = "staff-pass-123"  # tests.factories.StaffFactory's


def sign_in_staff(client, staff):
    """Log `staff` in as after both steps: password and a verified TOTP device.

    The admin refuses a session without the second factor outside demo mode, so tests
    that are not about signing in start from here rather than from `force_login` alone.
    """
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    device = staff_login.staff_device(staff) or staff_login.enroll_staff_device(staff=staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _token(device, drift) -> int:
    return TOTP(device.bin_key, device.step, device.t0, device.digits, drift).token()


def current_code(device) -> str:
    """Return the code the device's authenticator app shows now (time-machine's now)."""
    return f"{_token(device, device.drift):06d}"


def wrong_code(device) -> str:
    """Return a code that none of the time steps the device accepts now shows."""
    accepted = {_token(device, device.drift + step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10) if n not in accepted)
