from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "ポイント"

    def ready(self):
        from members.dashboard import register_panel
        from points.notice_views import mypage_panel as notices_panel

        register_panel(notices_panel)
