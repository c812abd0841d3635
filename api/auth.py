"""Who calls the app API: a bearer token (api.tokens) makes the request its member's."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api.models import ApiToken
from api.problems import Problem


class MemberToken(HttpBearer):
    """`Authorization: Bearer <token>` of a member's live login through the API."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        # api.middleware.BearerTokenMiddleware found the token's record and made the
        # request its member's (`request.user`, which the flows and selectors of history
        # and points read) before the sandbox middleware ran.
        return getattr(request, "api_token", None)


def not_authenticated() -> Problem:
    return Problem(
        401,
        "not_authenticated",
        _("ログインしてください（トークンがないか、有効期限切れか、無効になっています）。"),
        headers={"WWW-Authenticate": "Bearer"},
    )
