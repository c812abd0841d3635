import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from members.models import LoginAttempt
from portal import maintenance
from portal.maintenance import closed_until, maintenance_response, resume_at
from portal.models import MaintenanceScope, MaintenanceWindow, Recurrence, Weekday
from tests.factories import DEFAULT_PIN, MemberFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

MEMBER_PAGES = MaintenanceScope.MEMBER_PAGES
INTERNET_REPAYMENT = MaintenanceScope.INTERNET_REPAYMENT


class _MainElement(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.found.append({name: value or "" for name, value in attrs})


def main_attributes(response) -> dict[str, str]:
    """Return the attributes of the page's one <main> element."""
    parser = _MainElement()
    parser.feed(response.content.decode())
    (attributes,) = parser.found
    return attributes


# --- The seeded defaults (SPEC §3) ---------------------------------------------------


def rule(scope, recurrence, start_time, minutes, **fields) -> dict:
    """Return a window's rule as `.values()` gives it (unset fields empty)."""
    empty = {"weekday": None, "nth": None, "day_offset": 0, "month": None, "day": None}
    return {
        "scope": scope,
        "recurrence": recurrence,
        "start_time": start_time,
        "duration_minutes": minutes,
        "is_active": True,
        **empty,
        **fields,
    }


def test_default_windows_are_seeded():
    seeded = list(MaintenanceWindow.objects.order_by("id").values(*rule("", "", None, 0)))

    assert seeded == [
        rule(MEMBER_PAGES, Recurrence.WEEKLY, dt.time(0), 7 * 60, weekday=Weekday.MONDAY),
        rule(MEMBER_PAGES, Recurrence.YEARLY, dt.time(0), 24 * 60, month=1, day=1),
        rule(INTERNET_REPAYMENT, Recurrence.WEEKLY, dt.time(23), 8 * 60, weekday=Weekday.SUNDAY),
        rule(
            INTERNET_REPAYMENT,
            Recurrence.MONTHLY_NTH_WEEKDAY,
            dt.time(0),
            6 * 60,
            weekday=Weekday.SUNDAY,
            nth=3,
        ),
        rule(
            INTERNET_REPAYMENT,
            Recurrence.MONTHLY_NTH_WEEKDAY,
            dt.time(23),
            60,
            weekday=Weekday.SUNDAY,
            nth=3,
            day_offset=-1,
        ),
    ]


# --- Member pages and login: Monday 00:00–07:00, January 1 all day -----------------------


@pytest.mark.parametrize(
    ("moment", "resumes"),
    [
        # December 2026: Monday the 7th, Sunday the 6th.
        (tokyo(2026, 12, 7, 0, 0), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 3, 0), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 6, 59), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 6, 59, 59, 999_999), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 7, 0), None),
        (tokyo(2026, 12, 6, 23, 59), None),
        (tokyo(2026, 12, 6, 23, 0), None),  # closes internet repayment only
        (tokyo(2026, 12, 19, 23, 30), None),  # the Saturday before the third Sunday
        (tokyo(2026, 12, 20, 3, 0), None),  # the third Sunday
        (tokyo(2026, 12, 8, 0, 0), None),  # Tuesday
        # January 1, 2027 is a Friday.
        (tokyo(2026, 12, 31, 23, 59), None),
        (tokyo(2027, 1, 1, 0, 0), tokyo(2027, 1, 2, 0, 0)),
        (tokyo(2027, 1, 1, 12, 0), tokyo(2027, 1, 2, 0, 0)),
        (tokyo(2027, 1, 1, 23, 59), tokyo(2027, 1, 2, 0, 0)),
        (tokyo(2027, 1, 2, 0, 0), None),
        # January 1, 2029 is a Monday: the longer closure wins, nothing follows it.
        (tokyo(2029, 1, 1, 0, 0), tokyo(2029, 1, 2, 0, 0)),
        (tokyo(2029, 1, 1, 6, 59), tokyo(2029, 1, 2, 0, 0)),
        (tokyo(2029, 1, 1, 7, 0), tokyo(2029, 1, 2, 0, 0)),
        (tokyo(2029, 1, 2, 0, 0), None),
        # January 1, 2034 is a Sunday: the Monday window follows directly and chains on.
        (tokyo(2033, 12, 31, 23, 59), None),
        (tokyo(2034, 1, 1, 0, 0), tokyo(2034, 1, 2, 7, 0)),
        (tokyo(2034, 1, 1, 23, 59), tokyo(2034, 1, 2, 7, 0)),
        (tokyo(2034, 1, 2, 0, 0), tokyo(2034, 1, 2, 7, 0)),
        (tokyo(2034, 1, 2, 7, 0), None),
    ],
)
def test_member_pages_close_in_the_default_windows(time_machine, moment, resumes):
    time_machine.move_to(moment, tick=False)

    assert closed_until(MEMBER_PAGES) == resumes
    assert closed_until() == resumes


# --- Internet repayment: also Sunday 23:00, third Sunday, the Saturday before ---------------


@pytest.mark.parametrize(
    ("moment", "resumes"),
    [
        # December 2026: Sundays 6, 13, 20 (third), 27.
        (tokyo(2026, 12, 6, 22, 59), None),
        (tokyo(2026, 12, 6, 23, 0), tokyo(2026, 12, 7, 7, 0)),  # chained with Monday
        (tokyo(2026, 12, 6, 23, 59), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 3, 0), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 7, 0), None),
        (tokyo(2026, 12, 6, 0, 0), None),  # first Sunday: the weekly window starts at 23:00
        (tokyo(2026, 12, 13, 0, 0), None),  # second Sunday
        (tokyo(2026, 12, 27, 0, 0), None),  # fourth Sunday
        (tokyo(2026, 12, 20, 0, 0), tokyo(2026, 12, 20, 6, 0)),
        (tokyo(2026, 12, 20, 5, 59), tokyo(2026, 12, 20, 6, 0)),
        (tokyo(2026, 12, 20, 6, 0), None),
        (tokyo(2026, 12, 20, 22, 59), None),
        (tokyo(2026, 12, 20, 23, 0), tokyo(2026, 12, 21, 7, 0)),
        # The Saturday before the third Sunday chains into the third Sunday.
        (tokyo(2026, 12, 19, 22, 59), None),
        (tokyo(2026, 12, 19, 23, 0), tokyo(2026, 12, 20, 6, 0)),
        (tokyo(2026, 12, 19, 23, 59), tokyo(2026, 12, 20, 6, 0)),
        (tokyo(2026, 12, 12, 23, 0), None),  # the Saturday before the second Sunday
        (tokyo(2026, 12, 26, 23, 0), None),  # the Saturday before the fourth Sunday
        # November 2026 begins on a Sunday: the third Sunday is the 15th.
        (tokyo(2026, 11, 1, 3, 0), None),
        (tokyo(2026, 11, 8, 0, 0), None),
        (tokyo(2026, 11, 14, 23, 0), tokyo(2026, 11, 15, 6, 0)),
        (tokyo(2026, 11, 15, 0, 0), tokyo(2026, 11, 15, 6, 0)),
        (tokyo(2026, 11, 21, 23, 0), None),
        (tokyo(2026, 11, 22, 0, 0), None),
        # August 2026 begins on a Saturday: the third Sunday is the 16th.
        (tokyo(2026, 8, 9, 3, 0), None),
        (tokyo(2026, 8, 15, 23, 30), tokyo(2026, 8, 16, 6, 0)),
        (tokyo(2026, 8, 16, 3, 0), tokyo(2026, 8, 16, 6, 0)),
        # June 2026 begins on a Monday: the third Sunday is the 21st.
        (tokyo(2026, 6, 14, 3, 0), None),
        (tokyo(2026, 6, 21, 3, 0), tokyo(2026, 6, 21, 6, 0)),
        # Member-page windows close internet repayment too.
        (tokyo(2027, 1, 1, 12, 0), tokyo(2027, 1, 2, 0, 0)),
        # Sunday 23:00 before a Monday January 1 chains into the whole of January 1.
        (tokyo(2028, 12, 31, 22, 59), None),
        (tokyo(2028, 12, 31, 23, 0), tokyo(2029, 1, 2, 0, 0)),
        # A Sunday January 1 runs into Sunday 23:00 and the Monday window.
        (tokyo(2034, 1, 1, 0, 0), tokyo(2034, 1, 2, 7, 0)),
        (tokyo(2034, 1, 14, 23, 0), tokyo(2034, 1, 15, 6, 0)),
    ],
)
def test_internet_repayment_closes_in_its_own_and_the_member_windows(time_machine, moment, resumes):
    time_machine.move_to(moment, tick=False)

    assert closed_until(INTERNET_REPAYMENT) == resumes


def test_resume_time_is_in_tokyo(time_machine):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)

    assert closed_until().utcoffset() == dt.timedelta(hours=9)


# --- resume_at with windows that are not the defaults -----------------------------------


def window(**fields) -> MaintenanceWindow:
    return MaintenanceWindow(scope=MEMBER_PAGES, **fields)


def weekly(weekday: int, start_time: dt.time, *, minutes: int) -> MaintenanceWindow:
    return window(
        recurrence=Recurrence.WEEKLY,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=minutes,
    )


def test_overlapping_windows_resume_at_the_later_end():
    windows = [
        weekly(Weekday.WEDNESDAY, dt.time(1), minutes=120),
        weekly(Weekday.WEDNESDAY, dt.time(2), minutes=180),
    ]

    assert resume_at(windows=windows, moment=tokyo(2026, 12, 9, 1, 30)) == tokyo(2026, 12, 9, 5)


def test_windows_with_a_gap_between_them_do_not_chain():
    windows = [
        weekly(Weekday.WEDNESDAY, dt.time(1), minutes=60),
        weekly(Weekday.WEDNESDAY, dt.time(2, 1), minutes=60),
    ]

    assert resume_at(windows=windows, moment=tokyo(2026, 12, 9, 1, 30)) == tokyo(2026, 12, 9, 2)
    assert resume_at(windows=windows, moment=tokyo(2026, 12, 9, 2, 0, 30)) is None


def test_a_window_spanning_midnight_closes_the_next_day_too():
    windows = [
        weekly(Weekday.FRIDAY, dt.time(22), minutes=2 * 24 * 60),
    ]

    assert resume_at(windows=windows, moment=tokyo(2026, 12, 13, 21, 59)) == tokyo(2026, 12, 13, 22)
    assert resume_at(windows=windows, moment=tokyo(2026, 12, 13, 22)) is None


def test_windows_that_never_end_resume_within_the_longest_closure():
    """A week-long weekly window covers every moment: the answer must still come (fast)."""
    windows = [
        weekly(Weekday.MONDAY, dt.time(0), minutes=7 * 24 * 60),
    ]
    moment = tokyo(2026, 12, 9, 12)

    resumes = resume_at(windows=windows, moment=moment)

    assert dt.timedelta(days=366) <= resumes - moment <= dt.timedelta(days=366 + 7)


def test_no_windows_means_open():
    assert resume_at(windows=[], moment=tokyo(2026, 12, 7, 3)) is None


# --- Requests during and outside a window ----------------------------------------------


@pytest.fixture
def logged_in_client(client):
    member = MemberFactory()
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


MEMBER_REQUESTS = [
    ("get", "/", {}),
    ("get", "/login/", {}),
    ("post", "/login/card/", {"card_number": "2000000000", "pin": DEFAULT_PIN}),
    ("post", "/login/web-id/", {"web_id": "member0000x", "password": "Passw0rd1"}),
    ("get", "/account/password/forgot/", {}),
    ("get", "/account/web-id/forgot/", {}),
]
LOGGED_IN_PATHS = ["/mypage/", "/mypage/login-history/", "/mypage/settings/", "/mypage/history/"]


@pytest.mark.parametrize(
    ("moment", "resumes"),
    [
        (tokyo(2026, 12, 7, 0, 0), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2026, 12, 7, 6, 59), tokyo(2026, 12, 7, 7, 0)),
        (tokyo(2034, 1, 1, 9, 0), tokyo(2034, 1, 2, 7, 0)),
    ],
)
@pytest.mark.parametrize(("method", "path", "data"), MEMBER_REQUESTS)
def test_member_pages_and_login_answer_503_during_a_window(
    client, time_machine, moment, resumes, method, path, data
):
    time_machine.move_to(moment, tick=False)

    response = getattr(client, method)(path, data)

    assert response.status_code == 503
    assert response["Retry-After"] == str(int((resumes - moment).total_seconds()))
    assert main_attributes(response)["data-maintenance-until"] == resumes.isoformat()
    assert resumes.isoformat().endswith("+09:00")


@pytest.mark.parametrize("path", LOGGED_IN_PATHS)
def test_logged_in_member_pages_answer_503_during_a_window(logged_in_client, time_machine, path):
    time_machine.move_to(tokyo(2026, 12, 7, 6, 59), tick=False)

    response = logged_in_client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert main_attributes(response)["data-maintenance-until"] == "2026-12-07T07:00:00+09:00"


def test_maintenance_page_says_when_service_resumes(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)

    html = client.get("/login/").content.decode()

    assert "2026年12月7日 07:00" in html
    assert "会員ページ・ログイン" in html
    assert 'href="/help/login/"' in html


def test_retry_after_rounds_up_to_whole_seconds(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 7, 6, 59, 30, 250_000), tick=False)

    response = client.get("/login/")

    assert response["Retry-After"] == "30"


def test_login_during_a_window_checks_and_records_nothing(client, time_machine):
    member = MemberFactory()
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)

    response = client.post("/login/card/", {"card_number": member.card_number, "pin": DEFAULT_PIN})

    assert response.status_code == 503
    assert not LoginAttempt.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "moment",
    [
        tokyo(2026, 12, 7, 7, 0),
        tokyo(2026, 12, 6, 23, 59),
        tokyo(2026, 12, 6, 23, 30),  # internet repayment is closed, member pages are not
        tokyo(2027, 1, 2, 0, 0),
    ],
)
@pytest.mark.parametrize(("method", "path", "data"), MEMBER_REQUESTS)
def test_member_pages_and_login_are_open_outside_a_window(
    client, time_machine, moment, method, path, data
):
    time_machine.move_to(moment, tick=False)

    response = getattr(client, method)(path, data)

    assert response.status_code == 200
    assert "Retry-After" not in response
    assert "data-maintenance-until" not in main_attributes(response)


@pytest.mark.parametrize("path", LOGGED_IN_PATHS)
def test_logged_in_member_pages_are_open_outside_a_window(logged_in_client, time_machine, path):
    time_machine.move_to(tokyo(2026, 12, 7, 7, 0), tick=False)

    assert logged_in_client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/admin/login/", "/demo/", "/demo/mailbox/", "/help/login/", "/simulator/"]
)
def test_admin_demo_help_and_public_pages_stay_open_during_a_window(client, time_machine, path):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)

    response = client.get(path)

    assert response.status_code == 200
    assert "Retry-After" not in response


def test_staff_can_use_the_admin_during_a_window(staff_client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)

    assert staff_client.get("/admin/").status_code == 200


def test_maintenance_page_names_the_closed_service(rf, time_machine):
    time_machine.move_to(tokyo(2026, 12, 6, 23, 30), tick=False)
    until = closed_until(INTERNET_REPAYMENT)

    response = maintenance_response(rf.get("/mypage/repay/"), until=until, scope=INTERNET_REPAYMENT)
    response.render()

    assert response.status_code == 503
    assert response["Retry-After"] == str(int(dt.timedelta(hours=7, minutes=30).total_seconds()))
    assert "インターネット返済は" in response.content.decode()


# --- Windows are data: edits take effect at once ------------------------------------------


def test_an_inactive_window_closes_nothing(client, time_machine):
    MaintenanceWindow.objects.filter(
        scope=MEMBER_PAGES, recurrence=Recurrence.WEEKLY, weekday=Weekday.MONDAY
    ).update(is_active=False)
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)

    assert closed_until(MEMBER_PAGES) is None
    assert client.get("/login/").status_code == 200


def test_an_inactive_window_breaks_a_chain(time_machine):
    MaintenanceWindow.objects.filter(scope=MEMBER_PAGES, weekday=Weekday.MONDAY).update(
        is_active=False
    )
    time_machine.move_to(tokyo(2026, 12, 6, 23, 30), tick=False)

    assert closed_until(INTERNET_REPAYMENT) == tokyo(2026, 12, 7, 7, 0)  # its own window
    time_machine.move_to(tokyo(2034, 1, 1, 12, 0), tick=False)
    assert closed_until(MEMBER_PAGES) == tokyo(2034, 1, 2, 0, 0)


def test_a_new_window_takes_effect(client, time_machine):
    MaintenanceWindow.objects.create(
        scope=MEMBER_PAGES,
        recurrence=Recurrence.WEEKLY,
        weekday=Weekday.WEDNESDAY,
        start_time=dt.time(11, 30),
        duration_minutes=90,
        description="臨時メンテナンス",
    )
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)

    response = client.get("/login/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(60 * 60)
    assert main_attributes(response)["data-maintenance-until"] == "2026-12-09T13:00:00+09:00"


def test_a_lengthened_window_takes_effect(client, time_machine):
    MaintenanceWindow.objects.filter(scope=MEMBER_PAGES, weekday=Weekday.MONDAY).update(
        duration_minutes=8 * 60
    )
    time_machine.move_to(tokyo(2026, 12, 7, 7, 30), tick=False)

    response = client.get("/login/")

    assert response.status_code == 503
    assert main_attributes(response)["data-maintenance-until"] == "2026-12-07T08:00:00+09:00"


def test_an_internet_repayment_window_leaves_member_pages_open(client, time_machine):
    MaintenanceWindow.objects.create(
        scope=INTERNET_REPAYMENT,
        recurrence=Recurrence.WEEKLY,
        weekday=Weekday.WEDNESDAY,
        start_time=dt.time(11),
        duration_minutes=120,
    )
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)

    assert client.get("/login/").status_code == 200
    assert closed_until(INTERNET_REPAYMENT) == tokyo(2026, 12, 9, 13, 0)


def test_a_yearly_window_on_another_day_takes_effect(time_machine):
    MaintenanceWindow.objects.create(
        scope=MEMBER_PAGES,
        recurrence=Recurrence.YEARLY,
        month=12,
        day=31,
        start_time=dt.time(22),
        duration_minutes=120,
    )
    time_machine.move_to(tokyo(2026, 12, 31, 23, 0), tick=False)

    # Runs into January 1 and on to its end.
    assert closed_until(MEMBER_PAGES) == tokyo(2027, 1, 2, 0, 0)


# --- The model's rule for complete windows -----------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "fields", "missing"),
    [
        (Recurrence.WEEKLY, {}, {"weekday"}),
        (Recurrence.YEARLY, {}, {"month", "day"}),
        (Recurrence.YEARLY, {"month": 1}, {"day"}),
        (Recurrence.YEARLY, {"day": 1}, {"month"}),
        (Recurrence.MONTHLY_NTH_WEEKDAY, {}, {"weekday", "nth"}),
        (Recurrence.MONTHLY_NTH_WEEKDAY, {"weekday": Weekday.SUNDAY}, {"nth"}),
        (Recurrence.MONTHLY_NTH_WEEKDAY, {"nth": 3}, {"weekday"}),
    ],
)
def test_clean_requires_the_fields_of_the_recurrence(recurrence, fields, missing):
    incomplete = window(recurrence=recurrence, start_time=dt.time(0), duration_minutes=60, **fields)

    with pytest.raises(ValidationError) as excinfo:
        incomplete.clean()

    assert set(excinfo.value.error_dict) == missing
    for name in missing:
        assert excinfo.value.error_dict[name][0].code == "required"


@pytest.mark.parametrize(
    ("recurrence", "fields"),
    [
        (Recurrence.WEEKLY, {"weekday": Weekday.MONDAY}),
        (Recurrence.YEARLY, {"month": 1, "day": 1}),
        (Recurrence.MONTHLY_NTH_WEEKDAY, {"weekday": Weekday.SUNDAY, "nth": 3, "day_offset": -1}),
    ],
)
def test_a_complete_window_is_valid(recurrence, fields):
    complete = window(recurrence=recurrence, start_time=dt.time(0), duration_minutes=60, **fields)

    complete.full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [("nth", 0), ("nth", 6), ("day_offset", 7), ("duration_minutes", 0), ("month", 13)],
)
def test_full_clean_rejects_values_out_of_range(field, value):
    fields = {"weekday": Weekday.SUNDAY, "nth": 3, "month": 1, "day": 1, field: value}
    out_of_range = window(
        recurrence=Recurrence.MONTHLY_NTH_WEEKDAY,
        start_time=dt.time(0),
        duration_minutes=60,
    )
    for name, given in fields.items():
        setattr(out_of_range, name, given)

    with pytest.raises(ValidationError) as excinfo:
        out_of_range.full_clean()

    assert field in excinfo.value.error_dict


def test_the_database_refuses_an_incomplete_window():
    with pytest.raises(IntegrityError):
        MaintenanceWindow.objects.create(
            scope=MEMBER_PAGES,
            recurrence=Recurrence.WEEKLY,
            start_time=dt.time(0),
            duration_minutes=60,
        )


# --- Each process keeps the windows a few seconds (every member page asks) ---------------


@pytest.fixture
def cache_clock(monkeypatch, settings):
    """`cache_clock(seconds)`: move the clock of the windows' cache on (the wall clock and
    the portal's clock stand still)."""
    settings.PORTAL_MAINTENANCE_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(maintenance, "_monotonic", lambda: now[0])

    def move(seconds):
        now[0] += seconds

    return move


def lengthen_monday_window_quietly():
    """An edit that sends no signal (an UPDATE from another process, as far as this one knows)."""
    MaintenanceWindow.objects.filter(scope=MEMBER_PAGES, weekday=Weekday.MONDAY).update(
        duration_minutes=8 * 60
    )


def test_the_windows_are_read_once_while_the_cache_is_fresh(
    django_assert_num_queries, time_machine, cache_clock
):
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)
    with django_assert_num_queries(1):
        for _ in range(3):
            assert closed_until(MEMBER_PAGES) == tokyo(2026, 12, 7, 7, 0)
    cache_clock(5)
    with django_assert_num_queries(1):
        closed_until(INTERNET_REPAYMENT)


def test_an_edit_elsewhere_takes_effect_when_the_cache_expires(time_machine, cache_clock):
    time_machine.move_to(tokyo(2026, 12, 7, 7, 30), tick=False)
    assert closed_until(MEMBER_PAGES) is None
    lengthen_monday_window_quietly()

    cache_clock(4.9)
    assert closed_until(MEMBER_PAGES) is None  # this process has not read it yet
    cache_clock(0.1)
    assert closed_until(MEMBER_PAGES) == tokyo(2026, 12, 7, 8, 0)


def test_a_window_saved_in_this_process_takes_effect_at_once(client, time_machine, cache_clock):
    time_machine.move_to(tokyo(2026, 12, 9, 12, 0), tick=False)
    assert client.get("/login/").status_code == 200
    window = MaintenanceWindow.objects.create(
        scope=MEMBER_PAGES,
        recurrence=Recurrence.WEEKLY,
        weekday=Weekday.WEDNESDAY,
        start_time=dt.time(11, 30),
        duration_minutes=90,
    )
    assert client.get("/login/").status_code == 503
    window.is_active = False
    window.save()
    assert client.get("/login/").status_code == 200
    window.delete()
    assert closed_until(MEMBER_PAGES) is None


def test_the_cache_follows_the_clock_of_each_ask(time_machine, cache_clock):
    """Only the rows are kept: a window opens and closes on time within the cache's life."""
    time_machine.move_to(tokyo(2026, 12, 6, 23, 59), tick=False)
    assert closed_until(MEMBER_PAGES) is None
    time_machine.move_to(tokyo(2026, 12, 7, 0, 0), tick=False)
    assert closed_until(MEMBER_PAGES) == tokyo(2026, 12, 7, 7, 0)


def test_no_cache_reads_the_windows_on_every_ask(django_assert_num_queries, settings, time_machine):
    settings.PORTAL_MAINTENANCE_CACHE_SECONDS = 0
    time_machine.move_to(tokyo(2026, 12, 7, 7, 30), tick=False)
    with django_assert_num_queries(1):
        assert closed_until(MEMBER_PAGES) is None
    lengthen_monday_window_quietly()
    with django_assert_num_queries(1):
        assert closed_until(MEMBER_PAGES) == tokyo(2026, 12, 7, 8, 0)
