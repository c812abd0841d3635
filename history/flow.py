"""The amount → confirmation → done flow of a member's operation that books money, once.

Borrowing and repayment run through it (history/operations.py); point redemptions
(SPEC §7) and smartphone-ATM operations (§8) are to reuse it with their own form,
booking function, done page and entry model. An operation is described by a subclass
of `Operation`; `urls(operation, route)` gives its three pages:

    ``route``                   step 1, GET/POST: the amount form. A valid amount the
                                rules allow (`Operation.check`) shows the confirmation
                                page, which carries a one-time `nonce`
                                (`confirmations.issue`).
    ``route`` + ``confirm/``    step 2, POST: books what was confirmed, once
                                (`confirmations.carry_out` around `Operation.book`) and
                                redirects to the done page; a reload, double click or
                                parallel submission of one confirmation books one entry
                                and shows it. A refusal shows the form again with the
                                confirmed amount and the refusal's code.
    ``route`` + ``done/<pk>/``  step 3, GET: the entry booked, looked up among
                                `Operation.entries(member)` (another member's: 404).

URL names are `<name>`, `<name>-confirm` and `<name>-done` in the app's namespace
(`Operation.namespace`); every page is a member page, never cached, closed with a 503
while `Operation.maintenance_scope` is in a maintenance window.

To add an operation (a sketch for point redemptions)::

    class Redemption(Operation):
        name = "redeem"  # also the Confirmation's `operation`
        namespace = "points"
        title = _("ポイント交換")
        form_class = RedemptionForm  # takes maximum=; cleans "benefit"
        form_template = "points/redeem_form.html"  # extends history/operation_form.html
        done_template = "points/redeem_done.html"

        def figures(self, request): return {"balance": balance_of(request.user)}
        def maximum(self, figures): return figures["balance"]
        def pending(self, cleaned_data):  # what the confirmation stores
            benefit = cleaned_data["benefit"]
            return BENEFITS[benefit].cost, benefit
        def form_data(self, *, amount, detail): return {"benefit": detail}
        def book(self, *, member, amount, detail):
            return services.redeem(member=member, benefit=detail)
        def entries(self, member): return PointEntry.objects.filter(member=member)

    urlpatterns = [*flow.urls(Redemption(), "redeem/")]

A confirmation stores an amount and a short `detail` (a benefit's key, an ATM session's
code): `pending` says which, from the form's cleaned data; `form_data` fills the form
again with them when the rules refuse at confirmation; `confirmation` adds what the
confirmation page shows of them (a repayment's split; the smartphone ATM: the operation,
the code, the fee).
`book` must raise a `confirmations.Refusal` (with a code) when the rules refuse; it runs
in the transaction that records the confirmation as carried out.
"""

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from history import confirmations
from members.decorators import member_required
from members.models import Member
from portal.maintenance import closed_until, maintenance_response


class Operation:
    """What differs between operations of the flow: set the attributes, implement the
    methods. `figures`, `maximum` and `check` run at the first step; `book` at
    confirmation; `entries` on the done page."""

    name: str  # the URL name, the confirmation's operation, the prefix of element ids
    namespace: str  # the URL namespace of the app that includes `urls(...)`
    title: str
    form_class: type  # a Form with an "amount" field, built with `maximum=`
    form_template: str
    confirm_template = "history/confirm.html"
    confirm_title: str | None = None  # the confirmation page's title; else "<title>の確認"
    done_template: str
    done_title: str  # the done page's title and heading (「お借入れ完了」)
    maintenance_scope: str | None = None  # closes the operation's pages when in a window

    def figures(self, request: HttpRequest) -> dict:
        """Return what every step shows (the page's context besides the form)."""
        return {}

    def maximum(self, figures: dict) -> int:
        """Return the largest amount the form takes."""
        raise NotImplementedError

    def pending(self, cleaned_data: dict) -> tuple[int, str]:
        """Return the amount and detail a valid form asks for (what is confirmed)."""
        return cleaned_data["amount"], ""

    def form_data(self, *, amount: int, detail: str) -> dict:
        """Return the form's data for a confirmed `amount` and `detail` (after a refusal)."""
        return {"amount": str(amount)}

    def confirmation(self, *, figures: dict, amount: int, detail: str) -> dict:
        """Return what the confirmation page shows besides the amount (e.g. a split)."""
        return {}

    def check(self, *, member: Member, figures: dict, amount: int, detail: str = "") -> None:
        """Raise a confirmations.Refusal if the rules refuse `amount` already now."""

    def book(self, *, member: Member, amount: int, detail: str = "") -> models.Model:
        """Book `amount` and return the saved entry; raise a Refusal if the rules refuse."""
        raise NotImplementedError

    def entries(self, member: Member) -> QuerySet:
        """Return the member's entries this operation books (the done page's lookup)."""
        raise NotImplementedError

    def url_name(self, step: str = "") -> str:
        return f"{self.namespace}:{self.name}{'-' + step if step else ''}"

    @property
    def confirm_url_name(self) -> str:
        return self.url_name("confirm")

    @property
    def form_url_name(self) -> str:
        return self.url_name()


def urls(operation: Operation, route: str) -> list[URLPattern]:
    """Return the three pages of `operation` under `route` (which ends with a slash)."""
    kwargs = {"operation": operation}
    return [
        path(route, operation_form, kwargs, name=operation.name),
        path(f"{route}confirm/", operation_confirm, kwargs, name=f"{operation.name}-confirm"),
        path(f"{route}done/<int:pk>/", operation_done, kwargs, name=f"{operation.name}-done"),
    ]


def _closed(request, operation: Operation):
    if operation.maintenance_scope is None:
        return None
    if (until := closed_until(operation.maintenance_scope)) is None:
        return None
    return maintenance_response(request, until=until, scope=operation.maintenance_scope)


def _form_page(request, operation: Operation, figures: dict, form):
    context = {**figures, "operation": operation, "form": form}
    return render(request, operation.form_template, context)


@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def operation_form(request, operation: Operation):
    """Step 1: enter the amount. A valid amount shows the confirmation step."""
    if (closed := _closed(request, operation)) is not None:
        return closed
    figures = operation.figures(request)
    data = request.POST if request.method == "POST" else None
    form = operation.form_class(data, maximum=operation.maximum(figures))
    if request.method == "POST" and form.is_valid():
        amount, detail = operation.pending(form.cleaned_data)
        try:
            # Tell a refusal at the first step already, not only after confirming.
            operation.check(member=request.user, figures=figures, amount=amount, detail=detail)
        except confirmations.Refusal as refusal:
            form.add_error(None, refusal.as_validation_error())
        else:
            nonce = confirmations.issue(
                member=request.user, operation=operation.name, amount=amount, detail=detail
            )
            context = {
                **figures,
                **operation.confirmation(figures=figures, amount=amount, detail=detail),
                "operation": operation,
                "amount": amount,
                "detail": detail,
                "nonce": nonce,
            }
            return render(request, operation.confirm_template, context)
    return _form_page(request, operation, figures, form)


@require_POST
@member_required
@never_cache
def operation_confirm(request, operation: Operation):
    """Step 2: carry out what was confirmed, once: a reload, a double click or a parallel
    submission of the same confirmation shows the entry booked by the first."""
    if (closed := _closed(request, operation)) is not None:
        return closed
    try:
        entry_pk = confirmations.carry_out(
            member=request.user,
            operation=operation.name,
            token=request.POST.get("nonce", ""),
            book=lambda pending: operation.book(
                member=request.user, amount=pending.amount, detail=pending.detail
            ),
        )
    except confirmations.NotPending:
        return redirect(operation.url_name())
    except confirmations.Refusal as refusal:
        figures = operation.figures(request)
        form = operation.form_class(
            operation.form_data(amount=refusal.amount, detail=refusal.detail),
            maximum=operation.maximum(figures),
        )
        form.is_valid()
        form.add_error(None, refusal.as_validation_error())
        return _form_page(request, operation, figures, form)
    return redirect(operation.url_name("done"), pk=entry_pk)


@require_safe
@member_required
@never_cache
def operation_done(request, operation: Operation, pk: int):
    """Step 3: the entry booked (only the member's own)."""
    entry = get_object_or_404(operation.entries(request.user), pk=pk)
    context = {**operation.figures(request), "operation": operation, "entry": entry}
    return render(request, operation.done_template, context)
