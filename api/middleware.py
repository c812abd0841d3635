"""The app API's bearer token, read where Django reads a page's login.

A request to the API with a live token is its member's (`request.user`) before the
middleware that acts for a member runs — a sandbox's clock and mailbox
(demo.middleware.SandboxMiddleware) — as a logged-in page's request is after
AuthenticationMiddleware. The API's operations then only check that a token was found
(api.auth.MemberToken).

On the way out every answer of the API, whoever gave it (an operation, or a sandbox's
glitch before any operation ran), is kept out of caches and the request is anonymous
again: the session middlewares must see a request without a login, or they would start
a web session (the idle clock) on every call.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.cache import add_never_cache_headers

from api import tokens

API_PREFIX = "/api/v1/"


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            request.api_token = tokens.authenticate(token.strip())
            if request.api_token is not None:
                request.user = request.api_token.member
        try:
            response = self.get_response(request)
        finally:
            if request.api_token is not None:
                request.user = AnonymousUser()
        add_never_cache_headers(response)
        return response
