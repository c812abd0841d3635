from django.urls import path

from demo import views

# Demo pages stay available during maintenance (they are not member pages: portal.maintenance).
app_name = "demo"
urlpatterns = [
    path("", views.personas, name="personas"),
    path("mailbox/", views.MailboxListView.as_view(), name="mailbox"),
    path("mailbox/<int:pk>/", views.MailboxDetailView.as_view(), name="mailbox-detail"),
]
