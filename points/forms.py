from django import forms
from django.utils.translation import gettext_lazy as _

from points.rules import BENEFITS


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
