"""Signed, expiring, single-use tokens for e-mail links (Django's token machinery).

A token is bound to the state it changes, so it stops working once used: the e-mail
token to the address being verified, the password token to the password hash.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from portal import clock


class _ClockedTokenGenerator(PasswordResetTokenGenerator):
    def _now(self):
        # Django compares naive local times; take them from portal.clock like all business code.
        return clock.localnow().replace(tzinfo=None)


class EmailVerificationTokenGenerator(_ClockedTokenGenerator):
    key_salt = "members.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Verifying changes the addresses or the flag, so a used link stops working (also
        # for a change of a verified address, where the pending one becomes the address).
        return f"{user.pk}{user.email}{user.pending_email}{user.email_verified}{timestamp}"


class PasswordRecoveryTokenGenerator(_ClockedTokenGenerator):
    key_salt = "members.tokens.PasswordRecoveryTokenGenerator"


email_verification_token = EmailVerificationTokenGenerator()
password_recovery_token = PasswordRecoveryTokenGenerator()
