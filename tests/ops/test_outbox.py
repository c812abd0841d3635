"""The outbox (portal.outbox): a mail the server did not take waits, goes out at a later
`send_outbox` run once, with growing pauses, and is given up after N tries; pages answer
as usual meanwhile; nothing logged holds the body."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.notifications import notify_member
from portal.mail import send_templated_mail
from portal.models import OutgoingMail
from portal.outbox import retry_delay, send_due
from tests.factories import DEFAULT_PIN, MemberFactory
from tests.helpers import login_card

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def smtp_down(mail_server_down, settings):
    """The portal's own mail backend, its delivery refused (tests/conftest.py)."""
    return settings


def _send_recovery_like_mail(to="member@example.jp"):
    """A mail holding a one-time link, as the recovery mails do."""
    return send_templated_mail(
        to=to,
        template="emails/password_changed",
        context={"member": MemberFactory.build(), "link": "https://x/reset/ONE-TIME-LINK/"},
    )


def test_a_failed_mail_waits_in_the_outbox(smtp_down):
    assert _send_recovery_like_mail() is False
    (waiting,) = OutgoingMail.objects.all()
    assert waiting.to == "member@example.jp"
    assert waiting.attempts == 1 and waiting.last_error == "ConnectionRefusedError"
    assert waiting.next_attempt_at == waiting.created_at + dt.timedelta(minutes=1)
    assert waiting.body


def test_a_mail_that_went_out_is_not_kept(mailbox):
    assert _send_recovery_like_mail() is True
    assert not OutgoingMail.objects.exists()


def test_the_reminder_job_keeps_its_own_retries_out_of_the_outbox(smtp_down):
    member = MemberFactory()
    assert notify_member(member=member, template="emails/password_changed", retry=False) is False
    assert not OutgoingMail.objects.exists()


def test_a_waiting_mail_goes_out_once_when_due_and_its_body_is_emptied(smtp_down, time_machine):
    _send_recovery_like_mail()
    smtp_down.PORTAL_MAIL_DELIVERY_BACKEND = LOCMEM
    assert send_due().sent == 0  # not due before a minute has passed
    assert mail.outbox == []
    time_machine.shift(dt.timedelta(minutes=1))
    assert send_due().sent == 1
    (delivered,) = mail.outbox
    assert delivered.to == ["member@example.jp"]
    (done,) = OutgoingMail.objects.all()
    assert done.sent_at is not None and done.attempts == 2 and done.body == ""
    time_machine.shift(dt.timedelta(hours=1))
    assert send_due().sent == 0
    assert len(mail.outbox) == 1


def test_pauses_grow_and_the_mail_is_given_up_after_the_last_try(smtp_down, time_machine):
    smtp_down.PORTAL_MAIL_MAX_ATTEMPTS = 5
    smtp_down.PORTAL_MAIL_RETRY_MAX_MINUTES = 4
    _send_recovery_like_mail()
    waits = []
    for _ in range(3):
        waiting = OutgoingMail.objects.get()
        time_machine.move_to(waiting.next_attempt_at, tick=False)
        assert send_due().failed == 1
        waits.append(OutgoingMail.objects.get().next_attempt_at - timezone.now())
    assert waits == [dt.timedelta(minutes=2), dt.timedelta(minutes=4), dt.timedelta(minutes=4)]
    time_machine.move_to(OutgoingMail.objects.get().next_attempt_at)
    assert send_due().gave_up == 1
    given_up = OutgoingMail.objects.get()
    assert given_up.attempts == 5 and given_up.gave_up_at and given_up.body == ""
    time_machine.shift(dt.timedelta(days=1))
    assert send_due() == send_due().__class__()  # nothing left to try


def test_retry_delays_double_up_to_the_cap(settings):
    settings.PORTAL_MAIL_RETRY_MAX_MINUTES = 60
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == [
        1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip


def test_done_mails_are_deleted_after_thirty_days(smtp_down, time_machine):
    _send_recovery_like_mail()
    smtp_down.PORTAL_MAIL_DELIVERY_BACKEND = LOCMEM
    time_machine.shift(dt.timedelta(minutes=1))
    send_due()
    time_machine.shift(dt.timedelta(days=31))
    assert send_due().deleted == 1
    assert not OutgoingMail.objects.exists()


def test_nothing_logged_holds_the_body_or_the_recipient(smtp_down, time_machine, caplog):
    caplog.set_level(logging.INFO)
    _send_recovery_like_mail()
    time_machine.shift(dt.timedelta(minutes=1))
    send_due()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "emails/password_changed" in logged
    assert "ONE-TIME-LINK" not in logged and "member@example.jp" not in logged


def test_the_command_reports_what_it_did(smtp_down, time_machine, capsys):
    _send_recovery_like_mail()
    time_machine.shift(dt.timedelta(minutes=1))
    call_command("send_outbox")
    assert "Sent 0 mails from the outbox; 1 failed" in capsys.readouterr().out


def test_with_smtp_down_pages_answer_as_usual_and_the_mail_waits(smtp_down, client, member):
    """A login from a new device mails an alert (members.login): the login still works."""
    response = login_card(client, member.card_number, DEFAULT_PIN)
    assert response.status_code == 302
    assert client.get(reverse("members:mypage")).status_code == 200
    OutgoingMail.objects.all().delete()
    client.post(reverse("members:logout"))
    response = client.post(
        reverse("members:forgot-password"), {"web_id": member.web_id, "email": member.email}
    )
    assert response.status_code == 200
    (waiting,) = OutgoingMail.objects.all()
    assert waiting.to == member.email and "/account/password/reset/" in waiting.body
