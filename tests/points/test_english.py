"""The point pages, notices, coupons, the income-certificate page and their mails in
English (issue 13): no Japanese outside data, whatever state the member is in.

Staff-written Japanese (a notice or coupon without its English version, a rejection
reason, a staff grant's note) is data: it stays, marked lang="ja".
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from points import certificates, rules, services
from points.models import Audience, Coupon, Notice, PointEntry, Reason
from tests.english import JAPANESE, get_in_english, japanese_outside_data
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import error_codes, nonce_of

pytestmark = pytest.mark.django_db

POINTS_URL = reverse("points:points")
JOIN_URL = reverse("points:join")
REDEEM_URL = reverse("points:redeem")
REDEEM_CONFIRM_URL = reverse("points:redeem-confirm")
NOTICES_URL = reverse("points:notices")
COUPONS_URL = reverse("points:coupons")
CERTIFICATE_URL = reverse("points:income-certificate")
MYPAGE_URL = reverse("members:mypage")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def english_page(client, url, **kwargs) -> str:
    """GET `url` in English; return its HTML after checking it has no Japanese outside data."""
    response = get_in_english(client, url, follow=True, **kwargs)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert japanese_outside_data(html) == []
    return html


def post_in_english(client, url, data=None, **kwargs) -> str:
    """POST in English, following a redirect; return the HTML after the same check."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url, data or {}, follow=True, **kwargs)
    assert response.status_code == 200
    html = response.content.decode()
    assert japanese_outside_data(html) == []
    return html


def log_in(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def staff():
    return StaffFactory(is_superuser=True)


@pytest.fixture
def rich(db):
    """A joined member with enough points for every benefit (a staff grant, noted in Japanese)."""
    member = MemberFactory()
    services.join(member=member)
    services.earn(member=member, reason=Reason.MONTHLY_LOGIN, points=10, reference="2026-12")
    services.adjust(member=member, points=1_890, note="ご愛顧キャンペーン特典")
    return member


def notice(**fields) -> Notice:
    return Notice.objects.create(
        **{
            "title": "年末年始のお取引について",
            "body": "12月31日から1月3日までは翌営業日の扱いになります。",
            "published_from": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            **fields,
        }
    )


def coupon(**fields) -> Coupon:
    return Coupon.objects.create(
        **{
            "shop": "みどりカフェ",
            "offer": "ドリンク1杯無料",
            "code": "CAFE-2026",
            "terms": "お一人様1回限り。",
            "valid_from": dt.date(2026, 12, 1),
            "valid_until": dt.date(2026, 12, 31),
            **fields,
        }
    )


# --- The points page, joining and the point history -------------------------------------


def test_the_points_page_of_a_member_who_has_not_joined(client, member):
    html = english_page(log_in(client, member), POINTS_URL)
    assert "Join the point service" in html


def test_joining_and_joining_again_say_so_in_english(client, member):
    html = post_in_english(log_in(client, member), JOIN_URL)
    assert f"received {rules.JOIN_POINTS} points for joining" in html
    html = post_in_english(client, JOIN_URL)
    assert "already joined" in html


def test_the_point_history_tells_every_kind_of_entry_in_english(
    client, rich, staff, media, django_capture_on_commit_callbacks
):
    read = notice(title_en="Transactions over the New Year holidays", points=10)
    unread_later_deleted = notice(title="消えるお知らせ", points=5)
    services.earn(member=rich, reason=Reason.NOTICE, points=10, reference=str(read.pk), note="x")
    services.earn(
        member=rich,
        reason=Reason.NOTICE,
        points=5,
        reference=str(unread_later_deleted.pk),
        note=unread_later_deleted.title,
    )
    unread_later_deleted.delete()
    certificate = certificates.submit_certificate(
        member=rich, upload=SimpleUploadedFile("c.pdf", PDF), content_type="application/pdf"
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificates.approve_certificate(certificate_id=certificate.pk, staff=staff)
        services.redeem(member=rich, benefit="interest_free_7")
        services.redeem(member=rich, benefit="atm_fee_free")
    services.credit_registration_points(month="2026-11")

    html = english_page(log_in(client, rich), POINTS_URL)

    assert "7 interest-free days, 2026-12-09 to 2026-12-15" in html
    assert "No partner-ATM fees (until the end of next month), 2026-12-09 to 2027-01-31" in html
    assert f"Proof of income #{certificate.pk}" in html
    assert '<small lang="en">Transactions over the New Year holidays</small>' in html
    # Data staff wrote in Japanese, and a deleted notice's title kept in the note.
    assert '<small lang="ja">ご愛顧キャンペーン特典</small>' in html
    assert '<small lang="ja">消えるお知らせ</small>' in html
    assert "Joined the point service" in html and "First login of the month" in html


def test_the_japanese_history_reads_as_before(client, rich):
    services.redeem(member=rich, benefit="interest_free_15")
    html = log_in(client, rich).get(POINTS_URL).content.decode()
    assert '<small lang="ja">無利息15日間（2026/12/09〜2026/12/23）</small>' in html


def test_a_redemption_keeps_its_period_and_a_japanese_note_whatever_the_language(rich):
    with translation.override("en"):
        entry = services.redeem(member=rich, benefit="interest_free_7")
    assert (entry.benefit_first_day, entry.benefit_last_day) == (
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 15),
    )
    assert entry.note == "無利息7日間（2026/12/09〜2026/12/15）"


def test_the_migration_reads_the_period_of_older_redemptions_from_their_note(rich):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("points.migrations.0005_benefit_periods_from_notes")
    entry = services.redeem(member=rich, benefit="interest_free_7")
    PointEntry.objects.filter(pk=entry.pk).update(benefit_first_day=None, benefit_last_day=None)
    migration.fill_periods(apps, None)
    entry.refresh_from_db()
    assert (entry.benefit_first_day, entry.benefit_last_day) == (
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 15),
    )


# --- Redemption: the form, its errors, the confirmation and the done page ---------------


def test_the_redemption_form_of_a_member_who_has_not_joined(client, member):
    html = english_page(log_in(client, member), REDEEM_URL)
    assert "please join the point service first" in html


@pytest.mark.parametrize("value", ["", "interest_free_99"])
def test_a_missing_or_unknown_benefit_is_an_english_field_error(client, rich, value):
    html = post_in_english(log_in(client, rich), REDEEM_URL, {"benefit": value})
    assert "Please choose a benefit to redeem." in html


def test_too_few_points_is_refused_in_english(client, member):
    services.join(member=member)
    html = post_in_english(log_in(client, member), REDEEM_URL, {"benefit": "interest_free_30"})
    assert "insufficient_points" in error_codes(html)
    assert "Not enough points" in html


def test_an_active_atm_waiver_is_refused_in_english(client, rich):
    services.redeem(member=rich, benefit="atm_fee_free")
    html = post_in_english(log_in(client, rich), REDEEM_URL, {"benefit": "atm_fee_free"})
    assert "benefit_active" in error_codes(html)
    assert "already waived until 31 Jan 2027" in html


@pytest.mark.parametrize("benefit", ["atm_fee_free", "interest_free_7", "interest_free_30"])
def test_the_confirmation_and_done_pages_in_english(client, rich, benefit, mailbox):
    log_in(client, rich)
    html = post_in_english(client, REDEEM_URL, {"benefit": benefit})
    assert "Confirm your redemption" in html
    html = post_in_english(client, REDEEM_CONFIRM_URL, {"nonce": nonce_of(html)})
    assert "Redemption complete" in html
    with translation.override("en"):
        assert f'lang="en">{rules.BENEFITS[benefit].label}, 2026-12-09 to ' in html
    assert f"−{rules.BENEFITS[benefit].cost:,} points" in html


# --- Notices ------------------------------------------------------------------------------


def test_notices_in_english_show_the_english_version_or_the_japanese_as_data(client, member):
    with_english = notice(
        title_en="Transactions over the New Year holidays",
        body_en="Bank transfers wait.",
        points=10,
    )
    japanese_only = notice(title="秋のキャンペーンは終了しました")
    log_in(client, member)

    html = english_page(client, NOTICES_URL)
    assert 'lang="en">Transactions over the New Year holidays</a>' in html
    assert 'lang="ja">秋のキャンペーンは終了しました</a>' in html
    assert "10 points for reading" in html

    html = english_page(client, reverse("points:notice-detail", args=[with_english.pk]))
    assert "<title>Transactions over the New Year holidays" in html
    assert "Bank transfers wait." in html
    assert "Join the point service to receive 10 points" in html  # not joined yet

    html = english_page(client, reverse("points:notice-detail", args=[japanese_only.pk]))
    assert "<title>Notices |" in html  # not the Japanese title in an English title bar
    assert '<h1 lang="ja">秋のキャンペーンは終了しました</h1>' in html


@pytest.mark.parametrize("points", [0, 10])
def test_reading_a_notice_in_english_earned_then_already_earned(client, member, points):
    services.join(member=member)
    read = notice(points=points)
    url = reverse("points:notice-detail", args=[read.pk])
    html = english_page(log_in(client, member), url)
    if points:
        assert "we have given you 10 points" in html
        html = english_page(client, url)
        assert "You have already received the points" in html


def test_no_notices_and_the_member_page_panels_in_english(client, member):
    log_in(client, member)
    html = english_page(client, NOTICES_URL)
    assert "There are no notices now." in html


def test_the_member_page_panels_in_english(client, member):
    """The points and notices panels on /mypage/ (the page itself is the members area's)."""
    targeted = notice(title_en="Please check your details", points=5, audience=Audience.SELECTED)
    targeted.recipients.set([member])
    notice()  # Japanese only
    log_in(client, member)
    for joined in (False, True):
        if joined:
            services.join(member=member)
        html = get_in_english(client, MYPAGE_URL).content.decode()
        for panel in ("points-panel", "applications", "notices-panel"):
            section = re.search(rf'<section[^>]*id="{panel}".*?</section>', html, re.S)
            assert section, panel
            assert japanese_outside_data(section.group(0)) == [], panel


# --- Coupons ------------------------------------------------------------------------------


def test_coupons_in_english_with_and_without_english_versions(client, member, media):
    from django.core.files.base import ContentFile

    translated = coupon(
        shop_en="Midori Café", offer_en="One free drink", terms_en="Once per customer."
    )
    translated.image.save("x.png", ContentFile(PNG))
    japanese_only = coupon(code="BOOK-10", shop="グリーン書店", offer="全品10%オフ", terms="")
    log_in(client, member)

    html = english_page(client, COUPONS_URL)
    assert 'lang="en">Midori Café</p>' in html and 'lang="ja">グリーン書店</p>' in html
    assert "Valid until 31 Dec 2026" in html

    html = english_page(client, reverse("points:coupon-detail", args=[translated.pk]))
    assert "<title>Midori Café coupon" in html
    assert 'data-format="j M Y H:i:s"' in html
    assert 'data-month-names="Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec"' in html
    assert re.search(r'id="coupon-clock"[^>]*>9 Dec 2026 12:\d\d:\d\d</time>', html)
    assert "Valid from 1 Dec 2026 to 31 Dec 2026" in html
    assert "Once per customer." in html

    html = english_page(client, reverse("points:coupon-detail", args=[japanese_only.pk]))
    assert "<title>Coupon |" in html
    assert '<h1 class="coupon-offer" lang="ja">全品10%オフ</h1>' in html


def test_the_coupon_clock_keeps_its_japanese_format(client, member):
    shown = coupon()
    html = log_in(client, member).get(reverse("points:coupon-detail", args=[shown.pk]))
    html = html.content.decode()
    assert 'data-format="Y年n月j日 H:i:s"' in html
    assert re.search(r'id="coupon-clock"[^>]*>2026年12月9日 12:\d\d:\d\d</time>', html)


def test_no_coupons_in_english(client, member):
    html = english_page(log_in(client, member), COUPONS_URL)
    assert "There are no coupons you can use now." in html


def test_the_coupon_clock_script_has_no_japanese():
    from django.conf import settings

    script = (settings.BASE_DIR / "static" / "js" / "coupon-clock.js").read_text()
    assert not JAPANESE.search(script)


# --- Income certificates ------------------------------------------------------------------


def test_the_certificate_page_lists_every_review_state_in_english(
    client, member, staff, media, django_capture_on_commit_callbacks
):
    services.join(member=member)
    upload = lambda: SimpleUploadedFile("c.pdf", PDF)  # noqa: E731
    approved, rejected, _pending = (
        certificates.submit_certificate(
            member=member, upload=upload(), content_type="application/pdf"
        )
        for _ in range(3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificates.approve_certificate(certificate_id=approved.pk, staff=staff)
        certificates.reject_certificate(
            certificate_id=rejected.pk, staff=staff, reason="画像が不鮮明です"
        )

    html = english_page(log_in(client, member), CERTIFICATE_URL)
    assert "Approved" in html and "Returned" in html and "Being checked" in html
    assert 'Reason for returning: <span lang="ja">画像が不鮮明です</span>' in html


def test_the_certificate_page_without_certificates_in_english(client, member):
    html = english_page(log_in(client, member), CERTIFICATE_URL)
    assert "You have not submitted any documents yet." in html


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ({}, "required"),
        ({"file": SimpleUploadedFile("c.pdf", b"")}, "empty"),
        ({"file": SimpleUploadedFile("c.pdf", b"not a pdf at all")}, "file_type"),
    ],
)
def test_a_refused_upload_explains_in_english(client, member, media, files, code):
    html = post_in_english(log_in(client, member), CERTIFICATE_URL, files)
    assert code in error_codes(html)


def test_too_many_pending_certificates_is_refused_in_english(client, member, media):
    for _ in range(rules.CERTIFICATE_MAX_PENDING):
        certificates.submit_certificate(
            member=member, upload=SimpleUploadedFile("c.pdf", PDF), content_type="application/pdf"
        )
    html = post_in_english(
        log_in(client, member), CERTIFICATE_URL, {"file": SimpleUploadedFile("c.pdf", PDF)}
    )
    assert "too_many_pending" in error_codes(html)


def test_an_accepted_upload_is_confirmed_in_english(client, member, media):
    html = post_in_english(
        log_in(client, member), CERTIFICATE_URL, {"file": SimpleUploadedFile("c.pdf", PDF)}
    )
    assert "We have received your proof of income." in html


# --- Mails to a member who reads English --------------------------------------------------


def english_mail(message, *data: str) -> str:
    """Return the mail's subject and body after checking that, `data` aside, they hold no
    Japanese."""
    text = f"{message.subject}\n{message.body}"
    for value in data:
        text = text.replace(value, "")
    assert not JAPANESE.search(text), text
    return text


@pytest.fixture
def english_member(db):
    member = MemberFactory(language="en")
    services.join(member=member)
    return member


@pytest.mark.parametrize("already_earned", [False, True])
def test_the_approval_mail_in_english(
    english_member, staff, media, mailbox, django_capture_on_commit_callbacks, already_earned
):
    for _approval in range(2 if already_earned else 1):
        certificate = certificates.submit_certificate(
            member=english_member,
            upload=SimpleUploadedFile("c.pdf", PDF),
            content_type="application/pdf",
        )
        with django_capture_on_commit_callbacks(execute=True):
            certificates.approve_certificate(certificate_id=certificate.pk, staff=staff)
    text = english_mail(mail.outbox[-1], english_member.name_kanji)
    assert "We have approved your proof of income" in text
    assert ("160 points" in text) != already_earned


def test_the_rejection_mail_in_english(
    english_member, staff, media, mailbox, django_capture_on_commit_callbacks
):
    certificate = certificates.submit_certificate(
        member=english_member, upload=SimpleUploadedFile("c.pdf", PDF), content_type="image/png"
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificates.reject_certificate(
            certificate_id=certificate.pk, staff=staff, reason="有効期限が切れています"
        )
    text = english_mail(mail.outbox[-1], english_member.name_kanji, "有効期限が切れています")
    assert "Please submit your proof of income again" in text


@pytest.mark.parametrize("benefit", ["atm_fee_free", "interest_free_15"])
def test_the_redemption_mail_in_english(
    english_member, mailbox, django_capture_on_commit_callbacks, benefit
):
    services.adjust(member=english_member, points=1_000, note="テスト付与")
    with django_capture_on_commit_callbacks(execute=True):
        services.redeem(member=english_member, benefit=benefit)
    text = english_mail(mail.outbox[-1], english_member.name_kanji)
    assert "Your points redemption" in text
    assert "Period: 9 Dec 2026 to" in text
