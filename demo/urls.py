from django.urls import path

from demo import views

# Demo pages stay available during maintenance (they are not member pages: portal.maintenance).
app_name = "demo"
urlpatterns = [
    path("", views.personas, name="personas"),
    path("mailbox/", views.MailboxListView.as_view(), name="mailbox"),
    path("mailbox/<int:pk>/", views.MailboxDetailView.as_view(), name="mailbox-detail"),
    path("sandboxes/", views.sandbox_create, name="sandbox-create"),
    path("sandboxes/<str:token>/", views.sandbox_detail, name="sandbox"),
    path("sandboxes/<str:token>/delete/", views.sandbox_delete, name="sandbox-delete"),
    path("sandboxes/<str:token>/reset/", views.sandbox_reset, name="sandbox-reset"),
    path("sandboxes/<str:token>/clock/", views.sandbox_clock, name="sandbox-clock"),
    path("sandboxes/<str:token>/glitches/", views.sandbox_glitches, name="sandbox-glitches"),
    path(
        "sandboxes/<str:token>/jobs/reminders/",
        views.sandbox_reminders,
        name="sandbox-reminders",
    ),
    path("sandboxes/<str:token>/jobs/points/", views.sandbox_points, name="sandbox-points"),
    path("sandboxes/<str:token>/mailbox/", views.sandbox_mailbox, name="sandbox-mailbox"),
    path(
        "sandboxes/<str:token>/mailbox.json",
        views.sandbox_mailbox_json,
        name="sandbox-mailbox-json",
    ),
    path(
        "sandboxes/<str:token>/mailbox/latest.json",
        views.sandbox_latest_mail,
        name="sandbox-latest-mail",
    ),
]
