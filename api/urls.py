from django.urls import path

from api import views
from api.api import api

urlpatterns = [
    path("v1/", api.urls),
    path("openapi.json", views.openapi_json, name="api-openapi"),
    path("docs", views.docs, name="api-docs"),
]
