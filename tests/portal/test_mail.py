import pytest
from django.core import mail
from django.core.mail import send_mail

from portal.models import MailboxMessage

pytestmark = pytest.mark.django_db


def test_mail_is_delivered_and_kept_for_the_demo_mailbox(mailbox):
    send_mail("件名", "本文 https://portal.example/x", None, ["a@example.jp", "b@example.jp"])
    assert len(mail.outbox) == 1
    kept = MailboxMessage.objects.get()
    assert kept.subject == "件名"
    assert kept.to == "a@example.jp,b@example.jp"
    assert kept.body == "本文 https://portal.example/x"


def test_no_copy_is_kept_outside_demo_mode(mailbox, settings):
    settings.PORTAL_DEMO = False
    send_mail("件名", "本文", None, ["a@example.jp"])
    assert len(mail.outbox) == 1
    assert not MailboxMessage.objects.exists()
