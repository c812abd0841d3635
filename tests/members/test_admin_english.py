"""The admin in English (issue 13): Django's own labels, and this project's actions,
messages, help texts, tool pages, two-factor pages, staff sign-in and list columns.

The change lists show members' Japanese data (names, addresses, notices staff wrote) in
cells that cannot carry `lang="ja"`; the check takes every text value stored in the
database out of the page first, so what remains is the admin's own words.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from demo.fake_data import Scenario, generate_batch
from members import staff_login
from members.models import Member
from points import certificates
from points.models import PointAccount
from tests.english import get_in_english
from tests.english_crawl import japanese_in, japanese_report
from tests.factories import StaffFactory
from tests.helpers import error_codes
from tests.staff_sign_in import STAFF_PASSWORD

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def data_values() -> set[str]:
    """Every text value stored in the database that contains Japanese (names, addresses,
    notes, notices, mails...): data, shown as it is in either language."""
    values = set()
    for model in apps.get_models():
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                values.update(value for value in row if value and not str(value).isascii())
    return values


def admin_pages(staff) -> list[str]:
    """The index, each app, and each registered model's list, add form and first object."""
    pages = [reverse("admin:index")]
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        pages.append(reverse("admin:app_list", args=[app_label]))
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append(reverse(f"{prefix}_changelist"))
        pages.append(reverse(f"{prefix}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{prefix}_change", args=[first.pk]))
            pages.append(reverse(f"{prefix}_history", args=[first.pk]))
    return pages


@pytest.fixture
def world(persona_members, mailbox):
    """The demo personas, a generated batch, a submitted certificate and mailbox copies."""
    staff = Member.objects.filter(is_staff=True).first() or StaffFactory(is_superuser=True)
    batch = generate_batch(count=2, scenario=Scenario.RANDOM, seed=1, transactions=3)
    upload = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    certificate = certificates.submit_certificate(
        member=persona_members["standard"], upload=upload, content_type="application/pdf"
    )
    return {"staff": staff, "batch": batch, "certificate": certificate, **persona_members}


def english_pages(client, urls, data) -> list[tuple[str, list[str]]]:
    found = []
    for url in urls:
        response = get_in_english(client, url, follow=True)
        assert response.status_code in (200, 403), f"{url}: {response.status_code}"
        if response.status_code == 200 and (pieces := japanese_in(response.content.decode(), data)):
            found.append((url, pieces))
    return found


def post_in_english(client, url, form) -> list[tuple[str, list[str]]]:
    response = client.post(url, form, follow=True)
    assert response.status_code == 200, f"POST {url}: {response.status_code}"
    pieces = japanese_in(response.content.decode(), data_values())
    return [(f"POST {url} {sorted(form)}", pieces)] if pieces else []


def test_every_admin_page_is_english_apart_from_data(staff_client, world):
    standard = world["standard"]
    changelist = reverse("admin:members_member_changelist")
    urls = [
        *admin_pages(world["staff"]),
        f"{changelist}?kind=staff",
        f"{changelist}?batch={world['batch'].pk}",
        f"{changelist}?q=%E5%B1%B1%E7%94%B0",  # a search (山田)
        reverse("admin:members_member_set_pin", args=[standard.pk]),
        reverse("admin:members_member_generate"),
        reverse("admin:members_member_generated_batch", args=[world["batch"].pk]),
        reverse("admin:members_member_reset_demo"),
        reverse("admin:members_member_send_reminders"),
        reverse("admin:two_factor"),
        reverse("admin:password_change"),
    ]
    found = english_pages(staff_client, urls, data_values())

    # Forms with their errors, the actions' own pages and the messages they leave.
    found += post_in_english(
        staff_client, reverse("admin:members_member_set_pin", args=[standard.pk]),
        {"birth_date": "1900-01-01", "phone": "x", "new_pin": "12", "new_pin_confirm": "3"},
    )  # fmt: skip
    found += post_in_english(staff_client, reverse("admin:members_member_generate"), {})
    found += post_in_english(staff_client, reverse("admin:two_factor"), {"start": "1"})
    found += post_in_english(staff_client, reverse("admin:two_factor"), {"otp_token": "１２"})
    found += post_in_english(
        staff_client, changelist, {"action": "unlock_web_id", ACTION_CHECKBOX_NAME: [standard.pk]}
    )
    found += post_in_english(
        staff_client, changelist, {"action": "set_new_pin", ACTION_CHECKBOX_NAME: []}
    )
    accounts = reverse("admin:points_pointaccount_changelist")
    account = PointAccount.objects.get(member=standard)
    found += post_in_english(
        staff_client, accounts, {"action": "adjust_points", ACTION_CHECKBOX_NAME: [account.pk]}
    )
    found += post_in_english(
        staff_client, accounts,
        {"action": "adjust_points", ACTION_CHECKBOX_NAME: [account.pk], "apply": "1",
         "points": "5", "reason": "goodwill"},
    )  # fmt: skip
    reject = {"action": "reject_certificates", ACTION_CHECKBOX_NAME: [world["certificate"].pk]}
    found += post_in_english(
        staff_client, reverse("admin:points_incomecertificate_changelist"), reject
    )
    found += post_in_english(
        staff_client, reverse("admin:history_ledgerentry_add"),
        {"member_number": "999999999", "principal_change": "x", "note": ""},
    )  # fmt: skip

    if found:
        pytest.fail(japanese_report(found), pytrace=False)


def test_the_staff_sign_in_is_english(client, settings):
    staff = StaffFactory()
    found = english_pages(client, [reverse("admin:login")], ())
    response = client.post(reverse("admin:login"), {"username": staff.username, "password": "x"})
    assert error_codes(response) == ["invalid_credentials"]
    if pieces := japanese_in(response.content.decode()):
        found.append(("the login page with an error", pieces))
    # The code step, outside demo mode (a device is needed).
    settings.PORTAL_DEMO = False
    coded = StaffFactory()
    staff_login.enroll_staff_device(staff=coded)
    code_client = Client()
    code_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    code_client.post(
        reverse("admin:login"), {"username": coded.username, "password": STAFF_PASSWORD}
    )
    code_page = code_client.get(reverse("admin:login_code"))
    assert code_page.status_code == 200 and 'name="otp_token"' in code_page.content.decode()
    if pieces := japanese_in(code_page.content.decode()):
        found.append(("the code step", pieces))
    if found:
        pytest.fail(japanese_report(found), pytrace=False)


def test_the_admin_offers_both_languages_on_every_page(staff_client):
    signed_out = Client().get(reverse("admin:login"))
    for page in (staff_client.get(reverse("admin:index")), signed_out):
        html = page.content.decode()
        assert 'id="language-ja" lang="ja"' in html and 'id="language-en" lang="en"' in html


def test_the_admin_language_switch_returns_to_the_admin_page(staff_client):
    index = reverse("admin:index")
    response = staff_client.post(reverse("members:set-language"), {"language": "en", "next": index})

    assert (response.status_code, response.url) == (302, index)
    assert '<html lang="en"' in staff_client.get(index).content.decode()


def test_the_admin_is_japanese_by_default(staff_client):
    html = staff_client.get(reverse("admin:members_member_changelist")).content.decode()

    assert '<html lang="ja"' in html and "Web-IDのロックを解除する" in html
