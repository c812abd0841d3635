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

from django.db import IntegrityError, connection, transaction

from members.models import Member
from points import services
from points.models import Audience, Notice, NoticeQuerySet, NoticeRead, PointAccount, Reason
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


def for_mypage(member: Member) -> tuple[int, list[Notice]]:
    """Return how many of the notices `member` sees are unread, and the PANEL_NOTICES
    newest of them with `is_read` (as visible_to: one statement).

    Written in SQL because every visit of the member page asks it, and the ORM takes ten
    times longer to compile visible_to than the database takes to answer it.
    tests/points/test_notices.py holds the two to the same notices.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _FOR_MYPAGE_SQL,
            {
                "member": member.pk,
                "now": connection.ops.adapt_datetimefield_value(clock.now()),
                "everyone": Audience.EVERYONE.value,
                "limit": PANEL_NOTICES,
            },
        )
        rows = cursor.fetchall()
    latest = []
    for *values, is_read, _ in rows:
        notice = Notice.from_db(connection.alias, ["id", "title", "title_en", "points"], values)
        notice.is_read = bool(is_read)
        latest.append(notice)
    return (rows[0][-1] if rows else 0), latest


# A member's read mark is unique, so the outer join adds no row; the window counts every
# notice the member sees before the LIMIT keeps the newest.
_FOR_MYPAGE_SQL = f"""
    SELECT notice.id, notice.title, notice.title_en, notice.points,
        mark.id IS NOT NULL, COUNT(*) OVER () - COUNT(mark.id) OVER ()
    FROM {Notice._meta.db_table} notice
    LEFT JOIN {NoticeRead._meta.db_table} mark
        ON mark.notice_id = notice.id AND mark.member_id = %(member)s
    WHERE notice.published_from <= %(now)s
        AND (notice.published_until IS NULL OR notice.published_until > %(now)s)
        AND (notice.audience = %(everyone)s OR EXISTS (
            SELECT 1 FROM {Notice.recipients.through._meta.db_table} recipient
            WHERE recipient.notice_id = notice.id AND recipient.member_id = %(member)s
        ))
    ORDER BY notice.published_from DESC, notice.id DESC
    LIMIT %(limit)s
"""


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
