from django.urls import path

from history import views

# Public (not a member page), so it stays open during maintenance.
app_name = "simulator"

urlpatterns = [path("", views.simulator_view, name="simulator")]
