"""Request bodies beyond PORTAL_MAX_REQUEST_BYTES answer 413 unread; Django's own upload
limits never turn into a 500 (SPEC §12, "Bad input never breaks it")."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points.models import IncomeCertificate
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("points:income-certificate")


@pytest.fixture
def member_client(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def test_a_body_over_the_limit_is_answered_413_with_a_coded_page(member_client, settings):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * settings.PORTAL_MAX_REQUEST_BYTES)

    response = member_client.post(UPLOAD_URL, {"file": big})

    assert response.status_code == 413
    assert error_codes(response) == ["request_too_large"]
    assert not IncomeCertificate.objects.exists()


def test_the_limit_holds_for_anonymous_visitors_and_every_url(client, settings):
    response = client.post(
        reverse("members:login-card"),
        {"card_number": "1" * (settings.PORTAL_MAX_REQUEST_BYTES + 1), "pin": "1234"},
    )

    assert response.status_code == 413


def test_below_the_limit_django_never_refuses_a_body_uncoded(member_client, settings):
    # Django's field limit is the portal's: a body under it reaches the form.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.PORTAL_MAX_REQUEST_BYTES
    text = "x" * (3 * 1024 * 1024)  # over Django's default 2.5 MB

    for body in [{"note": text}, {"note": text, "file": SimpleUploadedFile("a.txt", b"text")}]:
        response = member_client.post(UPLOAD_URL, body)
        assert response.status_code == 200
        assert error_codes(response) in (["required"], ["file_type"])
    assert not IncomeCertificate.objects.exists()


def test_a_file_over_djangos_memory_limit_is_streamed_and_checked(member_client, settings):
    size = settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1  # goes to a temporary file
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)

    response = member_client.post(UPLOAD_URL, {"file": SimpleUploadedFile("a.png", content)})

    assert response.status_code == 302
    assert IncomeCertificate.objects.get().size == size


def test_a_malformed_content_length_is_not_an_error(member_client):
    response = member_client.post(UPLOAD_URL, {}, CONTENT_LENGTH="abc")

    assert response.status_code < 500
