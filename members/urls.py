from django.urls import path

from members import views
from members.models import LoginMethod

app_name = "members"

urlpatterns = [
    path("", views.login_page, name="top"),
    path("login/", views.login_page, name="login"),
    path("login/card/", views.login_submit, {"method": LoginMethod.CARD}, name="login-card"),
    path("login/web-id/", views.login_submit, {"method": LoginMethod.WEB_ID}, name="login-web-id"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("mypage/", views.mypage, name="mypage"),
    path("mypage/login-history/", views.login_history, name="login-history"),
    path("mypage/settings/", views.settings_index, name="settings"),
    path("mypage/settings/web-id/", views.settings_web_id, name="settings-web-id"),
    path("mypage/settings/email/", views.settings_email, name="settings-email"),
    path(
        "mypage/settings/email/resend/",
        views.settings_email_resend,
        name="settings-email-resend",
    ),
    path("mypage/settings/profile/", views.settings_profile, name="settings-profile"),
    path(
        "mypage/settings/transfer-account/",
        views.settings_transfer_account,
        name="settings-transfer-account",
    ),
    path("mypage/settings/statement/", views.settings_statement, name="settings-statement"),
    path("mypage/settings/pin/", views.settings_pin, name="settings-pin"),
    path("mypage/settings/sessions/", views.settings_sessions, name="settings-sessions"),
    path("account/email/verify/<uidb64>/<token>/", views.verify_email, name="verify-email"),
    path("account/web-id/forgot/", views.forgot_web_id, name="forgot-web-id"),
    path("account/password/forgot/", views.forgot_password, name="forgot-password"),
    path(
        "account/password/reset/<uidb64>/<token>/",
        views.reset_password,
        name="reset-password",
    ),
]
