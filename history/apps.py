from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "お取引"

    def ready(self):
        from history.seeding import seed_generated_histories, seed_persona_histories
        from history.views import mypage_panel
        from members.dashboard import register_panel
        from members.signals import members_generated, personas_reset

        register_panel(mypage_panel)
        personas_reset.connect(seed_persona_histories, dispatch_uid="history_persona_histories")
        members_generated.connect(
            seed_generated_histories, dispatch_uid="history_generated_histories"
        )
