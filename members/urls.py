from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.login_page, name="top"),
    path("login/", views.login_page, name="login"),
    path("login/card/", views.login_submit, {"method": "card"}, name="login-card"),
    path("login/web-id/", views.login_submit, {"method": "web_id"}, name="login-web-id"),
    path("logout/", views.logout_view, name="logout"),
    path("mypage/", views.mypage, name="mypage"),
    path("mypage/login-history/", views.login_history, name="login-history"),
]
