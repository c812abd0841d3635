from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The top floor: personas, fake members, /demo/ and its mailbox (SPEC §9).

    It may use every other app; no other app uses it (portal.urls only includes its URLs).
    """

    name = "demo"
    verbose_name = _("デモ")

    def ready(self):
        from demo.personas import RESERVED_WEB_IDS
        from members import web_ids

        for web_id, member_number in RESERVED_WEB_IDS.items():
            web_ids.reserve(web_id, member_number=member_number)
