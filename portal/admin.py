from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.models import MailboxMessage, MaintenanceWindow, OutgoingMail


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record staff may read but never add, change or delete (logs, copies, derived state)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "scope", "recurrence", "weekday", "nth", "day_offset", "month",
                    "day", "start_time", "duration_minutes", "is_active"]  # fmt: skip
    list_filter = ["scope", "recurrence", "is_active"]
    fieldsets = [
        (None, {"fields": ["description", "scope", "is_active"]}),
        (_("繰り返し"), {"fields": ["recurrence", "weekday", "nth", "day_offset", "month", "day"]}),
        (_("時刻"), {"fields": ["start_time", "duration_minutes"]}),
    ]


@admin.register(MailboxMessage)
class MailboxMessageAdmin(ReadOnlyAdmin):
    """Copies of the e-mails the portal sent, for reading only."""

    list_display = ["sent_at", "to", "subject"]
    search_fields = ["to", "subject"]
    date_hierarchy = "sent_at"
    fields = ["sent_at", "from_email", "to", "subject", "body", "html_body"]
    show_full_result_count = False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """Mails waiting for the mail server (portal.outbox), and what became of them. Never
    the body: it may hold a member's one-time link."""

    list_display = ["created_at", "template", "attempts", "next_attempt_at", "last_error",
                    "sent_at", "gave_up_at"]  # fmt: skip
    list_filter = ["template", "last_error"]
    fields = ["created_at", "template", "to", "subject", "attempts", "next_attempt_at",
              "last_error", "sent_at", "gave_up_at"]  # fmt: skip
    show_full_result_count = False
