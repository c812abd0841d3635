from django.urls import include, path

from bench import views
from portal import maintenance

# The floor page is a member page as the maintenance middleware sees it, so that it pays
# the maintenance look-up of every member page (bench only: production never loads this).
maintenance.MEMBER_APPS = maintenance.MEMBER_APPS | {"bench"}

urlpatterns = [
    path("bench/baseline/", views.baseline, name="bench-baseline"),
    path(
        "bench/",
        include(([path("floor/", views.member_floor, name="floor")], "bench"), namespace="bench"),
    ),
    path("", include("portal.urls")),
]
