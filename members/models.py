from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from members import banks
from portal import clock
from portal.templatetags.portal_tags import money

MAX_CREDIT_LIMIT = 5_000_000
MIN_RATE = Decimal("4.5")
MAX_RATE = Decimal("17.8")
LATE_DAMAGES_RATE = Decimal("20.0")
# Interest Limitation Act caps: (limit below this amount, cap); the last applies above.
LEGAL_RATE_CAPS = ((100_000, Decimal("20.0")), (1_000_000, Decimal("18.0")))
LEGAL_RATE_CAP_TOP = Decimal("15.0")

PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
]  # fmt: skip


def legal_rate_cap(credit_limit: int) -> Decimal:
    """Return the Interest Limitation Act's maximum annual rate for a credit limit."""
    for below, cap in LEGAL_RATE_CAPS:
        if credit_limit < below:
            return cap
    return LEGAL_RATE_CAP_TOP


def legal_rate_cap_condition() -> Q:
    """Return the database's form of `legal_rate_cap`: each limit's rate within its cap."""
    condition, floor = Q(), {}
    for below, cap in LEGAL_RATE_CAPS:
        condition |= Q(**floor, credit_limit__lt=below, annual_rate__lte=cap)
        floor = {"credit_limit__gte": below}
    return condition | Q(**floor, annual_rate__lte=LEGAL_RATE_CAP_TOP)


class StatementDelivery(models.TextChoices):
    POST = "post", _("郵送")
    WEB = "web", _("Web明細")


class MemberQuerySet(models.QuerySet):
    def members(self):
        """Return borrowers only (not staff)."""
        return self.filter(member_number__isnull=False)


class MemberManager(BaseUserManager.from_queryset(MemberQuerySet)):
    use_in_migrations = True

    def create_user(self, username=None, password=None, **extra_fields):
        member = self.model(username=username, **extra_fields)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_superuser(self, username, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **extra_fields)


class Member(AbstractBaseUser, PermissionsMixin):
    """A borrower of the card loan, or a staff user of the admin (staff have no card).

    `password` holds the Web-ID password of a member (unusable when no Web-ID is
    registered) and the admin password of staff.
    """

    username = models.CharField(
        _("スタッフID"),
        max_length=150,
        unique=True,
        null=True,
        blank=True,
        help_text=_("管理画面にログインするスタッフのみ。会員には設定しません。"),
    )
    member_number = models.CharField(
        _("会員番号"),
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^\d{9}\Z", _("会員番号は9桁の数字です。"))],
    )
    card_number = models.CharField(
        _("カード番号"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[
            RegexValidator(
                r"^(\d{10}|\d{15,16})\Z", _("カード番号は10桁または15〜16桁の数字です。")
            )
        ],
    )
    pin = models.CharField(_("暗証番号（ハッシュ）"), max_length=128, blank=True)
    web_id = models.CharField(_("Web-ID"), max_length=32, unique=True, null=True, blank=True)

    name_kanji = models.CharField(_("氏名"), max_length=60, blank=True)
    name_kana = models.CharField(_("氏名（カナ）"), max_length=60, blank=True)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)
    phone = models.CharField(_("電話番号"), max_length=15, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    email_verified = models.BooleanField(_("メールアドレス確認済み"), default=False)
    language = models.CharField(
        _("表示言語"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ja",
        help_text=_("メールはこの言語で送ります。会員がログインや言語の切り替えで選んだ言語です。"),
    )
    pending_email = models.EmailField(
        _("確認待ちのメールアドレス"),
        blank=True,
        help_text=_("変更の確認メールのリンクが開かれると、メールアドレスになります。"),
    )
    postal_code = models.CharField(
        _("郵便番号"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^\d{7}\Z", _("郵便番号は7桁の数字です。"))],
    )
    prefecture = models.CharField(
        _("都道府県"), max_length=4, blank=True, choices=[(p, p) for p in PREFECTURES]
    )
    city = models.CharField(_("市区町村"), max_length=60, blank=True)
    street = models.CharField(_("番地"), max_length=100, blank=True)
    building = models.CharField(_("建物名"), max_length=100, blank=True)
    employer = models.CharField(_("勤務先"), max_length=100, blank=True)
    statement_delivery = models.CharField(
        _("書面の受取方法"),
        max_length=4,
        choices=StatementDelivery.choices,
        default=StatementDelivery.POST,
    )

    is_staff = models.BooleanField(_("スタッフ"), default=False)
    is_active = models.BooleanField(_("有効"), default=True)
    date_joined = models.DateTimeField(_("登録日時"), default=clock.now)

    objects = MemberManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("会員")
        verbose_name_plural = pgettext_lazy("plural", "会員")
        constraints = [
            # Staff sign in to the admin only; members only to the member page.
            models.CheckConstraint(
                name="member_xor_staff",
                condition=(
                    Q(
                        is_staff=True,
                        member_number__isnull=True,
                        card_number__isnull=True,
                        web_id__isnull=True,
                    )
                    | Q(is_staff=False, is_superuser=False, username__isnull=True)
                ),
            ),
            models.CheckConstraint(
                name="member_web_id_format",
                condition=Q(web_id__isnull=True) | Q(web_id__regex=r"^[A-Za-z0-9]{8,32}$"),
            ),
        ]

    def __str__(self):
        if self.member_number:
            return f"{self.member_number} {self.name_kanji}"
        return self.username or ""

    def get_username(self):
        return self.member_number or self.username

    def clean(self):
        # AbstractBaseUser.clean() writes get_username() back into `username`: for a
        # member that would be the member number, and members have no username.
        if self.is_staff:
            super().clean()

    def set_pin(self, raw_pin: str | None) -> None:
        self.pin = make_password(raw_pin)

    def check_pin(self, raw_pin: str) -> bool:
        return check_password(raw_pin, self.pin)

    def _get_session_auth_hash(self, secret=None):
        # Django ties sessions to the password hash, so a new password ends the other
        # sessions; a new PIN must end the card's sessions the same way.
        return salted_hmac(
            "members.Member.get_session_auth_hash",
            f"{self.password}:{self.pin}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def has_web_id(self) -> bool:
        return bool(self.web_id)

    @property
    def preferred_login_method(self) -> str:
        """Return the LoginMethod whose secret to ask for when nothing says which: the
        Web-ID's password where there is one, else the card's PIN."""
        return LoginMethod.WEB_ID if self.web_id else LoginMethod.CARD

    @property
    def is_member(self) -> bool:
        """Return whether this is a borrower, who uses the member page (staff never do)."""
        return bool(self.member_number)

    @property
    def may_stay_logged_in(self) -> bool:
        """Return whether a login of this member (a web session, an API token) may act for
        them: an active member whose contract is not terminated (select the contract)."""
        contract = getattr(self, "contract", None)
        is_terminated = contract is not None and contract.is_terminated
        return self.is_active and self.is_member and not is_terminated


def mask_identifier(value: str) -> str:
    """Return an identifier with all but its last four characters hidden."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("契約中")
    SUSPENDED = "suspended", _("利用停止（延滞）")
    TERMINATED = "terminated", _("解約")


class DueDay(models.IntegerChoices):
    FIFTH = 5, _("5日")
    FIFTEENTH = 15, _("15日")
    TWENTY_FIFTH = 25, _("25日")
    MONTH_END = 31, _("月末")


class LoanContract(models.Model):
    """The card-loan contract of one member (SPEC §4)."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="contract", verbose_name=_("会員")
    )
    credit_limit = models.PositiveIntegerField(
        _("利用限度額（円）"), validators=[MaxValueValidator(MAX_CREDIT_LIMIT)]
    )
    annual_rate = models.DecimalField(
        _("実質年率（%）"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(MIN_RATE), MaxValueValidator(MAX_RATE)],
    )
    # Fixed by SPEC §4 (the legal cap for late damages); stored so the ledger reads it
    # beside the contract's own rate, never edited.
    late_damages_rate = models.DecimalField(
        _("遅延損害金（年率%）"),
        max_digits=4,
        decimal_places=2,
        default=LATE_DAMAGES_RATE,
        editable=False,
    )
    due_day = models.PositiveSmallIntegerField(_("約定返済日"), choices=DueDay.choices)
    status = models.CharField(
        _("契約状態"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    principal_balance = models.PositiveIntegerField(_("元金残高（円）"), default=0)
    contracted_on = models.DateField(_("契約日"), default=clock.today)

    class Meta:
        verbose_name = _("ローン契約")
        verbose_name_plural = pgettext_lazy("plural", "ローン契約")
        constraints = [
            models.CheckConstraint(
                name="contract_limit_range",
                condition=Q(credit_limit__gte=0, credit_limit__lte=MAX_CREDIT_LIMIT),
            ),
            models.CheckConstraint(
                name="contract_rate_range",
                condition=Q(annual_rate__gte=MIN_RATE, annual_rate__lte=MAX_RATE),
            ),
            models.CheckConstraint(
                name="contract_rate_legal_cap", condition=legal_rate_cap_condition()
            ),
            models.CheckConstraint(
                name="contract_late_damages_rate_fixed",
                condition=Q(late_damages_rate=LATE_DAMAGES_RATE),
            ),
            models.CheckConstraint(
                name="contract_due_day_valid", condition=Q(due_day__in=DueDay.values)
            ),
            models.CheckConstraint(
                name="contract_status_valid", condition=Q(status__in=ContractStatus.values)
            ),
        ]

    def __str__(self):
        return f"{self.member} {money(self.credit_limit)}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.credit_limit is not None and self.annual_rate is not None:
            cap = legal_rate_cap(self.credit_limit)
            if self.annual_rate > cap:
                raise ValidationError(
                    {
                        "annual_rate": ValidationError(
                            _("利用限度額%(limit)s円の上限金利は%(cap)s%%です（利息制限法）。"),
                            code="above_legal_cap",
                            params={"limit": f"{self.credit_limit:,}", "cap": cap},
                        )
                    }
                )

    def available_credit_at(self, principal: int) -> int:
        """Return what may still be borrowed while `principal` is owed."""
        return max(0, self.credit_limit - principal)

    @property
    def available_credit(self) -> int:
        """Return what may still be borrowed, by the stored principal balance."""
        return self.available_credit_at(self.principal_balance)

    @property
    def is_terminated(self) -> bool:
        return self.status == ContractStatus.TERMINATED


class AccountType(models.TextChoices):
    ORDINARY = "ordinary", _("普通")
    CURRENT = "current", _("当座")


class TransferAccount(models.Model):
    """The member's bank account that transfer borrowing pays into (振込先口座)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="transfer_account")
    bank_code = models.CharField(_("金融機関コード"), max_length=4)
    branch_code = models.CharField(_("支店コード"), max_length=3)
    account_type = models.CharField(
        _("預金種目"), max_length=8, choices=AccountType.choices, default=AccountType.ORDINARY
    )
    account_number = models.CharField(_("口座番号"), max_length=7)
    holder_kana = models.CharField(_("口座名義（カナ）"), max_length=60)
    updated_at = models.DateTimeField(_("更新日時"), default=clock.now)

    class Meta:
        verbose_name = _("振込先口座")
        verbose_name_plural = pgettext_lazy("plural", "振込先口座")
        constraints = [
            models.CheckConstraint(
                name="transfer_account_codes",
                condition=Q(
                    bank_code__regex=r"^\d{4}$",
                    branch_code__regex=r"^\d{3}$",
                    account_number__regex=r"^\d{7}$",
                ),
            )
        ]

    def __str__(self):
        kind = self.get_account_type_display()
        return f"{self.bank_code}-{self.branch_code} {kind} {self.account_number}"

    @property
    def bank_name(self) -> str:
        return banks.bank_name(self.bank_code)

    @property
    def branch_name(self) -> str:
        return banks.branch_name(self.bank_code, self.branch_code)

    @property
    def masked_number(self) -> str:
        """Return the account number as a confirmation page shows it (＊＊＊4567, ***4567)."""
        return pgettext("a masked account number", "＊＊＊%(last_digits)s") % {
            "last_digits": self.account_number[-4:]
        }


class LoginMethod(models.TextChoices):
    CARD = "card", _("カード番号・暗証番号")
    WEB_ID = "web_id", _("Web-ID・パスワード")
    # Staff signing in to the admin: the staff ID's password, then the TOTP code.
    STAFF = "staff", _("スタッフID・パスワード（管理画面）")
    STAFF_CODE = "totp", _("スタッフ確認コード（管理画面）")


@dataclass(frozen=True)
class Credential:
    """What the credential of a login method is on a Member."""

    # The Member field that holds the identifier; also the backend's keyword for it.
    identifier_field: str
    # For the members' methods: the backend's keyword for the secret, the name of the
    # Member method that checks the secret, and the backend (Django records it in the
    # session at login).
    secret_argument: str = ""
    check_secret: str = ""
    backend: str = ""


LOGIN_CREDENTIALS = {
    LoginMethod.CARD: Credential(
        identifier_field="card_number",
        secret_argument="pin_secret",
        check_secret="check_pin",
        backend="members.backends.CardPinBackend",
    ),
    LoginMethod.WEB_ID: Credential(
        identifier_field="web_id",
        secret_argument="password",
        check_secret="check_password",
        backend="members.backends.WebIdBackend",
    ),
    # Staff sign in through their own service (members.staff_login), by staff ID.
    LoginMethod.STAFF: Credential(identifier_field="username"),
    LoginMethod.STAFF_CODE: Credential(identifier_field="username"),
}


class LoginResult(models.TextChoices):
    SUCCESS = "success", _("成功")
    INVALID_CREDENTIALS = "invalid_credentials", _("認証失敗")
    LOCKED = "locked", _("ロック中")
    CONTRACT_TERMINATED = "contract_terminated", _("解約済み")
    THROTTLED = "throttled", _("試行回数超過（IPアドレス）")
    # The staff password was right; the sign-in completes with the TOTP code.
    CODE_REQUIRED = "code_required", _("確認コード待ち")


class LoginAttemptQuerySet(models.QuerySet):
    def for_member(self, member):
        return self.filter(member=member).order_by("-attempted_at", "-id")


class LoginAttempt(models.Model):
    """One login attempt that reached the credential check (format errors are not recorded)."""

    attempted_at = models.DateTimeField(_("日時"), default=clock.now, db_index=True)
    method = models.CharField(_("方法"), max_length=8, choices=LoginMethod.choices)
    masked_identifier = models.CharField(_("ID（伏せ字）"), max_length=40)
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="login_attempts",
        verbose_name=_("会員"),
    )
    client_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    user_agent = models.CharField(_("ブラウザ"), max_length=300, blank=True)
    result = models.CharField(_("結果"), max_length=24, choices=LoginResult.choices)

    objects = LoginAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("ログイン履歴")
        verbose_name_plural = pgettext_lazy("plural", "ログイン履歴")
        indexes = [models.Index(fields=["member", "-attempted_at"])]

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M} {self.masked_identifier} {self.result}"


class AttemptCounter(models.Model):
    """A failure counter keyed by a keyed hash, never by the identifier itself.

    One row per credential (card PIN or Web-ID password, known or unknown alike) and one
    per client address. `lockout.py` reserves a place in it before verifying a secret.
    """

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=clock.now)
    # Set by the failure that reaches the threshold, cleared only by a reset (staff, or
    # recovery): raising PORTAL_LOCKOUT_THRESHOLD later must not unlock a card.
    locked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("失敗回数カウンタ")
        verbose_name_plural = pgettext_lazy("plural", "失敗回数カウンタ")

    def __str__(self):
        return f"{self.key[:12]}… {self.failures}"


class ChangeKind(models.TextChoices):
    WEB_ID = "web_id", _("Web-ID")
    PASSWORD = "password", _("パスワード")
    EMAIL = "email", _("メールアドレス")
    ADDRESS = "address", _("住所")
    PHONE = "phone", _("電話番号")
    EMPLOYER = "employer", _("勤務先")
    TRANSFER_ACCOUNT = "transfer_account", _("振込先口座")
    STATEMENT_DELIVERY = "statement_delivery", _("書面の受取方法")


class ProfileChange(models.Model):
    """A record that a member changed part of their data (never the secret itself)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="profile_changes")
    kind = models.CharField(_("項目"), max_length=24, choices=ChangeKind.choices)
    changed_at = models.DateTimeField(_("変更日時"), default=clock.now)

    class Meta:
        verbose_name = _("登録内容の変更履歴")
        verbose_name_plural = pgettext_lazy("plural", "登録内容の変更履歴")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.member} {self.get_kind_display()}"


class KnownDevice(models.Model):
    """A browser a member has logged in from, identified by a random cookie (stored hashed)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="known_devices")
    device_hash = models.CharField(max_length=64)
    user_agent = models.CharField(_("ブラウザ"), max_length=300, blank=True)
    first_seen_at = models.DateTimeField(_("初回ログイン"), default=clock.now)
    last_seen_at = models.DateTimeField(_("最終ログイン"), default=clock.now)

    class Meta:
        verbose_name = _("ログイン済みの端末")
        verbose_name_plural = pgettext_lazy("plural", "ログイン済みの端末")
        constraints = [
            models.UniqueConstraint(fields=["member", "device_hash"], name="known_device_once")
        ]

    def __str__(self):
        return f"{self.member} {self.user_agent[:40]}"


class MemberSession(models.Model):
    """A member's logged-in session, so they can see their open sessions and end the others.

    Written at login and removed at logout: never on an ordinary request. `session_key`
    is the key in the session store (which holds it as well), so that ending a session
    can delete it there; it is never shown.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    method = models.CharField(_("ログイン方法"), max_length=8, choices=LoginMethod.choices)
    user_agent = models.CharField(_("ブラウザ"), max_length=300, blank=True)
    client_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    started_at = models.DateTimeField(_("ログイン日時"), default=clock.now)

    class Meta:
        verbose_name = _("ログイン中のセッション")
        verbose_name_plural = pgettext_lazy("plural", "ログイン中のセッション")
        indexes = [models.Index(fields=["member", "-started_at"])]

    def __str__(self):
        return f"{self.member} {self.started_at:%Y-%m-%d %H:%M}"
