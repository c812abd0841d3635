import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members import credentials, web_ids
from members.models import LoginMethod, Member, StatementDelivery, TransferAccount


class CredentialField(forms.CharField):
    """A login field whose only validation is the help-desk format diagnosis.

    Identifiers lose ASCII spaces at either end (a pasted card number); secrets keep
    every character. Django's own strip would also eat a full-width space, which must
    be diagnosed as `format_fullwidth` instead of being silently accepted.
    """

    _ASCII_SPACE = " \t\r\n\v\f"

    def __init__(
        self,
        *,
        rule: credentials.CredentialRule,
        secret: bool = False,
        allow_empty: bool = False,
        **kwargs,
    ):
        self.rule = rule
        self.secret = secret
        self.allow_empty = allow_empty  # the form decides whether it is needed
        kwargs.setdefault("label", rule.label)
        kwargs.setdefault("required", False)  # emptiness is diagnosed as format_length
        super().__init__(strip=False, **kwargs)
        self.validators = []

    def clean(self, value):
        value = self.to_python(value)
        if not self.secret:
            value = value.strip(self._ASCII_SPACE)
        if self.allow_empty and value == "":
            return value
        if (error := self.rule.diagnose(value)) is not None:
            raise error
        return value


def _numeric_input(**attrs):
    return {"inputmode": "numeric", "autocomplete": "off", **attrs}


class CardLoginForm(forms.Form):
    card_number = CredentialField(
        rule=credentials.CARD_NUMBER,
        # Room for a 16-digit number typed in groups: the server explains the separators.
        widget=forms.TextInput(attrs=_numeric_input(maxlength=24)),
        help_text=_("10桁または15〜16桁の半角数字（ハイフンなし）"),
    )
    pin = CredentialField(
        rule=credentials.PIN,
        secret=True,
        label=_("暗証番号"),
        widget=forms.PasswordInput(attrs=_numeric_input(maxlength=4)),
        help_text=_("4桁の半角数字"),
    )

    def credentials(self) -> tuple[str, str]:
        """Return (identifier, secret)."""
        return self.cleaned_data["card_number"], self.cleaned_data["pin"]


class WebIdLoginForm(forms.Form):
    web_id = CredentialField(
        rule=credentials.WEB_ID,
        widget=forms.TextInput(attrs={"autocomplete": "username", "maxlength": 32}),
        help_text=_("8〜32文字の半角英数字（大文字・小文字を区別します）"),
    )
    password = CredentialField(
        rule=credentials.PASSWORD,
        secret=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "maxlength": 20}),
        help_text=_("8〜20文字の半角英数字（大文字・小文字を区別します）"),
    )

    def credentials(self) -> tuple[str, str]:
        return self.cleaned_data["web_id"], self.cleaned_data["password"]


LOGIN_FORMS = {LoginMethod.CARD: CardLoginForm, LoginMethod.WEB_ID: WebIdLoginForm}


# --- Account self-service (SPEC §5) ------------------------------------------------


def normalise_digits(value: str) -> str:
    """Return `value` with full-width digits made half-width and hyphens/spaces removed."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(c for c in value if not (credentials.is_hyphen(c) or c.isspace()))


def normalise_kana(value: str) -> str:
    """Return katakana in full width (half-width input accepted) without any spaces."""
    return "".join(unicodedata.normalize("NFKC", value).split())


# Bank passbooks print account names in half-width kana, which has no small ャュョッ:
# キョウコ stands as ｷﾖｳｺ. Either spelling names the same holder.
_SMALL_KANA_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def _as_on_a_passbook(kana: str) -> str:
    return normalise_kana(kana).translate(_SMALL_KANA_TO_LARGE)


class ReauthenticationMixin:
    """Ask again for the secret of the session's login method (SPEC §4): `current_pin` after
    a card login, `current_password` after a Web-ID login. The view checks it under the
    lockout (`login.reauthenticate`)."""

    def ask_current_secret(self, method: str, *, allow_empty: bool = False) -> None:
        self.reauthentication_method = method
        if method == LoginMethod.WEB_ID:
            self.current_secret_field = "current_password"
            field = CredentialField(
                rule=credentials.PASSWORD,
                label=_("現在のパスワード"),
                secret=True,
                allow_empty=allow_empty,
                widget=forms.PasswordInput(
                    attrs={"autocomplete": "current-password", "maxlength": 20}
                ),
            )
        else:
            self.current_secret_field = "current_pin"
            field = CredentialField(
                rule=credentials.PIN,
                label=_("暗証番号（ご本人確認）"),
                secret=True,
                allow_empty=allow_empty,
                widget=forms.PasswordInput(attrs=_numeric_input(maxlength=4)),
            )
        self.fields[self.current_secret_field] = field


class NewPasswordForm(forms.Form):
    """Set a new Web-ID password (from a recovery link)."""

    password = CredentialField(
        rule=credentials.PASSWORD,
        secret=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "maxlength": 20}),
        help_text=_("8〜20文字の半角英数字。大文字・小文字を区別します。"),
    )
    password_confirm = forms.CharField(
        label=_("パスワード（確認）"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "maxlength": 20}),
    )

    def __init__(self, *args, member, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)

    def chosen_web_id(self) -> str | None:
        return self.member.web_id

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and password != cleaned.get("password_confirm"):
            self.add_error(
                "password_confirm",
                ValidationError(_("確認用のパスワードが一致しません。"), code="password_mismatch"),
            )
        if password and password == self.chosen_web_id():
            self.add_error(
                "password",
                ValidationError(
                    _("パスワードにWeb-IDと同じ文字列は使えません。"),
                    code="password_same_as_web_id",
                ),
            )
        return cleaned


class NewWebIdForm(ReauthenticationMixin, NewPasswordForm):
    """Choose (or change) the Web-ID and its password."""

    web_id = CredentialField(
        rule=credentials.WEB_ID,
        widget=forms.TextInput(attrs={"autocomplete": "username", "maxlength": 32}),
        help_text=_(
            "8〜32文字の半角英数字。英字と数字の両方を含めてください。大文字・小文字を区別します。"
        ),
    )
    field_order = ["current_password", "current_pin", "web_id", "password", "password_confirm"]

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, member=member, **kwargs)
        # Who changes a credential proves to be the member: with the current password where
        # there is a Web-ID, else with the card PIN (the view checks it under the lockout).
        if member.web_id:
            self.fields["web_id"].initial = member.web_id
        self.ask_current_secret(member.preferred_login_method)
        self.order_fields(self.field_order)

    def chosen_web_id(self) -> str | None:
        return self.cleaned_data.get("web_id")

    def clean_web_id(self):
        web_id = self.cleaned_data["web_id"]
        if not (any(c.isalpha() for c in web_id) and any(c.isdigit() for c in web_id)):
            raise ValidationError(
                _("Web-IDには英字と数字の両方を含めてください。"), code="web_id_composition"
            )
        reserved_for = web_ids.reserved_for(web_id)
        taken = Member.objects.filter(web_id=web_id).exclude(pk=self.member.pk).exists()
        if taken or reserved_for not in (None, self.member.member_number):
            raise ValidationError(
                _("このWeb-IDはすでに使われています。別のWeb-IDをお選びください。"),
                code="web_id_taken",
            )
        return web_id


class EmailChangeForm(ReauthenticationMixin, forms.Form):
    email = forms.EmailField(
        label=_("新しいメールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, member, reauthentication_method, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)
        self.ask_current_secret(reauthentication_method)

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email.lower() == self.member.email.lower() and self.member.email_verified:
            raise ValidationError(
                _("現在ご登録のメールアドレスと同じです。"), code="email_unchanged"
            )
        return email


class ForgotWebIdForm(forms.Form):
    member_number = forms.CharField(
        label=_("会員番号"),
        max_length=9,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("9桁の半角数字（カードや契約書面に記載）"),
    )
    email = forms.EmailField(
        label=_("登録メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_member_number(self):
        number = normalise_digits(self.cleaned_data["member_number"])
        if not (len(number) == 9 and number.isascii() and number.isdigit()):
            raise ValidationError(
                _("会員番号は9桁の半角数字で入力してください。"), code="format_member_number"
            )
        return number


class ForgotPasswordForm(forms.Form):
    web_id = CredentialField(
        rule=credentials.WEB_ID,
        widget=forms.TextInput(attrs={"autocomplete": "username", "maxlength": 32}),
    )
    email = forms.EmailField(
        label=_("登録メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(ReauthenticationMixin, forms.ModelForm):
    postal_code = forms.CharField(
        label=_("郵便番号"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
        help_text=_("7桁（ハイフンはあってもなくても構いません）"),
    )
    phone = forms.CharField(
        label=_("電話番号"),
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("半角数字10〜11桁（ハイフンはあってもなくても構いません）"),
    )

    class Meta:
        model = Member
        fields = ["postal_code", "prefecture", "city", "street", "building", "phone", "employer"]

    def __init__(self, *args, reauthentication_method, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("prefecture", "city", "street"):
            self.fields[name].required = True
        # The address is written in Japanese whatever the page's language (the
        # prefectures' names too): data, marked as such for screen readers.
        for name in ("prefecture", "city", "street", "building"):
            self.fields[name].widget.attrs["lang"] = "ja"
        # Only a new phone number needs the secret (staff identity checks rely on it).
        self.ask_current_secret(reauthentication_method, allow_empty=True)
        self.fields[self.current_secret_field].help_text = _(
            "電話番号を変更する場合のみ入力してください（ご本人確認）"
        )
        self.changes_phone = False

    def clean(self):
        cleaned = super().clean()
        phone = cleaned.get("phone")
        # The instance still holds the saved data here (ModelForm copies the form's later).
        self.changes_phone = phone is not None and phone != self.instance.phone
        secret_field = self.current_secret_field
        if self.changes_phone and cleaned.get(secret_field) == "":
            # Named inside a sentence ("enter your current password"), not as a label.
            secret = (
                pgettext_lazy("a secret named in a sentence", "暗証番号")
                if secret_field == "current_pin"
                else pgettext_lazy("a secret named in a sentence", "現在のパスワード")
            )
            self.add_error(
                secret_field,
                ValidationError(
                    _("電話番号を変更するには、ご本人確認のため%(secret)sを入力してください。"),
                    code="required",
                    params={"secret": secret},
                ),
            )
        return cleaned

    def clean_postal_code(self):
        # People copy codes from envelopes, postal mark and all: 〒530-0001.
        code = normalise_digits(self.cleaned_data["postal_code"]).removeprefix("〒")
        if not (len(code) == 7 and code.isascii() and code.isdigit()):
            raise ValidationError(
                _("郵便番号は7桁の数字で入力してください（例: 100-0001）。"),
                code="format_postal_code",
            )
        return code

    def clean_phone(self):
        phone = normalise_digits(self.cleaned_data["phone"])
        if not (
            phone.isascii() and phone.isdigit() and phone.startswith("0") and len(phone) in (10, 11)
        ):
            raise ValidationError(
                _("電話番号は0から始まる10〜11桁の数字で入力してください。"), code="format_phone"
            )
        return phone


_KATAKANA = re.compile(r"[ァ-ヶー]+")


class TransferAccountForm(ReauthenticationMixin, forms.ModelForm):
    bank_code = forms.CharField(label=_("金融機関コード"), max_length=8, help_text=_("4桁の数字"))
    branch_code = forms.CharField(label=_("支店コード"), max_length=6, help_text=_("3桁の数字"))
    account_number = forms.CharField(
        label=_("口座番号"),
        max_length=14,
        help_text=_("7桁の数字（7桁に満たない場合は先頭に0を付けてください）"),
    )
    holder_kana = forms.CharField(
        label=_("口座名義（カナ）"),
        max_length=60,
        help_text=_(
            "全角カタカナ（半角カナで入力しても自動で変換します）。ご契約者ご本人の名義に限ります。"
        ),
    )

    class Meta:
        model = TransferAccount
        fields = ["bank_code", "branch_code", "account_type", "account_number", "holder_kana"]
        widgets = {"account_type": forms.RadioSelect}

    def __init__(self, *args, member, reauthentication_method, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)
        for name in ("bank_code", "branch_code", "account_number"):
            self.fields[name].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.ask_current_secret(reauthentication_method)

    def _digits(self, name, length, label):
        value = normalise_digits(self.cleaned_data[name])
        if not (len(value) == length and value.isascii() and value.isdigit()):
            raise ValidationError(
                _("%(label)sは%(length)s桁の数字で入力してください。"),
                code=f"format_{name}",
                params={"label": label, "length": length},
            )
        return value

    def clean_bank_code(self):
        return self._digits("bank_code", 4, _("金融機関コード"))

    def clean_branch_code(self):
        return self._digits("branch_code", 3, _("支店コード"))

    def clean_account_number(self):
        return self._digits("account_number", 7, _("口座番号"))

    def clean_holder_kana(self):
        holder = normalise_kana(self.cleaned_data["holder_kana"])
        if not _KATAKANA.fullmatch(holder):
            raise ValidationError(
                _("口座名義は全角カタカナで入力してください。"), code="holder_not_katakana"
            )
        if _as_on_a_passbook(holder) != _as_on_a_passbook(self.member.name_kana):
            raise ValidationError(
                _(
                    "口座名義がご契約者のお名前（カナ）と一致しません。ご本人名義の口座のみご登録いただけます。"
                ),
                code="holder_mismatch",
            )
        # Stored as the member's own reading (with its space), so statements match exactly.
        return self.member.name_kana


class StatementDeliveryForm(forms.Form):
    statement_delivery = forms.ChoiceField(
        label=_("書面の受取方法"), choices=StatementDelivery.choices, widget=forms.RadioSelect
    )
