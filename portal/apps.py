from django.apps import AppConfig
from django.core import checks
from django.utils.translation import pgettext_lazy


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = pgettext_lazy("admin: an app", "ポータル")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal.checks import DEPLOY_CHECKS
        from portal.maintenance import forget_windows
        from portal.models import MaintenanceWindow

        for signal in (post_save, post_delete):
            signal.connect(forget_windows, sender=MaintenanceWindow, dispatch_uid="portal-windows")

        for check in DEPLOY_CHECKS:
            checks.register(check, checks.Tags.security, deploy=True)
