"""The error pages: in the site's frame and the visitor's language, each with its code."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from portal import views
from tests.english import japanese_outside_data
from tests.helpers import error_codes


def test_a_form_posted_without_its_token_says_what_to_do(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("members:login-card"), {"card_number": "1", "pin": "2"})
    assert response.status_code == 403
    assert error_codes(response) == ["csrf_failed"]
    assert "ページを開き直して" in response.content.decode()


def test_the_token_refusal_in_english(db):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("members:login-card"), {"card_number": "1", "pin": "2"})
    html = response.content.decode()
    assert response.status_code == 403 and '<html lang="en">' in html
    assert japanese_outside_data(html) == []


def test_an_address_not_served_answers_400_in_the_sites_frame(client, db):
    response = client.get(reverse("members:login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert error_codes(response) == ["bad_request"]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    ("view", "status", "code"),
    [(views.bad_request, 400, "bad_request"), (views.permission_denied, 403, "permission_denied")],
)
def test_refusal_pages_in_both_languages(db, language, view, status, code):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override(language):
        response = view(request, None)
    html = response.content.decode()
    assert response.status_code == status and error_codes(response) == [code]
    assert f'<html lang="{language}">' in html
    if language == "en":
        assert japanese_outside_data(html) == []


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_server_error_page_reads_nothing_from_the_request(language):
    with translation.override(language):
        response = views.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and error_codes(response) == ["server_error"]
    assert f'<html lang="{language}">' in html and settings.PORTAL_SUPPORT_PHONE in html
    if language == "en":
        assert japanese_outside_data(html) == []
