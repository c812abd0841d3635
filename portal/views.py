from django.views.generic import TemplateView


class LoginHelpView(TemplateView):
    """Troubleshooting: every cause of a failed login with its remedy."""

    template_name = "portal/help_login.html"
