"""The language switch: a cookie for pages, Accept-Language as the default, and the
member's choice remembered for the mails sent while they are away."""

from django.conf import settings
from django.core import mail
from django.urls import reverse

from members.notifications import notify_member
from tests.factories import DEFAULT_PIN
from tests.helpers import login_card


def test_a_page_is_japanese_unless_the_visitor_asks_otherwise(client, db):
    response = client.get(reverse("members:login"))
    assert '<html lang="ja">' in response.content.decode()


def test_accept_language_chooses_english_when_no_cookie_says_otherwise(client, db):
    response = client.get(reverse("members:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="en">' in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_the_switch_sets_the_cookie_and_returns_to_the_page(client, db):
    help_page = reverse("portal:help-login")
    response = client.post(reverse("members:set-language"), {"language": "en", "next": help_page})
    assert response.status_code == 302 and response.url == help_page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]
    page = client.get(help_page, HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="en">' in page.content.decode()


def test_the_switch_refuses_a_foreign_next_and_an_unknown_language(client, db):
    response = client.post(
        reverse("members:set-language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switch_needs_the_csrf_token(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("members:set-language"), {"language": "en"}
    )
    assert response.status_code == 403


def test_every_page_offers_both_languages_naming_each_in_itself(client, db):
    html = client.get(reverse("members:login")).content.decode()
    assert 'id="language-ja" lang="ja"' in html and ">日本語</button>" in html
    assert 'id="language-en" lang="en"' in html and ">English</button>" in html


def test_a_member_who_logs_in_in_english_gets_mail_in_english(client, member):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login_card(client, member.card_number, DEFAULT_PIN)
    member.refresh_from_db()
    assert member.language == "en"


def test_switching_while_logged_in_is_remembered_for_mail(client, member):
    login_card(client, member.card_number, DEFAULT_PIN)
    client.post(reverse("members:set-language"), {"language": "en", "next": "/mypage/"})
    member.refresh_from_db()
    assert member.language == "en"
    client.post(reverse("members:set-language"), {"language": "ja", "next": "/mypage/"})
    member.refresh_from_db()
    assert member.language == "ja"


def test_mail_to_a_member_is_written_in_their_language(member):
    member.language = "en"
    notify_member(member=member, template="emails/password_changed")
    member.language = "ja"
    notify_member(member=member, template="emails/password_changed")
    english, japanese = mail.outbox
    assert english.subject != japanese.subject


def test_the_switch_returns_to_the_page_it_was_pressed_on_query_included(client, db):
    page = reverse("portal:help-login") + "?topic=pin"
    response = client.post(
        reverse("members:set-language"), {"language": "en"}, HTTP_REFERER="http://testserver" + page
    )
    assert response.status_code == 302 and response.url == "http://testserver" + page


def test_the_switch_does_not_echo_the_query_string(client, db):
    html = client.get(reverse("members:login"), {"q": "echo-me-not"}).content.decode()
    assert "echo-me-not" not in html
