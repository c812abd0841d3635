from django.contrib import admin
from django.urls import include, path

from members import demo_views
from portal import views

portal_patterns = (
    [path("help/login/", views.LoginHelpView.as_view(), name="help-login")],
    "portal",
)

# Demo pages stay available during maintenance (they are not member pages).
demo_patterns = (
    [
        path("", demo_views.personas, name="personas"),
        path("mailbox/", views.MailboxListView.as_view(), name="mailbox"),
        path("mailbox/<int:pk>/", views.MailboxDetailView.as_view(), name="mailbox-detail"),
    ],
    "demo",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(portal_patterns)),
    path("demo/", include(demo_patterns)),
    path("simulator/", include("history.simulator_urls")),
    path("mypage/", include("history.urls")),
    path("", include("members.urls")),
]
