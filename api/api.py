"""The app API (SPEC §11): django-ninja, problem details for every refusal, maintenance
windows, bearer tokens."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import MemberToken, not_authenticated
from api.endpoints import router
from api.problems import CONTENT_TYPE, Problem, maintenance_problem
from portal.maintenance import closed_until
from portal.models import MaintenanceScope


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Return the schema, its refusals described as application/problem+json."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[CONTENT_TYPE] = content.pop("application/json")
        return schema


api = PortalApi(
    title="Member portal app API",
    version="1",
    description=(
        "The official app's API of the member portal (SPEC §11). Log in with "
        "`POST /auth/card` or `POST /auth/web-id` and send the token as "
        "`Authorization: Bearer <token>`. Money-moving calls need an `Idempotency-Key`. "
        "Refusals are RFC 9457 problem details whose `code` is the web page's "
        "`data-error-code`."
    ),
    auth=MemberToken(),
    urls_namespace="api",
    openapi_url=None,  # served at /api/openapi.json and /api/docs by api.views
    docs_url=None,
)


def _member_call(view):
    """Answer 503 (Retry-After) in a member-page maintenance window, as the pages do.

    (api.middleware keeps every answer out of caches and leaves no web session behind.)
    """

    def wrapper(request, *args, **kwargs):
        if (until := closed_until(MaintenanceScope.MEMBER_PAGES)) is not None:
            return maintenance_problem(until).response()
        return view(request, *args, **kwargs)

    return wrapper


api.add_decorator(_member_call, mode="view")
api.add_router("", router)


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return exc.response()


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    return not_authenticated().response()


@api.exception_handler(Http404)
def _not_found(request, exc):
    return Problem(404, "not_found", _("見つかりません。")).response()


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return Problem(400, "bad_request", _("リクエストの本文を読めません（JSON）。")).response()
    return Problem(exc.status_code, "error", str(exc)).response()


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or None,
            "code": error.get("type", "invalid"),
            "detail": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    if any(error.get("loc", ())[:2] == ("header", "Idempotency-Key") for error in exc.errors):
        return Problem(
            400,
            "idempotency_key_missing",
            _("Idempotency-Key ヘッダー（1〜255文字）が必要です。"),
            errors=errors,
        ).response()
    return Problem(
        422, "invalid", _("リクエストの内容が仕様と合いません。"), errors=errors
    ).response()
