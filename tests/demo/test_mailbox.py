"""The demo mailbox (/demo/mailbox/): the copies portal.mail keeps in demo mode."""

import datetime as dt

import pytest
from django.core.mail import send_mail
from django.urls import reverse

from portal.models import MailboxMessage

pytestmark = pytest.mark.django_db


def test_mailbox_lists_newest_first_and_filters_by_recipient(client, mailbox, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC), tick=False)
    send_mail("古いメール", "1", None, ["old@example.jp"])
    time_machine.move_to(dt.datetime(2026, 12, 9, 4, 0, tzinfo=dt.UTC), tick=False)
    send_mail("新しいメール", "2", None, ["new@example.jp"])
    html = client.get(reverse("demo:mailbox")).content.decode()
    assert html.index("新しいメール") < html.index("古いメール")
    html = client.get(reverse("demo:mailbox"), {"to": "old@"}).content.decode()
    assert "古いメール" in html
    assert "新しいメール" not in html


def test_mailbox_refuses_an_invalid_filter_with_a_message_and_lists_all(client, mailbox):
    send_mail("件名", "本文", None, ["a@example.jp"])
    response = client.get(reverse("demo:mailbox"), {"to": "x" * 255})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-code="max_length"' in html
    assert "件名" in html


def test_mailbox_detail_makes_links_clickable(client, mailbox):
    send_mail("リンク", "こちら: https://portal.example/account/x/", None, ["a@example.jp"])
    message = MailboxMessage.objects.get()
    html = client.get(reverse("demo:mailbox-detail", args=[message.pk])).content.decode()
    assert '<a href="https://portal.example/account/x/"' in html


@pytest.mark.parametrize("name", ["demo:mailbox", "demo:mailbox-detail"])
def test_mailbox_is_only_there_in_demo_mode(client, mailbox, settings, name):
    send_mail("件名", "本文", None, ["a@example.jp"])
    settings.PORTAL_DEMO = False
    kwargs = {"pk": MailboxMessage.objects.get().pk} if name.endswith("detail") else {}
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404
