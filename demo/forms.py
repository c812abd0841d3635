from django import forms
from django.utils.translation import gettext_lazy as _

from demo.models import GlitchKind

MAX_LATENCY_MS = 30_000
MAX_UNAVAILABLE_COUNT = 1000
MAX_OFFSET_SECONDS = 100 * 366 * 24 * 60 * 60
MIN_INSTANT, MAX_INSTANT = 2000, 2100  # years a sandbox's clock may stand in


class MailboxFilterForm(forms.Form):
    """The demo mailbox's recipient filter (a GET form)."""

    to = forms.CharField(
        label=_("宛先で絞り込み"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class SandboxClockForm(forms.Form):
    """Where a sandbox's clock stands: an instant (then it runs on), or an offset from the
    portal's clock in seconds; neither puts it back on the portal's clock."""

    now = forms.DateTimeField(
        label=_("日時（ISO 8601）"),
        required=False,
        input_formats=["iso-8601"],
        help_text=_("例: 2026-12-07T03:00:00+09:00（時差がなければ日本時間）"),
    )
    offset_seconds = forms.IntegerField(
        label=_("ずらす秒数"),
        required=False,
        min_value=-MAX_OFFSET_SECONDS,
        max_value=MAX_OFFSET_SECONDS,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("now") is not None and cleaned.get("offset_seconds") is not None:
            raise forms.ValidationError(
                _("日時とずらす秒数のどちらか一方を指定してください。"), code="ambiguous"
            )
        now = cleaned.get("now")
        if now is not None and not (MIN_INSTANT <= now.year <= MAX_INSTANT):
            self.add_error(
                "now",
                forms.ValidationError(
                    _("%(min)d年から%(max)d年までの日時を指定してください。"),
                    code="out_of_range",
                    params={"min": MIN_INSTANT, "max": MAX_INSTANT},
                ),
            )
        return cleaned


class SandboxGlitchForm(forms.Form):
    """One glitch switch: latency on the pages under a path, or 503 for its next requests."""

    kind = forms.ChoiceField(label=_("種類"), choices=GlitchKind.choices)
    path = forms.RegexField(
        label=_("パス"),
        max_length=200,
        regex=r"^/[\x21-\x7e]*\Z",
        error_messages={"invalid": _("パスは「/」で始まる半角文字で入力してください。")},
    )
    latency_ms = forms.IntegerField(
        label=_("遅延（ミリ秒）"), required=False, min_value=0, max_value=MAX_LATENCY_MS
    )
    count = forms.IntegerField(
        label=_("503にする回数"), required=False, min_value=0, max_value=MAX_UNAVAILABLE_COUNT
    )

    def clean(self):
        cleaned = super().clean()
        field = "latency_ms" if cleaned.get("kind") == GlitchKind.LATENCY else "count"
        if cleaned.get("kind") and cleaned.get(field) is None and field not in self.errors:
            self.add_error(
                field,
                forms.ValidationError(
                    self.fields[field].error_messages["required"], code="required"
                ),
            )
        return cleaned
