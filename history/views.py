import csv
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from history import confirmations, services, simulator
from history.accounting import position_on
from history.charts import balance_chart
from history.forms import (
    BorrowForm,
    HistoryFilterForm,
    InterestInquiryForm,
    RepayForm,
    SimulatorForm,
    TransactionMailForm,
)
from history.models import MOVING_PRINCIPAL_KINDS, Channel, Kind, LedgerEntry, MailPreference
from history.selectors import balance_over_time, ledger_state, loan_position, terms_of
from members.decorators import is_member, member_required
from portal import clock
from portal.maintenance import closed_until, maintenance_response
from portal.models import MaintenanceScope

INQUIRY_DAYS_AHEAD = 35
HISTORY_PAGE_SIZE = 20
CHART_STEPS = 120  # the balance chart draws at most this many changes, however long the period


def mypage_panel(request: HttpRequest):
    """The loan figures on /mypage/ (registered with members.dashboard)."""
    member = request.user
    contract = getattr(member, "contract", None) if is_member(member) else None
    if contract is None:
        return ""
    position = loan_position(contract=contract, on=clock.today())
    return render_to_string(
        "history/includes/mypage_panel.html",
        {
            "contract": contract,
            "position": position,
            "available": max(0, contract.credit_limit - position.principal),
        },
        request=request,
    )


# --- Borrowing and repayment: form → confirmation → done ------------------------------


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    form_class: type
    perform: object
    channel: str
    maintenance_scope: str

    def closed_until(self):
        return closed_until(self.maintenance_scope)


OPERATIONS = {
    "borrow": Operation(
        "borrow", _("お借入れ（振込）"), BorrowForm, services.borrow, Channel.TRANSFER,
        MaintenanceScope.MEMBER_PAGES,
    ),
    "repay": Operation(
        "repay", _("インターネット返済"), RepayForm, services.repay, Channel.INTERNET,
        MaintenanceScope.INTERNET_REPAYMENT,
    ),
}  # fmt: skip


def _operation_context(request, operation: Operation) -> dict:
    contract = request.user.contract
    position = loan_position(contract=contract, on=clock.today())
    available = max(0, contract.credit_limit - position.principal)
    return {
        "operation": operation,
        "contract": contract,
        "position": position,
        "available": available,
        "maximum": available if operation.name == "borrow" else position.payoff,
        "transfer_account": getattr(request.user, "transfer_account", None),
    }


def _refusal_error(refusal: services.LedgerRefusal):
    return ValidationError(refusal.message, code=refusal.code)


def _allowed(request, operation: Operation, form, context) -> bool:
    """Tell a refused borrowing or repayment at the first step already, not only after
    confirming."""
    try:
        if operation.name == "borrow":
            services.check_borrowing(
                member=request.user,
                contract=context["contract"],
                position=context["position"],
                amount=form.cleaned_data["amount"],
            )
        else:
            services.check_repayment(member=request.user)
    except services.LedgerRefusal as refusal:
        form.add_error(None, _refusal_error(refusal))
        return False
    return True


@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def ledger_form(request, operation):
    """Step 1: enter the amount. A valid amount shows the confirmation step."""
    operation = OPERATIONS[operation]
    if (until := operation.closed_until()) is not None:
        return maintenance_response(request, until=until, scope=operation.maintenance_scope)
    context = _operation_context(request, operation)
    form = operation.form_class(
        request.POST if request.method == "POST" else None, maximum=context["maximum"]
    )
    if request.method == "POST" and form.is_valid() and _allowed(request, operation, form, context):
        amount = form.cleaned_data["amount"]
        nonce = confirmations.issue(member=request.user, operation=operation.name, amount=amount)
        return render(
            request,
            "history/confirm.html",
            {**context, "amount": amount, "nonce": nonce},
        )
    return render(request, "history/ledger_form.html", {**context, "form": form})


@require_POST
@member_required
@never_cache
def ledger_confirm(request, operation):
    """Step 2: carry out what was confirmed, once: a reload, a double click or a parallel
    submission of the same confirmation shows the entry booked by the first."""
    operation = OPERATIONS[operation]
    if (until := operation.closed_until()) is not None:
        return maintenance_response(request, until=until, scope=operation.maintenance_scope)
    try:
        entry_pk = confirmations.carry_out(
            member=request.user,
            operation=operation.name,
            token=request.POST.get("nonce", ""),
            book=lambda amount: operation.perform(
                member=request.user, amount=amount, channel=operation.channel
            ),
        )
    except confirmations.NotPending:
        return redirect(f"history:{operation.name}")
    except services.LedgerRefusal as refusal:
        context = _operation_context(request, operation)
        form = operation.form_class({"amount": str(refusal.amount)}, maximum=context["maximum"])
        form.is_valid()
        form.add_error(None, _refusal_error(refusal))
        return render(request, "history/ledger_form.html", {**context, "form": form})
    return redirect(f"history:{operation.name}-done", pk=entry_pk)


@require_safe
@member_required
@never_cache
def ledger_done(request, operation, pk):
    operation = OPERATIONS[operation]
    kind = Kind.BORROWING if operation.name == "borrow" else Kind.REPAYMENT
    entry = get_object_or_404(LedgerEntry, pk=pk, member=request.user, kind=kind)
    return render(
        request,
        "history/done.html",
        {**_operation_context(request, operation), "entry": entry},
    )


# --- History, CSV, chart --------------------------------------------------------------


@dataclass(frozen=True)
class HistoryFilter:
    """What the history filters chose: the entries of the period (every kind) and a kind."""

    entries: QuerySet  # of the period, every kind
    kind: str  # "" for every kind
    start: dt.datetime | None  # the period, from `start` up to but excluding `end`
    end: dt.datetime | None

    @property
    def kind_condition(self) -> Q:
        return Q(kind=self.kind) if self.kind else Q()

    @property
    def shown(self) -> QuerySet:
        """Return the entries listed: those of the period and the kind."""
        return self.entries.filter(self.kind_condition)


def _history_filter(request) -> tuple[HistoryFilterForm, HistoryFilter]:
    form = HistoryFilterForm(request.GET or None)
    entries = LedgerEntry.objects.for_member(request.user)
    start = end = None
    kind = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            start = _start_of(data["date_from"])
            entries = entries.filter(occurred_at__gte=start)
        if data["date_to"]:
            end = _start_of(data["date_to"] + dt.timedelta(1))
            entries = entries.filter(occurred_at__lt=end)
        kind = data["kind"]
    elif form.is_bound:
        entries = entries.none()
    return form, HistoryFilter(entries=entries, kind=kind, start=start, end=end)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _chart(*, member_id: int, history: HistoryFilter, figures: dict):
    """Return the chart of the principal balance over the whole period, whatever the kind
    filter: from the period's start (or the first change) to its end (or now)."""
    if not figures["changes"]:
        return balance_chart([])
    start = history.start or figures["first_change"]
    end = max(clock.now(), figures["last_change"])
    if history.end is not None:
        end = min(end, history.end - dt.timedelta(microseconds=1))  # date_to's last instant
    points = balance_over_time(
        member_id=member_id,
        start=start,
        end=end,
        steps=CHART_STEPS,
        changes_in_period=figures["changes"],
    )
    if len({balance for _moment, balance in points}) < 2:
        return balance_chart([])  # a flat line says nothing the figures do not
    return balance_chart(points)


@require_safe
@member_required
@never_cache
def history_list(request):
    form, history = _history_filter(request)
    kind = history.kind_condition
    moving = Q(kind__in=MOVING_PRINCIPAL_KINDS)
    # One query for the totals (of the kind shown) and the chart's span (every kind).
    figures = history.entries.aggregate(
        count=Count("id", filter=kind),
        borrowed=Sum("amount", filter=kind & Q(kind=Kind.BORROWING), default=0),
        repaid=Sum("amount", filter=kind & Q(kind=Kind.REPAYMENT), default=0),
        interest=Sum("interest_paid", filter=kind, default=0),
        late_damages=Sum("late_damages_paid", filter=kind, default=0),
        principal=Sum("principal_paid", filter=kind, default=0),
        changes=Count("id", filter=moving),
        first_change=Min("occurred_at", filter=moving),
        last_change=Max("occurred_at", filter=moving),
    )
    paginator = Paginator(history.shown.newest_first(), HISTORY_PAGE_SIZE)
    paginator.count = figures["count"]  # counted above already; saves a query
    page = paginator.get_page(request.GET.get("page"))
    # Page and CSV links carry the filters, and nothing else that was put in the address.
    filters = {name: request.GET[name] for name in form.fields if name in request.GET}
    return render(
        request,
        "history/history_list.html",
        {
            "form": form,
            "page": page,
            "totals": figures,
            "chart": _chart(member_id=request.user.pk, history=history, figures=figures),
            "query": urlencode(filters),
        },
    )


class _Echo:
    def write(self, value):
        return value


CSV_HEADER = ["取引日時", "受付日時", "種類", "チャネル", "金額", "うち遅延損害金", "うち利息",
              "うち元金", "取引後元金残高"]  # fmt: skip


@require_safe
@member_required
@never_cache
def history_csv(request):
    """The filtered history as CSV, UTF-8 with BOM so spreadsheets read the Japanese text."""
    _form, history = _history_filter(request)
    entries = history.shown
    writer = csv.writer(_Echo())
    kinds, channels = dict(Kind.choices), dict(Channel.choices)

    def rows():
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for entry in entries.newest_first().iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                    timezone.localtime(entry.requested_at).strftime("%Y-%m-%d %H:%M:%S")
                    if entry.requested_at
                    else "",
                    kinds[entry.kind],
                    channels[entry.channel],
                    entry.amount,
                    entry.late_damages_paid,
                    entry.interest_paid,
                    entry.principal_paid,
                    entry.principal_after,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"history-{clock.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Interest inquiry and simulator ---------------------------------------------------


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


@require_safe
def simulator_view(request):
    """The public repayment simulator (three modes), a GET form."""
    form = SimulatorForm(request.GET if "mode" in request.GET else None)
    plan = error = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            plan = _simulate(data)
        except simulator.SimulationError as exc:
            error = exc.code
    return render(request, "history/simulator.html", {"form": form, "plan": plan, "error": error})


def _simulate(data):
    rate = data["rate"]
    if data["mode"] == "payment":
        return simulator.monthly_payment_plan(
            amount=data["amount"], months=data["months"], rate_percent=rate
        )
    if data["mode"] == "count":
        return simulator.payment_count_plan(
            amount=data["amount"], monthly_payment=data["monthly_payment"], rate_percent=rate
        )
    return simulator.borrowable_plan(
        monthly_payment=data["monthly_payment"], months=data["months"], rate_percent=rate
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
