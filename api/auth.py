"""Who calls the app API: a bearer token (api.tokens) makes the request its member's."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api import tokens
from api.models import ApiToken
from api.problems import Problem


class MemberToken(HttpBearer):
    """`Authorization: Bearer <token>` of a member's live login through the API."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        record = tokens.authenticate(token)
        if record is None:
            return None
        # The member's request from here on, as a logged-in page's: the flows and
        # selectors of history and points read `request.user`.
        request.user = record.member
        return record


def not_authenticated() -> Problem:
    return Problem(
        401,
        "not_authenticated",
        _("ログインしてください（トークンがないか、有効期限切れか、無効になっています）。"),
        headers={"WWW-Authenticate": "Bearer"},
    )
