import datetime as dt
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from history.models import AtmOperation, Kind
from history.reminders import DAYS_BEFORE_CHOICES, HOUR_CHOICES
from history.rules import (
    MINIMUM_AMOUNT,
    LedgerRefusal,
    check_borrowing_amount,
    check_repayment_amount,
)
from portal import clock

# The history goes back no further than the portal's oldest possible contract, and a filter
# may look a year ahead; beyond these a date only overflows the datetime arithmetic.
HISTORY_EARLIEST = dt.date(2000, 1, 1)
HISTORY_DAYS_AHEAD = 366


def _latest_history_day() -> dt.date:
    return clock.today() + dt.timedelta(days=HISTORY_DAYS_AHEAD)


class AmountField(forms.CharField):
    """A yen amount typed by a person: full-width digits, commas and 円 are forgiven."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("金額（円）"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        # Unlike card numbers, hyphens are not forgiven here: "-5000" is not 5,000 yen.
        typed = "".join(unicodedata.normalize("NFKC", value).split())
        digits = typed.replace(",", "").removesuffix("円")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
            raise ValidationError(
                _("金額は半角数字で入力してください（例: 10000）。"), code="format_amount"
            )
        return int(digits)


class _LedgerAmountForm(forms.Form):
    """An amount up to `maximum`, within the limits that `history.rules` checks."""

    help_message = ""  # formatted with the minimum amount

    def __init__(self, *args, maximum: int, **kwargs):
        self.maximum = maximum
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = self.help_message % {"minimum": f"{MINIMUM_AMOUNT:,}"}

    def check_amount(self, amount: int) -> None:
        """Raise LedgerRefusal if the rules refuse `amount` against `maximum`."""
        raise NotImplementedError

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None:
            raise ValidationError(_("金額を入力してください。"), code="required")
        try:
            self.check_amount(amount)
        except LedgerRefusal as refusal:
            raise refusal.as_validation_error() from None
        return amount


class BorrowForm(_LedgerAmountForm):
    amount = AmountField()
    help_message = _("%(minimum)s円以上、ご利用可能額まで1円単位で指定できます。")

    def check_amount(self, amount: int) -> None:
        check_borrowing_amount(amount=amount, available=self.maximum)


class RepayForm(_LedgerAmountForm):
    amount = AmountField()
    help_message = _("%(minimum)s円以上、完済金額まで1円単位で指定できます。")

    def check_amount(self, amount: int) -> None:
        check_repayment_amount(amount=amount, payoff=self.maximum)


class HistoryFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=_("種類"), required=False, choices=[("", _("すべて")), *Kind.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest_day = _latest_history_day()
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs.update(
                min=HISTORY_EARLIEST.isoformat(), max=self.latest_day.isoformat()
            )

    def _clean_date(self, name: str) -> dt.date | None:
        day = self.cleaned_data[name]
        latest = _latest_history_day()
        if day is not None and not HISTORY_EARLIEST <= day <= latest:
            raise ValidationError(
                _("%(earliest)s から %(latest)s までの日付を指定してください。"),
                code="date_out_of_range",
                params={"earliest": HISTORY_EARLIEST, "latest": latest},
            )
        return day

    def clean_date_from(self):
        return self._clean_date("date_from")

    def clean_date_to(self):
        return self._clean_date("date_to")

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise ValidationError(
                _("開始日は終了日より前の日付を指定してください。"), code="date_order"
            )
        return cleaned


class InterestInquiryForm(forms.Form):
    repayment_date = forms.DateField(
        label=_("ご返済予定日"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, earliest: dt.date, latest: dt.date, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(*args, **kwargs)
        self.fields["repayment_date"].widget.attrs.update(
            min=earliest.isoformat(), max=latest.isoformat()
        )

    def clean_repayment_date(self):
        day = self.cleaned_data["repayment_date"]
        if not self.earliest <= day <= self.latest:
            raise ValidationError(
                _("%(earliest)s から %(latest)s までの日付を指定してください。"),
                code="date_out_of_range",
                params={"earliest": self.earliest, "latest": self.latest},
            )
        return day


class SimulatorForm(forms.Form):
    MODES = [
        ("payment", _("毎月の返済額を計算")),
        ("count", _("返済回数を計算")),
        ("amount", _("借入可能額を計算")),
    ]
    mode = forms.ChoiceField(
        label=_("計算内容"), choices=MODES, widget=forms.RadioSelect, initial="payment"
    )
    amount = AmountField(label=_("お借入れ金額（円）"), required=False)
    months = forms.IntegerField(
        label=_("返済回数（回）"), required=False, min_value=1, max_value=600
    )
    monthly_payment = AmountField(label=_("毎月の返済額（円）"), required=False)
    rate = forms.DecimalField(
        label=_("実質年率（%）"),
        min_value=0,
        max_value=20,
        max_digits=5,
        decimal_places=2,
        initial="17.8",
    )

    NEEDS = {
        "payment": ("amount", "months"),
        "count": ("amount", "monthly_payment"),
        "amount": ("monthly_payment", "months"),
    }

    def clean(self):
        cleaned = super().clean()
        for name in self.NEEDS.get(cleaned.get("mode"), ()):
            if cleaned.get(name) in (None, ""):
                self.add_error(
                    name, ValidationError(_("この計算には入力が必要です。"), code="required")
                )
        return cleaned


class TransactionMailForm(forms.Form):
    transaction_email = forms.ChoiceField(
        label=_("取引確認メール（お借入れ・ご返済のたびにお知らせ）"),
        choices=[("on", _("受け取る")), ("off", _("受け取らない"))],
        widget=forms.RadioSelect,
    )


class ReminderForm(forms.Form):
    """The 返済期日お知らせメール: on or off, how many days before the due date, what hour."""

    enabled = forms.ChoiceField(
        label=_("返済期日お知らせメール"),
        choices=[("on", _("受け取る")), ("off", _("受け取らない"))],
        widget=forms.RadioSelect,
    )
    days_before = forms.TypedChoiceField(
        label=_("ご返済期日の何日前に送るか"),
        coerce=int,
        choices=lambda: [
            (days, ngettext("%(days)s日前", "%(days)s日前", days) % {"days": days})
            for days in DAYS_BEFORE_CHOICES
        ],
    )
    hour = forms.TypedChoiceField(
        label=_("送信する時刻"),
        coerce=int,
        choices=lambda: [(hour, gettext("%(hour)s時") % {"hour": hour}) for hour in HOUR_CHOICES],
        help_text=_("選んだ時刻から順に送信します（日本時間）。"),
    )


class AtmForm(forms.Form):
    """The member's side of the smartphone ATM (SPEC §8): the code the ATM shows, a
    withdrawal or a deposit, and an amount in 1,000-yen notes. `maximum` is the largest
    amount of each operation: {"withdraw": available credit, "deposit": payoff}."""

    UNIT = 1_000
    code = forms.CharField(
        label=_("ATMの画面に表示された6桁のコード"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    operation = forms.ChoiceField(
        label=_("お取引"),
        choices=AtmOperation.choices,
        initial=AtmOperation.WITHDRAW,
        widget=forms.RadioSelect,
    )
    amount = AmountField(label=_("金額（円・1,000円単位）"))

    def __init__(self, *args, maximum: dict[str, int], **kwargs):
        self.maximum = maximum
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "1,000円単位で入力してください。お借入れはご利用可能額まで、ご返済は完済金額までです。"
        )

    def clean_code(self):
        # Spaces, hyphens and full-width digits are forgiven: "123 456", "１２３４５６".
        typed = unicodedata.normalize("NFKC", self.cleaned_data["code"])
        code = "".join(typed.split()).replace("-", "")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError(
                _("コードはATMの画面に表示された6桁の数字を入力してください。"),
                code="atm_code_format",
            )
        return code

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None:
            raise ValidationError(_("金額を入力してください。"), code="required")
        if amount < self.UNIT or amount % self.UNIT:
            raise ValidationError(
                _("ATMでは1,000円単位でお取引いただけます（例: 10000）。"), code="atm_amount_unit"
            )
        return amount

    def clean(self):
        cleaned = super().clean()
        operation, amount = cleaned.get("operation"), cleaned.get("amount")
        if operation is None or amount is None:
            return cleaned
        try:
            if operation == AtmOperation.WITHDRAW:
                check_borrowing_amount(amount=amount, available=self.maximum[operation])
            else:
                check_repayment_amount(amount=amount, payoff=self.maximum[operation])
        except LedgerRefusal as refusal:
            self.add_error("amount", refusal.as_validation_error())
        return cleaned
