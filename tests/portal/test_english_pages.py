"""The portal's own pages in English (issue 13): the login help, the maintenance page of
either window, and the refusals answered before any view (NUL, oversized body)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.english import assert_page_in_english, get_in_english
from tests.helpers import error_codes, tokyo

pytestmark = pytest.mark.django_db


def test_the_login_help_reads_in_english(client):
    html = assert_page_in_english(get_in_english(client, reverse("portal:help-login")))
    assert 'data-error-code="format_fullwidth"' in html


def test_the_member_page_window_reads_in_english_and_says_when_it_ends(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)  # a Monday
    html = assert_page_in_english(get_in_english(client, reverse("members:login")), status=503)
    assert "The member pages and login will be available again from 7 Dec 2026, 07:00." in html
    assert 'data-maintenance-until="2026-12-07T07:00:00+09:00"' in html


def test_the_repayment_window_reads_in_english_with_the_menu(client, member, time_machine):
    time_machine.move_to(tokyo(2026, 12, 6, 23, 30), tick=False)  # a Sunday night
    client.force_login(member, backend="members.backends.CardPinBackend")
    html = assert_page_in_english(get_in_english(client, reverse("history:repay")), status=503)
    assert "Online repayment will be available again from 7 Dec 2026, 07:00." in html
    assert 'id="other-ways-to-repay"' in html
    assert 'id="nav-borrow"' in html  # the member menu stays


def test_a_nul_is_refused_in_the_visitors_language(db):
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("members:login"), {"q": "\x00"})
    assert_page_in_english(response, status=400)
    assert error_codes(response) == ["null_characters_not_allowed"]


def test_an_oversized_body_is_refused_in_the_visitors_language(db, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("members:login-card"),
        {"card_number": "1" * (settings.PORTAL_MAX_REQUEST_BYTES + 1), "pin": "1234"},
    )
    assert_page_in_english(response, status=413)
    assert error_codes(response) == ["request_too_large"]


def test_the_early_refusals_stay_japanese_by_default(db):
    response = Client().get(reverse("members:login"), {"q": "\x00"})
    assert '<html lang="ja">' in response.content.decode()
