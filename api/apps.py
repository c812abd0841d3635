from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = pgettext_lazy("admin: an app", "アプリAPI")

    def ready(self):
        from api.tokens import revoke_all
        from members.sessions import sessions_ended

        sessions_ended.connect(revoke_all, dispatch_uid="api_revoke_tokens")
