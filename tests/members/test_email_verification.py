"""E-mail address verification and change (SPEC §5, issue #4 item 2)."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from history.models import Channel
from history.services import borrow, set_mail_preference
from members import account, tokens
from members.models import ChangeKind, Member, ProfileChange
from tests.factories import DEFAULT_PIN, MemberFactory
from tests.members.self_service import (
    assert_field_error,
    error_codes,
    link_path,
    log_in_by_card,
    mails_to,
    the_mail_to,
)

pytestmark = pytest.mark.django_db

EMAIL_URL = reverse("members:settings-email")
RESEND_URL = reverse("members:settings-email-resend")
FORGOT_WEB_ID_URL = reverse("members:forgot-web-id")


@pytest.fixture
def member(db):
    return MemberFactory(email="old@example.jp")


def request_change(client, address, pin=DEFAULT_PIN):
    """Ask for a new address the way the form does, with the PIN of the card login."""
    return client.post(EMAIL_URL, {"email": address, "current_pin": pin})


def address_state(member) -> tuple[str, bool, str]:
    member = Member.objects.get(pk=member.pk)
    return member.email, member.email_verified, member.pending_email


def ask_for_web_id(member, address):
    return Client().post(
        FORGOT_WEB_ID_URL, {"member_number": member.member_number, "email": address}
    )


# --- Change: the new address is verified, the old one stays until then ----------------------


def test_a_change_mails_the_link_to_the_new_address_only(member_client, member, mailbox):
    response = request_change(member_client, "new@example.jp")

    assert response.status_code == 302
    assert response.url == reverse("members:settings")
    (message,) = mail.outbox
    assert message.to == ["new@example.jp"]
    assert link_path(message).startswith("/account/email/verify/")
    assert address_state(member) == ("old@example.jp", True, "new@example.jp")


def test_the_old_address_stays_in_effect_until_the_new_one_is_verified(
    member_client, member, mailbox
):
    request_change(member_client, "new@example.jp")
    mail.outbox.clear()

    ask_for_web_id(member, "new@example.jp")
    assert not mail.outbox
    ask_for_web_id(member, "old@example.jp")
    assert member.web_id in the_mail_to("old@example.jp").body
    settings_page = member_client.get(reverse("members:settings")).content.decode()
    assert 'data-email="old@example.jp"' in settings_page
    assert 'data-pending-email="new@example.jp"' in settings_page


def test_the_link_shows_a_confirmation_and_only_its_post_verifies(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    request_change(member_client, "new@example.jp")
    path = link_path(the_mail_to("new@example.jp"))
    mail.outbox.clear()
    browser = Client()  # the link may be opened anywhere, logged in or not

    confirm = browser.get(path)
    assert confirm.status_code == 200
    assert "new@example.jp" in confirm.content.decode()
    assert address_state(member) == ("old@example.jp", True, "new@example.jp")

    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(path)

    assert done.status_code == 200
    assert 'data-notice="email_verified"' in done.content.decode()
    assert address_state(member) == ("new@example.jp", True, "")
    assert ProfileChange.objects.filter(member=member, kind=ChangeKind.EMAIL).count() == 1
    notice = the_mail_to("old@example.jp")  # a hijacked account notices the change
    assert "メールアドレス" in notice.body
    assert not mails_to("new@example.jp")


def test_after_verification_mail_goes_to_the_new_address(member_client, member, mailbox):
    request_change(member_client, "new@example.jp")
    Client().post(link_path(the_mail_to("new@example.jp")))
    mail.outbox.clear()

    ask_for_web_id(member, "new@example.jp")

    assert member.web_id in the_mail_to("new@example.jp").body


def test_a_link_works_only_once(member_client, member, mailbox):
    request_change(member_client, "new@example.jp")
    path = link_path(the_mail_to("new@example.jp"))
    assert Client().post(path).status_code == 200

    for again in (Client().get(path), Client().post(path)):
        assert again.status_code == 400
        assert error_codes(again) == ["link_invalid"]
    assert ProfileChange.objects.filter(member=member, kind=ChangeKind.EMAIL).count() == 1


def test_a_first_address_link_works_only_once(client, mailbox):
    member = MemberFactory(email="first@example.jp", email_verified=False)
    client.force_login(member, backend="members.backends.CardPinBackend")
    client.post(RESEND_URL)
    path = link_path(the_mail_to("first@example.jp"))

    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 400


def test_a_link_expires_after_an_hour(member_client, member, mailbox, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 9, 12, 0, tzinfo=dt.UTC), tick=False)
    request_change(member_client, "new@example.jp")
    path = link_path(the_mail_to("new@example.jp"))

    time_machine.move_to(dt.datetime(2026, 12, 9, 13, 0, 1, tzinfo=dt.UTC), tick=False)
    response = Client().post(path)

    assert response.status_code == 400
    assert error_codes(response) == ["link_invalid"]
    assert address_state(member) == ("old@example.jp", True, "new@example.jp")


def test_a_link_still_works_just_before_it_expires(member_client, member, mailbox, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 9, 12, 0, tzinfo=dt.UTC), tick=False)
    request_change(member_client, "new@example.jp")
    path = link_path(the_mail_to("new@example.jp"))

    time_machine.move_to(dt.datetime(2026, 12, 9, 12, 59, tzinfo=dt.UTC), tick=False)

    assert Client().post(path).status_code == 200
    assert address_state(member) == ("new@example.jp", True, "")


def test_a_newer_change_cancels_the_older_link(member_client, member, mailbox):
    request_change(member_client, "first@example.jp")
    older = link_path(the_mail_to("first@example.jp"))
    request_change(member_client, "second@example.jp")
    newer = link_path(the_mail_to("second@example.jp"))

    assert Client().post(older).status_code == 400
    assert address_state(member) == ("old@example.jp", True, "second@example.jp")
    assert Client().post(newer).status_code == 200
    assert address_state(member) == ("second@example.jp", True, "")


def tampered(path: str) -> str:
    head, token = path.rstrip("/").rsplit("/", 1)
    last = "a" if token[-1] != "a" else "b"
    return f"{head}/{token[:-1]}{last}/"


def test_a_tampered_token_is_refused(member_client, member, mailbox):
    request_change(member_client, "new@example.jp")
    path = link_path(the_mail_to("new@example.jp"))

    for bad in (tampered(path), path.replace("/verify/", "/verify/x")):
        response = Client().post(bad)
        assert response.status_code == 400
        assert error_codes(response) == ["link_invalid"]
    assert address_state(member) == ("old@example.jp", True, "new@example.jp")


def test_a_token_for_one_member_does_not_verify_another(member):
    other = MemberFactory(email="other@example.jp", email_verified=False)
    member.pending_email = "new@example.jp"
    member.save()
    _uid, member_token = account.link_token(member, tokens.email_verification_token)
    other_uid, _token = account.link_token(other, tokens.email_verification_token)

    response = Client().post(reverse("members:verify-email", args=[other_uid, member_token]))

    assert response.status_code == 400
    assert address_state(other) == ("other@example.jp", False, "")
    assert address_state(member) == ("old@example.jp", True, "new@example.jp")


def test_a_password_recovery_token_is_not_an_e_mail_token(member):
    member.pending_email = "new@example.jp"
    member.save()
    uid, token = account.link_token(member, tokens.password_recovery_token)

    assert Client().post(reverse("members:verify-email", args=[uid, token])).status_code == 400
    assert address_state(member) == ("old@example.jp", True, "new@example.jp")


# --- Rejected input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("not-an-address", "invalid"),
        ("ｆｕｌｌ＠example.jp", "invalid"),
        ("", "required"),
        ("old@example.jp", "email_unchanged"),
        ("OLD@example.jp", "email_unchanged"),
    ],
)
def test_a_rejected_address_shows_a_field_error_and_sends_nothing(
    member_client, member, mailbox, address, code
):
    response = request_change(member_client, address)

    assert_field_error(response, "email", code)
    assert address_state(member) == ("old@example.jp", True, "")
    assert not mail.outbox


# --- The PIN or password again (SPEC §4 "Session") -------------------------------------------


@pytest.mark.parametrize(
    ("pin", "code"),
    [("", "format_length"), ("9999", "invalid_credentials"), ("12a4", "format_charset")],
)
def test_without_the_secret_the_address_is_not_changed(member_client, member, mailbox, pin, code):
    """A session left open is not enough to take the address, and with it the Web-ID through
    forgot-password."""
    response = request_change(member_client, "attacker@example.jp", pin=pin)

    assert_field_error(response, "current_pin", code)
    assert address_state(member) == ("old@example.jp", True, "")
    assert not mail.outbox
    ask_for_web_id(member, "attacker@example.jp")
    assert not mail.outbox


def test_wrong_secrets_count_toward_the_cards_lockout(member_client, member, mailbox, settings):
    settings.PORTAL_LOCKOUT_THRESHOLD = 3
    answers = [request_change(member_client, "attacker@example.jp", pin="9999") for _ in range(3)]

    assert [error_codes(answer) for answer in answers] == [
        ["invalid_credentials"],
        ["invalid_credentials"],
        ["locked"],
    ]
    assert_field_error(
        request_change(member_client, "attacker@example.jp"), "current_pin", "locked"
    )
    assert address_state(member) == ("old@example.jp", True, "")
    assert error_codes(log_in_by_card(Client(), member)) == ["locked"]


def test_a_change_ends_the_members_other_sessions(member_client, member, mailbox):
    other = Client()
    assert log_in_by_card(other, member).status_code == 302

    assert request_change(member_client, "new@example.jp").status_code == 302

    assert other.get(reverse("members:mypage")).url.startswith(reverse("members:login"))
    assert member_client.get(reverse("members:mypage")).status_code == 200


def test_a_resend_ends_no_session(member_client, member, mailbox):
    request_change(member_client, "new@example.jp")
    other = Client()
    log_in_by_card(other, member)

    assert member_client.post(RESEND_URL).status_code == 302

    assert other.get(reverse("members:mypage")).status_code == 200


# --- Resend -------------------------------------------------------------------------------


def test_resend_mails_a_fresh_link_to_the_pending_address(member_client, member, mailbox):
    request_change(member_client, "new@example.jp")
    mail.outbox.clear()

    response = member_client.post(RESEND_URL)

    assert response.status_code == 302
    path = link_path(the_mail_to("new@example.jp"))
    assert not mails_to("old@example.jp")
    assert Client().post(path).status_code == 200
    assert address_state(member) == ("new@example.jp", True, "")


def test_resend_verifies_an_unverified_first_address(client, mailbox):
    member = MemberFactory(email="first@example.jp", email_verified=False)
    client.force_login(member, backend="members.backends.CardPinBackend")
    assert "email-resend-form" in client.get(EMAIL_URL).content.decode()

    client.post(RESEND_URL)
    Client().post(link_path(the_mail_to("first@example.jp")))

    assert address_state(member) == ("first@example.jp", True, "")


def test_resend_sends_nothing_when_nothing_waits_for_verification(member_client, member, mailbox):
    assert "email-resend-form" not in member_client.get(EMAIL_URL).content.decode()

    assert member_client.post(RESEND_URL).status_code == 302
    assert not mail.outbox


def test_verification_mails_are_capped_per_hour_and_the_cap_changes_nothing(
    member_client, member, mailbox, time_machine
):
    from members import limits

    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC), tick=False)
    limit = limits.MEMBER_MAILS_PER_HOUR["verification"]
    for number in range(limit):
        assert request_change(member_client, f"new{number}@example.jp").status_code == 302
    before = address_state(member)

    refused = request_change(member_client, "one-more@example.jp")
    resent = member_client.post(RESEND_URL, follow=True)

    assert_field_error(refused, "email", "too_many_mails")
    assert 'data-notice="too_many_mails"' in resent.content.decode()
    assert address_state(member) == before
    assert len(mail.outbox) == limit

    time_machine.move_to(
        dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC) + limits.MEMBER_MAIL_WINDOW, tick=False
    )
    later = Client()  # the first session has been idle for an hour
    later.force_login(member, backend="members.backends.CardPinBackend")
    assert request_change(later, "later@example.jp").status_code == 302
    assert mail.outbox[-1].to == ["later@example.jp"]


def test_resend_answers_post_only(member_client):
    assert member_client.get(RESEND_URL).status_code == 405


# --- An unverified address gets nothing but its verification mail ----------------------------


def test_an_unverified_address_gets_no_transaction_mail(
    mailbox, django_capture_on_commit_callbacks
):
    member = MemberFactory(email="unverified@example.jp", email_verified=False)
    set_mail_preference(member=member, transaction_email=True)

    with django_capture_on_commit_callbacks(execute=True):
        borrow(member=member, amount=10_000, channel=Channel.PARTNER_ATM)

    assert not mail.outbox


def test_a_pending_address_gets_no_transaction_mail_the_verified_one_does(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    set_mail_preference(member=member, transaction_email=True)
    request_change(member_client, "new@example.jp")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        borrow(member=Member.objects.get(pk=member.pk), amount=10_000, channel=Channel.PARTNER_ATM)

    assert the_mail_to("old@example.jp")
    assert not mails_to("new@example.jp")


def test_an_unverified_address_gets_no_new_browser_alert(client, mailbox):
    member = MemberFactory(email="unverified@example.jp", email_verified=False)

    assert log_in_by_card(client, member).status_code == 302

    assert not mail.outbox


def test_an_unverified_address_gets_no_recovery_mail(mailbox):
    member = MemberFactory(email="unverified@example.jp", email_verified=False)

    ask_for_web_id(member, "unverified@example.jp")
    Client().post(
        reverse("members:forgot-password"),
        {"web_id": member.web_id, "email": "unverified@example.jp"},
    )

    assert not mail.outbox


def test_an_unverified_address_gets_no_change_notice(
    client, mailbox, django_capture_on_commit_callbacks
):
    member = MemberFactory(email="unverified@example.jp", email_verified=False)
    client.force_login(member, backend="members.backends.CardPinBackend")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:settings-profile"),
            {
                "postal_code": "1000001",
                "prefecture": "大阪府",
                "city": "大阪市北区",
                "street": "梅田1-1",
                "phone": "0612345678",
                "current_pin": DEFAULT_PIN,
            },
        )

    assert response.status_code == 302
    assert not mail.outbox
