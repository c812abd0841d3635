from django import forms
from django.utils.translation import gettext_lazy as _

from members import credentials


class CredentialField(forms.CharField):
    """A login field whose only validation is the help-desk format diagnosis."""

    def __init__(self, *, rule: credentials.CredentialRule, **kwargs):
        self.rule = rule
        kwargs.setdefault("label", rule.label)
        kwargs.setdefault("required", False)  # emptiness is diagnosed as format_length
        super().__init__(**kwargs)
        self.validators = []

    def clean(self, value):
        value = self.to_python(value)
        if (error := self.rule.diagnose(value)) is not None:
            raise error
        return value


def _numeric_input(**attrs):
    return {"inputmode": "numeric", "autocomplete": "off", **attrs}


class CardLoginForm(forms.Form):
    method = "card"
    card_number = CredentialField(
        rule=credentials.CARD_NUMBER,
        widget=forms.TextInput(attrs=_numeric_input(maxlength=16)),
        help_text=_("10桁または15〜16桁の半角数字（ハイフンなし）"),
    )
    pin = CredentialField(
        rule=credentials.PIN,
        label=_("暗証番号"),
        widget=forms.PasswordInput(attrs=_numeric_input(maxlength=4)),
        help_text=_("4桁の半角数字"),
    )

    def credentials(self) -> tuple[str, str]:
        """Return (identifier, secret)."""
        return self.cleaned_data["card_number"], self.cleaned_data["pin"]


class WebIdLoginForm(forms.Form):
    method = "web_id"
    web_id = CredentialField(
        rule=credentials.WEB_ID,
        widget=forms.TextInput(attrs={"autocomplete": "username", "maxlength": 32}),
        help_text=_("8〜32文字の半角英数字（大文字・小文字を区別します）"),
    )
    password = CredentialField(
        rule=credentials.PASSWORD,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "maxlength": 20}),
        help_text=_("8〜20文字の半角英数字（大文字・小文字を区別します）"),
    )

    def credentials(self) -> tuple[str, str]:
        return self.cleaned_data["web_id"], self.cleaned_data["password"]
