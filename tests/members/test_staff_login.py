"""Staff sign-in to the admin: lockout, throttle and TOTP (SPEC §4 "Session", last bullet)."""

import io
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import lockout, staff_login
from members.models import LoginAttempt, LoginMethod, LoginResult
from tests.counters import counter_failures
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import error_codes
from tests.staff_sign_in import STAFF_PASSWORD, current_code, sign_in_staff, wrong_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
CODE = reverse("admin:login_code")
CANCEL = reverse("admin:login_cancel")
INDEX = reverse("admin:index")
TWO_FACTOR = reverse("admin:two_factor")
CHANGELIST = reverse("admin:members_member_changelist")
STAFF_LIST = f"{CHANGELIST}?kind=staff"


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def post_code(client, code, **extra):
    return client.post(CODE, {"otp_token": code}, **extra)


def signed_in(client) -> bool:
    """Return whether the admin's own pages open for this browser."""
    return client.get(INDEX).status_code == 200


def failures(username) -> int:
    return counter_failures(lockout.credential_key(method=LoginMethod.STAFF, identifier=username))


def is_locked(username) -> bool:
    return lockout.is_locked(method=LoginMethod.STAFF, identifier=username)


def _crash(self, raw_password):
    raise RuntimeError("hasher exploded")


@pytest.fixture
def staff(db):
    return StaffFactory(username="clerk-sato", is_superuser=True)


@pytest.fixture
def production(settings):
    """Demo mode off: the second factor is required."""
    settings.PORTAL_DEMO = False


@pytest.fixture
def device(staff):
    return staff_login.enroll_staff_device(staff=staff)


# --- Lockout --------------------------------------------------------------------------


def test_the_right_password_signs_staff_in_in_demo_mode(client, staff):
    response = post_login(client, staff.username, STAFF_PASSWORD)
    assert response.status_code == 302
    assert response.url == INDEX
    assert signed_in(client)


def test_wrong_passwords_lock_the_staff_id_on_the_threshold_failure(client, staff):
    answers = [error_codes(post_login(client, staff.username, "wrong-pass")) for _ in range(5)]
    assert answers == [["invalid_credentials"]] * 4 + [["locked"]]
    # Locked: even the right password is refused, and nobody is signed in.
    response = post_login(client, staff.username, STAFF_PASSWORD)
    assert response.status_code == 200
    assert error_codes(response) == ["locked"]
    assert "_auth_user_id" not in client.session
    assert not signed_in(client)


def test_sixty_wrong_passwords_then_the_right_one_never_get_in(client, staff):
    statuses = [post_login(client, staff.username, f"guess-{n}").status_code for n in range(60)]
    assert set(statuses) == {200, 429}  # locked first, then the address is throttled too

    assert post_login(client, staff.username, STAFF_PASSWORD).status_code == 429
    elsewhere = post_login(Client(), staff.username, STAFF_PASSWORD, REMOTE_ADDR="192.0.2.8")
    assert error_codes(elsewhere) == ["locked"]
    assert not signed_in(client)


def test_the_threshold_comes_from_the_setting(client, staff, settings):
    settings.PORTAL_LOCKOUT_THRESHOLD = 2
    assert error_codes(post_login(client, staff.username, "wrong-pass")) == ["invalid_credentials"]
    assert error_codes(post_login(client, staff.username, "wrong-pass")) == ["locked"]


def test_a_success_forgets_the_failures(client, staff):
    for _ in range(4):
        post_login(client, staff.username, "wrong-pass")
    assert post_login(client, staff.username, STAFF_PASSWORD).status_code == 302
    assert failures(staff.username) == 0


def test_an_inactive_staff_user_is_refused_like_a_wrong_password(client):
    inactive = StaffFactory(is_active=False)
    assert error_codes(post_login(client, inactive.username, STAFF_PASSWORD)) == [
        "invalid_credentials"
    ]


def test_unknown_staff_id_answers_exactly_like_a_wrong_password(client, staff):
    known = post_login(client, staff.username, "wrong-pass")
    unknown = post_login(client, "nobody-here", "wrong-pass")
    assert known.status_code == unknown.status_code == 200
    assert error_codes(known) == error_codes(unknown) == ["invalid_credentials"]

    def page(response, username):
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return html.replace(f'value="{username}"', 'value="ID"')

    assert page(known, staff.username) == page(unknown, "nobody-here")


def test_unknown_staff_id_costs_one_hash_like_a_wrong_password(client, staff, hash_counter):
    before = hash_counter()
    post_login(client, staff.username, "wrong-pass")
    known_cost = hash_counter() - before
    before = hash_counter()
    post_login(client, "nobody-here", "wrong-pass")
    assert known_cost == hash_counter() - before == 1


def test_unknown_staff_id_locks_exactly_like_a_known_one(client):
    answers = [error_codes(post_login(client, "nobody-here", "wrong-pass")) for _ in range(6)]
    assert answers == [["invalid_credentials"]] * 4 + [["locked"]] * 2
    assert is_locked("nobody-here")


def test_a_members_web_id_is_no_staff_id(client, member):
    from tests.factories import DEFAULT_PASSWORD

    response = post_login(client, member.web_id, DEFAULT_PASSWORD)
    assert error_codes(response) == ["invalid_credentials"]
    assert "_auth_user_id" not in client.session


def test_format_errors_check_nothing_and_count_nothing(client, staff):
    response = post_login(client, staff.username, "")
    assert error_codes(response) == ["required"]
    assert failures(staff.username) == 0
    assert not LoginAttempt.objects.exists()


def test_locked_staff_ids_verify_no_password(client, staff, hash_counter):
    lockout.lock_credential(method=LoginMethod.STAFF, identifier=staff.username)
    before = hash_counter()
    post_login(client, staff.username, STAFF_PASSWORD)
    assert hash_counter() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI's pass)")
def test_parallel_wrong_passwords_verify_at_most_threshold_times(hash_counter, settings):
    staff = StaffFactory()
    parallel = 12
    barrier = threading.Barrier(parallel)

    def one(_):
        try:
            client = Client()
            barrier.wait()
            return error_codes(post_login(client, staff.username, "wrong-pass"))[0]
        finally:
            connection.close()

    before = hash_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        codes = Counter(pool.map(one, range(parallel)))

    threshold = settings.PORTAL_LOCKOUT_THRESHOLD
    assert hash_counter() - before <= threshold
    assert codes == {"invalid_credentials": threshold - 1, "locked": parallel - threshold + 1}
    assert failures(staff.username) == threshold


# --- Address throttle (shared with member logins) ------------------------------------


def test_staff_and_member_failures_share_the_address_throttle(client, staff, settings):
    from tests.factories import DEFAULT_PIN

    settings.PORTAL_IP_THROTTLE = (3, 15 * 60)
    member = MemberFactory()
    card = reverse("members:login-card")
    client.post(card, {"card_number": member.card_number, "pin": "9999"})
    post_login(client, staff.username, "wrong-pass")
    post_login(client, "nobody-here", "wrong-pass")

    # Even the right password is refused from this address now, and so is a member.
    response = post_login(client, staff.username, STAFF_PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert error_codes(response) == ["throttled"]
    member_answer = client.post(card, {"card_number": member.card_number, "pin": DEFAULT_PIN})
    assert member_answer.status_code == 429
    # No account was locked by it, and another address signs in.
    assert not is_locked(staff.username)
    assert (
        post_login(Client(), staff.username, STAFF_PASSWORD, REMOTE_ADDR="192.0.2.9").status_code
        == 302
    )


# --- Records and secrets -------------------------------------------------------------


def test_staff_attempts_are_recorded_with_a_masked_staff_id(client, staff, production, device):
    post_login(client, staff.username, "wrong-pass", HTTP_USER_AGENT="Staff/1.0")
    post_login(client, staff.username, STAFF_PASSWORD, HTTP_USER_AGENT="Staff/1.0")
    post_code(client, wrong_code(device), HTTP_USER_AGENT="Staff/1.0")
    post_code(client, current_code(device), HTTP_USER_AGENT="Staff/1.0")

    attempts = list(LoginAttempt.objects.order_by("id"))
    assert [(a.method, a.result) for a in attempts] == [
        (LoginMethod.STAFF, LoginResult.INVALID_CREDENTIALS),
        (LoginMethod.STAFF, LoginResult.CODE_REQUIRED),
        (LoginMethod.STAFF_CODE, LoginResult.INVALID_CREDENTIALS),
        (LoginMethod.STAFF_CODE, LoginResult.SUCCESS),
    ]
    for attempt in attempts:
        assert attempt.member == staff
        assert attempt.masked_identifier == "******sato"
        assert attempt.user_agent == "Staff/1.0"


def test_the_login_needs_a_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    assert post_login(client, staff.username, STAFF_PASSWORD).status_code == 403
    assert failures(staff.username) == 0


def test_error_reports_never_show_the_password(rf, monkeypatch, staff):
    from django.contrib import admin
    from django.views.debug import ExceptionReporter

    monkeypatch.setattr("members.models.Member.check_password", _crash)
    secret = "Zq4826Secret"
    request = rf.post(LOGIN, {"username": staff.username, "password": secret})
    request._dont_enforce_csrf_checks = True
    with pytest.raises(RuntimeError) as excinfo:
        admin.site.login(request)
    report = ExceptionReporter(
        request, excinfo.type, excinfo.value, excinfo.tb.tb_next
    ).get_traceback_html()
    assert "attempt_staff_login" in report
    assert secret not in report, [line for line in report.splitlines() if secret in line]


# --- Unlocking -----------------------------------------------------------------------


def test_unlock_staff_command_lets_the_right_password_in(client, staff):
    lockout.lock_credential(method=LoginMethod.STAFF, identifier=staff.username)
    out = io.StringIO()
    call_command("unlock_staff", staff.username, stdout=out)
    assert staff.username in out.getvalue()
    assert post_login(client, staff.username, STAFF_PASSWORD).status_code == 302


def test_unlock_staff_command_refuses_an_unknown_staff_id(db):
    with pytest.raises(CommandError):
        call_command("unlock_staff", "nobody-here")


def test_another_staff_member_unlocks_in_the_admin(client, staff):
    lockout.lock_credential(method=LoginMethod.STAFF, identifier=staff.username)
    admin_client = sign_in_staff(Client(), StaffFactory(is_superuser=True))
    listing = admin_client.get(STAFF_LIST).content.decode()
    assert "ロック中" in listing

    admin_client.post(STAFF_LIST, {"action": "unlock_staff", ACTION_CHECKBOX_NAME: [staff.pk]})

    assert not is_locked(staff.username)
    assert post_login(client, staff.username, STAFF_PASSWORD).status_code == 302


def test_staff_without_the_change_permission_cannot_unlock(staff):
    lockout.lock_credential(method=LoginMethod.STAFF, identifier=staff.username)
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_member"))
    viewer_client = sign_in_staff(Client(), viewer)

    viewer_client.post(STAFF_LIST, {"action": "unlock_staff", ACTION_CHECKBOX_NAME: [staff.pk]})

    assert is_locked(staff.username)


# --- Second factor outside demo mode -------------------------------------------------


def test_outside_demo_mode_the_password_alone_opens_no_admin_page(
    client, staff, production, device
):
    response = post_login(client, staff.username, STAFF_PASSWORD)
    assert response.status_code == 302
    assert response.url.startswith(CODE)

    for url in (INDEX, CHANGELIST, TWO_FACTOR, reverse("admin:otp_totp_totpdevice_changelist")):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer.url.startswith(LOGIN), url
    # The login page sends the session on to its code step.
    assert client.get(LOGIN).url.startswith(CODE)
    # Nor can it enrol a device of its own.
    client.post(TWO_FACTOR, {"start": "1"})
    assert list(TOTPDevice.objects.filter(user=staff)) == [device]


def test_a_right_code_opens_the_admin(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    session_key = client.session.session_key

    response = client.post(CODE, {"otp_token": current_code(device), "next": CHANGELIST})

    assert response.status_code == 302
    assert response.url == CHANGELIST
    assert client.get(CHANGELIST).status_code == 200
    assert client.session.session_key != session_key
    assert failures(staff.username) == 0


def test_a_wrong_code_is_refused_and_counted(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    response = post_code(client, wrong_code(device))
    assert response.status_code == 200
    assert error_codes(response) == ["invalid_credentials"]
    assert failures(staff.username) == 1
    assert not signed_in(client)


def test_wrong_codes_lock_the_staff_id_and_end_the_session(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    answers = [error_codes(post_code(client, wrong_code(device))) for _ in range(5)]
    assert answers == [["invalid_credentials"]] * 4 + [["locked"]]
    assert "_auth_user_id" not in client.session
    # Locked: the right password is refused now.
    assert error_codes(post_login(client, staff.username, STAFF_PASSWORD)) == ["locked"]


def test_a_right_password_does_not_wipe_wrong_codes_before_it(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    for _ in range(4):
        post_code(client, wrong_code(device))
    client.post(CANCEL)

    post_login(client, staff.username, STAFF_PASSWORD)
    assert error_codes(post_code(client, wrong_code(device))) == ["locked"]


def test_the_password_place_before_a_code_does_not_lock(client, staff, production, device):
    for _ in range(4):
        post_login(client, staff.username, "wrong-pass")
    # The fifth place is taken by the right password: it is given back, lock included.
    assert post_login(client, staff.username, STAFF_PASSWORD).url.startswith(CODE)
    assert not is_locked(staff.username)
    assert post_code(client, current_code(device)).status_code == 302


def test_wrong_codes_count_toward_the_address_throttle(client, staff, production, device, settings):
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    post_login(client, staff.username, STAFF_PASSWORD)
    post_code(client, wrong_code(device))
    post_code(client, wrong_code(device))
    response = post_code(client, current_code(device))
    assert response.status_code == 429
    assert error_codes(response) == ["throttled"]
    assert not signed_in(client)


def test_code_format_errors_count_nothing(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    assert error_codes(post_code(client, "12345")) == ["format_length"]
    assert failures(staff.username) == 0


def test_full_width_digits_are_a_right_code(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    full_width = current_code(device).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert post_code(client, full_width).status_code == 302


def test_a_code_is_used_once(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    code = current_code(device)
    assert post_code(client, code).status_code == 302

    other = Client()
    post_login(other, staff.username, STAFF_PASSWORD)
    assert error_codes(post_code(other, code)) == ["invalid_credentials"]


def test_the_code_step_needs_a_csrf_token(staff, production, device):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert post_code(client, current_code(device)).status_code == 403
    assert not signed_in(client)


def test_the_code_step_without_a_password_goes_to_the_login(client, production):
    assert client.get(CODE).url.startswith(LOGIN)


def test_without_a_device_staff_cannot_sign_in_outside_demo_mode(client, staff, production):
    post_login(client, staff.username, STAFF_PASSWORD)
    page = client.get(CODE)
    assert error_codes(page) == ["no_device"]
    assert "enroll_staff_totp" in page.content.decode()
    assert not signed_in(client)


def test_cancel_ends_a_sign_in_waiting_for_its_code(client, staff, production, device):
    post_login(client, staff.username, STAFF_PASSWORD)
    assert client.get(CANCEL).status_code == 405
    assert client.post(CANCEL).url == LOGIN
    assert "_auth_user_id" not in client.session


def test_force_login_alone_opens_no_admin_page_outside_demo_mode(client, staff, production):
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert not signed_in(client)
    assert signed_in(sign_in_staff(client, staff))


def test_next_never_leads_off_site(client, staff):
    response = client.post(
        LOGIN,
        {"username": staff.username, "password": STAFF_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == INDEX


# --- Demo mode: the second factor is optional -----------------------------------------


def test_in_demo_mode_staff_with_a_device_are_still_asked_for_the_code(client, staff, device):
    assert post_login(client, staff.username, STAFF_PASSWORD).url.startswith(CODE)
    assert not signed_in(client)
    assert post_code(client, current_code(device)).status_code == 302
    assert signed_in(client)


# --- Enrolment -----------------------------------------------------------------------


def test_enroll_command_prints_a_device_that_signs_in(client, staff, production):
    out = io.StringIO()
    call_command("enroll_staff_totp", staff.username, stdout=out)
    device = staff_login.staff_device(staff)
    assert device.config_url in out.getvalue()
    assert "█" in out.getvalue() or "▀" in out.getvalue()  # the QR code for the terminal

    post_login(client, staff.username, STAFF_PASSWORD)
    assert post_code(client, current_code(device)).status_code == 302


def test_enroll_command_replaces_a_device_only_when_told(staff, device):
    with pytest.raises(CommandError):
        call_command("enroll_staff_totp", staff.username, stdout=io.StringIO())
    call_command("enroll_staff_totp", staff.username, "--replace", stdout=io.StringIO())
    assert list(TOTPDevice.objects.filter(user=staff)) == [staff_login.staff_device(staff)]
    assert staff_login.staff_device(staff) != device


def test_enroll_command_refuses_an_unknown_staff_id(db):
    with pytest.raises(CommandError):
        call_command("enroll_staff_totp", "nobody-here", stdout=io.StringIO())


def test_signed_in_staff_replace_their_own_device(client, staff, production, device):
    sign_in_staff(client, staff)
    client.post(TWO_FACTOR, {"start": "1"})
    page = client.get(TWO_FACTOR)
    html = page.content.decode()
    assert "<svg" in html  # the QR code as inline markup, no data: URL
    assert "data:" not in html
    pending = staff_login.pending_staff_device(staff)
    assert pending is not None
    # Until the new device is confirmed, the old one still signs in.
    assert staff_login.staff_device(staff) == device

    wrong = client.post(TWO_FACTOR, {"otp_token": wrong_code(pending)})
    assert "invalid_code" in error_codes(wrong)
    assert staff_login.staff_device(staff) == device

    assert client.post(TWO_FACTOR, {"otp_token": current_code(pending)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=staff)) == [pending]
    assert staff_login.staff_device(staff) == pending
    assert signed_in(client)  # the session now counts as verified with the new device


def test_in_demo_mode_staff_enrol_a_first_device(client, staff):
    post_login(client, staff.username, STAFF_PASSWORD)
    client.post(TWO_FACTOR, {"start": "1"})
    pending = staff_login.pending_staff_device(staff)
    assert client.post(TWO_FACTOR, {"otp_token": current_code(pending)}).status_code == 302
    assert staff_login.staff_device(staff) == pending


def test_the_device_admin_shows_no_key_and_adds_nothing(staff_client, staff, device):
    listing = reverse("admin:otp_totp_totpdevice_changelist")
    assert staff_client.get(listing).status_code == 200
    assert staff_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    change = staff_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert device.key not in change.content.decode()
