"""A mail server that is down breaks no page (SPEC §11) and tells nothing (SPEC §5)."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from history.models import Kind, LedgerEntry
from history.services import set_mail_preference
from members.views import DEVICE_COOKIE
from portal.mail import send_templated_mail
from portal.models import MailboxMessage
from tests.factories import MemberFactory, TransferAccountFactory
from tests.members.self_service import log_in_by_card, page_without_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return MemberFactory(web_id="Yamada2026", email="yamada@example.jp")


def test_a_failed_delivery_is_logged_without_the_message(member, mail_server_down, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.mail"):
        sent = send_templated_mail(
            to=member.email,
            template="emails/web_id_reminder",
            context={"member": member, "web_id": member.web_id},
        )

    assert sent is False
    (record,) = caplog.records
    assert "emails/web_id_reminder" in record.getMessage()
    assert "ConnectionRefusedError" in record.getMessage()
    assert member.web_id not in caplog.text
    assert member.email not in caplog.text
    # The demo mailbox still shows what would have gone out.
    assert MailboxMessage.objects.filter(to=member.email).count() == 1


def test_forgot_password_answers_the_same_when_the_mail_cannot_go_out(member, mail_server_down):
    def ask(web_id, email):
        return Client().post(reverse("members:forgot-password"), {"web_id": web_id, "email": email})

    matched = ask("Yamada2026", "yamada@example.jp")
    missed = ask("Yamada2026", "someone@example.jp")

    assert matched.status_code == missed.status_code == 200
    assert page_without_csrf(matched) == page_without_csrf(missed)


def test_forgot_web_id_answers_the_same_when_the_mail_cannot_go_out(member, mail_server_down):
    def ask(number, email):
        return Client().post(
            reverse("members:forgot-web-id"), {"member_number": number, "email": email}
        )

    matched = ask(member.member_number, "yamada@example.jp")
    missed = ask(member.member_number, "someone@example.jp")

    assert matched.status_code == missed.status_code == 200
    assert page_without_csrf(matched) == page_without_csrf(missed)


def test_a_login_from_a_new_browser_succeeds_without_its_alert(member, mail_server_down):
    client = Client()

    response = log_in_by_card(client, member)

    assert response.status_code == 302
    assert response.url == reverse("members:mypage")
    assert DEVICE_COOKIE in response.cookies
    assert client.get(reverse("members:mypage")).status_code == 200


def test_a_borrowing_completes_without_its_transaction_mail(
    client, member, mail_server_down, django_capture_on_commit_callbacks
):
    TransferAccountFactory(member=member)
    set_mail_preference(member=member, transaction_email=True)
    client.force_login(member, backend="members.backends.CardPinBackend")
    confirmation = client.post(reverse("history:borrow"), {"amount": "12000"})
    nonce = confirmation.context["nonce"]

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("history:borrow-confirm"), {"nonce": nonce})

    assert done.status_code in (200, 302)
    assert LedgerEntry.objects.filter(member=member, kind=Kind.BORROWING, amount=12000).exists()
