from django.urls import path

from history import flow
from points import certificate_views, coupon_views, notice_views, views
from points.operations import REDEMPTION

app_name = "points"

urlpatterns = [
    path("points/", views.points_page, name="points"),
    path("points/join/", views.join, name="join"),
    *flow.urls(REDEMPTION, "points/redeem/"),  # redeem, redeem-confirm, redeem-done
    # --- Notices (お知らせ) and coupons (アプリdeクーポン): notice_views, coupon_views ---
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice-detail"),
    path("coupons/", coupon_views.coupon_list, name="coupons"),
    path("coupons/<int:pk>/", coupon_views.coupon_detail, name="coupon-detail"),
    path("coupons/<int:pk>/image/", coupon_views.coupon_image, name="coupon-image"),
    # --- Income certificates (収入証明書類)
    path(
        "settings/income-certificate/",
        certificate_views.income_certificate,
        name="income-certificate",
    ),
    path(
        "settings/income-certificate/<int:pk>/file/",
        certificate_views.income_certificate_file,
        name="income-certificate-file",
    ),
]
