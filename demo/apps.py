from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DemoConfig(AppConfig):
    """The top floor: personas, fake members, /demo/ and its mailbox (SPEC §9).

    It may use every other app; no other app uses it (portal.urls only includes its URLs).
    """

    name = "demo"
    verbose_name = pgettext_lazy("admin: an app", "デモ")

    def ready(self):
        from demo.personas import RESERVED_WEB_IDS
        from demo.sandboxes import route_mail
        from members import web_ids
        from portal.mail import register_mailbox_router

        # Mail for a sandbox member sent outside their request lands in its mailbox.
        register_mailbox_router(route_mail)

        for web_id, member_number in RESERVED_WEB_IDS.items():
            web_ids.reserve(web_id, member_number=member_number)
