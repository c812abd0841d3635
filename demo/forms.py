from django import forms
from django.utils.translation import gettext_lazy as _


class MailboxFilterForm(forms.Form):
    """The demo mailbox's recipient filter (a GET form)."""

    to = forms.CharField(
        label=_("宛先で絞り込み"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
