from django.urls import path

from history import simulator_views

# Public (not a member page), so it stays open during maintenance.
app_name = "simulator"

urlpatterns = [path("", simulator_views.simulator_view, name="simulator")]
