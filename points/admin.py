from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from members.models import Member
from points.models import Audience, Coupon, Notice
from portal import clock

# --- Notices and coupons (staff write them; SPEC §9 "notices, coupons ... editable") ---------


class NoticeForm(forms.ModelForm):
    """A notice; a targeted one names its members by member number, one a line."""

    recipient_numbers = forms.CharField(
        label=_("対象の会員番号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("対象が「指定した会員のみ」のとき、会員番号（9桁）を1行に1つ"),
    )

    class Meta:
        model = Notice
        fields = ["title", "body", "published_from", "published_until", "points", "audience"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            numbers = self.instance.recipients.values_list("member_number", flat=True)
            self.fields["recipient_numbers"].initial = "\n".join(sorted(numbers))

    def clean_recipient_numbers(self):
        numbers = list(dict.fromkeys(self.cleaned_data["recipient_numbers"].split()))
        members = list(Member.objects.members().filter(member_number__in=numbers))
        unknown = sorted(set(numbers) - {member.member_number for member in members})
        if unknown:
            raise ValidationError(
                _("該当する会員がいません: %(numbers)s"),
                code="unknown_member",
                params={"numbers": ", ".join(unknown[:10])},
            )
        self.recipients = members
        return "\n".join(numbers)

    def clean(self):
        cleaned = super().clean()
        targeted = cleaned.get("audience") == Audience.SELECTED
        if targeted and "recipient_numbers" in cleaned and not self.recipients:
            self.add_error(
                "recipient_numbers",
                ValidationError(
                    _("「指定した会員のみ」には対象の会員番号を入力してください。"),
                    code="no_recipients",
                ),
            )
        if not targeted and getattr(self, "recipients", None):
            self.add_error(
                "recipient_numbers",
                ValidationError(
                    _("会員番号を指定するときは、対象を「指定した会員のみ」にしてください。"),
                    code="recipients_need_selected",
                ),
            )
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.recipients.set(self.recipients)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    form = NoticeForm
    list_display = ["title", "published_from", "published_until", "points", "audience",
                    "is_published_now", "read_count"]  # fmt: skip
    list_filter = ["audience"]
    search_fields = ["title"]
    date_hierarchy = "published_from"
    fieldsets = [
        (None, {"fields": ["title", "body"]}),
        (_("掲載期間"), {"fields": ["published_from", "published_until"]}),
        (_("閲覧ポイントと対象"), {"fields": ["points", "audience", "recipient_numbers"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(read_total=Count("reads"))

    @admin.display(boolean=True, description=_("掲載中"))
    def is_published_now(self, notice):
        return notice.is_published_at(clock.now())

    @admin.display(description=_("既読数"), ordering="read_total")
    def read_count(self, notice):
        return notice.read_total


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["shop", "offer", "code", "valid_from", "valid_until", "is_valid_today"]
    search_fields = ["shop", "offer", "code"]
    date_hierarchy = "valid_from"
    fields = ["shop", "offer", "code", "terms", "valid_from", "valid_until", "image"]

    @admin.display(boolean=True, description=_("本日有効"))
    def is_valid_today(self, coupon):
        return coupon.valid_from <= clock.today() <= coupon.valid_until
