from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import pgettext_lazy


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = pgettext_lazy("plural", "会員")  # the admin names the app "Members"

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from members.signals import forget_session, record_last_login, start_session

        # Django's receiver stamps last_login with the real time; ours asks portal.clock.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_last_login, dispatch_uid="members_record_last_login")
        user_logged_in.connect(start_session, dispatch_uid="members_start_session")
        user_logged_out.connect(forget_session, dispatch_uid="members_forget_session")


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by the site with the staff sign-in (members.admin_site)."""

    default = False  # "members" alone still means MembersConfig
    default_site = "members.admin_site.StaffAdminSite"
