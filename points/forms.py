from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from points import rules
from points.rules import BENEFITS

# --- Redemption (ポイント交換) ---------------------------------------------------------


def _benefit_choices():
    return [
        (key, _("%(label)s（%(cost)s ポイント）") % {"label": b.label, "cost": f"{b.cost:,}"})
        for key, b in BENEFITS.items()
    ]


class RedemptionForm(forms.Form):
    """ポイント交換: the benefit to exchange points for (SPEC §10: field `benefit`)."""

    benefit = forms.ChoiceField(
        label=_("交換する特典"),
        choices=_benefit_choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("交換する特典を選んでください。"),
            "invalid_choice": _("交換する特典を選んでください。"),
        },
    )

    def __init__(self, *args, maximum: int, **kwargs):
        # The balance; the rules compare it with the cost (points.services.check_redemption).
        self.maximum = maximum
        super().__init__(*args, **kwargs)


# --- Income certificates ------------------------------------------------------------


class IncomeCertificateForm(forms.Form):
    """One income certificate: PDF, JPEG or PNG told by its content, at most 5 MB."""

    file = forms.FileField(
        label=_("収入証明書類のファイル"),
        help_text=_("PDF・JPEG・PNGのいずれか、5MBまで（スマートフォンで撮影した写真も可）"),
        widget=forms.FileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}
        ),
        error_messages={
            "required": _("ファイルを選んでください。"),
            "invalid": _("ファイルを選んでください。"),
            "missing": _("ファイルを選んでください。"),
            "empty": _("空のファイルは提出できません。"),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > rules.CERTIFICATE_MAX_BYTES:
            raise ValidationError(
                _("ファイルが大きすぎます（%(size)sMB）。5MB以下のファイルを選んでください。")
                % {"size": f"{upload.size / (1024 * 1024):.1f}"},
                code="file_too_large",
            )
        upload.seek(0)
        self.content_type = rules.certificate_content_type(
            upload.read(rules.CERTIFICATE_HEAD_BYTES)
        )
        upload.seek(0)
        if self.content_type is None:
            raise ValidationError(
                _("PDF・JPEG・PNGのファイルを選んでください（ファイルの中身で判定しています）。"),
                code="file_type",
            )
        return upload
