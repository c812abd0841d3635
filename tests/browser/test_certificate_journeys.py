"""Uploading an income certificate from a phone (SPEC §7), in a real browser."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from members.models import Member
from points import certificates, services
from points.models import IncomeCertificate
from tests.browser.conftest import PHONE, expect_error_codes, horizontal_overflow, login_as
from tests.factories import StaffFactory
from tests.staff_sign_in import STAFF_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _mail_into_mailbox(mailbox):
    """Send through the portal's backend so every mail lands in the demo mailbox."""


def test_a_member_uploads_a_photo_at_phone_width_and_sees_it_approved(page, personas, tmp_path):
    page.set_viewport_size(PHONE)
    login_as(page, "standard")
    member = Member.objects.get(member_number=personas["standard"].member_number)
    if not hasattr(member, "point_account"):  # the persona joins with the points pages
        services.join(member=member)
    page.locator("#menu-income-certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("収入証明書類の提出")
    assert horizontal_overflow(page) == 0

    # A text file named like an image is refused by its content.
    fake = tmp_path / "gensen.png"
    fake.write_text("これは画像ではありません")
    page.locator("#id_file").set_input_files(str(fake))
    page.locator("#income-certificate-submit").click()
    expect(page.locator("#id_file_error [data-error-code]")).to_be_visible()
    expect_error_codes(page, "file_type")
    assert horizontal_overflow(page) == 0

    photo = tmp_path / "IMG_0001.jpg"  # a PNG under a JPEG name: stored as the PNG it is
    photo.write_bytes(PNG)
    page.locator("#id_file").set_input_files(str(photo))
    page.locator("#income-certificate-submit").click()
    expect(page.locator(".message")).to_contain_text("受け付けました")
    row = page.locator("#income-certificates li[data-certificate]")
    expect(row).to_have_attribute("data-status", "pending")
    assert horizontal_overflow(page) == 0

    with page.expect_download() as download:
        row.locator("a.certificate-file").click()
    assert re.fullmatch(r"income-certificate-\d+\.png", download.value.suggested_filename)
    assert download.value.path().read_bytes() == PNG

    certificate = IncomeCertificate.objects.get()
    certificates.approve_certificate(certificate_id=certificate.pk, staff=StaffFactory())
    page.reload()
    expect(row).to_have_attribute("data-status", "approved")
    expect(row).to_have_attribute("data-points", "160")


def test_a_file_far_over_the_limit_gets_the_coded_page(page, personas, tmp_path, settings):
    page.set_viewport_size(PHONE)
    login_as(page, "standard")
    page.goto("/mypage/settings/income-certificate/")
    huge = tmp_path / "scan.pdf"
    huge.write_bytes(b"%PDF-" + b"0" * settings.PORTAL_MAX_REQUEST_BYTES)

    page.locator("#id_file").set_input_files(str(huge))
    page.locator("#income-certificate-submit").click()

    expect(page.locator('[data-error-code="request_too_large"]')).to_be_visible()
    assert not IncomeCertificate.objects.exists()


def test_staff_reject_a_certificate_with_a_reason_and_the_member_reads_it(page, personas, settings):
    settings.PORTAL_DEMO = True  # the password alone signs staff in
    member = Member.objects.get(member_number=personas["standard"].member_number)
    certificate = certificates.submit_certificate(
        member=member,
        upload=SimpleUploadedFile("scan.png", PNG),
        content_type="image/png",
    )
    staff = StaffFactory(is_superuser=True)

    page.goto("/admin/points/incomecertificate/")
    page.get_by_label("スタッフID").fill(staff.username)
    page.get_by_label("パスワード").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.locator(f'input[name="_selected_action"][value="{certificate.pk}"]').check()
    page.locator('select[name="action"]').select_option("reject_certificates")
    page.locator('button[name="index"]').click()
    page.get_by_role("button", name="差し戻す").click()  # without a reason first
    expect_error_codes(page, "required")
    page.get_by_label("差し戻しの理由").fill("氏名が読み取れません")
    page.get_by_role("button", name="差し戻す").click()
    expect(page.locator(".messagelist")).to_contain_text("差し戻しました")

    page.context.clear_cookies()
    login_as(page, "standard")
    page.goto("/mypage/settings/income-certificate/")
    row = page.locator(f'#income-certificates li[data-certificate="{certificate.pk}"]')
    expect(row).to_have_attribute("data-status", "rejected")
    expect(row.locator("[data-rejection-reason]")).to_have_text(re.compile("氏名が読み取れません"))
    page.goto("/demo/mailbox/")
    expect(page.locator("#mailbox")).to_contain_text("収入証明書類の再提出のお願い")
