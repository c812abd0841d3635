"""The point ledger (SPEC §7): an account per member who joined, and append-only entries.

The balance is the sum of the member's entries; the account keeps it as a running total,
written under the account's row lock with every entry (which records the balance after
it), and the database refuses a negative one. Earnings that happen once per member and
notice, month or year carry that notice, month or year as their `reference`, and a
unique constraint makes a second one impossible, however parallel the requests.
"""

import datetime as dt
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import translation
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
    # A redemption's benefit period, so that the history tells it in the page's language
    # (the note keeps it in Japanese for staff).
    benefit_first_day = models.DateField(_("特典の開始日"), null=True, blank=True)
    benefit_last_day = models.DateField(_("特典の終了日"), null=True, blank=True)

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
            models.CheckConstraint(
                name="point_entry_benefit_period",
                condition=Q(benefit_first_day__isnull=True, benefit_last_day__isnull=True)
                | Q(benefit_last_day__gte=models.F("benefit_first_day")),
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_reason_display()} {self.points:+,}pt"

    @property
    def is_credit(self) -> bool:
        return self.points > 0


# --- Notices (お知らせ) and coupons (アプリdeクーポン) ----------------------------------
# Their rules are in points.notices and points.coupons.


class Localized(str):
    """Staff-written text as a page in the active language shows it, with the language it
    is written in (`lang`, for the element's lang attribute)."""

    lang: str

    def __new__(cls, text: str, lang: str):
        localized = super().__new__(cls, text)
        localized.lang = lang
        return localized


class EnglishVersions:
    """Staff write in Japanese and may add an English version of a field (`<field>_en`):
    pages in another language than Japanese show it when it is filled, the Japanese
    otherwise."""

    def localized(self, field: str) -> Localized:
        if not (translation.get_language() or "ja").startswith("ja"):
            english = getattr(self, f"{field}_en", "")
            if english:
                return Localized(english, "en")
        return Localized(getattr(self, field), "ja")


ENGLISH_VERSION_HELP = _("英語のページで表示します（空欄なら日本語を表示）")


def validate_notice_points(value: int) -> None:
    """A notice gives no points, or between NOTICE_POINTS_MIN and NOTICE_POINTS_MAX."""
    if value != 0 and not rules.NOTICE_POINTS_MIN <= value <= rules.NOTICE_POINTS_MAX:
        raise ValidationError(
            _("ポイントは0（なし）か、%(min)s〜%(max)sで指定してください。"),
            code="notice_points_out_of_range",
            params={"min": rules.NOTICE_POINTS_MIN, "max": rules.NOTICE_POINTS_MAX},
        )


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("すべての会員")
    SELECTED = "selected", _("指定した会員のみ")


class NoticeQuerySet(models.QuerySet):
    def published_at(self, moment: dt.datetime) -> "NoticeQuerySet":
        """Notices whose window holds `moment`: from `published_from`, before `published_until`."""
        return self.filter(
            Q(published_from__lte=moment),
            Q(published_until__isnull=True) | Q(published_until__gt=moment),
        )

    def for_member(self, member: Member) -> "NoticeQuerySet":
        """Notices for everyone, and those addressed to `member` (no join: no duplicates)."""
        addressed = Notice.recipients.through.objects.filter(
            notice_id=OuterRef("pk"), member_id=member.pk
        )
        return self.filter(Q(audience=Audience.EVERYONE) | Q(Exists(addressed)))

    def with_read_by(self, member: Member) -> "NoticeQuerySet":
        """Annotate `is_read`: whether `member` has opened the notice."""
        reads = NoticeRead.objects.filter(notice_id=OuterRef("pk"), member_id=member.pk)
        return self.annotate(is_read=Exists(reads))

    def newest_first(self) -> "NoticeQuerySet":
        return self.order_by("-published_from", "-id")


class Notice(EnglishVersions, models.Model):
    """A notice staff publish on the member page; reading it may earn points (SPEC §7)."""

    title = models.CharField(_("タイトル"), max_length=100)
    body = models.TextField(
        _("本文"), max_length=5000, help_text=_("テキストのみ（改行はそのまま表示されます）")
    )
    title_en = models.CharField(
        _("タイトル（英語）"), max_length=100, blank=True, help_text=ENGLISH_VERSION_HELP
    )
    body_en = models.TextField(
        _("本文（英語）"), max_length=5000, blank=True, help_text=ENGLISH_VERSION_HELP
    )
    published_from = models.DateTimeField(_("掲載開始"), default=clock.now)
    published_until = models.DateTimeField(
        _("掲載終了"),
        null=True,
        blank=True,
        help_text=_("この日時になると掲載を終えます。空欄なら無期限"),
    )
    points = models.PositiveSmallIntegerField(
        _("閲覧ポイント"),
        default=0,
        validators=[validate_notice_points],
        help_text=_(
            "0（ポイントなし）または5〜20。ポイントサービスご入会の会員が初めて読んだときに一度だけ付与"
        ),
    )
    audience = models.CharField(
        _("対象"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    recipients = models.ManyToManyField(
        Member,
        blank=True,
        related_name="addressed_notices",
        verbose_name=_("対象の会員"),
        help_text=_("対象が「指定した会員のみ」のときに表示する会員"),
    )
    created_at = models.DateTimeField(_("作成日時"), default=clock.now, editable=False)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        indexes = [models.Index(fields=["-published_from", "-id"], name="notice_newest")]
        constraints = [
            models.CheckConstraint(
                name="notice_points_none_or_in_range",
                condition=Q(points=0)
                | Q(points__gte=rules.NOTICE_POINTS_MIN, points__lte=rules.NOTICE_POINTS_MAX),
            ),
            models.CheckConstraint(
                name="notice_window_order",
                condition=Q(published_until__isnull=True)
                | Q(published_until__gt=models.F("published_from")),
                violation_error_code="window_order",
                violation_error_message=_("掲載終了は掲載開始より後にしてください。"),
            ),
            models.CheckConstraint(
                name="notice_audience_valid", condition=Q(audience__in=Audience.values)
            ),
        ]

    def __str__(self):
        return self.title

    def is_published_at(self, moment: dt.datetime) -> bool:
        """Whether the window holds `moment` (as NoticeQuerySet.published_at says)."""
        return self.published_from <= moment and (
            self.published_until is None or moment < self.published_until
        )

    @property
    def point_reference(self) -> str:
        """The reference of the point entry its reading earns (once per member and notice)."""
        return str(self.pk)


class NoticeRead(models.Model):
    """That a member has opened a notice (for the unread count); once per member and notice."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notice_reads")
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(_("既読日時"), default=clock.now)

    class Meta:
        verbose_name = _("お知らせの既読")
        verbose_name_plural = _("お知らせの既読")
        constraints = [
            models.UniqueConstraint(fields=["member", "notice"], name="notice_read_once")
        ]

    def __str__(self):
        return f"{self.member} {self.notice}"


COUPON_IMAGE_MAX_BYTES = 1024 * 1024
COUPON_CODE_PATTERN = r"[A-Z0-9][A-Z0-9-]{2,30}[A-Z0-9]"
# Image types a coupon may carry, by their first bytes (the name and the browser's word do
# not count).
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def image_type(head: bytes) -> str | None:
    """Return the content type of an image starting with `head`, None if not PNG or JPEG."""
    return next(
        (kind for signature, kind in IMAGE_SIGNATURES.items() if head.startswith(signature)),
        None,
    )


def validate_coupon_image(file) -> None:
    """At most COUPON_IMAGE_MAX_BYTES, and a PNG or JPEG by its content.

    Only a new upload is read: a stored one was checked when it came (and reading it
    again would fail on a file gone from the disk; the image view answers 404 for that).
    """
    if getattr(file, "_committed", False):
        return
    if file.size > COUPON_IMAGE_MAX_BYTES:
        raise ValidationError(_("画像は1MB以下にしてください。"), code="file_too_large")
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(8)
    file.seek(position)
    if image_type(head) is None:
        raise ValidationError(_("画像はPNGかJPEGのファイルにしてください。"), code="file_type")


def coupon_image_name(instance, filename: str) -> str:
    """Store under a random name: nothing of the uploaded name reaches the disk."""
    return f"coupons/{uuid.uuid4().hex}"


class CouponQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> "CouponQuerySet":
        """Coupons usable on `day` (both ends of the validity included)."""
        return self.filter(valid_from__lte=day, valid_until__gte=day)


class Coupon(EnglishVersions, models.Model):
    """A coupon staff define; members show it at the shop (SPEC §7, アプリdeクーポン)."""

    shop = models.CharField(_("店舗・ブランド"), max_length=100)
    offer = models.CharField(_("特典内容"), max_length=200)
    shop_en = models.CharField(
        _("店舗・ブランド（英語）"), max_length=100, blank=True, help_text=ENGLISH_VERSION_HELP
    )
    offer_en = models.CharField(
        _("特典内容（英語）"), max_length=200, blank=True, help_text=ENGLISH_VERSION_HELP
    )
    code = models.CharField(
        _("クーポンコード"),
        max_length=32,
        validators=[
            RegexValidator(
                rf"\A{COUPON_CODE_PATTERN}\Z",
                _("コードは半角英大文字・数字・ハイフンで4〜32文字にしてください。"),
                code="coupon_code_format",
            )
        ],
        help_text=_("店頭で読み取る・読み上げるコード（例: CAFE-2026）"),
    )
    terms = models.TextField(_("ご利用条件"), max_length=1000, blank=True)
    terms_en = models.TextField(
        _("ご利用条件（英語）"), max_length=1000, blank=True, help_text=ENGLISH_VERSION_HELP
    )
    valid_from = models.DateField(_("有効期間（開始日）"))
    valid_until = models.DateField(_("有効期間（終了日）"), help_text=_("この日まで使えます"))
    image = models.FileField(
        _("画像"),
        upload_to=coupon_image_name,
        blank=True,
        validators=[validate_coupon_image],
        help_text=_("PNGかJPEG、1MBまで（任意）"),
    )
    created_at = models.DateTimeField(_("作成日時"), default=clock.now, editable=False)

    objects = CouponQuerySet.as_manager()

    class Meta:
        verbose_name = _("クーポン")
        verbose_name_plural = _("クーポン")
        constraints = [
            models.CheckConstraint(
                name="coupon_validity_order",
                condition=Q(valid_until__gte=models.F("valid_from")),
                violation_error_code="validity_order",
                violation_error_message=_("有効期間の終了日は開始日以降にしてください。"),
            ),
        ]

    def __str__(self):
        return f"{self.shop} {self.offer}"


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
