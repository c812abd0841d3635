from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from members import selectors, services
from members.decorators import is_member, member_required
from members.forms import CardLoginForm, WebIdLoginForm
from members.models import LoginResult

LOGIN_ERROR_MESSAGES = {
    LoginResult.INVALID_CREDENTIALS: gettext_lazy(
        "ログインできませんでした。入力内容に誤りがあるか、登録されていません。"
        "入力内容をご確認のうえ、もう一度お試しください。"
    ),
    LoginResult.LOCKED: gettext_lazy(
        "続けて誤った入力があったため、このログイン方法はロックされています。"
        "ログインでお困りの方をご覧ください。"
    ),
    LoginResult.CONTRACT_TERMINATED: gettext_lazy(
        "ご契約が終了しているため、会員ページはご利用いただけません。"
        "お問い合わせはサポートダイヤルへお電話ください。"
    ),
    LoginResult.THROTTLED: gettext_lazy(
        "お使いの接続元からのログイン失敗が多すぎるため、しばらくログインを受け付けません。"
        "時間をおいてからお試しください。"
    ),
}

LOGIN_FORMS = {"card": CardLoginForm, "web_id": WebIdLoginForm}


def _render_login(request, *, card_form=None, web_id_form=None, status=200):
    return render(
        request,
        "members/login.html",
        {
            "card_form": card_form or CardLoginForm(),
            "web_id_form": web_id_form or WebIdLoginForm(),
        },
        status=status,
    )


@require_GET
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
    outcome = services.attempt_login(
        request=request, method=method, identifier=identifier, secret_value=secret_value
    )
    if outcome.succeeded:
        return redirect("members:mypage")
    form.add_error(None, _login_error(outcome.result))
    status = 429 if outcome.result == LoginResult.THROTTLED else 200
    return _render_login(request, **forms, status=status)


def _login_error(result):
    return ValidationError(LOGIN_ERROR_MESSAGES[result], code=str(result))


@require_POST
@csrf_protect
def logout_view(request):
    logout(request)
    messages.success(request, _("ログアウトしました。"), extra_tags="logged_out")
    return redirect("members:login")


@require_GET
@member_required
@never_cache
def mypage(request):
    member = request.user
    return render(
        request,
        "members/mypage.html",
        {
            "member": member,
            "contract": getattr(member, "contract", None),
            "previous_login_at": selectors.previous_login_at(request.session),
        },
    )


@require_GET
@member_required
@never_cache
def login_history(request):
    page = Paginator(selectors.login_history(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "members/login_history.html", {"page": page})
