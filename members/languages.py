"""The language a member reads in: pages follow the browser, mails follow the member."""

from django.conf import settings

from members.models import Member


def remember_language(*, member: Member, language: str | None) -> None:
    """Keep the page language a member chose, for the mails sent while they are away.

    Called at login and when the member switches language; an unknown code changes
    nothing.
    """
    if language not in dict(settings.LANGUAGES) or member.language == language:
        return
    Member.objects.filter(pk=member.pk).update(language=language)
    member.language = language
