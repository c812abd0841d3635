from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = pgettext_lazy("admin: an app", "アプリAPI")

    def ready(self):
        from api.middleware import API_PREFIX
        from api.problems import maintenance_problem
        from api.tokens import revoke_all
        from members.sessions import sessions_ended
        from portal import maintenance

        sessions_ended.connect(revoke_all, dispatch_uid="api_revoke_tokens")
        # A 503 of a window on the API's paths, wherever it is answered (a tester's
        # sandbox glitch too), is the API's problem details.
        maintenance.respond_on(API_PREFIX, lambda until: maintenance_problem(until).response())
