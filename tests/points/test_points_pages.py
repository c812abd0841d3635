"""The point pages (SPEC §7, §10): /mypage/points/, joining, redemption through the
confirmation flow, the /mypage/ panel, the monthly first-login points."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from history import selectors as history_selectors
from history import services as history_services
from history.models import Confirmation, InterestFreePeriod, InterestFreeSource
from members.models import StatementDelivery
from points import rules, selectors, services
from points.models import PointEntry, Reason
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory, TransferAccountFactory
from tests.helpers import data, error_codes, logged_in_to_mypage, login_card, nonce_of, tokyo

pytestmark = pytest.mark.django_db

POINTS_URL = reverse("points:points")
JOIN_URL = reverse("points:join")
REDEEM_URL = reverse("points:redeem")
REDEEM_CONFIRM_URL = reverse("points:redeem-confirm")
MYPAGE_URL = reverse("members:mypage")
TODAY = dt.date(2026, 12, 9)  # tests/conftest.py's quiet moment


def log_in(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def with_points(member, points: int):
    """Join `member` and bring the balance to `points` (≥ 110), this month's login points
    included, so that logging in later this month changes nothing."""
    services.join(member=member)
    services.earn(member=member, reason=Reason.MONTHLY_LOGIN, points=10, reference="2026-12")
    if points > rules.JOIN_POINTS + 10:
        services.adjust(member=member, points=points - rules.JOIN_POINTS - 10, note="テスト付与")
    return member


@pytest.fixture
def rich(db):
    """A joined member with enough points for every benefit."""
    return with_points(MemberFactory(), 2_000)


@pytest.fixture
def rich_client(client, rich):
    return log_in(client, rich)


def redeem(client, benefit: str):
    """Choose `benefit` and confirm it; return the confirmation's answer."""
    confirmation = client.post(REDEEM_URL, {"benefit": benefit})
    assert confirmation.status_code == 200, confirmation.content.decode()
    return client.post(REDEEM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})


def entries(member) -> list[tuple[str, int, int]]:
    return list(
        PointEntry.objects.filter(member=member)
        .order_by("id")
        .values_list("reason", "points", "balance_after")
    )


# --- The points page and joining ---------------------------------------------------------


def test_a_member_who_has_not_joined_sees_the_join_form_and_no_balance(client, member):
    response = log_in(client, member).get(POINTS_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{JOIN_URL}"' in html
    assert "data-points" not in html
    assert 'name="benefit"' not in html


def test_joining_gives_the_joining_points_once(client, member):
    log_in(client, member)

    joined = client.post(JOIN_URL)
    again = client.post(JOIN_URL)  # a double click, a second tab

    assert joined.status_code == again.status_code == 302
    assert joined.url == POINTS_URL
    assert entries(member) == [(Reason.JOIN, 100, 100)]
    page = client.get(POINTS_URL)
    assert data(page.content.decode().split('id="points-history"')[0], "points") == "100"
    (row,) = re.findall(r'<tr data-kind="([^"]+)" data-points="([^"]+)"', page.content.decode())
    assert row == ("join", "100")


def test_the_join_page_takes_only_a_post(client, member):
    assert log_in(client, member).get(JOIN_URL).status_code == 405
    assert not PointEntry.objects.exists()


def test_joining_needs_a_logged_in_member(client, member):
    response = client.post(JOIN_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))
    assert not PointEntry.objects.exists()


def test_posts_without_the_csrf_token_are_refused(rich):
    client = log_in(Client(enforce_csrf_checks=True), MemberFactory())
    rich_client = log_in(Client(enforce_csrf_checks=True), rich)

    assert client.post(JOIN_URL).status_code == 403
    assert rich_client.post(REDEEM_URL, {"benefit": "atm_fee_free"}).status_code == 403
    assert rich_client.post(REDEEM_CONFIRM_URL, {"nonce": "x"}).status_code == 403
    assert PointEntry.objects.filter(reason=Reason.JOIN).count() == 1  # rich's own


def test_the_history_lists_every_entry_newest_first_with_sign_and_balance(rich_client, rich):
    services.earn(member=rich, reason=Reason.NOTICE, points=5, reference="3")
    services.redeem(member=rich, benefit="atm_fee_free")

    html = rich_client.get(POINTS_URL).content.decode()

    rows = re.findall(
        r'<tr data-kind="([^"]+)" data-points="([^"]+)" data-balance-after="([^"]+)"', html
    )
    assert rows == [
        ("redemption", "-40", "1965"),
        ("notice", "5", "2005"),
        ("staff_grant", "1890", "2000"),
        ("monthly_login", "10", "110"),
        ("join", "100", "100"),
    ]
    assert "−40" in html and "+5" in html


def test_a_long_history_is_paginated(rich_client, rich):
    for month in range(1, 31):
        services.earn(
            member=rich, reason=Reason.MONTHLY_LOGIN, points=10, reference=f"2020-{month:02d}"
        )

    first = rich_client.get(POINTS_URL).content.decode()
    second = rich_client.get(POINTS_URL, {"page": "2"}).content.decode()

    assert first.count("<tr data-kind=") == 20
    assert second.count("<tr data-kind=") == 33 - 20
    assert 'rel="next"' in first


# --- The member page panel ---------------------------------------------------------------


def test_mypage_invites_a_member_who_has_not_joined(client, member):
    html = log_in(client, member).get(MYPAGE_URL).content.decode()

    assert "data-points" not in html
    assert "各種お申し込み" in html
    assert f'href="{POINTS_URL}#points-join"' in html


def test_mypage_shows_the_balance_and_an_active_atm_benefit(rich_client, rich):
    before = rich_client.get(MYPAGE_URL)
    assert data(before, "points") == "2000"
    assert "data-benefit-until" not in before.content.decode()

    services.redeem(member=rich, benefit="atm_fee_free")

    after = rich_client.get(MYPAGE_URL)
    assert data(after, "points") == "1960"
    assert data(after, "benefit-until") == "2027-01-31"


# --- Redemption --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("benefit", "cost", "days"),
    [
        ("atm_fee_free", 40, 0),
        ("interest_free_7", 250, 7),
        ("interest_free_15", 400, 15),
        ("interest_free_30", 700, 30),
    ],
)
def test_redeeming_spends_the_cost_grants_the_benefit_and_mails(
    rich_client, rich, mailbox, django_capture_on_commit_callbacks, benefit, cost, days
):
    confirmation = rich_client.post(REDEEM_URL, {"benefit": benefit})
    assert data(confirmation, "cost") == str(cost)
    assert data(confirmation, "benefit") == benefit
    assert data(confirmation, "points-after") == str(2_000 - cost)
    assert selectors.balance_of(rich) == 2_000  # nothing spent before confirming

    with django_capture_on_commit_callbacks(execute=True):
        done = rich_client.post(REDEEM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    entry = PointEntry.objects.get(member=rich, reason=Reason.REDEMPTION)
    assert done.status_code == 302
    assert done.url == reverse("points:redeem-done", args=[entry.pk])
    assert (entry.points, entry.balance_after, entry.reference) == (-cost, 2_000 - cost, benefit)
    page = rich_client.get(done.url)
    assert data(page, "benefit") == benefit
    assert data(page, "balance-after") == str(2_000 - cost)
    if days:
        period = InterestFreePeriod.objects.get(member=rich)
        assert (period.first_day, period.last_day) == (TODAY, TODAY + dt.timedelta(days - 1))
        assert period.source == InterestFreeSource.POINTS
        assert history_selectors.atm_fee_waived_until(rich) is None
    else:
        assert history_selectors.atm_fee_waived_until(rich) == dt.date(2027, 1, 31)
        assert not InterestFreePeriod.objects.filter(member=rich).exists()
    (message,) = mail.outbox
    assert message.to == [rich.email]
    assert "ポイント交換" in message.subject
    assert f"{cost}ポイント" in message.body


def test_redeemed_interest_free_days_show_in_the_inquiry_and_on_mypage(client, time_machine):
    member = with_points(MemberFactory(statement_delivery=StatementDelivery.POST), 300)
    TransferAccountFactory(member=member)
    time_machine.move_to(tokyo(2026, 11, 30), tick=False)
    history_services.borrow(member=member, amount=100_000)  # no first-time free days
    time_machine.move_to(tokyo(2026, 12, 9), tick=False)
    log_in(client, member)
    inquiry_url = reverse("history:interest")
    before = client.get(inquiry_url, {"repayment_date": "2026-12-19"})

    redeem(client, "interest_free_7")

    after = client.get(inquiry_url, {"repayment_date": "2026-12-19"})
    # 19 days of interest, 7 of them free after the redemption (12-09 .. 12-15):
    # 100,000 × 17.8% × 19 ÷ 365 = 926.57; × 12 ÷ 365 = 585.20
    assert (data(before, "interest"), data(after, "interest")) == ("926", "585")
    assert data(client.get(MYPAGE_URL), "interest-free-days") == "7"


def test_a_double_submitted_confirmation_books_once(rich_client, rich):
    confirmation = rich_client.post(REDEEM_URL, {"benefit": "interest_free_7"})
    nonce = nonce_of(confirmation)

    first = rich_client.post(REDEEM_CONFIRM_URL, {"nonce": nonce})
    again = rich_client.post(REDEEM_CONFIRM_URL, {"nonce": nonce})

    (entry,) = PointEntry.objects.filter(member=rich, reason=Reason.REDEMPTION)
    assert first.url == again.url == reverse("points:redeem-done", args=[entry.pk])
    assert selectors.balance_of(rich) == 2_000 - 250
    assert InterestFreePeriod.objects.filter(member=rich).count() == 1


def test_another_members_done_page_is_404(client, rich):
    other = with_points(MemberFactory(), 500)
    others = services.redeem(member=other, benefit="atm_fee_free")
    own = services.redeem(member=rich, benefit="atm_fee_free")
    log_in(client, rich)

    assert client.get(reverse("points:redeem-done", args=[own.pk])).status_code == 200
    assert client.get(reverse("points:redeem-done", args=[others.pk])).status_code == 404
    join = PointEntry.objects.get(member=rich, reason=Reason.JOIN)
    assert client.get(reverse("points:redeem-done", args=[join.pk])).status_code == 404


def test_too_few_points_is_refused_at_the_first_step(client):
    member = with_points(MemberFactory(), 110)
    log_in(client, member)

    response = client.post(REDEEM_URL, {"benefit": "interest_free_7"})

    assert response.status_code == 200
    assert error_codes(response) == ["insufficient_points"]
    assert not Confirmation.objects.exists()
    assert selectors.balance_of(member) == 110


def test_redeeming_without_joining_is_refused(client, member):
    response = log_in(client, member).post(REDEEM_URL, {"benefit": "atm_fee_free"})

    assert response.status_code == 200
    assert error_codes(response) == ["not_joined"]
    assert not PointEntry.objects.exists()


@pytest.mark.parametrize("value", ["", "interest_free_8", "1" * 1000, "ＡＴＭ"])
def test_an_unknown_benefit_is_a_field_error(rich_client, value):
    response = rich_client.post(REDEEM_URL, {"benefit": value})

    assert response.status_code == 200
    assert error_codes(response) in (["required"], ["invalid_choice"])
    assert not Confirmation.objects.exists()


def test_a_second_atm_waiver_covering_the_same_month_end_is_refused(rich_client, rich):
    services.redeem(member=rich, benefit="atm_fee_free")

    response = rich_client.post(REDEEM_URL, {"benefit": "atm_fee_free"})

    assert error_codes(response) == ["benefit_active"]
    assert selectors.balance_of(rich) == 1_960


def test_an_atm_waiver_ending_this_month_can_be_extended(rich, time_machine):
    time_machine.move_to(tokyo(2026, 11, 20), tick=False)
    services.redeem(member=rich, benefit="atm_fee_free")  # through 2026-12-31
    time_machine.move_to(tokyo(2026, 12, 9), tick=False)

    services.redeem(member=rich, benefit="atm_fee_free")

    assert history_selectors.atm_fee_waived_until(rich) == dt.date(2027, 1, 31)
    assert selectors.balance_of(rich) == 2_000 - 80


def test_interest_free_days_add_up_and_are_never_refused_as_active(rich):
    services.redeem(member=rich, benefit="interest_free_7")
    services.redeem(member=rich, benefit="interest_free_15")

    periods = list(
        InterestFreePeriod.objects.filter(member=rich).values_list("first_day", "last_day")
    )
    assert periods == [
        (TODAY, dt.date(2026, 12, 15)),
        (dt.date(2026, 12, 16), dt.date(2026, 12, 30)),
    ]


def test_a_refusal_at_confirmation_shows_the_form_again_with_the_choice(rich_client, rich):
    confirmation = rich_client.post(REDEEM_URL, {"benefit": "interest_free_30"})
    services.adjust(member=rich, points=-1_500, note="誤付与の取消")  # 500 left

    response = rich_client.post(REDEEM_CONFIRM_URL, {"nonce": nonce_of(confirmation)})

    assert response.status_code == 200
    assert error_codes(response) == ["insufficient_points"]
    assert re.search(r'value="interest_free_30"[^>]*checked', response.content.decode())
    assert not PointEntry.objects.filter(reason=Reason.REDEMPTION).exists()
    assert not InterestFreePeriod.objects.exists()


# --- Query budgets -----------------------------------------------------------------------


def _long_history(member, months: int):
    for index in range(months):
        year, month = divmod(index, 12)
        services.earn(
            member=member,
            reason=Reason.MONTHLY_LOGIN,
            points=10,
            reference=f"{2000 + year}-{month + 1:02d}",
        )


# The session and the member take two (no session write, no maintenance look-up while
# their copies are fresh); the points page reads its figures, counts and reads a page of
# the history; /mypage/ reads its figures, the ledger's state (three) and the notices.
QUERY_BUDGETS = {POINTS_URL: 5, MYPAGE_URL: 7}


@pytest.mark.parametrize("url", [POINTS_URL, MYPAGE_URL])
def test_the_pages_ask_a_constant_number_of_queries_whatever_the_history(
    client, django_assert_max_num_queries, url
):
    short, long = with_points(MemberFactory(), 500), with_points(MemberFactory(), 500)
    _long_history(long, 300)
    services.redeem(member=long, benefit="atm_fee_free")
    counts = {}
    for member in (short, long):
        log_in(client, member)
        client.get(url)  # session warm-up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[member.pk] = len(queries)
    assert counts[short.pk] == counts[long.pk]
    with django_assert_max_num_queries(QUERY_BUDGETS[url]):
        client.get(url)


# --- Monthly first login -----------------------------------------------------------------


def _log_in_web_id(client, member):
    return client.post(
        reverse("members:login-web-id"), {"web_id": member.web_id, "password": DEFAULT_PASSWORD}
    )


def _monthly(member) -> list[str]:
    return list(
        PointEntry.objects.filter(member=member, reason=Reason.MONTHLY_LOGIN)
        .order_by("id")
        .values_list("reference", flat=True)
    )


def test_the_first_login_of_a_month_earns_once_by_card_or_web_id(member, time_machine):
    services.join(member=member)

    assert logged_in_to_mypage(login_card(Client(), member.card_number, DEFAULT_PIN))
    assert logged_in_to_mypage(_log_in_web_id(Client(), member))
    assert _monthly(member) == ["2026-12"]
    assert selectors.balance_of(member) == 110

    time_machine.move_to(tokyo(2027, 1, 6), tick=False)
    assert logged_in_to_mypage(login_card(Client(), member.card_number, DEFAULT_PIN))
    assert _monthly(member) == ["2026-12", "2027-01"]


def test_a_member_who_has_not_joined_earns_nothing_by_logging_in(member):
    assert logged_in_to_mypage(login_card(Client(), member.card_number, DEFAULT_PIN))
    assert not PointEntry.objects.exists()


def test_a_failed_login_earns_nothing(member):
    services.join(member=member)

    login_card(Client(), member.card_number, "9999")

    assert _monthly(member) == []


def test_the_month_is_tokyos(member, time_machine):
    """23:30 on 30 November UTC is already December in Tokyo."""
    services.join(member=member)
    time_machine.move_to(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC), tick=False)

    login_card(Client(), member.card_number, DEFAULT_PIN)

    assert _monthly(member) == ["2026-12"]


def test_a_staff_atm_waiver_shows_on_mypage_without_joining(client, member):
    history_services.grant_atm_fee_waiver(
        member=member, last_day=dt.date(2026, 12, 31), source=InterestFreeSource.STAFF
    )

    response = log_in(client, member).get(MYPAGE_URL)

    assert data(response, "benefit-until") == "2026-12-31"
    assert "data-points" not in response.content.decode()
