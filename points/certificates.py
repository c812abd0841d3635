"""Income certificates (収入証明書類, SPEC §7): a member uploads one, staff approve or
reject it, and approval credits INCOME_CERTIFICATE_POINTS once per calendar year.

The year is the year the member uploaded the certificate (Tokyo time), not the year
staff get to it: a certificate sent on 31 December counts for that year even when it is
approved in January, and a slow review never costs a member a year's points. The point
ledger's unique (member, reason, reference) constraint makes "once a year" hold however
many certificates of one year are approved, and however concurrently.
"""

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from history.confirmations import Refusal
from members.models import Member
from members.notifications import notify_member
from points import rules, services
from points.models import CertificateStatus, IncomeCertificate, PointEntry, Reason
from portal import clock
from portal.mail import absolute_url


class CertificateRefusal(Refusal):
    """An upload the rules refuse (code: too_many_pending)."""


class ReviewRefusal(Refusal):
    """A review that cannot be made (codes: already_reviewed, reason_required)."""


def points_year(certificate: IncomeCertificate) -> str:
    """Return the year whose certificate points the certificate earns ("2026")."""
    return rules.year_reference(timezone.localtime(certificate.uploaded_at).date())


@transaction.atomic
def submit_certificate(*, member: Member, upload: File, content_type: str) -> IncomeCertificate:
    """Store a checked upload (forms.IncomeCertificateForm) under a random name, pending.

    Refused (too_many_pending) while the member has CERTIFICATE_MAX_PENDING waiting.
    """
    # One member's uploads one at a time, so that parallel ones cannot pass the count.
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk").first()
    pending = IncomeCertificate.objects.for_member(member).filter(status=CertificateStatus.PENDING)
    if pending.count() >= rules.CERTIFICATE_MAX_PENDING:
        raise CertificateRefusal(
            "too_many_pending",
            _("確認待ちの書類が%(count)d件あります。確認が済んでからお送りください。")
            % {"count": rules.CERTIFICATE_MAX_PENDING},
        )
    certificate = IncomeCertificate(
        member=member, content_type=content_type, size=upload.size, uploaded_at=clock.now()
    )
    certificate.file.save("certificate", upload, save=False)
    try:
        certificate.save()
    except BaseException:
        certificate.file.delete(save=False)  # no file without its record
        raise
    return certificate


def _pending_locked(certificate_id: int) -> IncomeCertificate:
    certificate = (
        IncomeCertificate.objects.select_for_update()
        .select_related("member")
        .get(pk=certificate_id)
    )
    if certificate.status != CertificateStatus.PENDING:
        raise ReviewRefusal(
            "already_reviewed",
            _("この書類は確認済みです（%(status)s）。")
            % {"status": certificate.get_status_display()},
        )
    return certificate


@transaction.atomic
def approve_certificate(*, certificate_id: int, staff: Member) -> IncomeCertificate:
    """Approve a pending certificate and credit the year's points if still due.

    `point_entry` of the result is None when nothing was credited: the member has not
    joined the point service, or already earned the points of that year.
    """
    certificate = _pending_locked(certificate_id)
    entry = services.earn(
        member=certificate.member,
        reason=Reason.INCOME_CERTIFICATE,
        points=rules.INCOME_CERTIFICATE_POINTS,
        reference=points_year(certificate),
        note=f"収入証明書類 #{certificate.pk}",
    )
    _record_review(certificate, staff, CertificateStatus.APPROVED, point_entry=entry)
    transaction.on_commit(
        lambda: _mail(certificate, "emails/income_certificate_approved", entry=entry)
    )
    return certificate


@transaction.atomic
def reject_certificate(*, certificate_id: int, staff: Member, reason: str) -> IncomeCertificate:
    """Reject a pending certificate; the member is told `reason` (required)."""
    reason = reason.strip()
    if not reason:
        raise ReviewRefusal("reason_required", _("差し戻しの理由を入力してください。"))
    certificate = _pending_locked(certificate_id)
    _record_review(certificate, staff, CertificateStatus.REJECTED, rejection_reason=reason)
    transaction.on_commit(lambda: _mail(certificate, "emails/income_certificate_rejected"))
    return certificate


def _record_review(certificate, staff, status, **fields) -> None:
    certificate.status = status
    certificate.reviewed_by = staff
    certificate.reviewed_at = clock.now()
    for name, value in fields.items():
        setattr(certificate, name, value)
    certificate.save(update_fields=["status", "reviewed_by", "reviewed_at", *fields])


def _mail(certificate: IncomeCertificate, template: str, entry: PointEntry | None = None):
    notify_member(
        member=certificate.member,
        template=template,
        context={
            "certificate": certificate,
            "entry": entry,
            "url": absolute_url("points:income-certificate"),
        },
    )
