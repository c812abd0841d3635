"""The record of each run of the fake-member generator (SPEC §9, "generate N fake members"),
and the testers' sandboxes (SPEC §11).

A batch keeps who generated how many members, in which scenario and with which seed, and
which members it made, so staff find them again in the member list (filter 「一括生成」)
and on the batch's page with their credentials. The members app knows nothing of it.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from points.models import Notice
from portal import clock


class Scenario(models.TextChoices):
    """What the generated members' accounts and histories look like."""

    RANDOM = "random", _("ランダムな組み合わせ")
    STANDARD = "standard", _("標準（毎月返済中）")
    DELINQUENT = "delinquent", _("延滞中")
    PAID_OFF = "paid_off", _("完済済み")
    INTEREST_FREE = "interest_free", _("初回無利息期間中")
    NO_WEB_ID = "no_web_id", _("Web-ID未登録")


class GeneratedBatch(models.Model):
    created_at = models.DateTimeField(_("生成日時"), default=clock.now)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成したスタッフ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("manage.py generate_members で生成した場合は空欄"),
    )
    count = models.PositiveIntegerField(_("人数"))
    scenario = models.CharField(_("シナリオ"), max_length=16, choices=Scenario.choices)
    seed = models.PositiveBigIntegerField(_("シード"))
    transactions = models.PositiveIntegerField(_("取引件数（目安）"))
    members = models.ManyToManyField(
        Member, through="GeneratedMember", related_name="generated_batches"
    )

    class Meta:
        verbose_name = _("一括生成")
        verbose_name_plural = _("一括生成")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="generated_batch_count_positive", condition=Q(count__gt=0)),
            models.CheckConstraint(
                name="generated_batch_scenario_valid", condition=Q(scenario__in=Scenario.values)
            ),
        ]

    def __str__(self):
        return _("#%(id)d %(created_at)s %(scenario)s %(count)d名（シード %(seed)d）") % {
            "id": self.pk,
            "created_at": f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M}",
            "scenario": self.get_scenario_display(),
            "count": self.count,
            "seed": self.seed,
        }


class GeneratedMember(models.Model):
    """A member and the batch that made them (a member comes from one batch at most)."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    batch = models.ForeignKey(GeneratedBatch, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("生成された会員")
        verbose_name_plural = _("生成された会員")

    def __str__(self):
        return f"{self.batch_id}: {self.member_id}"


def mailbox_of_slot(slot: int) -> str:
    """Return the name of the mailbox (portal.mail) of the sandbox in `slot`."""
    return f"sandbox-{slot}"


class Sandbox(models.Model):
    """A tester's private copy of the ten personas (SPEC §11), reached by its token.

    Its members' numbers, card numbers and Web-IDs come from its `slot` (demo.sandboxes),
    in a range no other member uses; its PINs and passwords are drawn when it is made
    and kept in `credentials`, so a reset restores the same ones.
    """

    slot = models.PositiveIntegerField(_("番号枠"), unique=True)
    # A SHA-256 of the token: the token is the only key to the sandbox, never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    credentials = models.JSONField(_("認証情報"), default=dict)
    created_at = models.DateTimeField(_("作成日時"), default=clock.shared_now)
    expires_at = models.DateTimeField(_("有効期限"), db_index=True)
    clock_offset = models.DurationField(_("時計のずれ"), default=dt.timedelta(0))
    notices = models.ManyToManyField(Notice, related_name="sandboxes", blank=True)

    class Meta:
        verbose_name = _("テスト用サンドボックス")
        verbose_name_plural = _("テスト用サンドボックス")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="sandbox_slot_in_range", condition=Q(slot__lt=9_000_000)),
        ]

    def __str__(self):
        return f"#{self.slot} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def mailbox(self) -> str:
        """Return the name of its mailbox (portal.mail)."""
        return mailbox_of_slot(self.slot)


class GlitchKind(models.TextChoices):
    LATENCY = "latency", _("応答の遅延")
    UNAVAILABLE = "unavailable", _("メンテナンス（503）")


class SandboxGlitch(models.Model):
    """A fault a sandbox's members meet on the pages under `path` (off until one is set):
    every answer `latency_ms` late, or the next `remaining` requests answer 503."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="glitches")
    kind = models.CharField(_("種類"), max_length=16, choices=GlitchKind.choices)
    path = models.CharField(_("パス"), max_length=200)
    latency_ms = models.PositiveIntegerField(_("遅延（ミリ秒）"), default=0)
    remaining = models.PositiveIntegerField(_("残り回数"), default=0)

    class Meta:
        verbose_name = _("障害スイッチ")
        verbose_name_plural = _("障害スイッチ")
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "kind", "path"], name="sandbox_glitch_unique_path"
            ),
            models.CheckConstraint(
                name="sandbox_glitch_kind_valid", condition=Q(kind__in=GlitchKind.values)
            ),
            models.CheckConstraint(
                name="sandbox_glitch_latency_bounded", condition=Q(latency_ms__lte=30_000)
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.path}"
