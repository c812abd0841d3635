from django.urls import path

from history import flow
from points import views
from points.operations import REDEMPTION

app_name = "points"

urlpatterns = [
    path("points/", views.points_page, name="points"),
    path("points/join/", views.join, name="join"),
    *flow.urls(REDEMPTION, "points/redeem/"),  # redeem, redeem-confirm, redeem-done
]
