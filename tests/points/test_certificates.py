"""Income certificates (SPEC §7): content checks, the member's page, downloads, the review
and its once-a-year points, and the mails."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points import certificates, rules, selectors, services
from points.forms import IncomeCertificateForm
from points.models import CertificateStatus, IncomeCertificate, PointEntry, Reason
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import error_codes, tokyo

pytestmark = pytest.mark.django_db

PAGE_URL = reverse("points:income-certificate")
MB5 = rules.CERTIFICATE_MAX_BYTES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def upload(content: bytes, name: str = "certificate.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def padded(head: bytes, size: int) -> bytes:
    return head + b"\x00" * (size - len(head))


def form_for(file) -> IncomeCertificateForm:
    form = IncomeCertificateForm(data={}, files={"file": file} if file is not None else {})
    form.is_valid()
    return form


def codes_of(form) -> list[str]:
    return [error.code for error in form.errors.as_data().get("file", [])]


@pytest.fixture
def member_client(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


@pytest.fixture
def joined(member):
    services.join(member=member)
    return member


@pytest.fixture
def staff():
    return StaffFactory(is_superuser=True)


def submitted(member, content=PDF, content_type="application/pdf") -> IncomeCertificate:
    return certificates.submit_certificate(
        member=member, upload=upload(content), content_type=content_type
    )


# --- What a file is: its content, not its name ------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"%PDF", None),  # too short to be the signature
        (b"\x89PNG\r\n\x1a", None),
        (b"hello, world", None),
        (b"<html><script>alert(1)</script>", None),
        (b"GIF89a" + b"\x00" * 10, None),
        (b"", None),
    ],
)
def test_the_content_type_is_told_by_the_first_bytes(content, expected):
    assert rules.certificate_content_type(content) == expected


@pytest.mark.parametrize(
    ("name", "content", "declared", "expected"),
    [
        ("scan.pdf", PNG, "application/pdf", "image/png"),  # a PNG renamed .pdf is a PNG
        ("photo.jpg", PDF, "image/jpeg", "application/pdf"),
        ("IMG_0001.JPG", JPEG, "application/octet-stream", "image/jpeg"),
        ("no-extension", PNG, "", "image/png"),
    ],
)
def test_a_file_is_accepted_by_its_content_whatever_its_name_says(
    name, content, declared, expected
):
    form = form_for(upload(content, name, declared))

    assert form.is_valid(), form.errors
    assert form.content_type == expected


@pytest.mark.parametrize(
    ("name", "declared"),
    [("certificate.png", "image/png"), ("certificate.pdf", "application/pdf")],
)
def test_a_text_file_is_refused_whatever_its_name_and_declared_type(name, declared):
    form = form_for(upload(b"This is not an image.\n" * 10, name, declared))

    assert codes_of(form) == ["file_type"]


def test_an_empty_file_is_refused():
    assert codes_of(form_for(upload(b"", "empty.pdf"))) == ["empty"]


def test_no_file_is_refused():
    assert codes_of(form_for(None)) == ["required"]


def test_exactly_five_megabytes_is_accepted_and_one_byte_more_refused():
    assert form_for(upload(padded(PDF, MB5))).is_valid()
    assert codes_of(form_for(upload(padded(PDF, MB5 + 1)))) == ["file_too_large"]


# --- The member's page ------------------------------------------------------------------


def test_the_page_shows_the_upload_form(member_client):
    page = member_client.get(PAGE_URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="file"' in html
    assert 'id="no-certificates"' in html


def test_an_upload_is_stored_pending_under_a_random_name(member_client, member, settings):
    response = member_client.post(PAGE_URL, {"file": upload(PNG, "my-tax-slip-2026.pdf")})

    assert response.status_code == 302 and response.url == PAGE_URL
    (certificate,) = IncomeCertificate.objects.all()
    assert certificate.member == member
    assert certificate.status == CertificateStatus.PENDING
    assert (certificate.content_type, certificate.size) == ("image/png", len(PNG))
    assert re.fullmatch(r"income-certificates/[A-Za-z0-9_-]{32}\.png", certificate.file.name)
    stored = certificate.file.path
    assert stored.startswith(str(settings.MEDIA_ROOT))
    with open(stored, "rb") as file:
        assert file.read() == PNG
    page = member_client.get(PAGE_URL)
    assert f'data-certificate="{certificate.pk}" data-status="pending"' in page.content.decode()
    assert "my-tax-slip" not in page.content.decode()


def test_two_uploads_get_different_stored_names(member):
    first, second = submitted(member), submitted(member)

    assert first.file.name != second.file.name


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"just text", "file_type"),
        (b"", "empty"),
        (padded(PNG, MB5 + 1), "file_too_large"),
    ],
)
def test_a_refused_upload_shows_its_coded_message_and_stores_nothing(
    member_client, settings, content, code
):
    response = member_client.post(PAGE_URL, {"file": upload(content, "x.png", "image/png")})

    assert response.status_code == 200
    assert error_codes(response) == [code]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not IncomeCertificate.objects.exists()


def test_an_upload_without_a_file_is_refused(member_client):
    response = member_client.post(PAGE_URL, {"file": "not a file"})

    assert response.status_code == 200
    assert error_codes(response) == ["required"]


def test_the_upload_needs_the_csrf_token(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member, backend="members.backends.CardPinBackend")

    response = client.post(PAGE_URL, {"file": upload(PDF)})

    assert response.status_code == 403
    assert not IncomeCertificate.objects.exists()


def test_the_page_lists_the_members_own_certificates_with_their_review(
    member_client, member, staff
):
    rejected = submitted(member)
    certificates.reject_certificate(
        certificate_id=rejected.pk, staff=staff, reason="画像が不鮮明です"
    )
    approved = submitted(member, PNG, "image/png")
    certificates.approve_certificate(certificate_id=approved.pk, staff=staff)
    submitted(MemberFactory())  # someone else's

    html = member_client.get(PAGE_URL).content.decode()

    assert re.findall(r'data-status="(\w+)"', html) == ["approved", "rejected"]
    assert 'data-rejection-reason="画像が不鮮明です"' in html
    assert html.count("data-certificate=") == 2


def test_the_page_stays_within_its_query_budget(
    member_client, member, staff, django_assert_max_num_queries
):
    for _ in range(30):
        certificates.approve_certificate(certificate_id=submitted(member).pk, staff=staff)
    # Session, member, maintenance windows, the certificates, the session saved (3): as many
    # for 30 certificates as for one.
    with django_assert_max_num_queries(7):
        response = member_client.get(PAGE_URL)
    assert response.content.decode().count("data-certificate=") == 30


def test_anonymous_visitors_are_sent_to_the_login(client, member):
    certificate = submitted(member)

    for url in [PAGE_URL, reverse("points:income-certificate-file", args=[certificate.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("members:login"))


# --- Downloads -------------------------------------------------------------------------


def test_the_member_downloads_their_own_file_with_safe_headers(member_client, member):
    certificate = submitted(member, PNG, "image/png")

    response = member_client.get(reverse("points:income-certificate-file", args=[certificate.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="income-certificate-{certificate.pk}.png"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_another_members_file_is_not_found(member_client):
    certificate = submitted(MemberFactory())

    response = member_client.get(reverse("points:income-certificate-file", args=[certificate.pk]))

    assert response.status_code == 404


def test_a_file_missing_from_the_storage_is_not_found(member_client, member):
    certificate = submitted(member)
    certificate.file.storage.delete(certificate.file.name)

    response = member_client.get(reverse("points:income-certificate-file", args=[certificate.pk]))

    assert response.status_code == 404


def test_staff_download_any_file_in_the_admin(staff_client, member):
    certificate = submitted(member)

    response = staff_client.get(
        reverse("admin:points_incomecertificate_file", args=[certificate.pk])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_file_view_needs_staff(member_client, member):
    certificate = submitted(member)

    response = member_client.get(
        reverse("admin:points_incomecertificate_file", args=[certificate.pk])
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_no_static_or_media_url_serves_the_file(client, member_client, member):
    certificate = submitted(member)

    for prefix in ["/media/", "/static/", "/"]:
        assert member_client.get(prefix + certificate.file.name).status_code == 404


# --- Review: once-a-year points -------------------------------------------------------


def certificate_points(member) -> list[tuple[str, int]]:
    return list(
        PointEntry.objects.filter(member=member, reason=Reason.INCOME_CERTIFICATE)
        .order_by("id")
        .values_list("reference", "points")
    )


def test_approval_credits_the_points_of_the_upload_year(joined, staff):
    certificate = certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)

    assert certificate.status == CertificateStatus.APPROVED
    assert certificate.reviewed_by == staff and certificate.reviewed_at is not None
    assert certificate.point_entry.points == rules.INCOME_CERTIFICATE_POINTS
    assert certificate_points(joined) == [("2026", 160)]
    assert selectors.balance_of(joined) == rules.JOIN_POINTS + 160


def test_a_second_approval_in_the_same_year_credits_nothing(joined, staff):
    certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)

    second = certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)

    assert second.status == CertificateStatus.APPROVED
    assert second.point_entry is None
    assert certificate_points(joined) == [("2026", 160)]


def test_an_upload_of_the_next_year_credits_again(joined, staff, time_machine):
    certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)
    time_machine.move_to(tokyo(2027, 1, 5))

    certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)

    assert certificate_points(joined) == [("2026", 160), ("2027", 160)]


def test_the_year_is_the_upload_year_in_tokyo_not_the_approval_year(joined, staff, time_machine):
    # 31 December 23:30 in Tokyo is still 2026 there (14:30 UTC).
    time_machine.move_to(tokyo(2026, 12, 31, 23, 30))
    certificate = submitted(joined)
    time_machine.move_to(tokyo(2027, 1, 8))

    certificates.approve_certificate(certificate_id=certificate.pk, staff=staff)
    certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)

    assert certificate_points(joined) == [("2026", 160), ("2027", 160)]


def test_a_member_who_has_not_joined_gets_no_points(member, staff):
    certificate = certificates.approve_certificate(certificate_id=submitted(member).pk, staff=staff)

    assert certificate.status == CertificateStatus.APPROVED
    assert certificate.point_entry is None
    assert not PointEntry.objects.exists()


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_a_reviewed_certificate_cannot_be_reviewed_again(joined, staff, first):
    certificate = submitted(joined)
    if first == "approve":
        certificates.approve_certificate(certificate_id=certificate.pk, staff=staff)
    else:
        certificates.reject_certificate(certificate_id=certificate.pk, staff=staff, reason="不鮮明")

    for review in [
        lambda: certificates.approve_certificate(certificate_id=certificate.pk, staff=staff),
        lambda: certificates.reject_certificate(
            certificate_id=certificate.pk, staff=staff, reason="再"
        ),
    ]:
        with pytest.raises(certificates.ReviewRefusal) as refused:
            review()
        assert refused.value.code == "already_reviewed"
    assert len(certificate_points(joined)) == (1 if first == "approve" else 0)


def test_a_rejection_needs_a_reason(member, staff):
    certificate = submitted(member)

    with pytest.raises(certificates.ReviewRefusal) as refused:
        certificates.reject_certificate(certificate_id=certificate.pk, staff=staff, reason="  ")

    assert refused.value.code == "reason_required"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING


def test_the_database_refuses_a_rejection_without_a_reason_or_points_for_a_pending_one(member):
    from django.db import IntegrityError, transaction

    certificate = submitted(member)
    with pytest.raises(IntegrityError), transaction.atomic():
        IncomeCertificate.objects.filter(pk=certificate.pk).update(
            status=CertificateStatus.REJECTED, reviewed_at=certificate.uploaded_at
        )
    services.join(member=member)
    entry = PointEntry.objects.get(member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        IncomeCertificate.objects.filter(pk=certificate.pk).update(point_entry=entry)


# --- Mails --------------------------------------------------------------------------------


def test_approval_mails_the_member_with_the_points(
    joined, staff, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.approve_certificate(certificate_id=submitted(joined).pk, staff=staff)

    (message,) = mail.outbox
    assert message.to == [joined.email]
    assert "収入証明書類を確認しました" in message.subject
    assert "160 ポイント" in message.body
    assert "http://testserver" + PAGE_URL in message.body


def test_rejection_mails_the_member_with_the_reason(
    member, staff, mailbox, django_capture_on_commit_callbacks
):
    from portal.models import MailboxMessage

    with django_capture_on_commit_callbacks(execute=True):
        certificates.reject_certificate(
            certificate_id=submitted(member).pk, staff=staff, reason="有効期限が切れています"
        )

    (message,) = mail.outbox
    assert message.to == [member.email]
    assert "再提出" in message.subject
    assert "有効期限が切れています" in message.body
    assert MailboxMessage.objects.filter(to=member.email, subject=message.subject).exists()


def test_an_approval_without_points_mails_no_points(
    member, staff, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.approve_certificate(certificate_id=submitted(member).pk, staff=staff)

    (message,) = mail.outbox
    assert "ポイント" not in message.body.replace("ポイントサービス", "")


def test_deleting_a_member_deletes_their_certificates_and_files(
    joined, staff, django_capture_on_commit_callbacks
):
    certificate = submitted(joined)
    certificates.approve_certificate(certificate_id=certificate.pk, staff=staff)
    stored = certificate.file.path

    with django_capture_on_commit_callbacks(execute=True):
        joined.delete()

    assert not IncomeCertificate.objects.exists()
    assert not PointEntry.objects.exists()
    assert not Path(stored).exists()


def test_uploads_stop_while_too_many_wait_for_review(member_client, member, staff):
    for _ in range(rules.CERTIFICATE_MAX_PENDING):
        submitted(member)

    response = member_client.post(PAGE_URL, {"file": upload(PDF)})

    assert response.status_code == 200
    assert error_codes(response) == ["too_many_pending"]
    assert IncomeCertificate.objects.count() == rules.CERTIFICATE_MAX_PENDING
    certificates.approve_certificate(
        certificate_id=IncomeCertificate.objects.first().pk, staff=staff
    )
    assert member_client.post(PAGE_URL, {"file": upload(PDF)}).status_code == 302
