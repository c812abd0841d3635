from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("ポイント")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from members.dashboard import register_panel
        from points.handlers import credit_monthly_login
        from points.notice_views import mypage_panel as notices_panel
        from points.views import mypage_panel

        user_logged_in.connect(credit_monthly_login, dispatch_uid="points_monthly_login")
        register_panel(mypage_panel)
        register_panel(notices_panel)
