"""Middleware of the portal as a whole."""

from collections.abc import Iterator

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

NUL = "\x00"
# The app API (api/) answers refusals as RFC 9457 problem details, these ones included.
API_PATH = "/api/"


def _refusal(request, template: str, *, status: int, code: str, detail, context=None):
    """Return the refusal page, or to the app API its problem details, in the visitor's
    language (given before LocaleMiddleware runs: the switch's cookie, else
    Accept-Language). `detail` is lazy, `context` its %-parameters, so it is written in
    the language chosen here."""
    with translation.override(translation.get_language_from_request(request)):
        if request.path_info.startswith(API_PATH):
            text = str(detail) % (context or {})
            body = {"type": f"urn:member-portal:problem:{code}", "title": text,
                    "status": status, "detail": text, "code": code, "errors": []}  # fmt: skip
            return JsonResponse(
                body, status=status, content_type="application/problem+json; charset=utf-8"
            )
        return render(request, template, context or {}, status=status)


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose body is larger than PORTAL_MAX_REQUEST_BYTES, unread.

    An upload form refuses a file over its own limit with a coded message; a body far
    beyond any form's limit is not worth parsing (nor streaming to a temporary file).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        if length > settings.PORTAL_MAX_REQUEST_BYTES:
            limit_mb = settings.PORTAL_MAX_REQUEST_BYTES // (1024 * 1024)
            return _refusal(
                request,
                "portal/request_too_large.html",
                status=413,
                code="request_too_large",
                detail=_(
                    "一度に送信できるのは約%(limit_mb)sMBまでです。処理していません。"
                    "何も変更されていません。"
                ),
                context={"limit_mb": limit_mb},
            )
        return self.get_response(request)


class RejectNulMiddleware:
    """Answer 400 to a request with a NUL character anywhere a view may read it.

    PostgreSQL refuses a NUL in text, so one that reaches a query turns into an error page:
    a lookup in an admin filter, a stored user agent, a session key from a cookie. Refusing
    the whole request here, before anything reads it, keeps every NUL out of the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in text for text in _texts(request)):
            return _refusal(
                request,
                "portal/bad_request.html",
                status=400,
                code="null_characters_not_allowed",
                detail=_(
                    "送信された内容に使用できない文字（NUL文字）が含まれていたため、"
                    "処理しませんでした。何も変更されていません。"
                ),
            )
        return self.get_response(request)


def _texts(request) -> Iterator[str]:
    """Yield the path, the query, the cookies, the headers and the form fields (decoded)."""
    yield request.path_info
    yield from _names_and_values(request.GET)
    yield from request.COOKIES.keys()
    yield from request.COOKIES.values()
    yield from (value for key, value in request.META.items() if key.startswith("HTTP_"))
    if request.method == "POST":
        yield from _names_and_values(request.POST)
        for name, uploads in request.FILES.lists():
            yield name
            yield from (upload.name or "" for upload in uploads)


def _names_and_values(data) -> Iterator[str]:
    for name, values in data.lists():
        yield name
        yield from values
