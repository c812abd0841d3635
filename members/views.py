import secrets
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from members import account, limits, login, selectors, sessions
from members.dashboard import SETTINGS_PAGE, render_panels
from members.decorators import is_member, member_required
from members.forms import (
    LOGIN_FORMS,
    CardLoginForm,
    EmailChangeForm,
    ForgotPasswordForm,
    ForgotWebIdForm,
    NewPasswordForm,
    NewWebIdForm,
    ProfileForm,
    StatementDeliveryForm,
    TransferAccountForm,
    WebIdLoginForm,
)
from members.languages import remember_language
from members.models import LoginMethod, LoginResult, Member, TransferAccount
from members.tokens import email_verification_token, password_recovery_token
from portal import clock
from portal.after_response import after_response
from portal.mail import absolute_url
from portal.throttle import with_retry_after

# The login refusals, per login method where the way out differs (SPEC §4; the remedies
# of the help page /help/login/). One message for an unknown identifier and a wrong
# secret, so the answer never tells whether an account exists.
LOGIN_ERROR_MESSAGES = {
    (LoginResult.INVALID_CREDENTIALS, LoginMethod.CARD): gettext_lazy(
        "ログインできませんでした。カード番号または暗証番号に誤りがあるか、登録されていません。"
        "半角数字で入力されているかご確認のうえ、もう一度お試しください。"
        "Web-IDをお持ちの方は、Web-IDでのログインもお試しいただけます。"
    ),
    (LoginResult.INVALID_CREDENTIALS, LoginMethod.WEB_ID): gettext_lazy(
        "ログインできませんでした。Web-IDまたはパスワードに誤りがあるか、登録されていません。"
        "半角英数字で、大文字・小文字も含めてご確認のうえ、もう一度お試しください。"
        "カード番号と暗証番号でのログインもお試しいただけます。"
    ),
    (LoginResult.LOCKED, LoginMethod.CARD): gettext_lazy(
        "暗証番号を続けて間違えたため、カード番号でのログインはロックされています。"
        "Web-IDをお持ちの方は、Web-IDでログインできます。"
        "暗証番号の再設定（ロックの解除）は、店頭窓口またはサポートダイヤルで承ります。"
    ),
    (LoginResult.LOCKED, LoginMethod.WEB_ID): gettext_lazy(
        "パスワードを続けて間違えたため、Web-IDでのログインはロックされています。"
        "「パスワードをお忘れの方」からパスワードを再設定すると、ロックが解除されます。"
        "カード番号と暗証番号でのログインもご利用いただけます。"
    ),
    LoginResult.CONTRACT_TERMINATED: gettext_lazy(
        "ご契約が終了しているため、会員ページはご利用いただけません。"
        "お問い合わせはサポートダイヤルへお電話ください。"
    ),
    LoginResult.THROTTLED: gettext_lazy(
        "お使いのネットワーク（IPアドレス）からのログイン失敗が多すぎるため、しばらくログインを受け付けません。"
        "時間をおいてからお試しください。"
    ),
}

# A random id per browser, so a login from a browser not seen before can be told apart.
DEVICE_COOKIE = "portal_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60


def _render_login(request, *, card_form=None, web_id_form=None, refusal="", status=200):
    return render(
        request,
        "members/login.html",
        {
            "card_form": card_form or CardLoginForm(),
            "web_id_form": web_id_form or WebIdLoginForm(),
            "refusal": refusal,  # what the remedy links under the form are for
        },
        status=status,
    )


@require_safe
@never_cache
def login_page(request):
    """Show both login methods side by side (the top page and /login/)."""
    if is_member(request.user):
        return redirect("members:mypage")
    return _render_login(request)


@sensitive_variables("secret_value")
@sensitive_post_parameters("pin", "password")
@require_POST
@csrf_protect
@never_cache
def login_submit(request, method):
    form = LOGIN_FORMS[method](request.POST)
    forms = {f"{method}_form": form}
    if not form.is_valid():
        # A format error: nothing was checked, nothing is counted.
        return _render_login(request, **forms)
    identifier, secret_value = form.credentials()
    device_token = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(32)
    outcome = login.attempt_login(
        request=request,
        method=method,
        identifier=identifier,
        secret_value=secret_value,
        device_token=device_token,
    )
    if outcome.succeeded:
        response = redirect("members:mypage")
        response.set_cookie(
            DEVICE_COOKIE,
            device_token,
            max_age=DEVICE_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    form.add_error(None, login_error(outcome.result, method))
    if outcome.result == LoginResult.THROTTLED:
        return with_retry_after(_render_login(request, **forms, status=429))
    return _render_login(request, **forms, refusal=outcome.result)


def login_error(result, method):
    message = LOGIN_ERROR_MESSAGES.get((result, method)) or LOGIN_ERROR_MESSAGES[result]
    return ValidationError(message, code=str(result))


@require_POST
@csrf_protect
def set_language(request):
    """Switch the page language (a cookie); a logged-in member's mails follow it."""
    response = django_set_language(request)
    if is_member(request.user):
        remember_language(member=request.user, language=request.POST.get("language"))
    return response


@require_POST
@csrf_protect
def logout_view(request):
    logout(request)
    messages.success(request, _("ログアウトしました。"), extra_tags="logged_out")
    return redirect("members:login")


@require_safe
@member_required
@never_cache
def mypage(request):
    member = request.user
    return render(
        request,
        "members/mypage.html",
        {
            "member": member,
            "previous_login_at": selectors.previous_login_at(request.session),
            "panels": render_panels(request),
        },
    )


@require_safe
@member_required
@never_cache
def login_history(request):
    page = Paginator(selectors.login_history(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "members/login_history.html", {"page": page})


# --- Settings (logged in) -------------------------------------------------------------


def _posted(request):
    """Return the submitted data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


@require_safe
@member_required
@never_cache
def settings_index(request):
    return render(
        request,
        "members/settings/index.html",
        {"member": request.user, "panels": render_panels(request, page=SETTINGS_PAGE)},
    )


@sensitive_post_parameters("current_pin", "current_password", "password", "password_confirm")
@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def settings_web_id(request):
    """Register or change the Web-ID and password; needs a verified e-mail address."""
    member = request.user
    if not member.email_verified:
        return render(request, "members/settings/web_id.html", {"needs_email": True})
    form = NewWebIdForm(_posted(request), member=member)
    if request.method == "POST" and form.is_valid() and _reauthenticated(member, form):
        try:
            account.set_web_id(
                member=member,
                web_id=form.cleaned_data["web_id"],
                password=form.cleaned_data["password"],
            )
        except account.WebIdTaken:
            form.add_error("web_id", _web_id_taken_error())
        else:
            sessions.keep_after_credential_change(request, member)
            messages.success(request, _("Web-IDとパスワードを保存しました。"), extra_tags="saved")
            return redirect("members:settings")
    if form.has_error("web_id", "web_id_taken") and not limits.reserve_address(
        limits.client_address(request)
    ):
        # "Taken" tells whether a Web-ID exists, a first step towards guessing its
        # password: each such answer counts like a failed login from this address, and
        # past the limit none is given.
        del form.errors["web_id"]
        return _throttled_response(request, "members/settings/web_id.html", form)
    return render(request, "members/settings/web_id.html", {"form": form})


def _reauthenticated(member, form) -> bool:
    """Check the current secret the form asked for; explain a refusal on its field."""
    field = form.current_secret_field
    result = login.reauthenticate(
        member=member,
        current_secret=form.cleaned_data[field],
        method=form.reauthentication_method,
    )
    if result == LoginResult.SUCCESS:
        return True
    if result == LoginResult.LOCKED:
        remedy = (
            _("「パスワードをお忘れの方」から再設定してください。")
            if form.reauthentication_method == LoginMethod.WEB_ID
            else _("暗証番号の再設定は店頭窓口またはお電話で承ります。")
        )
        error = ValidationError(
            _("続けて間違えたため、ロックされています。%(remedy)s") % {"remedy": remedy},
            code="locked",
        )
    else:
        error = ValidationError(
            _("入力された内容が登録内容と一致しません。"), code="invalid_credentials"
        )
    form.add_error(field, error)
    return False


def _web_id_taken_error():
    return ValidationError(
        _("このWeb-IDはすでに使われています。別のWeb-IDをお選びください。"), code="web_id_taken"
    )


def _reauthentication_method(request) -> str:
    return sessions.login_method(request.session, member=request.user)


@sensitive_post_parameters("current_pin", "current_password")
@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def settings_email(request):
    """Change the e-mail address (verified by a link), or resend the verification link."""
    member = request.user
    form = EmailChangeForm(
        _posted(request), member=member, reauthentication_method=_reauthentication_method(request)
    )
    if request.method == "POST" and form.is_valid() and _reauthenticated(member, form):
        try:
            account.request_email_verification(
                member=member,
                new_email=form.cleaned_data["email"],
                build_url=lambda uidb64, token: absolute_url("members:verify-email", uidb64, token),
                current_session_key=request.session.session_key,
            )
        except account.TooManyMails:
            form.add_error("email", _too_many_mails_error())
            return render(request, "members/settings/email.html", {"form": form, "member": member})
        messages.success(
            request,
            _("確認メールを送信しました。メールのリンクを開くと変更が完了します。"),
            extra_tags="verification_sent",
        )
        return redirect("members:settings")
    return render(request, "members/settings/email.html", {"form": form, "member": member})


@require_POST
@member_required
def settings_email_resend(request):
    member = request.user
    if (member.email and not member.email_verified) or member.pending_email:
        try:
            account.request_email_verification(
                member=member,
                new_email=None,
                build_url=lambda uidb64, token: absolute_url("members:verify-email", uidb64, token),
                current_session_key=request.session.session_key,
            )
        except account.TooManyMails:
            messages.error(request, _too_many_mails_error().message, extra_tags="too_many_mails")
        else:
            messages.success(
                request, _("確認メールを再送信しました。"), extra_tags="verification_sent"
            )
    return redirect("members:settings-email")


def _too_many_mails_error():
    return ValidationError(
        _("確認メールの送信回数が上限に達しました。1時間ほどおいてからお試しください。"),
        code="too_many_mails",
    )


@sensitive_post_parameters("current_pin", "current_password")
@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def settings_profile(request):
    """Change address, phone and employer; a new phone number needs the secret again."""
    member = request.user
    form = ProfileForm(
        _posted(request),
        instance=Member.objects.get(pk=member.pk),
        reauthentication_method=_reauthentication_method(request),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (not form.changes_phone or _reauthenticated(member, form))
    ):
        account.update_profile(
            member=member,
            changes={name: form.cleaned_data[name] for name in ProfileForm.Meta.fields},
            current_session_key=request.session.session_key,
        )
        messages.success(request, _("ご登録内容を変更しました。"), extra_tags="saved")
        return redirect("members:settings")
    return render(request, "members/settings/profile.html", {"form": form})


@sensitive_post_parameters("current_pin", "current_password")
@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def settings_transfer_account(request):
    member = request.user
    current = TransferAccount.objects.filter(member=member).first()
    form = TransferAccountForm(
        _posted(request),
        instance=current,
        member=member,
        reauthentication_method=_reauthentication_method(request),
    )
    if request.method == "POST" and form.is_valid() and _reauthenticated(member, form):
        account.set_transfer_account(
            member=member,
            account={name: form.cleaned_data[name] for name in TransferAccountForm.Meta.fields},
            current_session_key=request.session.session_key,
        )
        messages.success(request, _("振込先口座を登録しました。"), extra_tags="saved")
        return redirect("members:settings")
    return render(
        request, "members/settings/transfer_account.html", {"form": form, "current": current}
    )


@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def settings_statement(request):
    member = request.user
    form = StatementDeliveryForm(
        _posted(request), initial={"statement_delivery": member.statement_delivery}
    )
    if request.method == "POST" and form.is_valid():
        account.set_statement_delivery(
            member=member, delivery=form.cleaned_data["statement_delivery"]
        )
        messages.success(request, _("書面の受取方法を変更しました。"), extra_tags="saved")
        return redirect("members:settings")
    return render(request, "members/settings/statement.html", {"form": form})


@require_http_methods(["GET", "POST"])
@member_required
def settings_sessions(request):
    """List the member's open sessions; POST ends all the others."""
    member = request.user
    current_key = request.session.session_key
    if request.method == "POST":
        sessions.end_other_sessions(member=member, current_session_key=current_key)
        messages.success(
            request, _("他の端末からログアウトしました。"), extra_tags="other_sessions_ended"
        )
        return redirect("members:settings-sessions")
    open_sessions = sessions.open_sessions(
        member=member,
        current_session_key=current_key,
        now=clock.now(),
        current_last_request=sessions.last_request_at(request),
    )
    return render(
        request,
        "members/settings/sessions.html",
        {
            "open_sessions": open_sessions,
            "has_others": any(not session.is_current for session in open_sessions),
            "session_max_hours": settings.PORTAL_SESSION_MAX_HOURS,
            "idle_minutes": settings.PORTAL_SESSION_IDLE_MINUTES,
        },
    )


@require_safe
@member_required
def settings_pin(request):
    """There is no online PIN reset: say where to go instead."""
    return render(request, "members/settings/pin.html")


# --- Account recovery and e-mail links (no login needed) -------------------------------


def _member_from_link(uidb64, token, generator) -> Member | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    member = Member.objects.members().filter(pk=pk).first()
    if member is None or not generator.check_token(member, token):
        return None
    return member


@require_http_methods(["GET", "POST"])
@never_cache
def verify_email(request, uidb64, token):
    """Show a confirm button (mail scanners follow GET links); POST verifies the address."""
    member = _member_from_link(uidb64, token, email_verification_token)
    if member is None:
        return render(request, "members/account/link_invalid.html", status=400)
    if request.method == "POST":
        account.verify_email(member=member)
        return render(request, "members/account/email_verified.html", {"email": member.email})
    return render(
        request,
        "members/account/verify_email.html",
        {"address": member.pending_email or member.email},
    )


def _recovery_throttled(request) -> bool:
    return not limits.reserve_recovery(limits.client_address(request))


def _throttled_response(request, template, form):
    form.add_error(
        None,
        ValidationError(
            _(
                "お使いのネットワーク（IPアドレス）からのお問い合わせが多すぎるため、しばらく受け付けません。"
                "時間をおいてからお試しください。"
            ),
            code=LoginResult.THROTTLED,
        ),
    )
    return with_retry_after(render(request, template, {"form": form}, status=429))


def _recovery(request, *, form_class, template, what, send):
    """Both recovery pages: the same answer, after the same work, whether or not the data
    matched. The look-up and the mail happen after the answer has gone out."""
    form = form_class(_posted(request))
    if request.method == "POST" and form.is_valid():
        if _recovery_throttled(request):
            return _throttled_response(request, template, form)
        after_response(request, partial(send, form.cleaned_data))
        return render(request, "members/account/recovery_sent.html", {"what": what})
    return render(request, template, {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
def forgot_web_id(request):
    """Member number + registered address → the Web-ID by mail."""
    return _recovery(
        request,
        form_class=ForgotWebIdForm,
        template="members/account/forgot_web_id.html",
        what="web_id",
        send=lambda data: account.send_web_id_reminder(
            member_number=data["member_number"],
            email=data["email"],
            site_url=absolute_url("members:login"),
        ),
    )


@require_http_methods(["GET", "POST"])
@never_cache
def forgot_password(request):
    """Web-ID + registered address → a one-time link to set a new password by mail."""
    return _recovery(
        request,
        form_class=ForgotPasswordForm,
        template="members/account/forgot_password.html",
        what="password",
        send=lambda data: account.send_password_recovery(
            web_id=data["web_id"],
            email=data["email"],
            build_url=lambda uidb64, token: absolute_url("members:reset-password", uidb64, token),
        ),
    )


@sensitive_post_parameters("password", "password_confirm")
@require_http_methods(["GET", "POST"])
@never_cache
def reset_password(request, uidb64, token):
    member = _member_from_link(uidb64, token, password_recovery_token)
    if member is None:
        return render(request, "members/account/link_invalid.html", status=400)
    form = NewPasswordForm(_posted(request), member=member)
    if request.method == "POST" and form.is_valid():
        account.reset_password(member=member, password=form.cleaned_data["password"])
        return render(request, "members/account/password_reset_done.html")
    return render(request, "members/account/reset_password.html", {"form": form})
