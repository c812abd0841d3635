"""Format rules of the login identifiers and secrets, and help-desk diagnostics.

A format error means nothing was checked against any account, so it is explained in
plain words and never counted as a failed attempt (SPEC §4).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Characters people type for a hyphen: every Unicode dash, the minus sign, and the
# katakana prolonged sound mark that Japanese IMEs produce for "-".
_HYPHEN_LOOKALIKES = frozenset("−ーｰ﹣－‐‑‒–—―⁃")


class FormatError:
    """The `data-error-code` values of format errors (SPEC §4)."""

    HYPHEN = "format_hyphen"
    SPACE = "format_space"
    FULLWIDTH = "format_fullwidth"
    LENGTH = "format_length"
    CHARSET = "format_charset"


@dataclass(frozen=True)
class CredentialRule:
    label: str
    kind: str  # "半角数字" or "半角英数字"
    lengths: frozenset[int]
    length_text: str
    pattern: re.Pattern[str]
    # Card number and PIN are digits people copy from a card in groups: a hyphen or a
    # space between the groups gets its own explanation.
    hyphen_matters: bool
    # How a length is counted: "%(count)s桁" (digits) or "%(count)s文字" (characters).
    count_text: str

    def diagnose(self, value: str) -> ValidationError | None:
        """Return the first format problem of `value`, or None if it is well formed."""
        params = {"label": self.label, "kind": self.kind, "length": self.length_text}
        if self.hyphen_matters and any(is_hyphen(c) for c in value):
            return ValidationError(
                _("%(label)sにハイフン（-）は不要です。%(kind)sのみを続けて入力してください。"),
                code=FormatError.HYPHEN,
                params=params,
            )
        if self.hyphen_matters and any(c.isspace() for c in value):
            return ValidationError(
                _(
                    "%(label)sに空白が含まれています。空白を入れずに%(kind)sのみを続けて入力してください。"
                ),
                code=FormatError.SPACE,
                params=params,
            )
        if any(_is_fullwidth(c) for c in value):
            return ValidationError(
                _("%(label)sは%(kind)sで入力してください（全角文字が含まれています）。"),
                code=FormatError.FULLWIDTH,
                params=params,
            )
        if not value:
            return ValidationError(
                _("%(label)sを入力してください（%(kind)s%(length)s）。"),
                code=FormatError.LENGTH,
                params=params,
            )
        if len(value) not in self.lengths:
            return ValidationError(
                _("%(label)sは%(length)sで入力してください（入力は%(entered)sです）。"),
                code=FormatError.LENGTH,
                params={**params, "entered": self.count_text % {"count": len(value)}},
            )
        if not self.pattern.fullmatch(value):
            return ValidationError(
                _("%(label)sに使えない文字が含まれています。%(kind)sのみで入力してください。"),
                code=FormatError.CHARSET,
                params=params,
            )
        return None


def is_hyphen(char: str) -> bool:
    return char in _HYPHEN_LOOKALIKES or unicodedata.category(char) == "Pd"


def _is_fullwidth(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("F", "W")


CARD_NUMBER = CredentialRule(
    label=_("カード番号"),
    kind=_("半角数字"),
    lengths=frozenset({10, 15, 16}),
    length_text=_("10桁または15〜16桁"),
    pattern=re.compile(r"[0-9]+"),
    hyphen_matters=True,
    count_text=_("%(count)s桁"),
)
PIN = CredentialRule(
    label=_("暗証番号"),
    kind=_("半角数字"),
    lengths=frozenset({4}),
    length_text=_("4桁"),
    pattern=re.compile(r"[0-9]+"),
    hyphen_matters=True,
    count_text=_("%(count)s桁"),
)
WEB_ID = CredentialRule(
    label=_("Web-ID"),
    kind=_("半角英数字"),
    lengths=frozenset(range(8, 33)),
    length_text=_("8〜32文字"),
    pattern=re.compile(r"[A-Za-z0-9]+"),
    hyphen_matters=False,
    count_text=_("%(count)s文字"),
)
PASSWORD = CredentialRule(
    label=_("パスワード"),
    kind=_("半角英数字"),
    lengths=frozenset(range(8, 21)),
    length_text=_("8〜20文字"),
    pattern=re.compile(r"[A-Za-z0-9]+"),
    hyphen_matters=False,
    count_text=_("%(count)s文字"),
)
