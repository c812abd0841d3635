"""Web-ID registration and change from the member page (SPEC §4 rules, §5)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from demo.personas import reset_demo_personas
from members import lockout, web_ids
from members.models import ChangeKind, LoginMethod, Member, ProfileChange
from tests.counters import counter_failures
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory
from tests.members.self_service import (
    assert_field_error,
    error_codes,
    log_in_by_card,
    log_in_by_web_id,
    logged_in_member_pk,
    the_mail_to,
)

pytestmark = pytest.mark.django_db

URL = reverse("members:settings-web-id")


def post_web_id(client, web_id, password, confirm=None, *, current=None):
    """Post the form with the current secret it asks for (the factory's PIN or password
    unless `current` says otherwise; the form reads only the field it shows)."""
    return client.post(
        URL,
        {
            "current_pin": DEFAULT_PIN if current is None else current,
            "current_password": DEFAULT_PASSWORD if current is None else current,
            "web_id": web_id,
            "password": password,
            "password_confirm": password if confirm is None else confirm,
        },
    )


def snapshot(member) -> tuple:
    """Return what a rejected Web-ID form must leave untouched."""
    member = Member.objects.get(pk=member.pk)
    return member.web_id, member.password, ProfileChange.objects.filter(member=member).count()


def crash_while_hashing(self, raw_secret):
    """Stand in for a hasher that fails (its frame's source shows in error reports)."""
    raise RuntimeError("hasher exploded")


@pytest.fixture
def card_only(db):
    return MemberFactory(web_id=None, password=None, email="hanako@example.jp")


# --- Registration -------------------------------------------------------------------


def test_card_member_registers_a_web_id_and_then_logs_in_with_it(client, card_only, mailbox):
    """After a card login, a Web-ID is registered, confirmed by mail and works for login."""
    assert log_in_by_card(client, card_only).status_code == 302
    mail.outbox.clear()  # the new-browser alert of this first login

    page = client.get(URL)
    assert page.status_code == 200
    for field_id in ("id_web_id", "id_password", "id_password_confirm"):
        assert f'id="{field_id}"' in page.content.decode()

    response = post_web_id(client, "Hanako2026", "Secret2026")

    assert response.status_code == 302
    assert response.url == reverse("members:settings")
    card_only.refresh_from_db()
    assert card_only.web_id == "Hanako2026"
    assert ProfileChange.objects.filter(member=card_only, kind=ChangeKind.WEB_ID).count() == 1
    confirmation = the_mail_to("hanako@example.jp")
    assert "登録" in confirmation.subject
    assert "Hanako2026" in confirmation.body
    assert "Secret2026" not in confirmation.body

    browser = Client()
    login = log_in_by_web_id(browser, "Hanako2026", "Secret2026")
    assert login.status_code == 302
    assert login.url == reverse("members:mypage")
    assert logged_in_member_pk(browser) == str(card_only.pk)


def test_changing_the_web_id_retires_the_old_one(member_client, member, mailbox):
    old_web_id = member.web_id

    response = post_web_id(member_client, "Renamed2026", "NewPass2026")

    assert response.status_code == 302
    assert "変更" in the_mail_to(member.email).subject
    assert error_codes(log_in_by_web_id(Client(), old_web_id, DEFAULT_PASSWORD)) == [
        "invalid_credentials"
    ]
    assert error_codes(log_in_by_web_id(Client(), "Renamed2026", DEFAULT_PASSWORD)) == [
        "invalid_credentials"
    ]
    assert log_in_by_web_id(Client(), "Renamed2026", "NewPass2026").status_code == 302


def test_keeping_the_web_id_changes_only_the_password(member_client, member):
    response = post_web_id(member_client, member.web_id, "Another2026")

    assert response.status_code == 302
    assert error_codes(log_in_by_web_id(Client(), member.web_id, DEFAULT_PASSWORD)) == [
        "invalid_credentials"
    ]
    assert log_in_by_web_id(Client(), member.web_id, "Another2026").status_code == 302


def test_a_password_change_keeps_the_current_session(member_client, member):
    post_web_id(member_client, member.web_id, "Another2026")

    assert member_client.get(reverse("members:mypage")).status_code == 200


def test_a_password_change_ends_the_members_other_sessions(member_client, member):
    elsewhere = Client()
    assert log_in_by_web_id(elsewhere, member.web_id, DEFAULT_PASSWORD).status_code == 302

    post_web_id(member_client, member.web_id, "Another2026")

    response = elsewhere.get(reverse("members:mypage"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


@pytest.mark.parametrize(
    ("web_id", "password"),
    [
        ("abcdefg1", "abcdefgh"),  # shortest Web-ID; a password may be letters only
        ("a" * 31 + "1", "12345678"),  # longest Web-ID; a password may be digits only
        ("1234567A", "P" * 19 + "1"),  # longest password
    ],
)
def test_web_id_and_password_at_the_length_limits_are_accepted(
    member_client, member, web_id, password
):
    assert post_web_id(member_client, web_id, password).status_code == 302
    member.refresh_from_db()
    assert member.web_id == web_id
    assert member.check_password(password)


# --- Rejected input -------------------------------------------------------------------

REJECTED = [
    # (web_id, password, confirm, field, code)
    ("abcdef1", "Secret2026", None, "web_id", "format_length"),
    ("a" * 32 + "1", "Secret2026", None, "web_id", "format_length"),
    ("", "Secret2026", None, "web_id", "format_length"),
    ("abcdefgh", "Secret2026", None, "web_id", "web_id_composition"),
    ("12345678", "Secret2026", None, "web_id", "web_id_composition"),
    ("abcd-1234", "Secret2026", None, "web_id", "format_charset"),
    ("abcd_1234", "Secret2026", None, "web_id", "format_charset"),
    ("abcd 1234", "Secret2026", None, "web_id", "format_charset"),
    ("ａｂｃｄ１２３４", "Secret2026", None, "web_id", "format_fullwidth"),
    ("abcd1234", "Secret7", None, "password", "format_length"),
    ("abcd1234", "S" * 20 + "1", None, "password", "format_length"),
    ("abcd1234", "Secret2026!", None, "password", "format_charset"),
    ("abcd1234", "Ｓｅｃｒｅｔ２０２６", None, "password", "format_fullwidth"),
    ("abcd1234", "Secret2026", "Secret2027", "password_confirm", "password_mismatch"),
    ("abcd1234", "Secret2026", "secret2026", "password_confirm", "password_mismatch"),
    ("abcd1234", "abcd1234", None, "password", "password_same_as_web_id"),
]


@pytest.mark.parametrize(("web_id", "password", "confirm", "field", "code"), REJECTED)
def test_rejected_input_shows_a_field_error_and_changes_nothing(
    member_client, member, mailbox, web_id, password, confirm, field, code
):
    before = snapshot(member)

    response = post_web_id(member_client, web_id, password, confirm)

    assert_field_error(response, field, code)
    assert snapshot(member) == before
    assert not mail.outbox


def test_a_web_id_in_use_is_refused(member_client, member, mailbox):
    other = MemberFactory(web_id="Taken2026")
    before = snapshot(member)

    response = post_web_id(member_client, "Taken2026", "Secret2026")

    assert_field_error(response, "web_id", "web_id_taken")
    assert snapshot(member) == before
    assert not mail.outbox
    assert log_in_by_web_id(Client(), "Taken2026", DEFAULT_PASSWORD).status_code == 302
    assert Member.objects.get(web_id="Taken2026") == other


def test_web_ids_are_case_sensitive_so_a_case_variant_is_another_web_id(member_client, member):
    """SPEC §4: Web-IDs are case-sensitive, so "taken2026" is not "Taken2026"."""
    other = MemberFactory(web_id="Taken2026")

    assert post_web_id(member_client, "taken2026", "Secret2026").status_code == 302

    mine, theirs = Client(), Client()
    assert log_in_by_web_id(mine, "taken2026", "Secret2026").status_code == 302
    assert log_in_by_web_id(theirs, "Taken2026", DEFAULT_PASSWORD).status_code == 302
    assert logged_in_member_pk(mine) == str(member.pk)
    assert logged_in_member_pk(theirs) == str(other.pk)


@pytest.mark.parametrize("web_id", ["standard01", "newdevice10", "webidlocked03"])
def test_persona_web_ids_are_reserved_even_when_the_persona_does_not_exist(
    member_client, member, web_id
):
    assert not Member.objects.filter(web_id=web_id).exists()
    before = snapshot(member)

    response = post_web_id(member_client, web_id, "Secret2026")

    assert_field_error(response, "web_id", "web_id_taken")
    assert snapshot(member) == before


def test_a_web_id_reserved_for_another_member_number_is_refused(member_client, member, monkeypatch):
    """The seam the demo fills (members.web_ids): any reservation holds, persona or not."""
    monkeypatch.setattr(web_ids, "_reserved", {})
    web_ids.reserve("keptfor2026", member_number="999999999")
    web_ids.reserve("mine2026", member_number=member.member_number)
    before = snapshot(member)

    refused = post_web_id(member_client, "keptfor2026", "Secret2026")

    assert_field_error(refused, "web_id", "web_id_taken")
    assert snapshot(member) == before
    assert post_web_id(member_client, "mine2026", "Secret2026").status_code == 302


def test_a_persona_may_take_its_own_web_id_back(client):
    reset_demo_personas()
    standard = Member.objects.get(member_number="100000001")
    client.force_login(standard, backend="members.backends.CardPinBackend")

    changed = post_web_id(client, "Elsewhere01", "Standard01", current="Standard01")
    assert changed.status_code == 302
    assert post_web_id(client, "standard01", "Standard01", current="Standard01").status_code == 302

    standard.refresh_from_db()
    assert standard.web_id == "standard01"


# --- A verified e-mail address is required -----------------------------------------------


@pytest.mark.parametrize(
    "address", [{"email": "unverified@example.jp", "email_verified": False}, {"email": ""}]
)
def test_without_a_verified_address_there_is_a_message_and_nothing_changes(
    client, mailbox, address
):
    member = MemberFactory(web_id=None, password=None, **{"email_verified": False, **address})
    client.force_login(member, backend="members.backends.CardPinBackend")
    before = snapshot(member)

    page = client.get(URL)
    response = post_web_id(client, "Hanako2026", "Secret2026")

    for answer in (page, response):
        assert answer.status_code == 200
        assert error_codes(answer) == ["email_not_verified"]
        assert 'name="web_id"' not in answer.content.decode()
        assert reverse("members:settings-email") in answer.content.decode()
    assert snapshot(member) == before
    assert not mail.outbox


# --- Proving it is the member ------------------------------------------------------------


def test_a_change_needs_the_current_password(member_client, member):
    before = snapshot(member)

    response = post_web_id(member_client, "Renamed2026", "Secret2026", current="Wrong20261")

    assert_field_error(response, "current_password", "invalid_credentials")
    assert snapshot(member) == before


def test_a_first_registration_needs_the_card_pin(client, card_only):
    client.force_login(card_only, backend="members.backends.CardPinBackend")

    response = post_web_id(client, "hanako2026", "Secret2026", current="9876")

    assert_field_error(response, "current_pin", "invalid_credentials")
    assert "current_password" not in response.content.decode()
    assert Member.objects.get(pk=card_only.pk).web_id is None


def test_wrong_current_passwords_lock_the_web_id_like_failed_logins(
    member_client, member, settings
):
    for _attempt in range(settings.PORTAL_LOCKOUT_THRESHOLD - 1):
        response = post_web_id(member_client, "Renamed2026", "Secret2026", current="Wrong20261")
        assert_field_error(response, "current_password", "invalid_credentials")

    response = post_web_id(member_client, "Renamed2026", "Secret2026", current="Wrong20261")
    assert_field_error(response, "current_password", "locked")
    # Now even the right one is refused, here and at the login.
    response = post_web_id(member_client, "Renamed2026", "Secret2026")
    assert_field_error(response, "current_password", "locked")
    assert Member.objects.get(pk=member.pk).web_id == member.web_id
    login = Client().post(
        reverse("members:login-web-id"), {"web_id": member.web_id, "password": DEFAULT_PASSWORD}
    )
    assert 'data-error-code="locked"' in login.content.decode()


def test_the_right_current_secret_resets_the_failure_count(member_client, member, settings):
    for _attempt in range(settings.PORTAL_LOCKOUT_THRESHOLD - 1):
        post_web_id(member_client, "Renamed2026", "Secret2026", current="Wrong20261")

    assert post_web_id(member_client, "Renamed2026", "Secret2026").status_code == 302
    key = lockout.credential_key(method=LoginMethod.WEB_ID, identifier=member.web_id)
    assert counter_failures(key) == 0


def test_failures_collected_by_a_web_id_nobody_had_do_not_lock_its_new_owner(
    client, card_only, mailbox
):
    """Unknown Web-IDs lock like known ones; the lock must not pass to whoever registers it."""
    for _ in range(lockout.lockout_threshold()):
        log_in_by_web_id(Client(), "Hanako2026", "Guessed2026")
    assert lockout.is_locked(method=LoginMethod.WEB_ID, identifier="Hanako2026")
    client.force_login(card_only, backend="members.backends.CardPinBackend")

    assert post_web_id(client, "Hanako2026", "Secret2026").status_code == 302

    assert log_in_by_web_id(Client(), "Hanako2026", "Secret2026").status_code == 302


@pytest.mark.parametrize(
    ("web_id", "field", "secret"),
    [(None, "current_pin", "4826"), ("Taro2026", "current_password", "Current2026")],
)
def test_error_reports_never_show_the_current_secret(rf, monkeypatch, web_id, field, secret):
    """A crash while checking the current PIN or password keeps it out of the error report."""
    from django.views.debug import ExceptionReporter

    from members import views

    member = MemberFactory(web_id=web_id, password=secret if web_id else None, pin="4826")
    monkeypatch.setattr("members.models.Member.check_pin", crash_while_hashing)
    monkeypatch.setattr("members.models.Member.check_password", crash_while_hashing)
    new_password = "Renewed" + secret[::-1]
    data = {field: secret, "web_id": "Renewed2026", "password": new_password}
    request = rf.post(URL, {**data, "password_confirm": new_password})
    request.user = member
    request.session = {}
    request._dont_enforce_csrf_checks = True

    with pytest.raises(RuntimeError) as excinfo:
        views.settings_web_id(request)

    # The report as Django would mail it, from the view down (not this test's own frame).
    report = ExceptionReporter(
        request, excinfo.type, excinfo.value, excinfo.tb.tb_next
    ).get_traceback_html()
    assert "hasher exploded" in report
    for value in (secret, new_password):
        assert value not in report, [line for line in report.splitlines() if value in line]


def test_web_id_taken_answers_count_under_the_address_throttle(member_client, member, settings):
    """Probing which Web-IDs exist costs like failed logins from the same address."""
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    MemberFactory(web_id="Taken2026")
    free = post_web_id(member_client, "Free2026x", "Secret2026", current="wrong999")

    answers = [post_web_id(member_client, "Taken2026", "Secret2026") for _ in range(3)]

    assert_field_error(free, "current_password", "invalid_credentials")  # not counted here
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert error_codes(answers[0]) == ["web_id_taken"]
    assert error_codes(answers[2]) == ["throttled"]  # and no longer whether it is taken
    assert int(answers[2]["Retry-After"]) == 15 * 60
    login = log_in_by_card(Client(), member, "0000")
    assert login.status_code == 429  # the same budget as logins from this address
