from django.contrib import admin
from django.urls import include, path

from portal import views

portal_patterns = (
    [path("help/login/", views.LoginHelpView.as_view(), name="help-login")],
    "portal",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(portal_patterns)),
    path("demo/", include("demo.urls")),
    path("api/", include("api.urls")),
    path("simulator/", include("history.simulator_urls")),
    path("atm/", include("history.atm_urls")),
    path("mypage/", include("history.urls")),
    path("mypage/", include("points.urls")),
    path("", include("members.urls")),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler500 = "portal.views.server_error"
