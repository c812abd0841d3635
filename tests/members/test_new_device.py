"""New-browser alert (SPEC §4 Session, §9 `new_device` persona)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from demo.personas import PERSONAS_BY_KEY, reset_demo_personas
from members.models import KnownDevice, Member
from members.views import DEVICE_COOKIE
from tests.factories import DEFAULT_PASSWORD, MemberFactory
from tests.members.self_service import (
    log_in_by_card,
    log_in_by_web_id,
    mails_to,
    the_mail_to,
)

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
MOMENT = dt.datetime(2026, 12, 9, 21, 5, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def member(db):
    return MemberFactory(email="taro@example.jp")


def log_out(client):
    assert client.post(reverse("members:logout")).status_code == 302


def test_a_first_login_from_a_browser_sends_the_alert_with_its_details(
    member, mailbox, time_machine
):
    time_machine.move_to(MOMENT, tick=False)
    browser = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="198.51.100.23")

    assert log_in_by_card(browser, member).status_code == 302

    alert = the_mail_to("taro@example.jp")
    assert "新しい端末" in alert.subject
    assert "2026年12月9日 21:05" in alert.body
    assert "カード番号・暗証番号" in alert.body
    assert FIREFOX in alert.body
    assert "198.51.100.23" in alert.body
    assert browser.cookies[DEVICE_COOKIE].value


def test_the_alert_names_the_web_id_method(member, mailbox):
    log_in_by_web_id(Client(HTTP_USER_AGENT=SAFARI), member.web_id, DEFAULT_PASSWORD)

    alert = the_mail_to("taro@example.jp")
    assert "Web-ID・パスワード" in alert.body
    assert SAFARI in alert.body


def test_a_second_login_from_the_same_browser_sends_nothing(member, mailbox):
    browser = Client(HTTP_USER_AGENT=FIREFOX)
    log_in_by_card(browser, member)
    log_out(browser)
    mail.outbox.clear()

    assert log_in_by_web_id(browser, member.web_id, DEFAULT_PASSWORD).status_code == 302
    assert log_in_by_card(browser, member).status_code == 302

    assert not mail.outbox
    assert KnownDevice.objects.filter(member=member).count() == 1


def test_another_browser_is_new_again(member, mailbox):
    log_in_by_card(Client(HTTP_USER_AGENT=FIREFOX), member)

    log_in_by_card(Client(HTTP_USER_AGENT=SAFARI), member)

    alerts = mails_to("taro@example.jp")
    assert len(alerts) == 2
    assert SAFARI in alerts[1].body


def test_a_made_up_device_cookie_is_a_new_browser(member, mailbox):
    browser = Client()
    browser.cookies[DEVICE_COOKIE] = "guessed-value"

    log_in_by_card(browser, member)

    assert len(mails_to("taro@example.jp")) == 1


def test_a_browser_known_to_one_member_is_new_for_another(member, mailbox):
    """Devices are remembered per member: a shared browser still alerts the second member."""
    other = MemberFactory(email="hanako@example.jp")
    browser = Client()
    log_in_by_card(browser, member)
    log_out(browser)

    log_in_by_card(browser, other)

    assert len(mails_to("taro@example.jp")) == 1
    assert len(mails_to("hanako@example.jp")) == 1


def test_a_failed_login_from_a_new_browser_sends_nothing(member, mailbox):
    browser = Client()

    log_in_by_card(browser, member, pin="9999")
    log_in_by_web_id(browser, member.web_id, "WrongPass1")

    assert not mail.outbox
    assert not KnownDevice.objects.exists()


def test_the_device_cookie_stays_out_of_reach_of_scripts(member):
    browser = Client()
    log_in_by_card(browser, member)

    cookie = browser.cookies[DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) > 365 * 24 * 60 * 60
    # Only a hash of the cookie is stored.
    assert not KnownDevice.objects.filter(device_hash=cookie.value).exists()


def test_the_new_device_persona_demonstrates_the_alert(mailbox):
    reset_demo_personas()
    persona = PERSONAS_BY_KEY["new_device"]
    member = Member.objects.get(member_number=persona.member_number)
    browser = Client(HTTP_USER_AGENT=FIREFOX)

    assert log_in_by_card(browser, member, pin=persona.pin).status_code == 302
    alert = the_mail_to(persona.email)
    assert persona.name_kanji in alert.body
    assert FIREFOX in alert.body

    log_out(browser)
    assert log_in_by_web_id(browser, persona.web_id, persona.password).status_code == 302
    assert len(mails_to(persona.email)) == 1


def test_the_alert_is_in_the_demo_mailbox(client, member, mailbox):
    log_in_by_card(Client(), member)

    html = client.get(reverse("demo:mailbox")).content.decode()

    assert "新しい端末からのログイン" in html
