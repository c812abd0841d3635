"""RFC 9457 problem details: every refusal of the app API, with the testers' codes.

`code` is the code the web page shows in `data-error-code` for the same refusal (SPEC
§10): a form's ValidationError code, a login's result, a rule's refusal. `errors` lists
each field's errors (`field` None: the request as a whole).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.forms import Form
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.maintenance import retry_after

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:member-portal:problem:"


class Problem(Exception):
    """A refusal to answer as problem details."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
        **extensions,
    ):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, str(detail)
        self.title = title
        self.errors = errors or []
        self.headers = headers or {}
        self.extensions = extensions

    def response(self) -> HttpResponse:
        body = {
            "type": TYPE_PREFIX + self.code,
            "title": str(self.title or TITLES.get(self.status, _("リクエストを処理できません"))),
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "errors": self.errors,
            **self.extensions,
        }
        response = HttpResponse(
            json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
            status=self.status,
            content_type=f"{CONTENT_TYPE}; charset=utf-8",
        )
        for name, value in self.headers.items():
            response[name] = value
        return response


TITLES = {
    400: gettext_lazy("リクエストの形式に誤りがあります"),
    401: gettext_lazy("認証できません"),
    403: gettext_lazy("ご利用いただけません"),
    404: gettext_lazy("見つかりません"),
    409: gettext_lazy("先のリクエストと食い違っています"),
    422: gettext_lazy("入力内容をご確認ください"),
    429: gettext_lazy("しばらくお待ちください"),
    503: gettext_lazy("メンテナンス中です"),
}


def form_problem(form: Form, *, status: int = 422) -> Problem:
    """Return a bound, invalid form's errors as a problem: its first error's code and
    message lead (the request's own errors first, as on the page), every error listed."""
    errors = [
        {"field": None if name == "__all__" else name, "code": error.code or "invalid",
         "detail": " ".join(error.messages)}
        for name, field_errors in form.errors.as_data().items()
        for error in field_errors
    ]  # fmt: skip
    errors.sort(key=lambda error: error["field"] is not None)
    first = errors[0]
    return Problem(status, first["code"], first["detail"], errors=errors)


def maintenance_problem(until) -> Problem:
    """Return the 503 of a maintenance window, with Retry-After like the page's."""
    return Problem(
        503,
        "maintenance",
        _("ただいまメンテナンス中です。%(until)s以降に再度お試しください。")
        % {"until": until.isoformat()},
        headers={"Retry-After": str(retry_after(until))},
        maintenance_until=until.isoformat(),
    )
