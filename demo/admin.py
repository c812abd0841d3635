"""The demo's tools on the member list: reset the personas, generate fake members (SPEC §9).

The member admin (members.admin) is replaced by a subclass that adds the tools' pages,
their buttons and the 「一括生成」 filter, so staff find them where they always were and
`members` knows nothing of demos. Each generator run is a `GeneratedBatch`: its page lists
the members it made with their credentials, as a table and as CSV.
"""

import csv
import io

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from demo.fake_data import (
    GENERATED_PASSWORD,
    GENERATED_PIN,
    MAX_COUNT,
    MAX_SEED,
    Scenario,
    generate_batch,
)
from demo.models import GeneratedBatch
from demo.personas import reset_demo_personas
from history.reminders import send_due_notices
from members.admin import MemberAdmin
from members.models import Member
from portal import clock
from portal.admin import ReadOnlyAdmin


class GenerateMembersForm(forms.Form):
    count = forms.IntegerField(
        label=_("人数"), min_value=1, max_value=MAX_COUNT, initial=10, help_text=_("1〜1,000人")
    )
    scenario = forms.ChoiceField(label=_("シナリオ"), choices=Scenario.choices)
    seed = forms.IntegerField(
        label=_("シード"),
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text=_("同じシードで同じ会員を再現できます（空欄ならランダム）"),
    )
    transactions = forms.IntegerField(
        label=_("取引件数（目安）"), min_value=0, max_value=100, initial=12
    )


class GeneratedBatchFilter(admin.SimpleListFilter):
    """The members one run of the generator made (the latest runs offered; any by URL)."""

    title = _("一括生成")
    parameter_name = "batch"
    OFFERED = 20

    def lookups(self, request, model_admin):
        return [
            (str(batch.pk), str(batch)) for batch in GeneratedBatch.objects.all()[: self.OFFERED]
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not (value.isascii() and value.isdigit()):
            return queryset.none()
        return queryset.filter(generated_batches=int(value))


CREDENTIAL_HEADER = [_("会員番号"), _("氏名"), _("カード番号"), _("暗証番号"), _("Web-ID"),
                     _("パスワード")]  # fmt: skip


def credential_rows(batch: GeneratedBatch) -> list[list[str]]:
    """The members a batch made, with the secrets they were generated with (one per row)."""
    # A no_web_id member who registered a Web-ID since chose their own password.
    with_password = batch.scenario != Scenario.NO_WEB_ID
    return [
        [
            member.member_number,
            member.name_kanji,
            member.card_number or "",
            GENERATED_PIN if member.card_number else "",
            member.web_id or "",
            GENERATED_PASSWORD if member.web_id and with_password else "",
        ]
        for member in batch.members.order_by("member_number")
    ]


admin.site.unregister(Member)


@admin.register(Member)
class DemoMemberAdmin(MemberAdmin):
    change_list_template = "demo/admin/member_change_list.html"
    list_filter = [*MemberAdmin.list_filter, GeneratedBatchFilter]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("reset-demo/", view(self.reset_demo_view), name="members_member_reset_demo"),
            path("generate/", view(self.generate_view), name="members_member_generate"),
            path(
                "generated/<int:batch_id>/",
                view(self.batch_view),
                name="members_member_generated_batch",
            ),
            path(
                "generated/<int:batch_id>/csv/",
                view(self.batch_csv_view),
                name="members_member_generated_batch_csv",
            ),
            path(
                "send-reminders/",
                view(self.send_reminders_view),
                name="members_member_send_reminders",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_http_methods(["GET", "POST"]))
    def reset_demo_view(self, request):
        if refused := self._refuse_outside_demo(
            request, _("デモモード（PORTAL_DEMO）ではないため、デモ会員は初期化できません。")
        ):
            return refused
        if request.method == "POST":
            personas = reset_demo_personas()
            self._log_additions(request, personas, _("デモ会員を初期状態に戻しました。"))
            self.message_user(
                request,
                _("デモ会員%(count)d名を初期状態に戻しました。") % {"count": len(personas)},
                messages.SUCCESS,
            )
            return redirect("admin:members_member_changelist")
        return self._page(request, "demo/admin/reset_demo.html", _("デモ会員を初期状態に戻す"))

    @method_decorator(require_http_methods(["GET", "POST"]))
    def send_reminders_view(self, request):
        """Run `send_reminders` now: the demo shows a reminder without waiting for cron."""
        if refused := self._refuse_outside_demo(
            request,
            _(
                "デモモード（PORTAL_DEMO）ではないため、ここからは送信できません"
                "（cronの send_reminders が送ります）。"
            ),
        ):
            return refused
        if request.method == "POST":
            outcome = send_due_notices()
            self.message_user(
                request,
                _(
                    "返済期日のお知らせメールを%(sent)d通送信しました（送信失敗%(failed)d通は"
                    "次回に再送します）。デモ用メールボックスで確認できます。"
                )
                % {"sent": outcome.sent, "failed": outcome.failed},
                messages.SUCCESS,
            )
            return redirect("admin:members_member_changelist")
        return self._page(
            request, "demo/admin/send_reminders.html", _("返済期日のお知らせメールを今すぐ送信")
        )

    def _refuse_outside_demo(self, request, message):
        """Return the answer that refuses a demo tool (outside demo mode, or to staff who
        may not change members), or None when it may run."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if settings.PORTAL_DEMO:
            return None
        self.message_user(request, message, messages.ERROR)
        return redirect("admin:members_member_changelist")

    def _refuse_unless_generator(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied

    @method_decorator(require_http_methods(["GET", "POST"]))
    def generate_view(self, request):
        self._refuse_unless_generator(request)
        form = GenerateMembersForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            batch = generate_batch(**form.cleaned_data, staff=request.user)
            self._log_additions(request, batch.members.all(), _("架空会員として生成しました。"))
            self.message_user(
                request,
                _(
                    "架空会員を%(count)d名生成しました。暗証番号は %(pin)s、"
                    "Web-IDのパスワードは %(password)s です。"
                )
                % {"count": batch.count, "pin": GENERATED_PIN, "password": GENERATED_PASSWORD},
                messages.SUCCESS,
            )
            return redirect("admin:members_member_generated_batch", batch.pk)
        return self._page(
            request,
            "demo/admin/generate.html",
            _("架空会員を生成"),
            form=form,
            pin=GENERATED_PIN,
            password=GENERATED_PASSWORD,
        )

    @method_decorator(require_http_methods(["GET"]))
    def batch_view(self, request, batch_id):
        """The members a generator run made, with their credentials (after the form posts)."""
        self._refuse_unless_generator(request)
        batch = get_object_or_404(GeneratedBatch.objects.select_related("staff"), pk=batch_id)
        return self._page(
            request,
            "demo/admin/generated_batch.html",
            _("生成した架空会員"),
            batch=batch,
            header=CREDENTIAL_HEADER,
            rows=credential_rows(batch),
            changelist_url=f"{reverse('admin:members_member_changelist')}"
            f"?{GeneratedBatchFilter.parameter_name}={batch.pk}",
        )

    @method_decorator(require_http_methods(["GET"]))
    def batch_csv_view(self, request, batch_id):
        """The same list as CSV, UTF-8 with BOM so spreadsheets read the Japanese text."""
        self._refuse_unless_generator(request)
        batch = get_object_or_404(GeneratedBatch, pk=batch_id)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([str(title) for title in CREDENTIAL_HEADER])
        writer.writerows(credential_rows(batch))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        filename = f"generated-members-{batch.pk}-{clock.today():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _log_additions(self, request, members, message):
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=members,
            action_flag=ADDITION,
            change_message=str(message),
        )


@admin.register(GeneratedBatch)
class GeneratedBatchAdmin(ReadOnlyAdmin):
    """The generator's runs, each linking to its members and their credentials."""

    list_display = ["__str__", "created_at", "staff", "scenario", "count", "seed", "members_link"]
    list_filter = ["scenario"]
    list_select_related = ["staff"]
    show_full_result_count = False

    @admin.display(description=_("生成した会員"))
    def members_link(self, batch):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:members_member_generated_batch", args=[batch.pk]),
            _("会員と認証情報"),
        )
