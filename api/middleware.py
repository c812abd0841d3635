"""The app API's bearer token, read where Django reads a page's login.

A request to the API with a live token is its member's (`request.user`) before the
middleware that acts for a member runs — a sandbox's clock and mailbox
(demo.middleware.SandboxMiddleware) — as a logged-in page's request is after
AuthenticationMiddleware. The API's operations then only check that a token was found
(api.auth.MemberToken).
"""

from api import tokens

API_PREFIX = "/api/v1/"


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        if request.path_info.startswith(API_PREFIX):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                request.api_token = tokens.authenticate(token.strip())
                if request.api_token is not None:
                    request.user = request.api_token.member
        return self.get_response(request)
