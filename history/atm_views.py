"""The smartphone ATM's pages (SPEC §8); the rules are in history/atm.py.

- The partner ATM's screen (public, no login; history/atm_urls.py under /atm/): a button
  starts a session and redirects to the session's own address (a random token), which
  shows the QR code and the code, counts down and follows the state (static/js/atm-screen.js
  polls `session_state`), and offers to cancel.
- The member's side, /mypage/atm/ (history/urls.py): `SmartphoneAtm`, an operation of
  the flow of history/flow.py (code, operation, amount → confirmation → done).
"""

import segno
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from history import atm, services
from history.flow import Operation
from history.forms import AtmForm
from history.models import AtmOperation, AtmSession, Channel, Kind, LedgerEntry
from history.selectors import atm_fee_waived_until, loan_figures
from members import limits
from portal import clock
from portal.mail import absolute_url
from portal.maintenance import closed_until, maintenance_response
from portal.models import MaintenanceScope

# --- The member's side ------------------------------------------------------------------


def atm_detail(*, operation: str, code: str) -> str:
    """Return what a confirmation stores besides the amount: "withdraw:123456"."""
    return f"{operation}:{code}"


def parse_atm_detail(detail: str) -> tuple[str, str]:
    operation, _sep, code = detail.partition(":")
    return operation, code


class SmartphoneAtm(Operation):
    """スマホATM: a withdrawal (a borrowing) or a deposit (a repayment) at a partner ATM,
    paid out or taken in cash there, with the code its screen shows.

    The first step claims the code for the member (history.atm.claim); the confirmation
    books the operation and its fee. Closed in member-page windows: cash at an ATM is not
    an internet repayment, so the internet-repayment windows do not close deposits.
    """

    name = "atm"
    namespace = "history"
    title = _("スマホATM")
    form_class = AtmForm
    form_template = "history/atm_form.html"
    confirm_template = "history/atm_confirm.html"
    done_template = "history/atm_done.html"
    done_title = _("スマホATMのお取引完了")
    maintenance_scope = MaintenanceScope.MEMBER_PAGES

    def figures(self, request: HttpRequest) -> dict:
        figures = loan_figures(contract=request.user.contract)
        return {
            **figures,
            "fee_waived_until": atm_fee_waived_until(request.user),
            "fees": {"small": atm.SMALL_FEE, "large": atm.LARGE_FEE},
            "fee_limit_of_small": atm.FEE_LIMIT_OF_SMALL,
            # Wrong codes count under the address's throttle (history.atm.claim).
            "client_address": limits.client_address(request),
        }

    def maximum(self, figures: dict) -> dict[str, int]:
        return {
            AtmOperation.WITHDRAW: figures["available"],
            AtmOperation.DEPOSIT: figures["position"].payoff,
        }

    def pending(self, cleaned_data: dict) -> tuple[int, str]:
        detail = atm_detail(operation=cleaned_data["operation"], code=cleaned_data["code"])
        return cleaned_data["amount"], detail

    def form_data(self, *, amount: int, detail: str) -> dict:
        operation, code = parse_atm_detail(detail)
        return {"code": code, "operation": operation, "amount": str(amount)}

    def check(self, *, member, figures, amount, detail=""):
        operation, code = parse_atm_detail(detail)
        if operation == AtmOperation.WITHDRAW:
            services.check_borrowing(
                member=member,
                contract=figures["contract"],
                position=figures["position"],
                amount=amount,
                channel=Channel.SMARTPHONE_ATM,
            )
        else:
            services.check_repayment(member=member)  # the form checked the amount
        # Last, so that a member the rules refuse leaves the code to whoever may use it.
        atm.claim(
            code=code,
            member=member,
            operation=operation,
            amount=amount,
            address=figures["client_address"],
        )

    def confirmation(self, *, figures, amount, detail):
        operation, code = parse_atm_detail(detail)
        return {
            "atm_operation": operation,
            "atm_operation_label": AtmOperation(operation).label,
            "atm_code": code,
            "atm_fee": 0 if figures["fee_waived_until"] else atm.atm_fee(amount),
        }

    def book(self, *, member, amount, detail=""):
        operation, code = parse_atm_detail(detail)
        return atm.carry_out(member=member, code=code, operation=operation, amount=amount)

    def entries(self, member):
        return LedgerEntry.objects.filter(
            member=member, channel=Channel.SMARTPHONE_ATM, kind__in=[Kind.BORROWING, Kind.REPAYMENT]
        ).select_related("atm_session")


SMARTPHONE_ATM = SmartphoneAtm()


# --- The ATM's screen -------------------------------------------------------------------


def _session_or_404(token: str) -> AtmSession:
    session = atm.session_for_token(token)
    if session is None:
        raise Http404
    return session


@require_http_methods(["GET", "POST"])
@never_cache
def atm_start(request):
    """The ATM's first screen: a button that starts a smartphone-ATM session."""
    if (until := closed_until(MaintenanceScope.MEMBER_PAGES)) is not None:
        return maintenance_response(request, until=until)
    if request.method == "POST":
        _session, token = atm.start_session()
        return redirect("atm:session", token=token)
    return render(request, "history/atm_start.html")


def _qr_svg(code: str) -> str:
    """Return the QR code (inline SVG) of the member page's address with the code in it:
    a phone's camera opens /mypage/atm/ with the code filled in."""
    url = f"{absolute_url('history:atm')}?code={code}"
    return segno.make(url, error="m").svg_inline(
        scale=5, light="#fff", omitsize=True, title=str(_("スマホATMのQRコード"))
    )


@require_safe
@never_cache
def atm_session(request, token: str):
    """The session's screen: the code and its QR code while it waits, then the result."""
    session = _session_or_404(token)
    now = clock.now()
    state = session.state_at(now)
    seconds_left = atm.seconds_left(session, now)
    context = {
        "session": session,
        "state": state,
        "seconds_left": seconds_left,
        "countdown": f"{seconds_left // 60}:{seconds_left % 60:02d}",
        "token": token,
        "qr_svg": _qr_svg(session.code) if state == "waiting" else "",
    }
    return render(request, "history/atm_screen.html", context)


@require_safe
@never_cache
def atm_session_state(request, token: str):
    """The session's state as JSON, for the screen to follow (static/js/atm-screen.js)."""
    session = _session_or_404(token)
    now = clock.now()
    return JsonResponse(
        {
            "state": session.state_at(now),
            "seconds_left": atm.seconds_left(session, now),
            "operation": session.operation,
            "amount": session.amount,
            "fee": session.fee,
        }
    )


@require_POST
@never_cache
def atm_session_cancel(request, token: str):
    """The ATM's 取消 button: ends a session that is not done."""
    session = _session_or_404(token)
    atm.cancel(session=session)
    return redirect(reverse("atm:session", kwargs={"token": token}))
