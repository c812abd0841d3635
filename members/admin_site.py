"""The admin site with the staff sign-in of SPEC §4 "Session".

Staff sign in with their staff ID and password under the members' lockout counters and
address throttle, then, outside demo mode, with a TOTP code (django-otp). Until the code
is verified the session is logged in but every admin page refuses it: the only pages it
reaches are the code step and "cancel". A signed-in staff member enrols or replaces
their own device on the 二段階認証 page; the first device outside demo mode comes from
`manage.py enroll_staff_totp`, so a password alone never opens the admin.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from members import staff_login
from members.forms import normalise_digits
from members.models import LoginResult
from portal.throttle import with_retry_after

STAFF_LOGIN_ERRORS = {
    LoginResult.INVALID_CREDENTIALS: _(
        "ログインできませんでした。スタッフIDまたはパスワードに誤りがあります。"
    ),
    LoginResult.LOCKED: _(
        "続けて誤った入力があったため、このスタッフIDはロックされています。"
        "権限のある他のスタッフにロックの解除を依頼してください。"
    ),
    LoginResult.THROTTLED: _(
        "お使いのネットワーク（IPアドレス）からのログイン失敗が多すぎるため、しばらくログインを受け付けません。"
        "時間をおいてからお試しください。"
    ),
}
CODE_ERRORS = {
    **STAFF_LOGIN_ERRORS,
    LoginResult.INVALID_CREDENTIALS: _(
        "確認コードが正しくありません。認証アプリに表示されている最新の6桁を入力してください。"
    ),
}


class StaffLoginForm(forms.Form):
    username = UsernameField(
        label=_("スタッフID"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    """A six-digit TOTP code; full-width digits and spaces are forgiven."""

    otp_token = forms.CharField(
        label=_("確認コード"),
        max_length=20,
        help_text=_("認証アプリに表示されている6桁の数字"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        validators=[
            RegexValidator(
                r"^\d{6}\Z",
                _("確認コードは6桁の半角数字で入力してください。"),
                code="format_length",
            )
        ],
    )

    def clean_otp_token(self):
        return normalise_digits(self.cleaned_data["otp_token"])


def _coded_error(messages_by_result, result) -> ValidationError:
    return ValidationError(messages_by_result[result], code=str(result))


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and staff_login.staff_signed_in(request.user)

    def awaits_code(self, request) -> bool:
        """Return whether the session gave a right staff password but no code yet."""
        user = request.user
        return user.is_active and user.is_staff and not self.has_permission(request)

    def get_urls(self):
        return [
            path("login/code/", self.login_code, name="login_code"),
            path("login/cancel/", self.login_cancel, name="login_cancel"),
            path("two-factor/", self.admin_view(self.two_factor), name="two_factor"),
            *super().get_urls(),
        ]

    # --- Signing in

    @method_decorator(sensitive_post_parameters("password"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if request.method != "POST":
            if self.has_permission(request):
                return redirect(self._next_url(request))
            if self.awaits_code(request):
                return redirect(self._with_next(request, "admin:login_code"))
        form = StaffLoginForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            outcome = staff_login.attempt_staff_login(
                request=request,
                username=form.cleaned_data["username"],
                password_secret=form.cleaned_data["password"],
            )
            if outcome.succeeded:
                return redirect(self._next_url(request))
            if outcome.result == LoginResult.CODE_REQUIRED:
                return redirect(self._with_next(request, "admin:login_code"))
            form.add_error(None, _coded_error(STAFF_LOGIN_ERRORS, outcome.result))
            if outcome.result == LoginResult.THROTTLED:
                return with_retry_after(self._login_page(request, form, 429))
        return self._login_page(request, form)

    @method_decorator(sensitive_post_parameters("otp_token"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def login_code(self, request):
        if not self.awaits_code(request):
            return redirect(self._with_next(request, "admin:login"))
        has_device = staff_login.staff_device(request.user) is not None
        form = CodeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and has_device and form.is_valid():
            outcome = staff_login.verify_staff_code(
                request=request, code_secret=form.cleaned_data["otp_token"]
            )
            if outcome.succeeded:
                return redirect(self._next_url(request))
            error = _coded_error(CODE_ERRORS, outcome.result)
            if outcome.result == LoginResult.LOCKED:  # the session has ended
                return self._login_page(request, StaffLoginForm(), ended=error)
            form.add_error(None, error)
            if outcome.result == LoginResult.THROTTLED:
                return with_retry_after(self._code_page(request, form, has_device, 429))
        return self._code_page(request, form, has_device)

    @method_decorator(require_POST)
    @method_decorator(csrf_protect)
    def login_cancel(self, request):
        """End a sign-in waiting for its code (the admin's logout needs a signed-in session)."""
        logout(request)
        return redirect("admin:login")

    def _login_page(self, request, form, status=200, ended=None):
        """Show the login form; `ended` is the error that ended a sign-in at its code step."""
        return self._sign_in_page(
            request, "admin/login.html", _("ログイン"), form, status, ended=ended
        )

    def _code_page(self, request, form, has_device, status=200):
        return self._sign_in_page(
            request, "admin/login_code.html", _("確認コードの入力"), form, status,
            has_device=has_device,
        )  # fmt: skip

    def _sign_in_page(self, request, template, title, form, status, **extra):
        context = {
            **self.each_context(request),
            "title": title,
            "form": form,
            "next": self._next_url(request),
            **extra,
        }
        request.current_app = self.name
        return TemplateResponse(request, template, context, status=status)

    def _next_url(self, request) -> str:
        candidate = request.POST.get("next") or request.GET.get("next")
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return reverse("admin:index", current_app=self.name)

    def _with_next(self, request, viewname) -> str:
        query = urlencode({"next": self._next_url(request)})
        return f"{reverse(viewname, current_app=self.name)}?{query}"

    # --- The staff member's own device

    @method_decorator(sensitive_post_parameters("otp_token"))
    def two_factor(self, request):
        """Enrol or replace the signed-in staff member's own TOTP device."""
        staff = request.user
        if request.method == "POST" and "start" in request.POST:
            staff_login.start_staff_device(staff=staff)
            return redirect("admin:two_factor")
        pending = staff_login.pending_staff_device(staff)
        confirming = request.method == "POST" and pending is not None
        form = CodeForm(request.POST if confirming else None)
        if confirming and form.is_valid():
            if staff_login.confirm_staff_device(
                request=request, device=pending, code_secret=form.cleaned_data["otp_token"]
            ):
                messages.success(request, _("二段階認証の端末を登録しました。"))
                return redirect("admin:index")
            form.add_error(
                "otp_token",
                ValidationError(CODE_ERRORS[LoginResult.INVALID_CREDENTIALS], code="invalid_code"),
            )
        context = {
            **self.each_context(request),
            "title": _("二段階認証"),
            "device": staff_login.staff_device(staff),
            "pending": pending,
            "qr_svg": _qr_svg(pending.config_url) if pending else "",
            "secret": _base32_secret(pending) if pending else "",
            "form": form,
            "demo": settings.PORTAL_DEMO,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/two_factor.html", context)


def _qr_svg(url: str) -> str:
    """Return the QR code of an otpauth URL as inline SVG markup (no data: URL, no style)."""
    title = str(_("認証アプリで読み取るQRコード"))
    # A light background of its own keeps it readable in the admin's dark theme.
    return segno.make(url, error="m").svg_inline(scale=4, light="#fff", title=title)


def _base32_secret(device) -> str:
    """Return the device's key as people type it into an authenticator app, in groups."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
