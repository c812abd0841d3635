from django.apps import AppConfig
from django.core import checks
from django.utils.translation import pgettext_lazy


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = pgettext_lazy("admin: an app", "ポータル")

    def ready(self):
        from portal.checks import DEPLOY_CHECKS

        for check in DEPLOY_CHECKS:
            checks.register(check, checks.Tags.security, deploy=True)
