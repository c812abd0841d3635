import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MaintenanceScope(models.TextChoices):
    MEMBER_PAGES = "member_pages", _("会員ページ・ログイン")
    INTERNET_REPAYMENT = "internet_repayment", _("インターネット返済")


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("毎週")
    YEARLY = "yearly", _("毎年（月日指定）")
    MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday", _("毎月第n曜日（前後の日もずらせます）")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("月曜日")
    TUESDAY = 1, _("火曜日")
    WEDNESDAY = 2, _("水曜日")
    THURSDAY = 3, _("木曜日")
    FRIDAY = 4, _("金曜日")
    SATURDAY = 5, _("土曜日")
    SUNDAY = 6, _("日曜日")


class MaintenanceWindow(models.Model):
    """A recurring period (Asia/Tokyo wall-clock time) during which a service is closed."""

    scope = models.CharField(_("対象"), max_length=32, choices=MaintenanceScope.choices)
    recurrence = models.CharField(_("繰り返し"), max_length=32, choices=Recurrence.choices)
    weekday = models.PositiveSmallIntegerField(
        _("曜日"), choices=Weekday.choices, null=True, blank=True
    )
    nth = models.PositiveSmallIntegerField(
        _("第n"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("毎月第n曜日のときのn（1〜5）"),
    )
    day_offset = models.SmallIntegerField(
        _("日のずれ"),
        default=0,
        validators=[MinValueValidator(-6), MaxValueValidator(6)],
        help_text=_("第n曜日から何日ずらすか（例: 第3日曜日の前の土曜日は -1）"),
    )
    month = models.PositiveSmallIntegerField(
        _("月"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("日"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    start_time = models.TimeField(_("開始時刻"))
    duration_minutes = models.PositiveIntegerField(
        _("長さ（分）"), validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    description = models.CharField(_("説明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("メンテナンス時間帯")
        verbose_name_plural = pgettext_lazy("plural", "メンテナンス時間帯")
        ordering = ["scope", "id"]
        constraints = [
            models.CheckConstraint(
                name="maintenance_rule_complete",
                condition=(
                    Q(recurrence=Recurrence.WEEKLY, weekday__isnull=False)
                    | Q(recurrence=Recurrence.YEARLY, month__isnull=False, day__isnull=False)
                    | Q(
                        recurrence=Recurrence.MONTHLY_NTH_WEEKDAY,
                        weekday__isnull=False,
                        nth__gte=1,
                        nth__lte=5,
                    )
                ),
            ),
            models.CheckConstraint(
                name="maintenance_duration_positive", condition=Q(duration_minutes__gte=1)
            ),
        ]

    def __str__(self):
        return self.description or f"{self.get_scope_display()} {self.get_recurrence_display()}"

    def clean(self):
        required = {
            Recurrence.WEEKLY: ["weekday"],
            Recurrence.YEARLY: ["month", "day"],
            Recurrence.MONTHLY_NTH_WEEKDAY: ["weekday", "nth"],
        }.get(self.recurrence, [])
        errors = {
            name: ValidationError(_("この繰り返しでは必須です。"), code="required")
            for name in required
            if getattr(self, name) is None
        }
        if errors:
            raise ValidationError(errors)

    def closes(self, scope: str) -> bool:
        """Return whether this window closes `scope` (member-page windows close everything)."""
        return self.is_active and self.scope in {MaintenanceScope.MEMBER_PAGES, scope}

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)

    def starts_on(self, date: dt.date) -> bool:
        """Return whether an occurrence of this window begins on `date` (local calendar)."""
        if self.recurrence == Recurrence.WEEKLY:
            return date.weekday() == self.weekday
        if self.recurrence == Recurrence.YEARLY:
            return (date.month, date.day) == (self.month, self.day)
        anchor = date - dt.timedelta(days=self.day_offset)
        return anchor.weekday() == self.weekday and (anchor.day - 1) // 7 + 1 == self.nth

    def occurrence_covering(self, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        """Return (start, end) of the occurrence that contains `moment`, if any."""
        zone = timezone.get_default_timezone()  # windows are Asia/Tokyo wall-clock times
        local = timezone.localtime(moment, zone)
        span_days = self.duration_minutes // (24 * 60) + 1
        for back in range(span_days + 1):
            date = local.date() - dt.timedelta(days=back)
            if not self.starts_on(date):
                continue
            start = timezone.make_aware(dt.datetime.combine(date, self.start_time), zone)
            end = start + self.duration
            if start <= moment < end:
                return start, end
        return None


class MailboxMessage(models.Model):
    """A copy of an e-mail the portal sent, readable at /demo/mailbox/ in demo mode."""

    mailbox = models.CharField(
        _("メールボックス"),
        max_length=32,
        blank=True,
        db_index=True,
        help_text=_("空欄は共通のデモ用メールボックス。テスト用サンドボックスのメールはその名前"),
    )
    sent_at = models.DateTimeField(_("送信日時"), db_index=True)
    from_email = models.CharField(_("差出人"), max_length=254)
    to = models.TextField(_("宛先"), help_text=_("カンマ区切り"))
    subject = models.CharField(_("件名"), max_length=255)
    body = models.TextField(_("本文"))
    html_body = models.TextField(_("HTML本文"), blank=True)

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = pgettext_lazy("plural", "送信メール")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.sent_at:%Y-%m-%d %H:%M} {self.to} {self.subject}"


class OutgoingMail(models.Model):
    """A mail the mail server did not take when it was sent, waiting for `send_outbox`
    (portal.outbox). Its body, which may hold a one-time link, is emptied once the mail
    is sent or given up."""

    template = models.CharField(_("テンプレート"), max_length=100)
    to = models.EmailField(_("宛先"), max_length=254)
    from_email = models.CharField(_("差出人"), max_length=254)
    subject = models.CharField(_("件名"), max_length=255)
    body = models.TextField(_("本文"), blank=True)
    created_at = models.DateTimeField(_("作成日時"))
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=1)
    next_attempt_at = models.DateTimeField(_("次の試行"))
    last_error = models.CharField(_("最後のエラー"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("断念日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("未送信メール")
        verbose_name_plural = pgettext_lazy("plural", "未送信メール")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, gave_up_at__isnull=True),
                name="portal_outbox_due",
            )
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.template} #{self.pk}"
