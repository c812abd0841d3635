from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from history import services
from history.models import (
    AtmFeeWaiver,
    AtmSession,
    DueStatus,
    InterestFreePeriod,
    LedgerEntry,
    MailPreference,
    Reminder,
)
from members.models import Member
from portal.admin import ReadOnlyAdmin


class AdjustmentForm(forms.ModelForm):
    """Staff correct a balance by posting an adjustment; entries are never edited."""

    member_number = forms.CharField(label=_("会員番号"), max_length=9)
    principal_change = forms.IntegerField(
        label=_("元金の増減（円）"),
        min_value=-5_000_000,
        max_value=5_000_000,
        help_text=_("増やすときは正、減らすときは負の数"),
    )

    class Meta:
        model = LedgerEntry
        fields = ["note"]

    def clean_member_number(self):
        member = (
            Member.objects.members()
            .filter(member_number=self.cleaned_data["member_number"])
            .first()
        )
        if member is None:
            raise ValidationError(_("該当する会員がいません。"), code="unknown_member")
        self.member = member
        return member.member_number


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at", "member", "kind", "channel", "amount", "interest_paid", "principal_paid",
        "principal_after",
    ]  # fmt: skip
    list_filter = ["kind", "channel"]
    search_fields = ["member__member_number", "member__name_kanji", "member__name_kana"]
    list_select_related = ["member"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AdjustmentForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["member_number", "principal_change", "note"]
        return [field.name for field in LedgerEntry._meta.fields]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible (view permission); nothing is ever edited.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        entry = services.post_adjustment(
            member=form.member,
            principal_change=form.cleaned_data["principal_change"],
            note=form.cleaned_data["note"] or str(_("スタッフによる調整")),
        )
        # The admin logs and redirects with `obj`; make it the entry the service wrote.
        for field in LedgerEntry._meta.concrete_fields:
            setattr(obj, field.attname, getattr(entry, field.attname))

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, _("調整を記録しました。"))
        return redirect("admin:history_ledgerentry_changelist")


@admin.register(InterestFreePeriod, AtmFeeWaiver)
class InterestFreePeriodAdmin(ReadOnlyAdmin):
    """Periods are granted by the services (first borrowing, points) and interest or fees
    already settled depend on them: like ledger entries, they are only read here."""

    list_display = ["member", "first_day", "last_day", "source", "granted_at"]
    list_filter = ["source"]
    search_fields = ["member__member_number"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]


@admin.register(DueStatus)
class DueStatusAdmin(ReadOnlyAdmin):
    list_display = ["contract", "next_due_date", "paid_toward_due"]
    search_fields = ["contract__member__member_number"]
    list_select_related = ["contract__member"]


@admin.register(MailPreference)
class MailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["member", "transaction_email", "reminder_enabled", "reminder_days_before",
                    "reminder_hour"]  # fmt: skip
    search_fields = ["member__member_number"]
    raw_id_fields = ["member"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """What `send_reminders` sent (or will retry: no send time yet)."""

    list_display = ["member", "kind", "due_date", "created_at", "sent_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__member_number"]
    list_select_related = ["member"]
    date_hierarchy = "due_date"


@admin.register(AtmSession)
class AtmSessionAdmin(ReadOnlyAdmin):
    """Smartphone-ATM sessions (history.atm), kept a day after they end: read only."""

    list_display = ["created_at", "code", "state", "member", "operation", "amount", "fee"]
    list_filter = ["state", "operation"]
    search_fields = ["code", "member__member_number"]
    list_select_related = ["member"]
    exclude = ["token_hash"]
    raw_id_fields = ["member", "entry", "fee_entry"]
