from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("ポータル")

    def ready(self):
        from portal.checks import DEPLOY_CHECKS

        for check in DEPLOY_CHECKS:
            checks.register(check, checks.Tags.security, deploy=True)
