"""Authentication backends for the card number + PIN, the Web-ID + password and staff.

Both follow `ModelBackend`: return None for credentials they do not handle, run the
hasher even when no member matches (so timing does not reveal which identifiers
exist), and refuse inactive users. A terminated contract is *not* refused at login
here: the login service answers `contract_terminated` only after the credentials were
right. A session stays the member's only while `Member.may_stay_logged_in` (get_user).
"""

from django.contrib.auth.backends import ModelBackend
from django.views.decorators.debug import sensitive_variables

from members.models import Member
from members.selectors import member_of_session


class _MemberBackend(ModelBackend):
    def get_user(self, user_id):
        member = member_of_session(user_id)
        if member is None or not member.may_stay_logged_in:
            return None
        return member


class CardPinBackend(_MemberBackend):
    """Authenticate a member by loan card number and 4-digit PIN."""

    @sensitive_variables()  # every frame below sees the PIN too
    def authenticate(self, request, card_number=None, pin_secret=None, **kwargs):
        if card_number is None or pin_secret is None:
            return None
        # With the contract, which the login reads next (a terminated one is refused).
        member = (
            Member.objects.members()
            .select_related("contract")
            .filter(card_number=card_number)
            .first()
        )
        if member is None:
            # Run the hasher once, as for a wrong PIN (Django ticket #20760).
            Member().set_pin(pin_secret)
            return None
        if member.check_pin(pin_secret) and self.user_can_authenticate(member):
            return member
        return None


class WebIdBackend(_MemberBackend):
    """Authenticate a member by Web-ID and password (both case-sensitive)."""

    @sensitive_variables()
    def authenticate(self, request, web_id=None, password=None, **kwargs):
        if web_id is None or password is None:
            return None
        member = Member.objects.members().select_related("contract").filter(web_id=web_id).first()
        if member is None:
            Member().set_password(password)
            return None
        if member.check_password(password) and self.user_can_authenticate(member):
            return member
        return None


class StaffBackend(ModelBackend):
    """Authenticate a staff user by staff ID and password (the admin's sign-in service).

    ModelBackend with the password hidden from error reports in every frame below, as in
    the members' backends. The sign-in service calls it directly, so that a wrong
    password is not hashed a second time by ModelBackend, which stays in
    AUTHENTICATION_BACKENDS to restore staff sessions.
    """

    @sensitive_variables()
    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(request, username=username, password=password, **kwargs)
