"""The demo pages in English (issue 13): /demo/, the demo mailbox, and what the demo
personas show of points, notices and coupons. A mail is shown as it was sent: in its
member's language, a Japanese one marked lang="ja"."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from demo.personas import PERSONAS_BY_KEY
from members.models import Member
from points import services
from portal.models import MailboxMessage
from tests.english import get_in_english, japanese_outside_data
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MAILBOX_URL = reverse("demo:mailbox")


def english_page(client, url, **kwargs) -> str:
    response = get_in_english(client, url, **kwargs)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert japanese_outside_data(html) == []
    return html


@pytest.fixture
def personas(db):
    call_command("reset_demo")
    return {
        key: Member.objects.get(member_number=persona.member_number)
        for key, persona in PERSONAS_BY_KEY.items()
    }


def test_the_personas_page_in_english(client, personas):
    html = english_page(client, reverse("demo:personas"))
    assert "Demo personas" in html
    assert "Member with many points" in html and "Not joined" in html
    # The testers' names do not change with the language.
    assert 'data-fill-method="card"' in html and 'id="fill-card-standard"' in html


@pytest.mark.parametrize("key", ["standard", "points_rich", "card_only"])
def test_a_personas_points_notices_and_coupons_in_english(client, personas, key):
    """The demo's notices and coupons come with their English versions."""
    client.force_login(personas[key], backend="members.backends.CardPinBackend")
    english_page(client, reverse("points:points"))
    html = english_page(client, reverse("points:notices"))
    assert "Transactions over the New Year holidays" in html
    for pk in re.findall(r'data-notice-id="(\d+)"', html):
        english_page(client, reverse("points:notice-detail", args=[pk]))
    html = english_page(client, reverse("points:coupons"))
    assert "Midori Café" in html
    for pk in re.findall(r'data-coupon-id="(\d+)"', html):
        detail = english_page(client, reverse("points:coupon-detail", args=[pk]))
        assert 'lang="ja"' not in detail.split('id="coupon"')[1].split("</article>")[0]


def test_the_standard_personas_notice_for_them_is_in_english(client, personas):
    standard = personas["standard"]
    client.force_login(standard, backend="members.backends.CardPinBackend")
    html = english_page(client, reverse("points:notices"))
    assert "[Points] Mr Yamada: please check your details" in html


@pytest.fixture
def mails(mailbox, django_capture_on_commit_callbacks):
    """A mail to a member who reads Japanese and one to a member who reads English."""
    japanese, english = MemberFactory(language="ja"), MemberFactory(language="en")
    for member in (japanese, english):
        services.join(member=member)
        with django_capture_on_commit_callbacks(execute=True):
            services.redeem(member=member, benefit="atm_fee_free")
    return (
        MailboxMessage.objects.get(to=japanese.email),
        MailboxMessage.objects.get(to=english.email),
    )


def test_the_mailbox_list_in_english_marks_each_mails_language(client, mails):
    japanese, english = mails
    html = english_page(client, MAILBOX_URL)
    assert f'lang="ja">{japanese.subject}</a>' in html
    assert f'lang="en">{english.subject}</a>' in html
    assert english.subject.startswith("[Midori Card Loan]")


def test_the_mailbox_shows_a_japanese_mail_as_japanese_data(client, mails):
    japanese, _english = mails
    html = english_page(client, reverse("demo:mailbox-detail", args=[japanese.pk]))
    assert '<div class="mail-body" lang="ja">' in html
    assert "<title>Demo mailbox |" in html


def test_the_mailbox_shows_an_english_mail_as_sent(client, mails):
    _japanese, english = mails
    html = english_page(client, reverse("demo:mailbox-detail", args=[english.pk]))
    assert '<div class="mail-body" lang="en">' in html
    assert f"<title>{english.subject} |" in html
    assert "We have received your points redemption." in html
    name = Member.objects.get(email=english.to).name_kanji
    assert f'Dear <span lang="ja">{name}</span>,' in html  # the member's name is data


def test_the_mailbox_is_english_when_empty_and_when_the_filter_is_wrong(client, mailbox):
    html = english_page(client, MAILBOX_URL)
    assert "No mail yet." in html
    html = english_page(client, MAILBOX_URL, data={"to": "x" * 255})
    assert 'data-error-code="max_length"' in html


def test_the_sent_time_is_written_in_the_pages_format(client, mails):
    html = english_page(client, MAILBOX_URL)
    assert re.search(r"<td[^>]*>2026-12-09 12:00:\d\d</td>", html)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    html = client.get(MAILBOX_URL).content.decode()
    assert re.search(r"<td[^>]*>2026/12/09 12:00:\d\d</td>", html)
