"""The point ledger (SPEC §7): an account per member who joined, and append-only entries.

The balance is the sum of the member's entries; the account keeps it as a running total,
written under the account's row lock with every entry (which records the balance after
it), and the database refuses a negative one. Earnings that happen once per member and
notice, month or year carry that notice, month or year as their `reference`, and a
unique constraint makes a second one impossible, however parallel the requests.
"""

import secrets

from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from members.models import Member
from points import rules
from portal import clock


class Reason(models.TextChoices):
    JOIN = "join", _("ポイントサービス入会")
    MONTHLY_LOGIN = "monthly_login", _("月初回ログイン")
    NOTICE = "notice", _("お知らせの閲覧")
    INCOME_CERTIFICATE = "income_certificate", _("収入証明書類のご提出")
    REMINDER_MAIL = "reminder_mail", _("返済日お知らせメールのご登録")
    TRANSACTION_MAIL = "transaction_mail", _("取引確認メールのご登録")
    WEB_STATEMENT = "web_statement", _("Web明細のご利用")
    REDEMPTION = "redemption", _("ポイント交換")
    STAFF_GRANT = "staff_grant", _("当社付与")
    STAFF_DEDUCTION = "staff_deduction", _("当社調整")


# Earnings a member gets at most once per reference (the notice, the month, the year):
# the reference is what makes a second one a duplicate.
ONCE_PER_REFERENCE = (
    Reason.JOIN,
    Reason.MONTHLY_LOGIN,
    Reason.NOTICE,
    Reason.INCOME_CERTIFICATE,
    Reason.REMINDER_MAIL,
    Reason.TRANSACTION_MAIL,
    Reason.WEB_STATEMENT,
)
# The reasons that take points away (the entry's `points` is negative).
DEBIT_REASONS = (Reason.REDEMPTION, Reason.STAFF_DEDUCTION)


class PointAccount(models.Model):
    """A member's membership of the point service and their running balance."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="point_account")
    joined_at = models.DateTimeField(_("入会日時"), default=clock.now)
    balance = models.PositiveIntegerField(_("ポイント残高"), default=0)

    class Meta:
        verbose_name = _("ポイント口座")
        verbose_name_plural = _("ポイント口座")
        constraints = [
            models.CheckConstraint(name="point_balance_not_negative", condition=Q(balance__gte=0))
        ]

    def __str__(self):
        return f"{self.member} {self.balance:,}pt"


class MemberRecordQuerySet(models.QuerySet):
    """Records of members that happen at a moment (`moment_field`): a member's, newest first."""

    moment_field: str

    def for_member(self, member: Member):
        return self.filter(member=member)

    def newest_first(self):
        return self.order_by(f"-{self.moment_field}", "-id")


class PointEntryQuerySet(MemberRecordQuerySet):
    moment_field = "occurred_at"


class PointEntry(models.Model):
    """One change of a member's points: + for an earning, − for a redemption. Append-only."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="point_entries")
    occurred_at = models.DateTimeField(_("日時"), default=clock.now)
    reason = models.CharField(_("内容"), max_length=24, choices=Reason.choices)
    reference = models.CharField(
        _("対象"),
        max_length=40,
        blank=True,
        help_text=_("お知らせの番号、対象の月（2026-12）や年（2026）、交換した特典など"),
    )
    points = models.IntegerField(_("ポイント"))
    balance_after = models.PositiveIntegerField(_("残高"))
    note = models.CharField(_("摘要"), max_length=200, blank=True)

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ポイント履歴")
        verbose_name_plural = _("ポイント履歴")
        indexes = [
            models.Index(fields=["member", "-occurred_at", "-id"], name="point_entry_member_newest")
        ]
        constraints = [
            models.CheckConstraint(
                name="point_entry_reason_valid", condition=Q(reason__in=Reason.values)
            ),
            models.CheckConstraint(
                name="point_entry_sign",
                condition=(Q(reason__in=DEBIT_REASONS) & Q(points__lt=0))
                | (~Q(reason__in=DEBIT_REASONS) & Q(points__gt=0)),
            ),
            models.UniqueConstraint(
                fields=["member", "reason", "reference"],
                condition=Q(reason__in=ONCE_PER_REFERENCE),
                name="point_earning_once_per_reference",
            ),
            models.CheckConstraint(
                name="point_entry_balance_after", condition=Q(balance_after__gte=0)
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_reason_display()} {self.points:+,}pt"

    @property
    def is_credit(self) -> bool:
        return self.points > 0


# --- Income certificates ---------------------------------------------------------------


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("確認中")
    APPROVED = "approved", _("承認")
    REJECTED = "rejected", _("差し戻し")


def certificate_path(certificate: "IncomeCertificate", filename: str) -> str:
    """Return a random stored name: nothing of the member's file name is kept."""
    extension = rules.certificate_extension(certificate.content_type)
    return f"income-certificates/{secrets.token_urlsafe(24)}.{extension}"


class IncomeCertificateQuerySet(MemberRecordQuerySet):
    moment_field = "uploaded_at"


class IncomeCertificate(models.Model):
    """An income certificate a member uploaded, and how staff reviewed it.

    The file is in MEDIA_ROOT under a random name and only reaches its member and staff
    through views that check who asks. Approval credits the once-a-year points; the
    entry it booked is kept here (none if the member had not joined or already earned
    them that year).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="income_certificates")
    file = models.FileField(_("ファイル"), upload_to=certificate_path, max_length=200)
    content_type = models.CharField(
        _("形式"),
        max_length=20,
        choices=[(kind, kind) for kind in rules.CERTIFICATE_CONTENT_TYPES],
    )
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    uploaded_at = models.DateTimeField(_("提出日時"), default=clock.now)
    status = models.CharField(
        _("状態"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.PENDING,
    )
    reviewed_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認したスタッフ"),
    )
    reviewed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    rejection_reason = models.CharField(_("差し戻しの理由"), max_length=500, blank=True)
    # RESTRICT, not PROTECT: the entry is never deleted alone, but deleting the member
    # deletes both (the demo reset does).
    point_entry = models.OneToOneField(
        PointEntry,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="income_certificate",
        verbose_name=_("付与したポイント"),
    )

    objects = IncomeCertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("収入証明書類")
        verbose_name_plural = _("収入証明書類")
        indexes = [
            models.Index(
                fields=["member", "-uploaded_at", "-id"], name="certificate_member_newest"
            ),
            models.Index(fields=["status", "uploaded_at"], name="certificate_status_oldest"),
        ]
        constraints = [
            models.CheckConstraint(
                name="certificate_status_valid", condition=Q(status__in=CertificateStatus.values)
            ),
            models.CheckConstraint(
                name="certificate_content_type_valid",
                condition=Q(content_type__in=rules.CERTIFICATE_CONTENT_TYPES),
            ),
            models.CheckConstraint(
                name="certificate_size_within_limit",
                condition=Q(size__gte=1, size__lte=rules.CERTIFICATE_MAX_BYTES),
            ),
            # Pending: not reviewed. Reviewed: by whom and when; a rejection says why.
            models.CheckConstraint(
                name="certificate_review_consistent",
                condition=(
                    Q(status=CertificateStatus.PENDING, reviewed_at__isnull=True)
                    | Q(status=CertificateStatus.APPROVED, reviewed_at__isnull=False)
                    | (
                        Q(status=CertificateStatus.REJECTED, reviewed_at__isnull=False)
                        & ~Q(rejection_reason="")
                    )
                ),
            ),
            models.CheckConstraint(
                name="certificate_points_only_when_approved",
                condition=Q(point_entry__isnull=True) | Q(status=CertificateStatus.APPROVED),
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.uploaded_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def download_name(self) -> str:
        """Return the file name a download gets (never the member's original name)."""
        extension = rules.certificate_extension(self.content_type)
        return f"income-certificate-{self.pk}.{extension}"


@receiver(post_delete, sender=IncomeCertificate, dispatch_uid="points_delete_certificate_file")
def delete_certificate_file(sender, instance: IncomeCertificate, **kwargs):
    """Delete a deleted certificate's file too (a member deleted, a demo reset); only once
    the deletion is committed, so a rolled-back one keeps its file."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
