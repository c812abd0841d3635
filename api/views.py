"""The API's description: the OpenAPI 3.1 schema and the interactive docs (Swagger UI,
its assets served from here: no CDN, no inline script)."""

from csp.constants import SELF
from csp.decorators import csp_update
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
# Swagger UI's stylesheet draws its icons as data: SVG images; scripts stay the portal's own.
@csp_update({"img-src": [SELF, "data:"]})
def docs(request):
    return render(request, "api/docs.html", {"openapi_url": reverse("api-openapi")})
