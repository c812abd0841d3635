"""Notices (SPEC §7): publish window, audience, 404s, read marks, points once, admin."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from points import notices, selectors, services
from points.models import Audience, Notice, NoticeRead, PointEntry, Reason
from tests.factories import MemberFactory
from tests.helpers import admin_error_codes, data, tokyo

pytestmark = pytest.mark.django_db

LIST_URL = reverse("points:notices")
MYPAGE_URL = reverse("members:mypage")


def detail_url(notice) -> str:
    return reverse("points:notice-detail", args=[notice.pk])


def make_notice(**fields) -> Notice:
    recipients = fields.pop("recipients", ())
    fields = {
        "title": "お知らせ",
        "body": "本文",
        "published_from": tokyo(2026, 12, 1, 9),
        **fields,
    }
    notice = Notice.objects.create(**fields)
    notice.recipients.set(recipients)
    return notice


@pytest.fixture
def joined(member):
    services.join(member=member)
    return member


def listed_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<li data-notice-id="(\d+)"', response.content.decode())]


def notice_points(member) -> list[int]:
    return list(
        PointEntry.objects.filter(member=member, reason=Reason.NOTICE).values_list(
            "points", flat=True
        )
    )


# --- The publish window --------------------------------------------------------------------


def test_a_notice_is_shown_from_its_start_until_just_before_its_end(client, member, time_machine):
    notice = make_notice(
        published_from=tokyo(2026, 12, 10, 9), published_until=tokyo(2026, 12, 20, 0)
    )
    for moment, shown in [
        (tokyo(2026, 12, 10, 8, 59, 59), False),
        (tokyo(2026, 12, 10, 9), True),
        (tokyo(2026, 12, 19, 23, 59, 59), True),
        (tokyo(2026, 12, 20, 0), False),
    ]:
        time_machine.move_to(moment, tick=False)
        client.force_login(member, backend="members.backends.CardPinBackend")  # a fresh session
        assert listed_ids(client.get(LIST_URL)) == ([notice.pk] if shown else []), moment
        expected = 200 if shown else 404
        assert client.get(detail_url(notice)).status_code == expected, moment


def test_notices_are_listed_newest_first(member_client):
    old = make_notice(published_from=tokyo(2026, 11, 1))
    new = make_notice(published_from=tokyo(2026, 12, 8))
    middle = make_notice(published_from=tokyo(2026, 12, 1))

    assert listed_ids(member_client.get(LIST_URL)) == [new.pk, middle.pk, old.pk]


def test_a_notice_without_an_end_stays_published(client, member, time_machine):
    notice = make_notice(published_from=tokyo(2026, 1, 1))
    time_machine.move_to(tokyo(2030, 1, 9), tick=False)  # a Wednesday
    client.force_login(member, backend="members.backends.CardPinBackend")
    assert listed_ids(client.get(LIST_URL)) == [notice.pk]


# --- The audience ----------------------------------------------------------------------------


def test_a_targeted_notice_reaches_only_its_members(member_client, member, client):
    other = MemberFactory()
    for_everyone = make_notice(title="全員")
    for_member = make_notice(title="指定", audience=Audience.SELECTED, recipients=[member])
    for_other = make_notice(title="他の会員", audience=Audience.SELECTED, recipients=[other])
    # Recipients left on a notice for everyone do not narrow it (nor duplicate it).
    make_notice(title="全員2", recipients=[other, member])

    ids = listed_ids(member_client.get(LIST_URL))

    assert for_everyone.pk in ids and for_member.pk in ids and for_other.pk not in ids
    assert len(ids) == len(set(ids)) == 3
    assert member_client.get(detail_url(for_other)).status_code == 404
    assert member_client.get(detail_url(for_member)).status_code == 200
    assert not NoticeRead.objects.filter(notice=for_other).exists()


def test_a_targeted_notice_without_recipients_reaches_nobody(member_client):
    notice = make_notice(audience=Audience.SELECTED)
    assert listed_ids(member_client.get(LIST_URL)) == []
    assert member_client.get(detail_url(notice)).status_code == 404


@pytest.mark.parametrize("url", [LIST_URL, "/mypage/notices/1/"])
def test_notices_need_a_logged_in_member(client, url):
    make_notice()
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_an_unknown_notice_is_404(member_client):
    assert member_client.get("/mypage/notices/999999/").status_code == 404


def test_notice_pages_answer_get_only(member_client):
    notice = make_notice()
    assert member_client.post(detail_url(notice)).status_code == 405
    assert member_client.post(LIST_URL).status_code == 405
    assert not NoticeRead.objects.exists()


# --- Reading: read marks and points --------------------------------------------------------


def test_reading_marks_the_notice_read_once(member_client, member):
    notice = make_notice()
    assert data(member_client.get(LIST_URL), "read") == "false"

    member_client.get(detail_url(notice))
    member_client.get(detail_url(notice))

    assert data(member_client.get(LIST_URL), "read") == "true"
    assert NoticeRead.objects.filter(member=member, notice=notice).count() == 1


def test_reading_a_designated_notice_credits_its_points_once(member_client, joined):
    notice = make_notice(points=15)
    balance = selectors.balance_of(joined)

    first = member_client.get(detail_url(notice))
    again = member_client.get(detail_url(notice))

    assert data(first, "points-status") == "earned"
    assert data(first, "points-earned") == "15"
    assert data(again, "points-status") == "already_earned"
    assert "data-points-earned" not in again.content.decode()
    assert notice_points(joined) == [15]
    assert selectors.balance_of(joined) == balance + 15
    entry = PointEntry.objects.get(reason=Reason.NOTICE)
    assert (entry.reference, entry.note) == (str(notice.pk), notice.title)


def test_a_member_who_has_not_joined_earns_nothing_until_joining(member_client, member):
    notice = make_notice(points=10)

    response = member_client.get(detail_url(notice))

    assert data(response, "points-status") == "not_joined"
    assert notice_points(member) == []
    # Joining later and reading it again earns the notice's points then.
    services.join(member=member)
    assert data(member_client.get(detail_url(notice)), "points-status") == "earned"
    assert notice_points(member) == [10]


def test_a_notice_without_points_credits_nothing(member_client, joined):
    response = member_client.get(detail_url(make_notice(points=0)))
    assert data(response, "points-status") == "none"
    assert notice_points(joined) == []


def test_each_notice_credits_once_per_member(joined):
    other = MemberFactory()
    services.join(member=other)
    first, second = make_notice(points=5), make_notice(points=20)

    for member in (joined, other, joined, other):
        for notice in (first, second):
            notices.read(member=member, notice=notice)

    assert sorted(notice_points(joined)) == sorted(notice_points(other)) == [5, 20]


def test_the_body_is_plain_text_with_its_line_breaks(member_client):
    notice = make_notice(body="一行目\n二行目\n\n<script>alert(1)</script>")
    html = member_client.get(detail_url(notice)).content.decode()
    assert "一行目<br>二行目" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


# --- The unread count on /mypage/ ---------------------------------------------------------


def test_the_member_page_shows_the_unread_count_and_the_newest_titles(member_client, member):
    first = make_notice(title="はじめのお知らせ", published_from=tokyo(2026, 12, 1))
    make_notice(title="つぎのお知らせ", published_from=tokyo(2026, 12, 2))
    make_notice(title="ほかの会員へ", audience=Audience.SELECTED, recipients=[MemberFactory()])

    page = member_client.get(MYPAGE_URL)
    assert data(page, "unread-notices") == "2"
    html = page.content.decode()
    assert html.index("つぎのお知らせ") < html.index("はじめのお知らせ")
    assert "ほかの会員へ" not in html

    member_client.get(detail_url(first))
    assert data(member_client.get(MYPAGE_URL), "unread-notices") == "1"


@pytest.mark.parametrize("limit", [notices.PANEL_NOTICES, 10])
def test_the_member_page_reads_the_notices_visible_to_the_member(
    member, time_machine, monkeypatch, limit
):
    """notices.for_mypage is visible_to in SQL: the same notices, order, read marks and
    unread count."""
    time_machine.move_to(tokyo(2026, 12, 10, 9), tick=False)
    monkeypatch.setattr(notices, "PANEL_NOTICES", limit)
    other = MemberFactory()
    for_everyone = make_notice(published_from=tokyo(2026, 12, 1))
    addressed = make_notice(
        audience=Audience.SELECTED, recipients=[other, member], published_from=tokyo(2026, 12, 2)
    )
    make_notice(published_from=tokyo(2026, 12, 3), published_until=tokyo(2026, 12, 10, 9, 0, 1))
    make_notice(published_from=tokyo(2026, 12, 3))  # the same time: the later one first
    make_notice(published_from=tokyo(2026, 12, 10, 9))
    make_notice(audience=Audience.SELECTED, recipients=[other], published_from=tokyo(2026, 12, 4))
    make_notice(audience=Audience.SELECTED, published_from=tokyo(2026, 12, 4))
    make_notice(published_from=tokyo(2026, 12, 10, 9, 0, 1))
    make_notice(published_from=tokyo(2026, 11, 1), published_until=tokyo(2026, 12, 10, 9))
    NoticeRead.objects.create(member=member, notice=addressed)
    NoticeRead.objects.create(member=other, notice=for_everyone)

    unread, latest = notices.for_mypage(member)

    visible = notices.visible_to(member)
    assert unread == visible.filter(is_read=False).count() == 4
    assert [(n.pk, n.is_read) for n in latest] == [(n.pk, n.is_read) for n in visible[:limit]]
    assert len(latest) == min(limit, 5)


def test_the_member_page_without_notices_says_so(member_client):
    page = member_client.get(MYPAGE_URL)
    assert data(page, "unread-notices") == "0"
    assert "お知らせはありません" in page.content.decode()


# --- Query budgets ---------------------------------------------------------------------------

# The session and the member take two (after a first request: the session's activity
# copy and the maintenance windows are fresh then); the list one for the count and one
# for the page.
LIST_BUDGET = 4


@pytest.mark.parametrize("count", [3, 150])
def test_the_notice_list_needs_a_constant_number_of_queries(
    member_client, member, django_assert_max_num_queries, count
):
    Notice.objects.bulk_create(
        Notice(title=f"お知らせ{n}", body="本文", published_from=tokyo(2026, 12, 1))
        for n in range(count)
    )
    NoticeRead.objects.bulk_create(
        NoticeRead(member=member, notice=notice) for notice in Notice.objects.all()[: count // 2]
    )

    member_client.get(LIST_URL)  # the first request of a session stamps its idle clock
    with django_assert_max_num_queries(LIST_BUDGET):
        response = member_client.get(LIST_URL, {"page": "2" if count > 20 else "1"})

    assert response.status_code == 200


@pytest.mark.parametrize("count", [0, 150])
def test_the_member_page_needs_no_more_queries_for_many_notices(
    member_client, member, django_assert_num_queries, count
):
    def queries_of_the_member_page() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(MYPAGE_URL).status_code == 200
        return len(captured)

    member_client.get(MYPAGE_URL)  # the first request of a session stamps its idle clock
    baseline = queries_of_the_member_page()
    Notice.objects.bulk_create(
        Notice(title=f"お知らせ{n}", body="本文", published_from=tokyo(2026, 12, 1))
        for n in range(count)
    )
    with django_assert_num_queries(baseline):
        response = member_client.get(MYPAGE_URL)
    assert data(response, "unread-notices") == str(count)


# --- Database constraints ----------------------------------------------------------------


@pytest.mark.parametrize("points", [1, 4, 21, 100])
def test_the_database_refuses_notice_points_outside_0_or_5_to_20(points):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_notice(points=points)


@pytest.mark.parametrize("points", [0, 5, 20])
def test_the_database_takes_notice_points_0_or_5_to_20(points):
    make_notice(points=points)


def test_the_database_refuses_a_window_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_notice(published_from=tokyo(2026, 12, 2), published_until=tokyo(2026, 12, 1))


def test_the_database_records_one_read_per_member_and_notice(member):
    notice = make_notice()
    NoticeRead.objects.create(member=member, notice=notice)
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeRead.objects.create(member=member, notice=notice)


# --- The admin ----------------------------------------------------------------------------

ADD_URL = reverse("admin:points_notice_add")


def admin_post(**fields) -> dict:
    return {
        "title": "年末のお知らせ",
        "body": "本文です。",
        "published_from_0": "2026-12-01",
        "published_from_1": "09:00:00",
        "published_until_0": "",
        "published_until_1": "",
        "points": "10",
        "audience": Audience.EVERYONE,
        "recipient_numbers": "",
        **fields,
    }


def test_staff_write_a_targeted_notice(staff_client):
    first, second = MemberFactory(), MemberFactory()
    response = staff_client.post(
        ADD_URL,
        admin_post(
            audience=Audience.SELECTED,
            recipient_numbers=f"{first.member_number}\n {second.member_number}\n",
        ),
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert (notice.points, notice.audience) == (10, Audience.SELECTED)
    assert set(notice.recipients.all()) == {first, second}
    change = staff_client.get(reverse("admin:points_notice_change", args=[notice.pk]))
    assert first.member_number in change.content.decode()


@pytest.mark.parametrize(
    ("fields", "codes"),
    [
        ({"points": "3"}, {"points": ["notice_points_out_of_range"]}),
        ({"points": "21"}, {"points": ["notice_points_out_of_range"]}),
        ({"points": "-1"}, {"points": ["min_value"]}),
        ({"audience": Audience.SELECTED}, {"recipient_numbers": ["no_recipients"]}),
        ({"recipient_numbers": "100000001"}, {"recipient_numbers": ["unknown_member"]}),
        (
            {"published_until_0": "2026-11-30", "published_until_1": "09:00:00"},
            {"__all__": ["window_order"]},
        ),
        ({"title": ""}, {"title": ["required"]}),
    ],
)
def test_the_admin_explains_what_is_wrong(staff_client, fields, codes):
    assert admin_error_codes(staff_client.post(ADD_URL, admin_post(**fields))) == codes
    assert not Notice.objects.exists()


def test_member_numbers_on_a_notice_for_everyone_are_refused(staff_client, member):
    response = staff_client.post(ADD_URL, admin_post(recipient_numbers=member.member_number))
    assert admin_error_codes(response) == {"recipient_numbers": ["recipients_need_selected"]}


def test_the_notice_list_in_the_admin_counts_reads(staff_client, member):
    notice = make_notice()
    NoticeRead.objects.create(member=member, notice=notice)
    response = staff_client.get(reverse("admin:points_notice_changelist"))
    assert response.status_code == 200
    assert notice.title in response.content.decode()


def test_the_notice_admin_needs_staff(member_client):
    response = member_client.get(reverse("admin:points_notice_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_one_members_reading_is_not_anothers(member_client, member):
    notice = make_notice(points=5)
    neighbour = MemberFactory()
    services.join(member=neighbour)
    notices.read(member=neighbour, notice=notice)

    assert data(member_client.get(MYPAGE_URL), "unread-notices") == "1"
    assert data(member_client.get(LIST_URL), "read") == "false"
    assert notice_points(member) == []
