"""The API's description: the OpenAPI 3.1 schema and the interactive docs (Swagger UI,
its assets served from here: no CDN, no inline script)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from api.api import api


@require_safe
def openapi_json(request):
    schema = api.get_openapi_schema(path_prefix=reverse("api:api-root"))
    return JsonResponse(schema, json_dumps_params={"ensure_ascii": False})


@require_safe
def docs(request):
    return render(request, "api/docs.html", {"openapi_url": reverse("api-openapi")})
