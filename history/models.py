from django.db import connections, models, router, transaction
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from history import summaries
from members.models import LoanContract, Member
from portal import clock
from portal.templatetags.portal_tags import money


class Kind(models.TextChoices):
    BORROWING = "borrowing", _("お借入れ")
    REPAYMENT = "repayment", _("ご返済")
    INTEREST_FREE_BENEFIT = "interest_free_benefit", _("無利息サービス適用")
    ATM_FEE = "atm_fee", _("ATM手数料")
    ADJUSTMENT = "adjustment", _("調整")


class Channel(models.TextChoices):
    INTERNET = "internet", _("インターネット")
    SMARTPHONE_ATM = "smartphone_atm", _("スマホATM")
    PARTNER_ATM = "partner_atm", _("提携ATM")
    TRANSFER = "transfer", _("振込")
    STAFF = "staff", _("当社処理")


# The kinds of entry that change the principal balance (the others only record something).
MOVING_PRINCIPAL_KINDS = (Kind.BORROWING, Kind.REPAYMENT, Kind.ADJUSTMENT)


class LedgerEntryQuerySet(models.QuerySet):
    def for_member(self, member: Member) -> "LedgerEntryQuerySet":
        return self.filter(member=member)

    def newest_first(self) -> "LedgerEntryQuerySet":
        return self.order_by("-occurred_at", "-id")

    def oldest_first(self) -> "LedgerEntryQuerySet":
        return self.order_by("occurred_at", "id")

    def moving_principal(self) -> "LedgerEntryQuerySet":
        """Return the entries that change the principal balance."""
        return self.filter(kind__in=MOVING_PRINCIPAL_KINDS)

    def bulk_create(self, objs, *args, **kwargs):
        """Insert entries and add them to their day's and month's summaries, in one
        transaction (the ledger's only other way in is LedgerEntry.save)."""
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise NotImplementedError("the ledger is append-only: entries are only inserted")
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            LedgerSummary.add_entries(created, using=self.db)
        return created


class LedgerEntry(models.Model):
    """One transaction of the loan ledger. Append-only: staff correct with an adjustment.

    A repayment records how it was split (late damages, then interest, then principal)
    and what settled interest or late damages it left unpaid.
    """

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="ledger_entries", verbose_name=_("会員")
    )
    occurred_at = models.DateTimeField(_("取引日時"))
    requested_at = models.DateTimeField(
        _("受付日時"),
        null=True,
        blank=True,
        help_text=_("受付から実行までに時間があった取引（土曜深夜の振込など）の受付日時"),
    )
    kind = models.CharField(_("種類"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("お取引方法"), max_length=16, choices=Channel.choices)
    amount = models.PositiveIntegerField(_("金額（円）"))
    late_damages_paid = models.PositiveIntegerField(_("うち遅延損害金"), default=0)
    interest_paid = models.PositiveIntegerField(_("うち利息"), default=0)
    principal_paid = models.PositiveIntegerField(_("うち元金"), default=0)
    principal_after = models.PositiveIntegerField(_("取引後の元金残高"))
    interest_unpaid = models.PositiveIntegerField(_("未払利息"), default=0)
    late_damages_unpaid = models.PositiveIntegerField(_("未払遅延損害金"), default=0)
    note = models.CharField(_("摘要"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("記録日時"), default=clock.now)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("お取引")
        verbose_name_plural = _("お取引")
        indexes = [
            models.Index(fields=["member", "-occurred_at", "-id"], name="ledger_member_newest"),
            # With the id, so that "the newest of a kind" (ordered by time, then id) is one
            # step down the index on PostgreSQL too, not a sort of every entry of the kind.
            models.Index(fields=["member", "kind", "occurred_at", "id"], name="ledger_member_kind"),
        ]
        constraints = [
            models.CheckConstraint(name="ledger_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="ledger_repayment_split",
                condition=~Q(kind=Kind.REPAYMENT)
                | Q(amount=F("late_damages_paid") + F("interest_paid") + F("principal_paid")),
            ),
            models.CheckConstraint(
                name="ledger_split_only_for_repayments",
                condition=Q(kind=Kind.REPAYMENT)
                | Q(late_damages_paid=0, interest_paid=0, principal_paid=0),
            ),
            models.CheckConstraint(name="ledger_kind_valid", condition=Q(kind__in=Kind.values)),
            models.CheckConstraint(
                name="ledger_channel_valid", condition=Q(channel__in=Channel.values)
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {money(self.amount)}"

    def save(self, *args, **kwargs):
        """Insert the entry and add it to its day's and month's summaries, in one
        transaction. An entry is never changed once booked (staff correct with an
        adjustment): the summaries would no longer add up."""
        if not self._state.adding:
            raise NotImplementedError("the ledger is append-only: a booked entry stays as it is")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            LedgerSummary.add_entries([self], using=using)


class SummarySpan(models.TextChoices):
    """What a LedgerSummary row sums (internal: no page shows it)."""

    DAY = summaries.DAY, "day"
    MONTH = summaries.MONTH, "month"


class LedgerSummary(models.Model):
    """What a member's entries of one kind add up to on one local day or in one month.

    Kept by the ledger's write path in the same transaction as the entries
    (history.summaries); the history's totals and the chart's span read these, so they
    cost the same for ten years of entries as for ten entries.
    """

    # No index of its own: the unique constraint's index starts with the member, and the
    # database would otherwise read all of a member's rows through this one.
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="ledger_summaries", db_index=False
    )
    span = models.CharField(max_length=5, choices=SummarySpan.choices)
    first_day = models.DateField()  # the day, or the month's first day
    kind = models.CharField(max_length=24, choices=Kind.choices)
    entry_count = models.PositiveIntegerField(default=0)
    amount = models.PositiveBigIntegerField(default=0)
    late_damages_paid = models.PositiveBigIntegerField(default=0)
    interest_paid = models.PositiveBigIntegerField(default=0)
    principal_paid = models.PositiveBigIntegerField(default=0)
    first_at = models.DateTimeField()  # the first entry's occurred_at
    last_at = models.DateTimeField()  # the last entry's occurred_at

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "span", "first_day", "kind"], name="ledger_summary_unique"
            ),
        ]

    def __str__(self):
        return f"{self.member_id} {self.span} {self.first_day} {self.kind} {self.entry_count}"

    @classmethod
    def add_entries(cls, entries, *, using: str | None = None) -> None:
        """Add saved entries to their summaries: one upsert that adds to the rows that
        exist and creates the others, so concurrent writers never lose an addition."""
        fields = summaries.ENTRY_FIELDS
        sums = summaries.sums_of(tuple(getattr(e, name) for name in fields) for e in entries)
        if not sums:
            return
        connection = connections[using or router.db_for_write(cls)]
        ops, quote = connection.ops, connection.ops.quote_name
        table = quote(cls._meta.db_table)
        columns = ["member_id", "span", "first_day", "kind", *summaries.SUMMED]
        columns += ["first_at", "last_at"]
        added = ", ".join(f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}"
                          for name in summaries.SUMMED)  # fmt: skip
        sql_end = (
            f" ON CONFLICT (member_id, span, first_day, kind) DO UPDATE SET {added}, "
            f"first_at = CASE WHEN excluded.first_at < {table}.first_at "
            f"THEN excluded.first_at ELSE {table}.first_at END, "
            f"last_at = CASE WHEN excluded.last_at > {table}.last_at "
            f"THEN excluded.last_at ELSE {table}.last_at END"
        )
        rows = [
            (member_id, span, ops.adapt_datefield_value(first_day), kind,
             *(getattr(total, name) for name in summaries.SUMMED),
             ops.adapt_datetimefield_value(total.first_at),
             ops.adapt_datetimefield_value(total.last_at))
            for (member_id, span, first_day, kind), total in sums.items()
        ]  # fmt: skip
        batch = max(1, ops.bulk_batch_size(columns, rows))
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES "
                    + ", ".join([row_sql] * len(chunk))
                    + sql_end,
                    [value for row in chunk for value in row],
                )


class InterestFreeSource(models.TextChoices):
    FIRST_TIME = "first_time", _("初回30日間無利息")
    POINTS = "points", pgettext_lazy("interest-free reason", "ポイント交換")
    STAFF = "staff", _("当社付与")


class InterestFreePeriod(models.Model):
    """Days (inclusive) on which no interest accrues for a member."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="interest_free_periods"
    )
    first_day = models.DateField(_("開始日"))
    last_day = models.DateField(_("終了日"))
    source = models.CharField(_("理由"), max_length=16, choices=InterestFreeSource.choices)
    granted_at = models.DateTimeField(_("付与日時"), default=clock.now)

    class Meta:
        verbose_name = _("無利息期間")
        verbose_name_plural = _("無利息期間")
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                name="interest_free_period_order", condition=Q(last_day__gte=F("first_day"))
            ),
            # The first-time benefit exists at most once per member.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(source="first_time"),
                name="interest_free_first_time_once",
            ),
        ]

    def __str__(self):
        return gettext("%(member)s %(first)s〜%(last)s") % {
            "member": self.member,
            "first": self.first_day,
            "last": self.last_day,
        }


class AtmFeeWaiver(models.Model):
    """Days (inclusive) on which a member's partner-ATM and smartphone-ATM fees are waived
    (a points benefit, SPEC §7/§8, or a staff gesture)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="atm_fee_waivers")
    first_day = models.DateField(_("開始日"))
    last_day = models.DateField(_("終了日"))
    source = models.CharField(_("理由"), max_length=16, choices=InterestFreeSource.choices)
    granted_at = models.DateTimeField(_("付与日時"), default=clock.now)

    class Meta:
        verbose_name = _("ATM手数料無料期間")
        verbose_name_plural = _("ATM手数料無料期間")
        ordering = ["first_day"]
        indexes = [models.Index(fields=["member", "last_day"], name="atm_fee_waiver_member_last")]
        constraints = [
            models.CheckConstraint(
                name="atm_fee_waiver_order", condition=Q(last_day__gte=F("first_day"))
            ),
        ]

    def __str__(self):
        return gettext("%(member)s %(first)s〜%(last)s") % {
            "member": self.member,
            "first": self.first_day,
            "last": self.last_day,
        }


class DueStatus(models.Model):
    """Where a contract stands in its monthly repayment cycle.

    The minimum payment itself is not stored: it follows from the balance after the last
    borrowing (history.schedule.minimum_payment).
    """

    contract = models.OneToOneField(
        LoanContract, on_delete=models.CASCADE, related_name="due_status"
    )
    next_due_date = models.DateField(_("次回返済期日"), null=True, blank=True)
    paid_toward_due = models.PositiveIntegerField(_("今回分の返済済額"), default=0)

    class Meta:
        verbose_name = _("返済期日の状況")
        verbose_name_plural = _("返済期日の状況")

    def __str__(self):
        return f"{self.contract.member} {self.next_due_date}"


class MailPreference(models.Model):
    """Which optional e-mails a member wants: transaction mails and repayment reminders."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="mail_preference")
    transaction_email = models.BooleanField(_("取引確認メール"), default=False)
    reminder_enabled = models.BooleanField(_("返済期日お知らせメール"), default=False)
    reminder_days_before = models.PositiveSmallIntegerField(_("何日前に送るか"), default=3)
    reminder_hour = models.PositiveSmallIntegerField(_("送信する時刻（時）"), default=9)

    class Meta:
        verbose_name = _("メール配信設定")
        verbose_name_plural = _("メール配信設定")
        constraints = [
            models.CheckConstraint(
                name="reminder_days_range",
                condition=Q(reminder_days_before__gte=1, reminder_days_before__lte=7),
            ),
            models.CheckConstraint(
                name="reminder_hour_range", condition=Q(reminder_hour__gte=0, reminder_hour__lte=23)
            ),
        ]

    def __str__(self):
        return f"{self.member}"


class Confirmation(models.Model):
    """An operation a member was shown on a confirmation page, carried out at most once.

    The page's token names it (only its hash is stored). Carrying it out books the entry
    and records the entry here in one transaction, under this row's lock, so however
    often and however concurrently the page is submitted, one entry is booked; every later
    submission finds that entry (history.confirmations).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="confirmations")
    operation = models.CharField(_("操作"), max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    amount = models.PositiveIntegerField(_("金額"))
    detail = models.CharField(
        _("内容"), max_length=64, blank=True, help_text=_("金額のほかに操作が必要とするもの")
    )
    created_at = models.DateTimeField(_("作成日時"), default=clock.now)
    result_id = models.PositiveBigIntegerField(
        _("記帳した取引"), null=True, blank=True, help_text=_("実行済みなら、記帳した取引の番号")
    )
    # The app API's request stored under an Idempotency-Key (its hash); empty for a page's.
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("確認待ちの操作")
        verbose_name_plural = _("確認待ちの操作")
        indexes = [models.Index(fields=["member", "created_at"], name="confirmation_member_age")]

    def __str__(self):
        return f"{self.member} {self.operation} {money(self.amount)}"


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("返済期日のお知らせ")
    OVERDUE = "overdue", _("ご入金確認のお願い（延滞）")


class Reminder(models.Model):
    """A repayment reminder or overdue notice for one due date of a member's cycle.

    One row per member, due date and kind, ever (the unique constraint): `send_reminders`
    inserts the rows that are due and sends each unsent one under its row lock, so however
    many runs overlap, a reminder goes out once (history.reminders).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("種類"), max_length=16, choices=ReminderKind.choices)
    due_date = models.DateField(_("返済期日"))
    created_at = models.DateTimeField(_("作成日時"), default=clock.now)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("返済期日のお知らせメール")
        verbose_name_plural = _("返済期日のお知らせメール")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "due_date", "kind"], name="reminder_once_per_due_date"
            ),
            models.CheckConstraint(
                name="reminder_kind_valid", condition=Q(kind__in=ReminderKind.values)
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="reminder_unsent"),
        ]

    def __str__(self):
        return f"{self.member} {self.due_date} {self.get_kind_display()}"


class AtmState(models.TextChoices):
    """Where a smartphone-ATM session stands (SPEC §8: the ATM screen's `data-atm-state`)."""

    WAITING = "waiting", _("コード入力待ち")
    CLAIMED = "claimed", _("スマホで操作中")
    DONE = "done", _("お取引完了")
    EXPIRED = "expired", _("有効期限切れ")
    CANCELLED = "cancelled", _("取消")


# The states in which a session's code can still be used (until its expiry).
LIVE_ATM_STATES = (AtmState.WAITING, AtmState.CLAIMED)


class AtmOperation(models.TextChoices):
    """What a member does at the ATM (SPEC §8: the member form's `operation`)."""

    WITHDRAW = "withdraw", _("お借入れ（出金）")
    DEPOSIT = "deposit", _("ご返済（入金）")


class AtmSession(models.Model):
    """One use of a partner ATM's smartphone-ATM screen (history.atm): a 6-digit code that
    one member claims within its 3 minutes, for one withdrawal or deposit.

    The screen's address carries a random token (only its hash is stored). A code is
    unique among the sessions that can still use it (the database says so); a session
    past `expires_at` is expired whatever `state` still says, until the next start marks it.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    code = models.CharField(_("コード"), max_length=6)
    state = models.CharField(
        _("状態"), max_length=16, choices=AtmState.choices, default=AtmState.WAITING
    )
    created_at = models.DateTimeField(_("開始日時"), default=clock.now)
    expires_at = models.DateTimeField(_("有効期限"))
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="atm_sessions",
        verbose_name=_("会員"),
    )
    claimed_at = models.DateTimeField(_("コード入力日時"), null=True, blank=True)
    operation = models.CharField(
        _("お取引"), max_length=16, choices=AtmOperation.choices, blank=True
    )
    amount = models.PositiveIntegerField(_("金額（円）"), null=True, blank=True)
    fee = models.PositiveIntegerField(_("ATM手数料（円）"), default=0)
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="atm_session",
        verbose_name=_("お取引"),
    )
    fee_entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="atm_fee_session",
        verbose_name=_("手数料の記帳"),
    )
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("スマホATMのお取引")
        verbose_name_plural = _("スマホATMのお取引")
        indexes = [models.Index(fields=["code", "created_at"], name="atm_session_code_age")]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(state__in=LIVE_ATM_STATES),
                name="atm_code_unique_while_live",
            ),
            models.CheckConstraint(name="atm_state_valid", condition=Q(state__in=AtmState.values)),
            models.CheckConstraint(
                name="atm_code_six_digits", condition=Q(code__regex=r"^[0-9]{6}$")
            ),
            models.CheckConstraint(
                name="atm_expires_after_start", condition=Q(expires_at__gt=F("created_at"))
            ),
            # Waiting: nobody's yet; claimed or done: one member's; done: with its entry.
            models.CheckConstraint(
                name="atm_member_by_state",
                condition=Q(state=AtmState.WAITING, member__isnull=True)
                | Q(state__in=[AtmState.CLAIMED, AtmState.DONE], member__isnull=False)
                | Q(state__in=[AtmState.EXPIRED, AtmState.CANCELLED]),
            ),
            models.CheckConstraint(
                name="atm_done_has_entry",
                condition=~Q(state=AtmState.DONE) | Q(entry__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.get_state_display()}"

    def state_at(self, moment) -> str:
        """Return the state at `moment`: a live session past its expiry is expired."""
        if self.state in LIVE_ATM_STATES and moment >= self.expires_at:
            return AtmState.EXPIRED
        return self.state
