"""The demo's reminders (SPEC §8, §9): the admin button that sends what is due now, and the
personas whose mails are due so the flow shows in a minute."""

import datetime as dt

import pytest
from django.urls import reverse

from demo.personas import PERSONAS_BY_KEY, reset_demo_personas
from history.models import Reminder, ReminderKind
from history.reminders import send_due_notices
from portal.models import MailboxMessage
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")
SEND_REMINDERS = reverse("admin:members_member_send_reminders")


@pytest.fixture(autouse=True)
def _mail_into_mailbox(mailbox):
    """Send through the portal's backend so every mail lands in the demo mailbox."""


def mailed() -> set[tuple[str, str]]:
    return set(Reminder.objects.filter(sent_at__isnull=False).values_list("member__email", "kind"))


def test_the_member_list_offers_the_button_in_demo_mode(staff_client):
    assert SEND_REMINDERS in staff_client.get(CHANGELIST).content.decode()


def test_the_button_asks_first_then_sends_what_is_due_into_the_mailbox(
    staff_client, persona_members
):
    page = staff_client.get(SEND_REMINDERS)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert not Reminder.objects.exists()

    response = staff_client.post(SEND_REMINDERS, follow=True)

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert "1通送信しました" in response.content.decode()
    # The delinquent persona's overdue notice is due whenever the demo was reset.
    assert mailed() == {(PERSONAS_BY_KEY["delinquent"].email, ReminderKind.OVERDUE)}
    assert MailboxMessage.objects.filter(to=PERSONAS_BY_KEY["delinquent"].email).count() == 1
    staff_client.post(SEND_REMINDERS)
    assert MailboxMessage.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_button_refuses_outside_demo_mode(staff_client, persona_members, settings, method):
    settings.PORTAL_DEMO = False

    response = getattr(staff_client, method)(SEND_REMINDERS, follow=True)

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert "PORTAL_DEMO" in response.content.decode()
    assert not Reminder.objects.exists()


def test_standard_has_its_reminder_due_at_the_documented_demo_clock(time_machine):
    # README: PORTAL_FAKE_NOW=2026-12-18T10:00:00+09:00, then reset_demo.
    time_machine.move_to(tokyo(2026, 12, 18, 10), tick=False)
    reset_demo_personas()

    send_due_notices()

    assert mailed() == {
        (PERSONAS_BY_KEY["standard"].email, ReminderKind.REMINDER),
        (PERSONAS_BY_KEY["delinquent"].email, ReminderKind.OVERDUE),
    }
    (reminder,) = Reminder.objects.filter(kind=ReminderKind.REMINDER)
    assert reminder.due_date == dt.date(2026, 12, 25)
