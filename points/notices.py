"""Notices (お知らせ, SPEC §7): which a member sees now, what is unread, and reading one.

A member sees a notice while its window holds "now" (from `published_from`, before
`published_until`) if it is for everyone or names the member among its recipients.
Opening it (a GET of its page) marks it read and, if it states points, credits them
through the point ledger: once per member and notice (the ledger's unique reference),
so reloading, a second tab or parallel requests credit nothing more. A member who has
not joined the point service earns nothing; opening it again after joining earns them.
"""

import enum
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Window

from members.models import Member
from points import services
from points.models import Notice, NoticeQuerySet, NoticeRead, PointAccount, Reason
from portal import clock

PANEL_NOTICES = 3  # the newest notices the member page lists


def visible_to(member: Member) -> NoticeQuerySet:
    """The notices `member` sees now, newest first, with `is_read`."""
    return (
        Notice.objects.published_at(clock.now())
        .for_member(member)
        .with_read_by(member)
        .newest_first()
    )


def unread_count(member: Member) -> int:
    return visible_to(member).filter(is_read=False).count()


def latest_with_unread_count(member: Member) -> list[Notice]:
    """Return the PANEL_NOTICES newest notices `member` sees, each with `unread`: how many
    of all they see are unread (one query; nothing is unread when the list is empty)."""
    return list(
        visible_to(member)
        .annotate(unread=Window(Count("pk", filter=Q(is_read=False))))
        .only("id", "title", "title_en", "published_from", "points")[:PANEL_NOTICES]
    )


class PointsOutcome(enum.StrEnum):
    """What opening a notice did to the member's points (`data-points-status`)."""

    NONE = "none"  # the notice gives no points
    EARNED = "earned"  # credited by this reading
    ALREADY_EARNED = "already_earned"  # credited by an earlier reading
    NOT_JOINED = "not_joined"  # the member has not joined the point service


@dataclass(frozen=True)
class Reading:
    notice: Notice
    points: PointsOutcome


def read(*, member: Member, notice: Notice) -> Reading:
    """Mark `notice` read by `member` and credit its points once (see the module docstring).

    `notice` must be one of visible_to(member): the caller answers 404 for any other.
    """
    try:
        with transaction.atomic():
            NoticeRead.objects.get_or_create(
                member=member, notice=notice, defaults={"read_at": clock.now()}
            )
    except IntegrityError:
        pass  # a parallel request marked it read first
    if not notice.points:
        return Reading(notice, PointsOutcome.NONE)
    entry = services.earn(
        member=member,
        reason=Reason.NOTICE,
        points=notice.points,
        reference=notice.point_reference,
        note=notice.title,
    )
    if entry is not None:
        return Reading(notice, PointsOutcome.EARNED)
    joined = PointAccount.objects.filter(member=member).exists()
    return Reading(notice, PointsOutcome.ALREADY_EARNED if joined else PointsOutcome.NOT_JOINED)
