"""The demo's tools on the member list: reset the personas, generate fake members (SPEC §9).

The member admin (members.admin) is replaced by a subclass that adds the two pages and
their buttons, so staff find them where they always were and `members` knows nothing
of demos.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from demo.fake_data import GENERATED_PASSWORD, GENERATED_PIN, MAX_COUNT, Scenario, generate_members
from demo.personas import reset_demo_personas
from history.reminders import send_due_notices
from members.admin import MemberAdmin
from members.models import Member


class GenerateMembersForm(forms.Form):
    count = forms.IntegerField(
        label=_("人数"), min_value=1, max_value=MAX_COUNT, initial=10, help_text=_("1〜1,000人")
    )
    scenario = forms.ChoiceField(label=_("シナリオ"), choices=Scenario.choices)
    seed = forms.IntegerField(
        label=_("シード"),
        required=False,
        min_value=0,
        max_value=2**32 - 1,
        help_text=_("同じシードで同じ会員を再現できます（空欄ならランダム）"),
    )
    transactions = forms.IntegerField(
        label=_("取引件数（目安）"), min_value=0, max_value=100, initial=12
    )


admin.site.unregister(Member)


@admin.register(Member)
class DemoMemberAdmin(MemberAdmin):
    change_list_template = "demo/admin/member_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("reset-demo/", view(self.reset_demo_view), name="members_member_reset_demo"),
            path("generate/", view(self.generate_view), name="members_member_generate"),
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

    def generate_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = GenerateMembersForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            members = generate_members(**form.cleaned_data)
            self._log_additions(request, members, _("架空会員として生成しました。"))
            self.message_user(
                request,
                _(
                    "架空会員を%(count)d名生成しました。暗証番号は %(pin)s、"
                    "Web-IDのパスワードは %(password)s です。"
                )
                % {"count": len(members), "pin": GENERATED_PIN, "password": GENERATED_PASSWORD},
                messages.SUCCESS,
            )
            return redirect("admin:members_member_changelist")
        return self._page(
            request,
            "demo/admin/generate.html",
            _("架空会員を生成"),
            form=form,
            pin=GENERATED_PIN,
            password=GENERATED_PASSWORD,
        )

    def _log_additions(self, request, members, message):
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=members,
            action_flag=ADDITION,
            change_message=str(message),
        )
