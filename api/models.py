from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import LoginMethod, Member


class ApiToken(models.Model):
    """A bearer token of the app API: one login of a member through the API.

    Only the token's hash is stored. It ends at `expires_at`, at logout, when the member's
    other sessions are ended (members.sessions.sessions_ended), and as soon as the
    member's password or PIN changes (`session_auth_hash` no longer matches), exactly as
    a web session does.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    method = models.CharField(_("ログイン方法"), max_length=16, choices=LoginMethod.choices)
    session_auth_hash = models.CharField(max_length=128)
    previous_login_at = models.DateTimeField(_("前回ログイン日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("発行日時"))
    expires_at = models.DateTimeField(_("有効期限"))

    class Meta:
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")
        indexes = [models.Index(fields=["member", "expires_at"], name="api_token_member_expiry")]

    def __str__(self):
        return f"{self.member} {self.created_at:%Y-%m-%d %H:%M}"
