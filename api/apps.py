from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "アプリAPI"

    def ready(self):
        from api.tokens import revoke_all
        from members.sessions import sessions_ended

        sessions_ended.connect(revoke_all, dispatch_uid="api_revoke_tokens")
