from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "お取引"

    def ready(self):
        from history.views import mypage_panel
        from members.dashboard import register_panel

        register_panel(mypage_panel)
