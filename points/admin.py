"""Staff admin of the point service (SPEC §9): notices and coupons staff write, the ledger
read-only, grants and deductions with a reason, and the review of income certificates.

Entries are never added, changed or deleted here: a grant or a deduction is booked by
points.services.adjust with the reason as its note (and logged), a certificate's points
by its approval (points.certificates).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import Member
from points import certificates, selectors, services
from points.certificate_views import certificate_file_response
from points.models import Audience, Coupon, IncomeCertificate, Notice, PointAccount, PointEntry
from portal import clock
from portal.admin import ReadOnlyAdmin

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
        fields = ["title", "body", "title_en", "body_en", "published_from", "published_until",
                  "points", "audience"]  # fmt: skip

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
        (_("英語版（任意）"), {"fields": ["title_en", "body_en"]}),
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
    fields = ["shop", "offer", "code", "terms", "shop_en", "offer_en", "terms_en", "valid_from",
              "valid_until", "image"]  # fmt: skip

    @admin.display(boolean=True, description=_("本日有効"))
    def is_valid_today(self, coupon):
        return coupon.valid_from <= clock.today() <= coupon.valid_until


# --- Forms of the actions --------------------------------------------------------------


class PointAdjustmentForm(forms.Form):
    """Points to grant (positive) or deduct (negative), and why (kept in the entry's note)."""

    points = forms.IntegerField(
        label=_("ポイント"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("付与するときは正、減算するときは負の数（例: 50、-30）"),
    )
    reason = forms.CharField(
        label=_("理由"),
        max_length=PointEntry._meta.get_field("note").max_length,
        help_text=_("ポイント履歴の摘要と操作ログに記録されます。"),
    )

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("0以外の数を入力してください。"), code="zero_points")
        return points


class RejectionForm(forms.Form):
    rejection_reason = forms.CharField(
        label=_("差し戻しの理由"),
        max_length=IncomeCertificate._meta.get_field("rejection_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("会員へのメールと会員の画面にそのまま表示されます。"),
    )


def _action_page(model_admin, request, queryset, *, action, form, title, intro, submit):
    """Ask for what an action needs (its form) before it runs on the selected rows."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "intro": intro,
        "submit": submit,
        "form": form,
        "objects": queryset,
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/points/action_page.html", context)


# --- The ledger ------------------------------------------------------------------------


@admin.register(PointAccount)
class PointAccountAdmin(ReadOnlyAdmin):
    """Members who joined, with their balance; grants and deductions with a reason."""

    list_display = ["member", "member_name", "joined_at", "balance", "ledger_link"]
    search_fields = ["member__member_number", "member__name_kanji", "member__name_kana"]
    list_select_related = ["member"]
    ordering = ["member__member_number"]
    show_full_result_count = False
    fields = ["member", "joined_at", "balance"]
    actions = ["adjust_points"]

    def has_adjust_permission(self, request):
        return request.user.has_perm("points.add_pointentry")

    @admin.display(description=_("氏名"), ordering="member__name_kana")
    def member_name(self, account):
        return account.member.name_kanji

    @admin.display(description=_("ポイント履歴"))
    def ledger_link(self, account):
        url = reverse("admin:points_pointentry_changelist")
        return format_html('<a href="{}?member__id__exact={}">{}</a>', url, account.member_id,
                           _("履歴を見る"))  # fmt: skip

    @admin.action(description=_("ポイントを付与・減算する（理由を記録）"), permissions=["adjust"])
    def adjust_points(self, request, queryset):
        form = PointAdjustmentForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _action_page(
                self, request, queryset,
                action="adjust_points",
                form=form,
                title=_("ポイントの付与・減算"),
                intro=_("選んだ会員それぞれに、同じポイントを付与（正の数）または減算（負の数）"
                        "します。残高が足りない会員は減算しません。"),
                submit=_("記録する"),
            )  # fmt: skip
        points, reason = form.cleaned_data["points"], form.cleaned_data["reason"]
        booked, refused = 0, []
        for account in queryset.select_related("member"):
            try:
                entry = services.adjust(member=account.member, points=points, note=reason)
            except services.PointRefusal as refusal:
                refused.append(f"{account.member.member_number}: {refusal.message}")
                continue
            self.log_change(
                request, account, f"{entry.get_reason_display()} {entry.points:+,}pt: {reason}"
            )
            booked += 1
        if booked:
            self.message_user(
                request,
                _("%(count)d名に %(points)s ポイントを記録しました（理由: %(reason)s）。")
                % {"count": booked, "points": f"{points:+,}", "reason": reason},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)
        return None


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    """Every point entry, for reading only (search by member number)."""

    list_display = ["occurred_at", "member", "reason", "reference", "points", "balance_after",
                    "note"]  # fmt: skip
    list_filter = ["reason", "occurred_at"]
    search_fields = ["member__member_number"]
    list_select_related = ["member"]
    date_hierarchy = "occurred_at"
    ordering = ["-occurred_at", "-id"]
    show_full_result_count = False


# --- Income certificates ---------------------------------------------------------------


@admin.register(IncomeCertificate)
class IncomeCertificateAdmin(admin.ModelAdmin):
    """Certificates to review: open the file, approve (credits the year's points) or reject
    with a reason (the member is mailed either way). Records are never edited or deleted."""

    list_display = ["uploaded_at", "member", "content_type", "size", "status", "points_credited",
                    "reviewed_by", "reviewed_at", "file_link"]  # fmt: skip
    list_filter = ["status", "uploaded_at"]
    search_fields = ["member__member_number", "member__name_kanji", "member__name_kana"]
    list_select_related = ["member", "reviewed_by", "point_entry"]
    date_hierarchy = "uploaded_at"
    ordering = ["-uploaded_at"]
    show_full_result_count = False
    fields = ["member", "file_link", "content_type", "size", "uploaded_at", "status",
              "reviewed_by", "reviewed_at", "rejection_reason", "point_entry"]  # fmt: skip
    readonly_fields = fields
    actions = ["approve_certificates", "reject_certificates"]

    def has_add_permission(self, request):
        return False  # members upload them

    def has_change_permission(self, request, obj=None):
        return False  # reviewed through the actions only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("points.change_incomecertificate")

    def get_urls(self):
        view = self.admin_site.admin_view
        file_url = path(
            "<path:object_id>/file/", view(self.file_view), name="points_incomecertificate_file"
        )
        return [file_url, *super().get_urls()]

    def file_view(self, request, object_id):
        certificate = self.get_object(request, object_id)
        if certificate is None or not self.has_view_permission(request, certificate):
            raise Http404(_("書類が見つかりません。"))
        return certificate_file_response(certificate)

    @admin.display(description=_("ファイル"))
    def file_link(self, certificate):
        url = reverse("admin:points_incomecertificate_file", args=[certificate.pk])
        return format_html('<a href="{}">{}</a>', url, certificate.download_name)

    @admin.display(description=_("ポイント"), boolean=True)
    def points_credited(self, certificate):
        return certificate.point_entry_id is not None

    @admin.action(description=_("承認する（ポイント付与・メール送信）"), permissions=["review"])
    def approve_certificates(self, request, queryset):
        def approve(certificate_id):
            certificate = certificates.approve_certificate(
                certificate_id=certificate_id, staff=request.user
            )
            level = messages.SUCCESS if certificate.point_entry_id else messages.WARNING
            return certificate, f"{_('承認しました。')}{_approval_outcome(certificate)}", level

        self._review_each(request, queryset, approve)

    @admin.action(description=_("差し戻す（理由を入力・メール送信）"), permissions=["review"])
    def reject_certificates(self, request, queryset):
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _action_page(
                self, request, queryset,
                action="reject_certificates",
                form=form,
                title=_("収入証明書類の差し戻し"),
                intro=_("選んだ書類を差し戻します。理由は会員へのメールと会員の画面に表示されます。"),
                submit=_("差し戻す"),
            )  # fmt: skip
        reason = form.cleaned_data["rejection_reason"]

        def reject(certificate_id):
            certificate = certificates.reject_certificate(
                certificate_id=certificate_id, staff=request.user, reason=reason
            )
            return certificate, f"{_('差し戻しました。')}{reason}", messages.SUCCESS

        self._review_each(request, queryset, reject)
        return None

    def _review_each(self, request, queryset, review) -> None:
        """Review each selected certificate on its own; log and report each outcome."""
        for certificate_id in queryset.values_list("pk", flat=True):
            try:
                certificate, outcome, level = review(certificate_id)
            except certificates.ReviewRefusal as refusal:
                self.message_user(
                    request, f"#{certificate_id}: {refusal.message}", messages.WARNING
                )
                continue
            self.log_change(request, certificate, outcome)
            self.message_user(request, f"#{certificate.pk} {certificate.member}: {outcome}", level)


def _approval_outcome(certificate: IncomeCertificate) -> str:
    """Return what the approval did about points, for the staff message and the log."""
    if certificate.point_entry_id is not None:
        return str(
            _("%(points)dポイントを付与しました。") % {"points": certificate.point_entry.points}
        )
    if selectors.account_of(certificate.member) is None:
        return str(_("会員がポイントサービスに未入会のため、ポイントは付与していません。"))
    return str(
        _("%(year)s年分のポイントは付与済みのため、今回は付与していません。")
        % {"year": certificates.points_year(certificate)}
    )
