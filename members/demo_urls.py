from django.urls import path

from members import demo_views

app_name = "demo"

urlpatterns = [
    path("", demo_views.personas, name="personas"),
]
