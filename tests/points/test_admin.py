"""Staff admin of points (SPEC §9): the ledger read-only, grants and deductions with a
reason, and the review of income certificates with its messages."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points import certificates, selectors, services
from points.models import CertificateStatus, PointAccount, PointEntry, Reason
from tests.factories import MemberFactory
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("admin:points_pointaccount_changelist")
ENTRIES = reverse("admin:points_pointentry_changelist")
CERTIFICATES = reverse("admin:points_incomecertificate_changelist")
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def joined():
    member = MemberFactory()
    services.join(member=member)
    return member


def submitted(member):
    return certificates.submit_certificate(
        member=member,
        upload=SimpleUploadedFile("c.pdf", PDF, content_type="application/pdf"),
        content_type="application/pdf",
    )


def run_action(client, url, action, objects, **data):
    return client.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **data}
    )


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Staff only ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [ACCOUNTS, ENTRIES, CERTIFICATES])
def test_the_point_admin_needs_staff(client, url):
    client.force_login(MemberFactory(), backend="members.backends.CardPinBackend")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- The ledger, read-only ----------------------------------------------------------


@pytest.mark.parametrize("by", ["search", "ledger_link"])
def test_a_members_entries_are_found_by_member_number_or_the_accounts_link(
    staff_client, joined, by
):
    other = MemberFactory()
    services.join(member=other)
    query = {"q": joined.member_number} if by == "search" else {"member__id__exact": joined.pk}

    response = staff_client.get(ENTRIES, query)

    assert response.status_code == 200
    html = response.content.decode()
    assert joined.member_number in html and other.member_number not in html


def test_entries_are_read_only(staff_client, joined):
    entry = PointEntry.objects.get(member=joined)

    detail = staff_client.get(reverse("admin:points_pointentry_change", args=[entry.pk]))

    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert staff_client.get(reverse("admin:points_pointentry_add")).status_code == 403
    deleted = staff_client.post(reverse("admin:points_pointentry_delete", args=[entry.pk]))
    assert deleted.status_code == 403
    assert PointEntry.objects.filter(pk=entry.pk).exists()


def test_accounts_cannot_be_added_or_changed(staff_client, joined):
    account = PointAccount.objects.get(member=joined)

    assert staff_client.get(reverse("admin:points_pointaccount_add")).status_code == 403
    staff_client.post(
        reverse("admin:points_pointaccount_change", args=[account.pk]), {"balance": "99999"}
    )
    account.refresh_from_db()
    assert account.balance == 100


def test_the_ledger_pages_stay_within_their_query_budget(
    staff_client, joined, django_assert_max_num_queries
):
    for month in range(1, 13):
        services.earn(
            member=joined, reason=Reason.MONTHLY_LOGIN, points=10, reference=f"2026-{month:02}"
        )
    for _ in range(20):
        services.join(member=MemberFactory())
    with django_assert_max_num_queries(12):
        assert staff_client.get(ENTRIES).status_code == 200
    with django_assert_max_num_queries(12):
        assert staff_client.get(ACCOUNTS).status_code == 200


# --- Grant or deduct with a reason --------------------------------------------------


def test_the_adjustment_action_asks_for_points_and_a_reason_first(staff_client, joined):
    account = PointAccount.objects.get(member=joined)

    response = run_action(staff_client, ACCOUNTS, "adjust_points", [account])

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="points"' in html and 'name="reason"' in html and 'name="apply"' in html
    assert PointEntry.objects.filter(member=joined).count() == 1


def test_staff_grant_points_with_a_reason_recorded_in_the_note_and_the_log(staff_client, joined):
    account = PointAccount.objects.get(member=joined)

    response = run_action(
        staff_client, ACCOUNTS, "adjust_points", [account],
        apply="1", points="50", reason="システム障害のお詫び",
    )  # fmt: skip

    assert response.status_code == 302
    entry = PointEntry.objects.get(member=joined, reason=Reason.STAFF_GRANT)
    assert (entry.points, entry.note) == (50, "システム障害のお詫び")
    assert selectors.balance_of(joined) == 150
    log = LogEntry.objects.get(object_id=str(account.pk))
    assert log.action_flag == CHANGE
    assert (
        "+50pt" in log.get_change_message() and "システム障害のお詫び" in log.get_change_message()
    )


def test_staff_deduct_points_with_a_reason(staff_client, joined):
    account = PointAccount.objects.get(member=joined)

    run_action(
        staff_client, ACCOUNTS, "adjust_points", [account],
        apply="1", points="-30", reason="誤付与の取消",
    )  # fmt: skip

    entry = PointEntry.objects.get(member=joined, reason=Reason.STAFF_DEDUCTION)
    assert (entry.points, entry.note, entry.balance_after) == (-30, "誤付与の取消", 70)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"points": "50", "reason": ""}, "required"),
        ({"points": "50", "reason": "   "}, "required"),
        ({"points": "0", "reason": "理由"}, "zero_points"),
        ({"points": "abc", "reason": "理由"}, "invalid"),
        ({"points": "1000000", "reason": "理由"}, "max_value"),
    ],
)
def test_an_adjustment_without_a_reason_or_valid_points_is_refused(
    staff_client, joined, data, code
):
    account = PointAccount.objects.get(member=joined)

    response = run_action(staff_client, ACCOUNTS, "adjust_points", [account], apply="1", **data)

    assert response.status_code == 200
    assert code in error_codes(response)
    assert PointEntry.objects.filter(member=joined).count() == 1
    assert not LogEntry.objects.exists()


def test_a_deduction_beyond_the_balance_is_refused_with_a_message(staff_client, joined):
    account = PointAccount.objects.get(member=joined)

    response = run_action(
        staff_client, ACCOUNTS, "adjust_points", [account],
        apply="1", points="-101", reason="調整",
    )  # fmt: skip

    assert any("ポイントが足りません" in message for message in shown_messages(response))
    assert selectors.balance_of(joined) == 100


# --- Certificates -----------------------------------------------------------------------


def test_the_certificate_list_shows_status_and_a_file_link(staff_client, joined):
    certificate = submitted(joined)

    html = staff_client.get(CERTIFICATES).content.decode()

    assert reverse("admin:points_incomecertificate_file", args=[certificate.pk]) in html
    assert joined.member_number in html


def test_approving_in_the_admin_credits_once_and_says_so(
    staff_client, joined, mailbox, django_capture_on_commit_callbacks
):
    first, second = submitted(joined), submitted(joined)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, CERTIFICATES, "approve_certificates", [first])
    with django_capture_on_commit_callbacks(execute=True):
        again = run_action(staff_client, CERTIFICATES, "approve_certificates", [second])

    assert any("160ポイントを付与しました" in m for m in shown_messages(response))
    assert any("2026年分のポイントは付与済み" in m for m in shown_messages(again))
    assert PointEntry.objects.filter(member=joined, reason=Reason.INCOME_CERTIFICATE).count() == 1
    assert len(mail.outbox) == 2
    assert LogEntry.objects.filter(object_id=str(first.pk)).exists()


def test_approving_for_a_member_who_has_not_joined_says_no_points(staff_client):
    certificate = submitted(MemberFactory())

    response = run_action(staff_client, CERTIFICATES, "approve_certificates", [certificate])

    assert any("未入会" in m for m in shown_messages(response))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.APPROVED
    assert not PointEntry.objects.exists()


def test_rejecting_in_the_admin_needs_a_reason(
    staff_client, joined, mailbox, django_capture_on_commit_callbacks
):
    certificate = submitted(joined)

    asked = run_action(staff_client, CERTIFICATES, "reject_certificates", [certificate])
    refused = run_action(
        staff_client, CERTIFICATES, "reject_certificates", [certificate],
        apply="1", rejection_reason=" ",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        done = run_action(
            staff_client, CERTIFICATES, "reject_certificates", [certificate],
            apply="1", rejection_reason="書類の一部が写っていません",
        )  # fmt: skip

    assert asked.status_code == 200 and 'name="rejection_reason"' in asked.content.decode()
    assert refused.status_code == 200 and error_codes(refused) == ["required"]
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REJECTED
    assert certificate.rejection_reason == "書類の一部が写っていません"
    (message,) = mail.outbox
    assert "書類の一部が写っていません" in message.body


def test_a_reviewed_certificate_is_not_reviewed_again_in_the_admin(staff_client, joined):
    certificate = submitted(joined)
    run_action(staff_client, CERTIFICATES, "approve_certificates", [certificate])

    response = run_action(
        staff_client, CERTIFICATES, "reject_certificates", [certificate],
        apply="1", rejection_reason="やはり不可",
    )  # fmt: skip

    assert any("確認済み" in m for m in shown_messages(response))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.APPROVED


def test_certificates_cannot_be_added_changed_or_deleted_in_the_admin(staff_client, joined):
    certificate = submitted(joined)

    assert staff_client.get(reverse("admin:points_incomecertificate_add")).status_code == 403
    page = staff_client.get(reverse("admin:points_incomecertificate_change", args=[certificate.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    deleted = staff_client.post(
        reverse("admin:points_incomecertificate_delete", args=[certificate.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
