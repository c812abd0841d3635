from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "お取引"

    def ready(self):
        from history.views import mypage_panel, settings_rows
        from members.dashboard import SETTINGS_PAGE, register_panel

        register_panel(mypage_panel)
        register_panel(settings_rows, page=SETTINGS_PAGE)
