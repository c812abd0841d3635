from django.contrib.auth.decorators import user_passes_test


def is_member(user) -> bool:
    """Return whether `user` is a logged-in borrower (staff never use the member page)."""
    return user.is_authenticated and user.is_member


member_required = user_passes_test(is_member)
