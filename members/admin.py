"""Staff admin of members and staff users (SPEC §9, "Admin").

`Member` is the user model of both borrowers and staff, so one admin serves both: the
「種別」 filter shows members by default and staff on request, and each kind gets its
own columns and form. Members are created by the demo reset and the fake-member
generator; the add form creates staff users. PIN and password hashes are never shown
nor edited as raw values: a member's PIN changes only through the identity-checked
"set new PIN" page, a staff password only through Django's password form.
"""

import unicodedata

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import account, credentials, lockout, staff_actions
from members.forms import normalise_digits
from members.models import (
    ContractStatus,
    LoanContract,
    LoginAttempt,
    LoginMethod,
    Member,
    ProfileChange,
    TransferAccount,
)
from portal.admin import ReadOnlyAdmin
from portal.templatetags.portal_tags import money

# --- Forms --------------------------------------------------------------------------


class StaffCreationForm(AdminUserCreationForm):
    """Create a staff user (members come from the demo reset and the generator)."""

    class Meta(AdminUserCreationForm.Meta):
        model = Member
        fields = ["username"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].required = True
        self.instance.is_staff = True  # before validation: the constraint tells them apart


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Member


class PinField(forms.CharField):
    """A new PIN: four half-width digits, diagnosed like the login form's PIN."""

    def __init__(self, **kwargs):
        attrs = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}
        super().__init__(strip=False, widget=forms.PasswordInput(attrs=attrs), **kwargs)

    def validate(self, value):
        super().validate(value)
        if (error := credentials.PIN.diagnose(value)) is not None:
            raise error


class SetPinForm(forms.Form):
    """Staff confirm the member's identity against the record, then choose a new PIN."""

    birth_date = forms.DateField(
        label=_("生年月日"),
        help_text=_("本人確認書類の生年月日（例: 1985-04-01）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("電話番号"), max_length=20, help_text=_("ご本人に伺った登録電話番号")
    )
    new_pin = PinField(label=_("新しい暗証番号"), help_text=_("4桁の半角数字"))
    new_pin_confirm = forms.CharField(
        label=_("新しい暗証番号（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, member: Member, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        birth_date, phone = cleaned.get("birth_date"), cleaned.get("phone")
        if birth_date is not None and phone is not None:
            on_record = (self.member.birth_date, normalise_digits(self.member.phone))
            if not all(on_record) or (birth_date, normalise_digits(phone)) != on_record:
                raise ValidationError(
                    _("本人確認の情報が登録内容と一致しません。暗証番号は変更していません。"),
                    code="identity_mismatch",
                )
        new_pin = cleaned.get("new_pin")
        if new_pin and new_pin != cleaned.get("new_pin_confirm"):
            self.add_error(
                "new_pin_confirm",
                ValidationError(_("確認用の暗証番号が一致しません。"), code="pin_mismatch"),
            )
        return cleaned


# --- Members and staff --------------------------------------------------------------


class KindFilter(admin.SimpleListFilter):
    """Members by default; staff users on request (never both in one list)."""

    title = _("種別")
    parameter_name = "kind"
    MEMBERS, STAFF = "members", "staff"

    def lookups(self, request, model_admin):
        return [(self.MEMBERS, _("会員")), (self.STAFF, _("スタッフ"))]

    def queryset(self, request, queryset):
        if self.value() == self.STAFF:
            return queryset.filter(is_staff=True)
        return queryset.members()

    def choices(self, changelist):
        shown = self.value() or self.MEMBERS
        for value, title in self.lookup_choices:
            yield {
                "selected": shown == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


class MemberChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        annotate_lock_states(self.result_list)


def annotate_lock_states(members) -> None:
    """Set `card_locked`, `web_id_locked` and `staff_locked` on each user, in one query."""
    pairs = [(LoginMethod.CARD, m.card_number) for m in members if m.card_number]
    pairs += [(LoginMethod.WEB_ID, m.web_id) for m in members if m.web_id]
    pairs += [(LoginMethod.STAFF, m.username) for m in members if m.is_staff and m.username]
    locked = lockout.locked_credentials(pairs)
    for member in members:
        member.card_locked = (LoginMethod.CARD, member.card_number) in locked
        member.web_id_locked = (LoginMethod.WEB_ID, member.web_id) in locked
        member.staff_locked = (LoginMethod.STAFF, member.username) in locked


class LoanContractInline(admin.StackedInline):
    model = LoanContract
    can_delete = False
    max_num = 1
    # The balance belongs to the ledger; the status changes through the actions (logged).
    readonly_fields = ["late_damages_rate", "status", "principal_balance"]
    # Interest accrued so far and the stored due dates follow from these terms: changing
    # them under a running contract would rewrite its past. Set when the contract is made.
    terms_fields = ["annual_rate", "due_day", "contracted_on"]

    def get_readonly_fields(self, request, obj=None):
        has_contract = obj is not None and LoanContract.objects.filter(member=obj).exists()
        return self.readonly_fields + (self.terms_fields if has_contract else [])

    fields = ["credit_limit", "annual_rate", "late_damages_rate", "due_day", "status",
              "principal_balance", "contracted_on"]  # fmt: skip


class TransferAccountInline(admin.StackedInline):
    model = TransferAccount
    can_delete = False
    max_num = 1
    fields = ["bank_code", "branch_code", "account_type", "account_number", "holder_kana"]


MEMBER_FIELDSETS = (
    (
        _("カード・Web-ID"),
        {"fields": ["member_number", "card_number", "card_state", "web_id", "web_id_state"]},
    ),
    (
        _("お客様情報"),
        {
            "fields": [
                "name_kanji",
                "name_kana",
                "birth_date",
                "phone",
                "email",
                "email_verified",
                "pending_email",
                "employer",
                "statement_delivery",
            ]
        },
    ),
    (_("住所"), {"fields": ["postal_code", "prefecture", "city", "street", "building"]}),
    (_("状態"), {"fields": ["is_active", "last_login", "date_joined"]}),
)
MEMBER_READONLY_FIELDS = ["member_number", "card_number", "card_state", "web_id", "web_id_state",
                          "pending_email", "last_login", "date_joined"]  # fmt: skip
STAFF_FIELDSETS = (
    (None, {"fields": ["username", "password", "staff_lock_state"]}),
    (
        _("権限"),
        {"fields": ["is_active", "is_superuser", "groups", "user_permissions"]},
    ),
    (_("日時"), {"fields": ["last_login", "date_joined"]}),
)
MEMBER_COLUMNS = ["member_number", "name_kanji", "name_kana", "card_number", "card_state",
                  "web_id", "web_id_state", "contract_status", "balance"]  # fmt: skip
STAFF_COLUMNS = ["username", "is_superuser", "is_active", "staff_lock_state", "last_login"]


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = MEMBER_COLUMNS
    list_filter = [KindFilter, "contract__status", "is_active"]
    search_fields = ["member_number", "card_number", "name_kanji", "name_kana", "phone",
                     "username"]  # fmt: skip
    list_select_related = ["contract"]
    ordering = ["member_number", "username"]
    show_full_result_count = False
    form = StaffChangeForm
    add_form = StaffCreationForm
    add_fieldsets = ((None, {"fields": ["username", "usable_password", "password1", "password2"]}),)
    actions = ["unlock_web_id", "terminate_contract", "reinstate_contract", "set_new_pin",
               "unlock_staff"]  # fmt: skip

    def get_changelist(self, request, **kwargs):
        return MemberChangeList

    def get_list_display(self, request):
        if request.GET.get(KindFilter.parameter_name) == KindFilter.STAFF:
            return STAFF_COLUMNS
        return MEMBER_COLUMNS

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # What staff type from a paper form: full-width digits, hyphens, half-width kana.
        normalised = unicodedata.normalize("NFKC", search_term)
        if normalised != search_term:
            results |= super().get_search_results(request, queryset, normalised)[0]
        digits = normalise_digits(search_term)
        if digits.isascii() and digits.isdigit() and digits != normalised.strip():
            results |= queryset.filter(
                Q(member_number__contains=digits)
                | Q(card_number__contains=digits)
                | Q(phone__contains=digits)
            )
        return results, may_have_duplicates

    def lookup_allowed(self, lookup, value, request=None):
        # No probing of the PIN hash through the URL (UserAdmin already refuses passwords).
        return not lookup.startswith("pin") and super().lookup_allowed(lookup, value, request)

    # --- Forms of a member and of a staff user

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return STAFF_FIELDSETS if obj.is_staff else MEMBER_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.is_staff:
            return ["staff_lock_state", "last_login", "date_joined"]
        return MEMBER_READONLY_FIELDS

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not obj.is_staff:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        if obj is None or obj.is_staff:
            return []
        return [LoanContractInline, TransferAccountInline]

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"title": _("スタッフを追加"), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        member = self.get_object(request, id)
        if member is not None and not member.is_staff:
            # A member's Web-ID password is theirs to set (or to recover online).
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    # --- Columns

    @admin.display(description=_("カード"))
    def card_state(self, member):
        if not member.card_number:
            return "-"
        locked = getattr(member, "card_locked", None)
        if locked is None:  # the change form shows one member
            locked = lockout.is_locked(method=LoginMethod.CARD, identifier=member.card_number)
        return _("ロック中") if locked else _("正常")

    @admin.display(description=_("Web-ID状態"))
    def web_id_state(self, member):
        if not member.web_id:
            return _("未登録")
        locked = getattr(member, "web_id_locked", None)
        if locked is None:
            locked = lockout.is_locked(method=LoginMethod.WEB_ID, identifier=member.web_id)
        return _("ロック中") if locked else _("正常")

    @admin.display(description=_("スタッフID状態"))
    def staff_lock_state(self, staff):
        if not staff.username:
            return "-"
        locked = getattr(staff, "staff_locked", None)
        if locked is None:
            locked = lockout.is_locked(method=LoginMethod.STAFF, identifier=staff.username)
        return _("ロック中") if locked else _("正常")

    @admin.display(description=_("契約状態"), ordering="contract__status")
    def contract_status(self, member):
        contract = _contract_of(member)
        return contract.get_status_display() if contract else "-"

    @admin.display(description=_("元金残高"), ordering="contract__principal_balance")
    def balance(self, member):
        contract = _contract_of(member)
        return money(contract.principal_balance) if contract else "-"

    # --- Actions

    @admin.action(description=_("Web-IDのロックを解除する"), permissions=["change"])
    def unlock_web_id(self, request, queryset):
        members = list(queryset.members().filter(web_id__isnull=False))
        for member in members:
            account.unlock_web_id(member=member)
            self.log_change(request, member, _("Web-IDのロックを解除しました。"))
        self._report(request, members, _("Web-IDのロックを解除しました。"))

    @admin.action(description=_("スタッフIDのロックを解除する"), permissions=["change"])
    def unlock_staff(self, request, queryset):
        staff_users = list(queryset.filter(is_staff=True, username__isnull=False))
        for staff in staff_users:
            staff_actions.unlock_staff(staff=staff)
            self.log_change(request, staff, _("スタッフIDのロックを解除しました。"))
        self._report(request, staff_users, _("スタッフIDのロックを解除しました。"))

    @admin.action(description=_("契約を解約する"), permissions=["change"])
    def terminate_contract(self, request, queryset):
        self._set_status(
            request,
            queryset.exclude(contract__status=ContractStatus.TERMINATED),
            ContractStatus.TERMINATED,
            _("契約を解約しました。"),
        )

    @admin.action(description=_("解約した契約を再開する"), permissions=["change"])
    def reinstate_contract(self, request, queryset):
        # Active again; the ledger's daily job suspends it if a payment is overdue.
        self._set_status(
            request,
            queryset.filter(contract__status=ContractStatus.TERMINATED),
            ContractStatus.ACTIVE,
            _("契約を再開しました。"),
        )

    def _set_status(self, request, queryset, status, log_message):
        members = list(queryset.members().select_related("contract"))
        for member in members:
            staff_actions.set_contract_status(contract=member.contract, status=status)
            self.log_change(request, member, log_message)
        self._report(request, members, log_message)

    def _report(self, request, members, done):
        self.message_user(
            request,
            _("%(count)d名: %(done)s") % {"count": len(members), "done": done},
            messages.SUCCESS if members else messages.WARNING,
        )

    @admin.action(description=_("暗証番号を再設定する（1名を選択）"), permissions=["change"])
    def set_new_pin(self, request, queryset):
        members = list(queryset.members().filter(card_number__isnull=False)[:2])
        if len(members) != 1:
            self.message_user(
                request, _("暗証番号の再設定は会員を1名だけ選んでください。"), messages.WARNING
            )
            return None
        return redirect("admin:members_member_set_pin", members[0].pk)

    # --- Pages of their own

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/pin/", view(self.set_pin_view), name="members_member_set_pin"),
            *super().get_urls(),
        ]

    def _page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)

    @method_decorator(sensitive_post_parameters("new_pin", "new_pin_confirm"))
    def set_pin_view(self, request, object_id):
        member = self.get_object(request, object_id)
        if member is None or not member.card_number:
            raise Http404(_("カードをお持ちの会員が見つかりません。"))
        if not self.has_change_permission(request, member):
            raise PermissionDenied
        form = SetPinForm(request.POST or None, member=member)
        if request.method == "POST" and form.is_valid():
            staff_actions.set_new_pin(member=member, new_pin_secret=form.cleaned_data["new_pin"])
            self.log_change(
                request, member, _("本人確認のうえ暗証番号を再設定しました（カードのロック解除）。")
            )
            self.message_user(
                request,
                _("%(member)s の暗証番号を再設定しました。カードのロックも解除されています。")
                % {"member": member},
                messages.SUCCESS,
            )
            return redirect("admin:members_member_change", member.pk)
        return self._page(
            request,
            "admin/members/member/set_pin.html",
            _("暗証番号の再設定"),
            original=member,
            form=form,
        )


def _contract_of(member: Member) -> LoanContract | None:
    try:
        return member.contract
    except LoanContract.DoesNotExist:
        return None


# --- Login attempts -----------------------------------------------------------------


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    """Every recorded login attempt, for reading only."""

    list_display = ["attempted_at", "method", "masked_identifier", "member", "result",
                    "client_address", "user_agent"]  # fmt: skip
    list_filter = ["result", "method", "attempted_at"]
    search_fields = ["member__member_number", "masked_identifier", "client_address"]
    list_select_related = ["member"]
    date_hierarchy = "attempted_at"
    show_full_result_count = False


@admin.register(ProfileChange)
class ProfileChangeAdmin(ReadOnlyAdmin):
    """When each member changed which part of their data (never the values), for reading only."""

    list_display = ["changed_at", "member", "kind"]
    list_filter = ["kind", "changed_at"]
    search_fields = ["member__member_number"]
    list_select_related = ["member"]
    date_hierarchy = "changed_at"
    show_full_result_count = False


# --- Staff TOTP devices -------------------------------------------------------------

admin.site.unregister(TOTPDevice)  # django-otp's admin adds devices and shows their keys


@admin.register(TOTPDevice)
class StaffDeviceAdmin(admin.ModelAdmin):
    """Staff TOTP devices: listed, and deleted when one is lost; never added or shown here.

    A device is enrolled by its owner on the 二段階認証 page or by the operator with
    `manage.py enroll_staff_totp`, so its key is shown to nobody else.
    """

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
