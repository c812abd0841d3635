"""What the app API reads (SPEC §11): the same figures as the member pages, the history's
filters and cursor, and only the token's own member."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from demo.personas import PERSONAS_BY_KEY
from history import services
from history.models import Kind
from points import services as point_services
from points.models import Coupon
from tests.api.conftest import ApiClient
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import data, tokyo

pytestmark = pytest.mark.django_db

FIGURES = {
    "member_number": "member-number",
    "balance": "balance",
    "available": "available",
    "limit": "limit",
    "rate": "rate",
    "next_due_date": "next-due-date",
    "minimum_payment": "minimum-payment",
    "points": "points",
}


@pytest.mark.parametrize("persona", ["standard", "delinquent", "points_rich", "paid_off"])
def test_the_dashboard_has_the_values_of_the_mypage_data_attributes(
    client, persona_members, persona
):
    member = persona_members[persona]
    api = ApiClient(client)
    api.log_in_card(member, pin=PERSONAS_BY_KEY[persona].pin)
    figures = api.get("/dashboard").json()
    client.force_login(member)
    page = client.get(reverse("members:mypage")).content.decode()

    shown = 0
    for name, attribute in {**FIGURES, "overdue": "overdue"}.items():
        value = "" if figures[name] is None else str(figures[name])
        on_page = set(re.findall(rf'data-{attribute}="([^"]*)"', page))
        assert on_page <= {value}, name  # where the page shows it, the same value
        shown += bool(on_page)
    assert shown >= 6


def test_the_history_pages_on_with_a_cursor_newest_first(member_api, borrower, time_machine):
    for day in range(1, 6):
        time_machine.move_to(tokyo(2026, 12, 9, 12, day), tick=False)
        services.borrow(member=borrower, amount=1_000 * day)
    member_api.log_in_card(borrower)

    first = member_api.get("/history", {"limit": 2}).json()
    second = member_api.get("/history", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = member_api.get("/history", {"limit": 2, "cursor": second["next_cursor"]}).json()

    amounts = [item["amount"] for page in (first, second, third) for item in page["items"]]
    assert amounts == [5_000, 4_000, 3_000, 2_000, 1_000]
    assert third["next_cursor"] is None
    assert first["totals"]["count"] == 5
    assert first["totals"]["borrowed"] == 15_000


def test_the_history_filters_like_the_page(member_api, borrower, time_machine):
    time_machine.move_to(tokyo(2026, 12, 1), tick=False)
    services.borrow(member=borrower, amount=50_000)
    time_machine.move_to(tokyo(2026, 12, 9), tick=False)
    services.repay(member=borrower, amount=10_000)
    member_api.log_in_card(borrower)

    by_kind = member_api.get("/history", {"kind": Kind.REPAYMENT}).json()
    by_date = member_api.get("/history", {"date_from": "2026-12-01", "date_to": "2026-12-01"})

    assert [item["kind"] for item in by_kind["items"]] == ["repayment"]
    assert [item["amount"] for item in by_date.json()["items"]] == [50_000]


@pytest.mark.parametrize(
    ("params", "code"),
    [({"date_from": "2026-12-09", "date_to": "2026-12-01"}, "date_order"),
     ({"date_from": "1999-12-31"}, "date_out_of_range"),
     ({"cursor": "not a cursor"}, "cursor_invalid"),
     ({"cursor": "MjAyNi0xMi0wOVQxMjowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "cursor_invalid"),
     ({"kind": "gift"}, "invalid"),
     ({"limit": "0"}, "invalid")],
)  # fmt: skip
def test_bad_history_filters_answer_422_with_the_pages_codes(member_api, params, code):
    answer = member_api.get("/history", params)
    assert answer.status_code == 422
    assert answer.json()["code"] == code


def test_the_interest_inquiry_answers_the_pages_figures(member_api, borrower, client):
    services.borrow(member=borrower, amount=100_000)
    day = (dt.date(2026, 12, 9) + dt.timedelta(days=30)).isoformat()

    answer = member_api.get("/interest", {"repayment_date": day}).json()
    client.force_login(borrower)
    page = client.get(reverse("history:interest"), {"repayment_date": day})

    assert str(answer["days"]) == data(page, "days")
    assert str(answer["interest"]) == data(page, "interest")
    assert str(answer["payoff"]) == data(page, "payoff")


@pytest.mark.parametrize("day", ["2026-12-08", "2027-03-01"])
def test_an_inquiry_date_out_of_range_is_refused_with_its_code(member_api, day):
    answer = member_api.get("/interest", {"repayment_date": day})
    assert answer.status_code == 422
    assert answer.json()["code"] == "date_out_of_range"


def test_points_and_their_history(member_api, borrower):
    point_services.join(member=borrower)

    assert member_api.get("/points").json()["points"] == 100
    history = member_api.get("/points/history").json()
    assert [(item["kind"], item["points"]) for item in history["items"]] == [("join", 100)]


def test_coupons_valid_today_are_listed_and_shown(member_api):
    coupon = Coupon.objects.create(
        shop="みどりカフェ", offer="ドリンク1杯無料", code="CAFE-2026",
        valid_from=dt.date(2026, 12, 1), valid_until=dt.date(2026, 12, 31),
    )  # fmt: skip
    expired = Coupon.objects.create(
        shop="x", offer="y", code="OLD-1", valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 1, 31),
    )  # fmt: skip

    assert [c["code"] for c in member_api.get("/coupons").json()] == ["CAFE-2026"]
    assert member_api.get(f"/coupons/{coupon.pk}").json()["offer"] == "ドリンク1杯無料"
    for pk in (expired.pk, 999_999, 2**70):
        answer = member_api.get(f"/coupons/{pk}")
        assert answer.status_code in (404, 422)
        assert answer["Content-Type"].startswith("application/problem+json")


def test_reminder_settings_are_read_and_set(member_api):
    assert member_api.get("/settings/reminder").json() == {
        "enabled": False,
        "days_before": 3,
        "hour": 9,
    }
    new = {"enabled": True, "days_before": 5, "hour": 20}
    assert member_api.put("/settings/reminder", new).json() == new
    assert member_api.get("/settings/reminder").json() == new


@pytest.mark.parametrize(
    ("body", "field"), [({"days_before": 8, "hour": 9}, "days_before"),
                        ({"days_before": 3, "hour": 24}, "hour")],
)  # fmt: skip
def test_reminder_values_out_of_range_are_refused_field_by_field(member_api, body, field):
    answer = member_api.put("/settings/reminder", {"enabled": True, **body})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field


def test_reminders_need_a_verified_address(member_api, borrower):
    borrower.email_verified = False
    borrower.save()
    answer = member_api.put("/settings/reminder", {"enabled": True, "days_before": 3, "hour": 9})
    assert answer.status_code == 403
    assert answer.json()["code"] == "email_unverified"


# --- Isolation ---------------------------------------------------------------------------


def test_a_token_sees_only_its_member(client, borrower):
    other = MemberFactory()
    TransferAccountFactory(member=other)
    services.borrow(member=other, amount=70_000)
    point_services.join(member=other)
    api = ApiClient(client)
    api.log_in_card(borrower)

    assert api.get("/dashboard").json()["member_number"] == borrower.member_number
    assert api.get("/history").json()["items"] == []
    assert api.get("/points").json()["points"] is None
    assert api.get("/points/history").json()["items"] == []


def test_another_members_history_cursor_shows_nothing_of_theirs(client, borrower):
    other = MemberFactory()
    TransferAccountFactory(member=other)
    services.borrow(member=other, amount=70_000)
    theirs = ApiClient(client)
    theirs.log_in_card(other)
    services.borrow(member=other, amount=1_000)
    cursor = theirs.get("/history", {"limit": 1}).json()["next_cursor"]

    mine = ApiClient(client)
    mine.log_in_card(borrower)
    assert mine.get("/history", {"cursor": cursor}).json()["items"] == []


def test_a_nul_anywhere_answers_a_400_problem_with_the_pages_code(member_api):
    answer = member_api.get("/history", {"cursor": "a\x00b"})
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == "null_characters_not_allowed"


def test_another_members_entry_answers_404_and_ones_own_its_figures(member_api, borrower):
    other = MemberFactory()
    TransferAccountFactory(member=other)
    theirs = services.borrow(member=other, amount=70_000)
    mine = services.borrow(member=borrower, amount=20_000)

    assert member_api.get(f"/history/{mine.pk}").json()["amount"] == 20_000
    for pk in (theirs.pk, 0, 2**70):
        answer = member_api.get(f"/history/{pk}")
        assert answer.status_code in (404, 422)
        assert answer["Content-Type"].startswith("application/problem+json")
    assert member_api.get(f"/history/{theirs.pk}").json()["code"] == "not_found"
