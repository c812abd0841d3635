"""The app API's operations (SPEC §11): what the official app does, on the services of
the member pages.

Every operation answers for the token's member only (another member's ids answer 404),
checks what the web form checks with the web form itself (so the codes are the pages'
`data-error-code`), and closes in the same maintenance windows. Money-moving operations
take an `Idempotency-Key` (history.confirmations.carry_out_keyed).
"""

import base64
import binascii
import datetime as dt
import hashlib
import json

from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from ninja import Header, Query, Router, Status

from api import tokens
from api.problems import Problem, form_problem, maintenance_problem
from api.schemas import (
    AmountIn,
    AtmClaimOut,
    AtmIn,
    AtmResultOut,
    BenefitOut,
    CardLoginIn,
    CouponOut,
    DashboardOut,
    HistoryPageOut,
    InterestOut,
    LedgerEntryOut,
    LedgerKind,
    PointEntryOut,
    PointHistoryOut,
    PointsOut,
    ProblemOut,
    RedemptionIn,
    ReminderIn,
    ReminderOut,
    TokenOut,
    WebIdLoginIn,
)
from history import atm, confirmations, services
from history.accounting import position_on
from history.atm_views import SMARTPHONE_ATM
from history.flow import Operation
from history.forms import HistoryFilterForm, InterestInquiryForm, ReminderForm
from history.models import AtmSession, AtmState, LedgerEntry, MailPreference
from history.operations import BORROWING, REPAYMENT
from history.selectors import (
    atm_fee_waived_until,
    filtered_history,
    history_figures,
    ledger_state,
    loan_figures,
    older_than,
    terms_of,
)
from history.views import INQUIRY_DAYS_AHEAD
from members import login
from members.forms import LOGIN_FORMS
from members.models import ContractStatus, LoginMethod, LoginResult
from members.views import login_error
from points import selectors as point_selectors
from points.coupons import valid_now
from points.models import PointEntry
from points.operations import REDEMPTION
from points.rules import BENEFITS
from portal import clock
from portal.maintenance import closed_until
from portal.throttle import ip_throttle

router = Router()

# The refusals any operation may answer: a body that is not JSON (400), a request the
# schema refuses (422), maintenance (503); and those of a member's (401: no live token).
ANY_ERRORS = {400: ProblemOut, 422: ProblemOut, 503: ProblemOut}
MEMBER_ERRORS = {**ANY_ERRORS, 401: ProblemOut}
MONEY_ERRORS = {**MEMBER_ERRORS, 409: ProblemOut, 429: ProblemOut}
PAGE_SIZE, PAGE_SIZE_MAX = 20, 100
HISTORY_TOTALS = ("count", "borrowed", "repaid", "interest", "late_damages", "principal")
IDEMPOTENCY_KEY = Header(
    ...,
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    description="a key the client chooses per operation (e.g. a UUID); a retry with the "
    "same key answers the first answer and books nothing more (kept 24 hours)",
)


def answer_links(status: int, **links: dict) -> dict:
    """Return the `openapi_extra` that declares the OpenAPI links of an operation's
    `status` answer: which call its values feed (schemathesis' stateful tests follow them)."""
    return {"responses": {status: {"links": links}}}


def to_history_entry(pointer: str) -> dict:
    """Return a link to the history entry whose id is at `pointer` in the answer's body."""
    return {
        "operationId": "api_endpoints_history_entry",
        "parameters": {"entry_id": f"$response.body#{pointer}"},
    }


# --- Login and logout -------------------------------------------------------------------

LOGIN_STATUS = {
    LoginResult.INVALID_CREDENTIALS: 401,
    LoginResult.LOCKED: 401,
    LoginResult.CONTRACT_TERMINATED: 403,
    LoginResult.THROTTLED: 429,
}
LOGIN_ERRORS = {**ANY_ERRORS, 401: ProblemOut, 403: ProblemOut, 429: ProblemOut}


@sensitive_variables("data", "secret_value")
def _log_in(request: HttpRequest, method: str, data: dict) -> Status:
    form = LOGIN_FORMS[method](data)
    if not form.is_valid():
        raise form_problem(form)  # a format error: nothing checked, nothing counted
    identifier, secret_value = form.credentials()
    outcome = login.check_credential(
        request=request, method=method, identifier=identifier, secret_value=secret_value
    )
    if not outcome.succeeded:
        error = login_error(outcome.result, method)
        headers = {}
        if outcome.result == LoginResult.THROTTLED:
            headers["Retry-After"] = str(ip_throttle().window_seconds)
        raise Problem(LOGIN_STATUS[outcome.result], error.code, error.message % {}, headers=headers)
    member = outcome.member
    token, record = tokens.issue(member=member, method=method)
    # What a web login's success sets off besides its session: the last login time and
    # the month's first-login points (points.handlers). No session is opened (request None).
    user_logged_in.send(sender=type(member), request=None, user=member)
    login.record_attempt(request, method, identifier, LoginResult.SUCCESS, member)
    return Status(
        201,
        {
            "token": token,
            "expires_at": record.expires_at,
            "member_number": member.member_number,
        },
    )


@router.post("/auth/card", auth=None, response={201: TokenOut, **LOGIN_ERRORS}, tags=["auth"])
def login_card(request, payload: CardLoginIn):
    """Log in with the card number and PIN (the same rules and counters as /login/card/)."""
    return _log_in(request, LoginMethod.CARD, payload.dict())


@router.post("/auth/web-id", auth=None, response={201: TokenOut, **LOGIN_ERRORS}, tags=["auth"])
def login_web_id(request, payload: WebIdLoginIn):
    """Log in with the Web-ID and password (the same rules and counters as /login/web-id/)."""
    return _log_in(request, LoginMethod.WEB_ID, payload.dict())


@router.post("/auth/logout", response={204: None, **MEMBER_ERRORS}, tags=["auth"])
def logout(request):
    """End this token."""
    tokens.revoke(request.auth)
    return Status(204, None)


# --- Dashboard, history, interest -------------------------------------------------------


@router.get("/dashboard", response={200: DashboardOut, **MEMBER_ERRORS}, tags=["loan"])
def dashboard(request):
    """The figures of /mypage/ (the values of its data attributes)."""
    member = request.user
    figures = loan_figures(contract=member.contract)
    contract, position = figures["contract"], figures["position"]
    points = point_selectors.mypage_figures(member)
    return {
        "member_number": member.member_number,
        "balance": position.principal,
        "available": figures["available"],
        "limit": contract.credit_limit,
        "rate": str(contract.annual_rate),
        "next_due_date": position.next_due_date,
        "minimum_payment": position.remaining_due,
        "overdue": position.overdue_amount,
        "contract_status": contract.status,
        "can_borrow": contract.status == ContractStatus.ACTIVE and position.overdue_since is None,
        "interest_free_days": position.interest_free_days_left,
        "points": points["points"],
        "benefit_until": points["atm_fee_waived_until"],
        "previous_login": request.auth.previous_login_at,
    }


def _cursor_of(entry) -> str:
    raw = f"{entry.occurred_at.isoformat()}|{entry.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page(entries: QuerySet, *, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Return a page of `entries` (newest first) after `cursor`, and the next cursor."""
    if cursor:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            moment_text, pk_text = raw.split("|")
            moment, pk = dt.datetime.fromisoformat(moment_text), int(pk_text)
            if moment.tzinfo is None or not 0 < pk < 2**63:
                raise ValueError(cursor)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise Problem(422, "cursor_invalid", _("cursor が正しくありません。")) from None
        entries = older_than(entries, moment, pk)
    items = list(entries.newest_first()[: limit + 1])
    next_cursor = _cursor_of(items[limit - 1]) if len(items) > limit else None
    return items[:limit], next_cursor


def _ledger_entry(entry: LedgerEntry) -> dict:
    return {
        "id": entry.pk,
        "occurred_at": entry.occurred_at,
        "requested_at": entry.requested_at,
        "kind": entry.kind,
        "channel": entry.channel,
        "amount": entry.amount,
        "late_damages_paid": entry.late_damages_paid,
        "interest_paid": entry.interest_paid,
        "principal_paid": entry.principal_paid,
        "balance_after": entry.principal_after,
        "note": entry.note,
    }


@router.get(
    "/history", response={200: HistoryPageOut, **MEMBER_ERRORS},
    tags=["loan"], openapi_extra=answer_links(200, ReadEntry=to_history_entry("/items/0/id")),
)  # fmt: skip
def history(
    request,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: LedgerKind | None = None,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX),
):
    """The transaction history, newest first, with the filters of /mypage/history/ and
    their totals; `next_cursor` pages on."""
    data = {"date_from": date_from or "", "date_to": date_to or "", "kind": kind or ""}
    form = HistoryFilterForm(data)
    if not form.is_valid():
        raise form_problem(form)
    found = filtered_history(member=request.user, **form.cleaned_data)
    items, next_cursor = _page(found.shown, cursor=cursor, limit=limit)
    totals = history_figures(found)
    return {
        "items": [_ledger_entry(entry) for entry in items],
        "next_cursor": next_cursor,
        "totals": {name: totals[name] for name in HISTORY_TOTALS},
    }


@router.get(
    "/history/{entry_id}", response={200: LedgerEntryOut, 404: ProblemOut, **MEMBER_ERRORS},
    tags=["loan"],
)  # fmt: skip
def history_entry(request, entry_id: int):
    """One transaction of the member's history (another member's answers 404)."""
    entries = LedgerEntry.objects.for_member(request.user)
    entry = entries.filter(pk=entry_id).first() if 0 < entry_id < 2**63 else None
    if entry is None:
        raise Problem(404, "not_found", _("このお取引はありません。"))
    return _ledger_entry(entry)


@router.get("/interest", response={200: InterestOut, **MEMBER_ERRORS}, tags=["loan"])
def interest(request, repayment_date: dt.date):
    """The interest inquiry (/mypage/interest/): interest and payoff on a repayment date
    from today up to 35 days ahead (or the next due date)."""
    contract = request.user.contract
    today = clock.today()
    state, terms = ledger_state(contract), terms_of(contract)
    current = position_on(state=state, terms=terms, on=today)
    latest = max(today + dt.timedelta(days=INQUIRY_DAYS_AHEAD), current.next_due_date or today)
    form = InterestInquiryForm({"repayment_date": repayment_date}, earliest=today, latest=latest)
    if not form.is_valid():
        raise form_problem(form)
    result = position_on(state=state, terms=terms, on=form.cleaned_data["repayment_date"])
    return {
        "repayment_date": result.on,
        "days": result.days,
        "interest": result.interest,
        "late_damages": result.late_damages,
        "payoff": result.payoff,
        "minimum_payment": result.remaining_due,
        "principal": result.principal,
        "interest_free_until": result.interest_free_until,
    }


# --- Money: borrowing, repayment, redemption, smartphone ATM ------------------------------


def _checked(request: HttpRequest, operation: Operation, data: dict) -> tuple[int, str]:
    """Run an operation's first step (its form and its rules); return amount and detail."""
    if operation.maintenance_scope and (until := closed_until(operation.maintenance_scope)):
        raise maintenance_problem(until)
    figures = operation.figures(request)
    form = operation.form_class(data, maximum=operation.maximum(figures))
    if not form.is_valid():
        raise form_problem(form)
    amount, detail = operation.pending(form.cleaned_data)
    try:
        operation.check(member=request.user, figures=figures, amount=amount, detail=detail)
    except confirmations.Refusal as refusal:
        raise _refused(refusal) from None
    return amount, detail


def _refused(refusal: confirmations.Refusal) -> Problem:
    if refusal.code == "throttled":
        headers = {"Retry-After": str(ip_throttle().window_seconds)}
        return Problem(429, refusal.code, refusal.message, headers=headers)
    return Problem(422, refusal.code, str(refusal.message))


def _book_once(
    request: HttpRequest, response: HttpResponse, operation: Operation, key: str, body: dict
) -> int:
    """Carry out `operation` once per Idempotency-Key; return the pk of its entry.

    A retry with the key answers the entry booked first (marked Idempotent-Replayed); the
    key sent with another request is refused (409).
    """
    member = request.user
    request_text = json.dumps({"operation": operation.name, "body": body}, sort_keys=True)
    fingerprint = hashlib.sha256(request_text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        if entry_pk := confirmations.answered(member=member, key=key, fingerprint=fingerprint):
            response["Idempotent-Replayed"] = "true"
            return entry_pk
        amount, detail = _checked(request, operation, body_as_form(body))
        return confirmations.carry_out_keyed(
            member=member,
            operation=operation.name,
            key=key,
            fingerprint=fingerprint,
            amount=amount,
            detail=detail,
            book=lambda pending: operation.book(
                member=member, amount=pending.amount, detail=pending.detail
            ),
        )
    except confirmations.KeyReused:
        raise Problem(
            409,
            "idempotency_key_reused",
            _("この Idempotency-Key は別の内容のリクエストに使われています。"),
        ) from None
    except confirmations.NotPending:
        raise Problem(
            409, "idempotency_key_expired", _("この Idempotency-Key は使えなくなっています。")
        ) from None
    except confirmations.Refusal as refusal:
        raise _refused(refusal) from None


def body_as_form(body: dict) -> dict:
    """Return a JSON body as the web form's data (strings, as a browser posts them)."""
    return {name: "" if value is None else str(value) for name, value in body.items()}


@router.post(
    "/loan/borrowings", response={201: LedgerEntryOut, **MONEY_ERRORS},
    tags=["loan"], openapi_extra=answer_links(201, ReadEntry=to_history_entry("/id")),
)  # fmt: skip
def borrow(
    request, response: HttpResponse, payload: AmountIn, idempotency_key: str = IDEMPOTENCY_KEY
):
    """Borrow by transfer to the registered account (/mypage/borrow/)."""
    entry_pk = _book_once(request, response, BORROWING, idempotency_key, payload.dict())
    return Status(201, _ledger_entry(BORROWING.entries(request.user).get(pk=entry_pk)))


@router.post(
    "/loan/repayments", response={201: LedgerEntryOut, **MONEY_ERRORS},
    tags=["loan"], openapi_extra=answer_links(201, ReadEntry=to_history_entry("/id")),
)  # fmt: skip
def repay(
    request, response: HttpResponse, payload: AmountIn, idempotency_key: str = IDEMPOTENCY_KEY
):
    """Repay by internet (/mypage/repay/); closed in internet-repayment windows too."""
    entry_pk = _book_once(request, response, REPAYMENT, idempotency_key, payload.dict())
    return Status(201, _ledger_entry(REPAYMENT.entries(request.user).get(pk=entry_pk)))


def _atm_result(member, entry_pk: int) -> dict:
    entry = SMARTPHONE_ATM.entries(member).get(pk=entry_pk)
    return {"entry": _ledger_entry(entry), "fee": entry.atm_session.fee}


@router.post(
    "/atm/claims",
    response={200: AtmClaimOut, 429: ProblemOut, **MEMBER_ERRORS},
    tags=["smartphone ATM"],
    openapi_extra=answer_links(
        200,
        ConfirmOperation={
            "operationId": "api_endpoints_atm_confirm",
            "requestBody": {
                "code": "$response.body#/code",
                "operation": "$response.body#/operation",
                "amount": "$response.body#/amount",
            },
            "description": "Confirm the claimed code's operation (with an Idempotency-Key).",
        },
    ),
)
def atm_claim(request, payload: AtmIn):
    """Claim the code an ATM screen shows for a withdrawal or deposit (/mypage/atm/, the
    first step); the code is then the member's until it expires."""
    amount, detail = _checked(request, SMARTPHONE_ATM, body_as_form(payload.dict()))
    operation, code = detail.split(":")
    session = (
        AtmSession.objects.filter(code=code, member=request.user, state=AtmState.CLAIMED)
        .order_by("-created_at", "-id")
        .first()
    )
    return {
        "code": code,
        "operation": operation,
        "amount": amount,
        "fee": 0 if atm_fee_waived_until(request.user) else atm.atm_fee(amount),
        "expires_at": session.expires_at,
    }


@router.post(
    "/atm/operations",
    response={201: AtmResultOut, **MONEY_ERRORS},
    tags=["smartphone ATM"],
    openapi_extra=answer_links(201, ReadEntry=to_history_entry("/entry/id")),
)
def atm_confirm(
    request, response: HttpResponse, payload: AtmIn, idempotency_key: str = IDEMPOTENCY_KEY
):
    """Confirm the withdrawal or deposit at the ATM of a claimed code (books it and its
    fee; the ATM screen shows the result)."""
    entry_pk = _book_once(request, response, SMARTPHONE_ATM, idempotency_key, payload.dict())
    return Status(201, _atm_result(request.user, entry_pk))


# --- Points and coupons -----------------------------------------------------------------


@router.get("/points", response={200: PointsOut, **MEMBER_ERRORS}, tags=["points"])
def points(request):
    """The point balance (null: not joined), the ATM-fee waiver, the benefits to redeem."""
    figures = point_selectors.mypage_figures(request.user)
    return {
        "points": figures["points"],
        "benefit_until": figures["atm_fee_waived_until"],
        "benefits": [
            BenefitOut(key=benefit.key, cost=benefit.cost, label=str(benefit.label))
            for benefit in BENEFITS.values()
        ],
    }


def _point_entry(entry: PointEntry) -> dict:
    return {
        "id": entry.pk,
        "occurred_at": entry.occurred_at,
        "kind": entry.reason,
        "points": entry.points,
        "balance_after": entry.balance_after,
        "reference": entry.reference,
        "note": entry.note,
    }


@router.get(
    "/points/history", response={200: PointHistoryOut, **MEMBER_ERRORS},
    tags=["points"],
)  # fmt: skip
def point_history(
    request,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX),
):
    """The point history, newest first; `next_cursor` pages on."""
    items, next_cursor = _page(
        PointEntry.objects.for_member(request.user), cursor=cursor, limit=limit
    )
    return {"items": [_point_entry(entry) for entry in items], "next_cursor": next_cursor}


@router.post("/points/redemptions", response={201: PointEntryOut, **MONEY_ERRORS}, tags=["points"])
def redeem(
    request, response: HttpResponse, payload: RedemptionIn, idempotency_key: str = IDEMPOTENCY_KEY
):
    """Exchange points for a benefit (/mypage/points/redeem/)."""
    entry_pk = _book_once(request, response, REDEMPTION, idempotency_key, payload.dict())
    return Status(201, _point_entry(REDEMPTION.entries(request.user).get(pk=entry_pk)))


def _coupon(coupon) -> dict:
    return {
        name: getattr(coupon, name)
        for name in ("id", "shop", "offer", "code", "terms", "valid_from", "valid_until")
    }


@router.get(
    "/coupons", response={200: list[CouponOut], **MEMBER_ERRORS},
    tags=["points"],
    openapi_extra=answer_links(
        200,
        ReadCoupon={
            "operationId": "api_endpoints_coupon",
            "parameters": {"coupon_id": "$response.body#/0/id"},
        },
    ),
)  # fmt: skip
def coupons(request):
    """The coupons valid today, the soonest to end first."""
    return [_coupon(coupon) for coupon in valid_now()]


@router.get(
    "/coupons/{coupon_id}", response={200: CouponOut, 404: ProblemOut, **MEMBER_ERRORS},
    tags=["points"],
)  # fmt: skip
def coupon(request, coupon_id: int):
    """One coupon valid today, to show at the shop."""
    found = valid_now().filter(pk=coupon_id).first() if 0 < coupon_id < 2**63 else None
    if found is None:
        raise Problem(404, "not_found", _("このクーポンはありません。"))
    return _coupon(found)


# --- Reminder settings ------------------------------------------------------------------


def _reminder(member) -> dict:
    preference = MailPreference.objects.filter(member=member).first() or MailPreference()
    return {
        "enabled": preference.reminder_enabled,
        "days_before": preference.reminder_days_before,
        "hour": preference.reminder_hour,
    }


@router.get("/settings/reminder", response={200: ReminderOut, **MEMBER_ERRORS}, tags=["settings"])
def reminder(request):
    """The repayment-reminder e-mail setting."""
    return _reminder(request.user)


@router.put(
    "/settings/reminder",
    response={200: ReminderOut, 403: ProblemOut, **MEMBER_ERRORS},
    tags=["settings"],
)
def set_reminder(request, payload: ReminderIn):
    """Set the repayment-reminder e-mail (/mypage/settings/reminder/): on or off, days
    before the due date (1–7), hour (0–23); it needs a verified e-mail address."""
    member = request.user
    if not member.email_verified:
        raise Problem(
            403, "email_unverified", _("メールアドレスの確認がお済みでないため設定できません。")
        )
    data = {**body_as_form(payload.dict()), "enabled": "on" if payload.enabled else "off"}
    form = ReminderForm(data)
    if not form.is_valid():
        raise form_problem(form)
    services.set_mail_preference(
        member=member,
        reminder_enabled=form.cleaned_data["enabled"] == "on",
        reminder_days_before=form.cleaned_data["days_before"],
        reminder_hour=form.cleaned_data["hour"],
    )
    return _reminder(member)
