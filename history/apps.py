from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = pgettext_lazy("admin: an app", "お取引")

    def ready(self):
        from history.views import mypage_panel, settings_rows
        from members.dashboard import SETTINGS_PAGE, register_panel

        register_panel(mypage_panel)
        register_panel(settings_rows, page=SETTINGS_PAGE)
