"""The demo pages (only with PORTAL_DEMO): the personas, the demo mailbox (SPEC §9) and
the testers' sandboxes (SPEC §11)."""

import datetime as dt
import json
import re

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.generic import DetailView, ListView

from demo import sandboxes
from demo.forms import MailboxFilterForm, SandboxClockForm, SandboxGlitchForm
from demo.models import GlitchKind
from demo.personas import PERSONAS
from members import counters
from members.limits import client_address, client_network
from points.selectors import balances_by_member_number
from portal.mail import SHARED_MAILBOX
from portal.middleware import NUL
from portal.models import MailboxMessage

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


@require_safe
def personas(request):
    """Show one card per demo persona with its credentials (only with PORTAL_DEMO)."""
    if not settings.PORTAL_DEMO:
        raise Http404
    balances = balances_by_member_number([persona.member_number for persona in PERSONAS])
    cards = [(persona, balances.get(persona.member_number)) for persona in PERSONAS]
    return render(request, "demo/personas.html", {"cards": cards})


class DemoOnlyMixin:
    """Answer 404 unless PORTAL_DEMO is on."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.PORTAL_DEMO:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


# Kana, CJK ideographs and the full-width brackets of a Japanese subject (【…】).
_JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef]")


def mail_language(mail: MailboxMessage) -> str:
    """Return the language a mail was written in ("ja" or "en"), for its lang attribute.

    A mail is in its recipient's language; its subject, which the portal writes whole
    (no member data in it), tells which.
    """
    return "ja" if _JAPANESE.search(mail.subject) else "en"


class MailboxListView(DemoOnlyMixin, ListView):
    """The demo mailbox: every e-mail the portal sent, newest first."""

    model = MailboxMessage
    template_name = "demo/mailbox_list.html"
    context_object_name = "mails"
    paginate_by = 30
    http_method_names = ["get", "head"]

    def get_queryset(self):
        mails = super().get_queryset().filter(mailbox=SHARED_MAILBOX).defer("body", "html_body")
        # An invalid filter (too long) filters nothing; the form shows why.
        self.filter_form = MailboxFilterForm(self.request.GET)
        to = self.filter_form.cleaned_data["to"] if self.filter_form.is_valid() else ""
        return mails.filter(to__icontains=to) if to else mails

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter_form=self.filter_form, **kwargs)
        context["mails"] = [(mail, mail_language(mail)) for mail in context["mails"]]
        return context


class MailboxDetailView(DemoOnlyMixin, DetailView):
    queryset = MailboxMessage.objects.filter(mailbox=SHARED_MAILBOX)
    template_name = "demo/mailbox_detail.html"
    context_object_name = "mail"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mail_lang"] = mail_language(self.object)
        return context


# --- Testers' sandboxes (SPEC §11) ------------------------------------------------------
#
# CSRF: these views are exempt. A sandbox's views act only on the sandbox their URL's
# token names, and the token is the whole authority: no cookie or session counts, so a
# forged cross-site request carries nothing it could abuse (it would need the token, and
# whoever has the token may do all this anyway). Creation needs no authority at all; a
# forged one only makes a sandbox whose credentials go back to the forging page's
# victim, never to the forger, and it is rate-limited per client address
# (PORTAL_SANDBOX_THROTTLE) like any anonymous resource. That lets test code call the
# JSON endpoints with a bare HTTP client, as it calls the login form's siblings.


def _wants_html(request) -> bool:
    """Return whether the client is a browser (an HTML form or an HTML Accept); test code
    (JSON or no body, Accept: */*) gets JSON."""
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return True
    return "text/html" in request.headers.get("Accept", "")


def _problem(status: int, code: str, title: str, errors: dict | None = None) -> JsonResponse:
    body = {"type": "about:blank", "title": str(title), "status": status, "code": code}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _json_data(request) -> dict | None:
    """Return the request's data: its JSON object, or its form fields; None if the body
    is not a JSON object."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        # As a form would send them: text (a number or a list becomes its JSON text and
        # meets the field's own validation).
        data = {
            key: "" if value is None else value if isinstance(value, str) else json.dumps(value)
            for key, value in data.items()
        }
        if any(NUL in text for item in data.items() for text in item):
            return None  # as portal.middleware.RejectNulMiddleware does for form fields
        return data
    return request.POST.dict()


def _form_errors(form) -> dict:
    return {
        field: [
            {"code": error.code, "message": message}
            for error, message in zip(errors.as_data(), errors, strict=True)
        ]
        for field, errors in form.errors.items()
    }


def _sandbox_or_404(token: str):
    if not settings.PORTAL_DEMO:
        raise Http404
    sandbox = sandboxes.find(token)
    if sandbox is None:
        raise Http404
    return sandbox


def _sandbox_json(request, sandbox, token: str) -> dict:
    def url(name, *args):
        return request.build_absolute_uri(reverse(name, args=args))

    now = sandboxes.sandbox_now(sandbox)
    return {
        "token": token,
        "expires_at": sandbox.expires_at.isoformat(),
        "clock": {
            "now": timezone.localtime(now).isoformat(),
            "offset_seconds": int(sandbox.clock_offset.total_seconds()),
        },
        "urls": {
            "self": url("demo:sandbox", token),
            "login": url("members:login"),
            "mailbox": url("demo:sandbox-mailbox", token),
            "mailbox_json": url("demo:sandbox-mailbox-json", token),
            "latest_mail": url("demo:sandbox-latest-mail", token),
            "clock": url("demo:sandbox-clock", token),
            "glitches": url("demo:sandbox-glitches", token),
            "reset": url("demo:sandbox-reset", token),
            "reminders": url("demo:sandbox-reminders", token),
        },
        "personas": [
            {
                "key": persona.key,
                "member_number": persona.member_number,
                "card_number": persona.card_number,
                "pin": persona.pin,
                "web_id": persona.web_id,
                "password": persona.password,
                "email": persona.email,
            }
            for persona in sandboxes.personas_of(sandbox)
        ],
    }


@csrf_exempt
@require_POST
def sandbox_create(request):
    """Make a sandbox; answer its token and credentials (JSON), or show its page."""
    if not settings.PORTAL_DEMO:
        raise Http404
    network = client_network(client_address(request))
    limit, window_seconds = settings.PORTAL_SANDBOX_THROTTLE
    place = counters.reserve(
        key=counters.counter_key(f"demo.sandbox-create:{network}"),
        limit=limit,
        window=dt.timedelta(seconds=window_seconds),
    )
    if place is None:
        title = _("テスト用サンドボックスを作りすぎています。しばらくしてからお試しください。")
        if _wants_html(request):
            response = render(request, "demo/sandbox_throttled.html", status=429)
        else:
            response = _problem(429, "throttled", title)
        response["Retry-After"] = str(window_seconds)
        return response
    sandbox, token = sandboxes.create_sandbox()
    if _wants_html(request):
        return redirect("demo:sandbox", token)
    response = JsonResponse(_sandbox_json(request, sandbox, token), status=201)
    response["Location"] = reverse("demo:sandbox", args=[token])
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "DELETE"])
def sandbox_detail(request, token):
    """Show the sandbox (its credentials, mailbox, clock); DELETE removes it."""
    sandbox = _sandbox_or_404(token)
    if request.method == "DELETE":
        sandboxes.delete_sandbox(sandbox)
        return HttpResponse(status=204)
    if not _wants_html(request):
        return JsonResponse(_sandbox_json(request, sandbox, token))
    context = {
        "sandbox": sandbox,
        "token": token,
        "personas": sandboxes.personas_of(sandbox),
        "sandbox_now": sandboxes.sandbox_now(sandbox),
        "clock_form": SandboxClockForm(),
    }
    return render(request, "demo/sandbox.html", context)


@csrf_exempt
@require_POST
def sandbox_delete(request, token):
    """Remove the sandbox (the page's button; JSON clients may also send DELETE)."""
    sandboxes.delete_sandbox(_sandbox_or_404(token))
    if _wants_html(request):
        return redirect("demo:personas")
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sandbox_reset(request, token):
    """Restore the sandbox to the state it was made in."""
    sandbox = _sandbox_or_404(token)
    sandboxes.reset_sandbox(sandbox)
    if _wants_html(request):
        return redirect("demo:sandbox", token)
    return JsonResponse(_sandbox_json(request, sandbox, token))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def sandbox_clock(request, token):
    """Read or set the sandbox's clock: `now` (an ISO instant) or `offset_seconds`;
    neither puts it back on the portal's clock."""
    sandbox = _sandbox_or_404(token)
    if request.method == "POST":
        data = _json_data(request)
        if data is None:
            return _problem(400, "invalid_json", _("JSONのオブジェクトを送ってください。"))
        form = SandboxClockForm(data)
        if not form.is_valid():
            if _wants_html(request):
                context = {
                    "sandbox": sandbox,
                    "token": token,
                    "personas": sandboxes.personas_of(sandbox),
                    "sandbox_now": sandboxes.sandbox_now(sandbox),
                    "clock_form": form,
                }
                return render(request, "demo/sandbox.html", context, status=400)
            return _problem(
                400, "invalid", _("入力内容に誤りがあります。"), errors=_form_errors(form)
            )
        offset = form.cleaned_data["offset_seconds"]
        sandboxes.set_clock(
            sandbox,
            now=form.cleaned_data["now"],
            offset=None if offset is None else dt.timedelta(seconds=offset),
        )
        if _wants_html(request):
            return redirect("demo:sandbox", token)
    now = sandboxes.sandbox_now(sandbox)
    return JsonResponse(
        {
            "now": timezone.localtime(now).isoformat(),
            "offset_seconds": int(sandbox.clock_offset.total_seconds()),
        }
    )


def _glitches_json(sandbox) -> dict:
    return {
        "glitches": [
            {
                "kind": glitch.kind,
                "path": glitch.path,
                **(
                    {"latency_ms": glitch.latency_ms}
                    if glitch.kind == GlitchKind.LATENCY
                    else {"count": glitch.remaining}
                ),
            }
            for glitch in sandbox.glitches.order_by("kind", "path")
        ]
    }


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST", "DELETE"])
def sandbox_glitches(request, token):
    """List the sandbox's glitch switches; POST sets one (0 turns it off); DELETE turns
    them all off."""
    sandbox = _sandbox_or_404(token)
    if request.method == "DELETE":
        sandboxes.clear_glitches(sandbox)
    elif request.method == "POST":
        data = _json_data(request)
        if data is None:
            return _problem(400, "invalid_json", _("JSONのオブジェクトを送ってください。"))
        form = SandboxGlitchForm(data)
        if not form.is_valid():
            return _problem(
                400, "invalid", _("入力内容に誤りがあります。"), errors=_form_errors(form)
            )
        path = form.cleaned_data["path"]
        if form.cleaned_data["kind"] == GlitchKind.LATENCY:
            sandboxes.set_latency(sandbox, path=path, latency_ms=form.cleaned_data["latency_ms"])
        else:
            sandboxes.set_unavailable(sandbox, path=path, count=form.cleaned_data["count"])
    return JsonResponse(_glitches_json(sandbox))


@csrf_exempt
@require_POST
def sandbox_reminders(request, token):
    """Run the reminder job for the sandbox's members at its clock; answer what it did."""
    outcome = sandboxes.send_reminders(_sandbox_or_404(token))
    return JsonResponse(
        {"sent": outcome.sent, "failed": outcome.failed, "withdrawn": outcome.withdrawn}
    )


@csrf_exempt
@require_POST
def sandbox_points(request, token):
    """Run the month-end point job for the sandbox's members at its clock (the month
    before its today); answer the month and how many entries it wrote."""
    month, credited = sandboxes.credit_registration_points(_sandbox_or_404(token))
    return JsonResponse({"month": month, "credited": credited})


def _sandbox_mails(request, sandbox):
    """Return the sandbox's mails, newest first, to the address in `to` if given (an
    invalid filter filters nothing, as on the shared mailbox)."""
    mails = MailboxMessage.objects.filter(mailbox=sandbox.mailbox)
    form = MailboxFilterForm(request.GET)
    to = form.cleaned_data["to"] if form.is_valid() else ""
    return (mails.filter(to__icontains=to) if to else mails), form


def _mail_json(mail) -> dict:
    return {
        "id": mail.pk,
        "sent_at": timezone.localtime(mail.sent_at).isoformat(),
        "from": mail.from_email,
        "to": mail.to.split(","),
        "subject": mail.subject,
        "body": mail.body,
        "links": URL_PATTERN.findall(mail.body),
    }


@require_safe
def sandbox_mailbox(request, token):
    """The sandbox's own mailbox: only the mail of its members, newest first."""
    sandbox = _sandbox_or_404(token)
    mails, form = _sandbox_mails(request, sandbox)
    context = {"sandbox": sandbox, "token": token, "mails": mails[:100], "filter_form": form}
    return render(request, "demo/sandbox_mailbox.html", context)


@require_safe
def sandbox_mailbox_json(request, token):
    """The sandbox's mailbox as JSON (at most 100 mails, newest first; `to` filters)."""
    mails, _form = _sandbox_mails(request, _sandbox_or_404(token))
    return JsonResponse({"messages": [_mail_json(mail) for mail in mails[:100]]})


@require_safe
def sandbox_latest_mail(request, token):
    """The newest mail of the sandbox (to the address in `to`, if given), or 404."""
    mails, _form = _sandbox_mails(request, _sandbox_or_404(token))
    mail = mails.first()
    if mail is None:
        return _problem(404, "no_mail", _("該当するメールはまだありません。"))
    return JsonResponse(_mail_json(mail))
