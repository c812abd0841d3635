"""The member's ledger pages: the mypage panel, the history with its totals and chart,
the CSV, the interest inquiry, and the mail settings (transaction mail, reminders) with
their rows on the settings page.

Borrowing and repayment are history/operations.py on the flow of history/flow.py; the
public simulator is history/simulator_views.py; queries are in history/selectors.py.
"""

import csv
import datetime as dt
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from history import services
from history.accounting import position_on
from history.charts import balance_chart
from history.forms import (
    HistoryFilterForm,
    InterestInquiryForm,
    ReminderForm,
    TransactionMailForm,
)
from history.models import Channel, Kind, MailPreference
from history.rows import COLUMNS, history_rows
from history.rows import FIELDS as ROW_FIELDS
from history.rules import borrowing_open
from history.selectors import (
    DEEP_OFFSET,
    HistoryFilter,
    chart_points,
    entries_from,
    figures_of,
    filtered_history,
    history_figures,
    ledger_state,
    loan_figures,
    summary_rows,
    terms_of,
)
from members.decorators import is_member, member_required
from portal import clock
from portal.maintenance import closed_until
from portal.models import MaintenanceScope

INQUIRY_DAYS_AHEAD = 35
HISTORY_PAGE_SIZE = 20


def mypage_panel(request: HttpRequest):
    """The loan figures on /mypage/ (registered with members.dashboard)."""
    member = request.user
    contract = getattr(member, "contract", None) if is_member(member) else None
    if contract is None:
        return ""
    figures = loan_figures(contract=contract)
    position = figures["position"]
    context = {
        **figures,
        "can_borrow": borrowing_open(contract, overdue_since=position.overdue_since),
        "repayment_closed_until": closed_until(MaintenanceScope.INTERNET_REPAYMENT),
    }
    return render_to_string("history/includes/mypage_panel.html", context, request=request)


def settings_rows(request: HttpRequest):
    """The mail settings on 登録内容 (registered with members.dashboard)."""
    preference = MailPreference.objects.filter(member=request.user).first()
    return render_to_string(
        "history/includes/settings_rows.html", {"preference": preference}, request=request
    )


# --- History, CSV, chart --------------------------------------------------------------


def _history_filter(request) -> tuple[HistoryFilterForm, HistoryFilter]:
    form = HistoryFilterForm(request.GET or None)
    if not form.is_bound:
        return form, filtered_history(member=request.user)
    if form.is_valid():
        return form, filtered_history(member=request.user, **form.cleaned_data)
    return form, filtered_history(member=request.user).nothing()


class _Located:
    """The shown entries as the paginator slices them, each slice located through the
    summaries (selectors.entries_from)."""

    def __init__(self, history: HistoryFilter, rows: list[tuple]):
        self.history, self.rows = history, rows

    def __getitem__(self, window: slice) -> list:
        size = window.stop - window.start
        located = entries_from(self.history, self.rows, offset=window.start, size=size)
        return located.values(*ROW_FIELDS)


@require_safe
@member_required
@never_cache
def history_list(request):
    form, history = _history_filter(request)
    try:
        asked = int(request.GET.get("page", 1))
    except ValueError:
        asked = 1
    # (The paginator shows the last page for a number below 1.)
    if asked >= 1 and (asked - 1) * HISTORY_PAGE_SIZE < DEEP_OFFSET:
        # One query for the totals (of the kind shown) and the chart's span (every kind).
        figures = history_figures(history)
        entries = history.shown.newest_first().values(*ROW_FIELDS)
    else:
        # A deep page: the same figures from the summary rows, which also locate the page.
        rows = summary_rows(history)
        figures = figures_of(rows, history.kind)
        entries = _Located(history, rows)
    paginator = Paginator(entries, HISTORY_PAGE_SIZE)
    paginator.count = figures["count"]  # counted above already; saves a query
    page = paginator.get_page(request.GET.get("page"))
    # Page and CSV links carry the filters, and nothing else that was put in the address.
    filters = {name: request.GET[name] for name in form.fields if name in request.GET}
    points = chart_points(member_id=request.user.pk, history=history, figures=figures)
    return render(
        request,
        "history/history_list.html",
        {
            "form": form,
            "page": page,
            "columns": COLUMNS,
            "rows": history_rows(page),
            "totals": figures,
            "chart": balance_chart(points),
            "query": urlencode(filters),
        },
    )


# The CSV is for the member's spreadsheet, so its header and the kind and channel of each
# line are in the page's language, like the page it is downloaded from. What a program
# reads stays the same in both: the order of the columns, and the values (times as
# YYYY-MM-DD HH:MM:SS in Tokyo time, amounts as plain integers).
CSV_HEADER = [
    gettext_lazy("取引日時"),
    gettext_lazy("受付日時"),
    gettext_lazy("種類"),
    gettext_lazy("お取引方法"),
    gettext_lazy("金額"),
    gettext_lazy("うち遅延損害金"),
    gettext_lazy("うち利息"),
    gettext_lazy("うち元金"),
    gettext_lazy("取引後元金残高"),
]


# What a line of the CSV reads of an entry, in the columns' order.
CSV_FIELDS = (
    "occurred_at",
    "requested_at",
    "kind",
    "channel",
    "amount",
    "late_damages_paid",
    "interest_paid",
    "principal_paid",
    "principal_after",
)
CSV_ROWS_PER_CHUNK = 500


@require_safe
@member_required
@never_cache
def history_csv(request):
    """The filtered history as CSV, UTF-8 with BOM so spreadsheets read the Japanese text
    (see CSV_HEADER for its language)."""
    _form, history = _history_filter(request)
    entries = history.shown.newest_first().values_list(*CSV_FIELDS)
    # In the page's language, read now: the rows are written after the view has returned.
    header = [str(title) for title in CSV_HEADER]
    kinds = {value: str(label) for value, label in Kind.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    zone = timezone.get_current_timezone()

    def when(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(header)
        for written, entry in enumerate(entries.iterator(2000), start=1):
            occurred_at, requested_at, kind, channel, *amounts = entry
            writer.writerow(
                [when(occurred_at), when(requested_at), kinds[kind], channels[channel], *amounts]
            )
            if written % CSV_ROWS_PER_CHUNK == 0:  # a write to the client per chunk, not row
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"history-{clock.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Interest inquiry -----------------------------------------------------------------


@require_safe
@member_required
@never_cache
def interest_inquiry(request):
    contract = request.user.contract
    today = clock.today()
    state, terms = ledger_state(contract), terms_of(contract)
    current = position_on(state=state, terms=terms, on=today)
    latest = max(today + dt.timedelta(days=INQUIRY_DAYS_AHEAD), current.next_due_date or today)
    form = InterestInquiryForm(
        request.GET if "repayment_date" in request.GET else None, earliest=today, latest=latest
    )
    result = None
    if form.is_bound and form.is_valid():
        result = position_on(state=state, terms=terms, on=form.cleaned_data["repayment_date"])
    return render(
        request,
        "history/interest_inquiry.html",
        {"form": form, "result": result, "current": current, "contract": contract},
    )


# --- Mail preference ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def transaction_mail_setting(request):
    """Opt in or out of the 取引確認メール."""
    preference = MailPreference.objects.filter(member=request.user).first()
    initial = {"transaction_email": "on" if preference and preference.transaction_email else "off"}
    form = TransactionMailForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_mail_preference(
            member=request.user, transaction_email=form.cleaned_data["transaction_email"] == "on"
        )
        return redirect("members:settings")
    return render(request, "history/transaction_mail.html", {"form": form})


@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def reminder_setting(request):
    """Choose the 返済期日お知らせメール: on or off, the day before the due date and the
    hour; it goes to a verified address only."""
    member = request.user
    if not member.email_verified:
        return render(request, "history/reminder_setting.html", {"needs_email": True})
    preference = MailPreference.objects.filter(member=member).first() or MailPreference()
    initial = {
        "enabled": "on" if preference.reminder_enabled else "off",
        "days_before": preference.reminder_days_before,
        "hour": preference.reminder_hour,
    }
    form = ReminderForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_mail_preference(
            member=member,
            reminder_enabled=form.cleaned_data["enabled"] == "on",
            reminder_days_before=form.cleaned_data["days_before"],
            reminder_hour=form.cleaned_data["hour"],
        )
        messages.success(
            request, _("返済期日お知らせメールの設定を保存しました。"), extra_tags="saved"
        )
        return redirect("members:settings")
    return render(request, "history/reminder_setting.html", {"form": form})
