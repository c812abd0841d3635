"""Sessions: idle and absolute lifetime, the open-session list, ending the others (SPEC §4)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from members import sessions
from members.models import MemberSession
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory, StaffFactory
from tests.members.self_service import log_in_by_card, log_in_by_web_id

pytestmark = pytest.mark.django_db

MYPAGE = reverse("members:mypage")
LOGIN = reverse("members:login")
ADMIN_LOGIN = reverse("admin:login")
SESSIONS_URL = reverse("members:settings-sessions")
LOGIN_TIME = dt.datetime(2026, 12, 9, 0, 0, tzinfo=dt.UTC)  # 09:00 in Tokyo, a Wednesday

DB = "members.session_store"  # the portal's own (settings.SESSION_ENGINE)
CACHE = "django.contrib.sessions.backends.cache"
CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def at(time_machine):
    """`at(hours=…, minutes=…)`: stand that long after LOGIN_TIME (the clock stands still)."""

    def move(**delta):
        time_machine.move_to(LOGIN_TIME + dt.timedelta(**delta), tick=False)

    move()
    return move


def browser(member, *, user_agent="TestBrowser/1.0", address="127.0.0.1") -> Client:
    """A browser logged in through the real card login."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    assert log_in_by_card(client, member).status_code == 302
    return client


def is_logged_in(client) -> bool:
    return client.get(MYPAGE).status_code == 200


# --- Absolute lifetime -------------------------------------------------------------------


def test_a_session_ends_after_the_absolute_lifetime_however_active(member, settings, at):
    settings.PORTAL_SESSION_MAX_HOURS = 12
    settings.PORTAL_SESSION_IDLE_MINUTES = 8 * 60  # so that activity alone is not the point
    client = browser(member)
    for hours in (4, 8, 11.9):
        at(hours=hours)
        assert is_logged_in(client), hours

    at(hours=12, minutes=1)
    response = client.get(MYPAGE, follow=True)

    assert response.redirect_chain[0] == (LOGIN, 302)
    assert 'data-notice="session_expired"' in response.content.decode()
    assert not is_logged_in(client)


def test_the_absolute_lifetime_is_configurable(member, settings, at):
    settings.PORTAL_SESSION_MAX_HOURS = 2
    client = browser(member)
    for minutes in range(10, 120, 10):
        at(minutes=minutes)
        assert is_logged_in(client), minutes

    at(minutes=121)
    assert client.get(MYPAGE).url == LOGIN


def test_the_default_absolute_lifetime_is_12_hours_also_in_the_session_store():
    from django.conf import settings

    assert settings.PORTAL_SESSION_MAX_HOURS == 12
    # The store forgets a session by then too, instead of sliding for two weeks.
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_logging_in_again_starts_a_new_lifetime(member, settings, at):
    settings.PORTAL_SESSION_IDLE_MINUTES = 8 * 60
    client = browser(member)
    at(hours=6)
    assert is_logged_in(client)
    assert log_in_by_card(client, member).status_code == 302  # the same browser again

    at(hours=13)
    assert is_logged_in(client)


# --- The idle clock, without a session write per request ---------------------------------


def session_writes(captured) -> int:
    return sum(
        query["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in query["sql"]
        for query in captured.captured_queries
    )


def test_a_request_soon_after_the_last_does_not_write_the_session(member, at):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser(member)
    at(seconds=59)
    with CaptureQueriesContext(connection) as captured:
        assert is_logged_in(client)
    assert session_writes(captured) == 0
    at(seconds=60)  # the session's copy is a minute old: written again
    with CaptureQueriesContext(connection) as captured:
        assert is_logged_in(client)
    assert session_writes(captured) == 1


def test_the_idle_limit_counts_from_the_last_request_exactly(member, settings, at):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    client = browser(member)
    at(seconds=50)  # not written to the session: only the activity cookie knows it
    assert is_logged_in(client)

    at(minutes=15, seconds=50)  # 15 minutes after that request, not a moment more
    assert is_logged_in(client)
    at(minutes=30, seconds=50, microseconds=1)
    assert not is_logged_in(client)


def test_a_session_without_its_activity_cookie_ends_early_never_late(member, settings, at):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    client = browser(member)
    at(seconds=50)
    assert is_logged_in(client)
    del client.cookies[sessions.ACTIVITY_COOKIE]

    at(minutes=15, microseconds=1)  # the session's copy (the login) decides: 50 s early
    assert not is_logged_in(client)


@pytest.mark.parametrize("kind", ["another session's", "altered", "unsigned"])
def test_an_activity_cookie_keeps_only_its_own_session_open(member, settings, at, kind):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    client = browser(member)
    other = browser(MemberFactory())
    at(minutes=14)
    assert is_logged_in(other)  # a fresh activity cookie for the other session
    value = other.cookies[sessions.ACTIVITY_COOKIE].value
    if kind == "altered":  # its own, with a later time
        signed, signature = client.cookies[sessions.ACTIVITY_COOKIE].value.rsplit(":", 1)
        bound = signed.partition("|")[0]
        value = f"{bound}|{(LOGIN_TIME + dt.timedelta(minutes=14)).isoformat()}:{signature}"
    elif kind == "unsigned":
        value = client.cookies[sessions.ACTIVITY_COOKIE].value.rsplit(":", 1)[0]
    client.cookies[sessions.ACTIVITY_COOKIE] = value

    at(minutes=15, seconds=1)  # idle since the login, whatever the cookie says
    assert not is_logged_in(client)


def test_the_list_does_not_end_a_session_whose_copy_is_older_than_its_last_request(
    member, settings, at
):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    phone = browser(member, user_agent="PhoneBrowser/2.0")
    at(seconds=50)
    assert is_logged_in(phone)  # the phone's copy still says 09:00:00
    laptop = browser(member, user_agent="LaptopBrowser/3.0")

    at(minutes=15, seconds=30)  # the phone: 14:40 idle, although its copy is 15:30 old
    assert len(rows(laptop.get(SESSIONS_URL))) == 2
    assert is_logged_in(phone)


def test_logging_out_drops_the_activity_cookie(member):
    client = browser(member)
    assert is_logged_in(client)
    assert client.cookies[sessions.ACTIVITY_COOKIE].value

    client.post(reverse("members:logout"))

    assert client.cookies[sessions.ACTIVITY_COOKIE].value == ""


# --- Staff ---------------------------------------------------------------------------------


@pytest.fixture
def staff_browser(db, at):
    """A staff member signed in to the admin at LOGIN_TIME."""
    client = Client()
    client.force_login(StaffFactory(), backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_staff_sessions_time_out_when_idle_like_members(staff_browser, settings, at):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    at(minutes=14)
    assert staff_browser.get("/admin/").status_code == 200

    at(minutes=29, seconds=30)
    response = staff_browser.get("/admin/", follow=True)

    assert response.redirect_chain[0] == (ADMIN_LOGIN, 302)
    assert "一定時間操作がなかったため" in response.content.decode()
    assert staff_browser.get("/admin/").status_code == 302


def test_staff_sessions_end_after_the_absolute_lifetime(staff_browser, settings, at):
    settings.PORTAL_SESSION_MAX_HOURS = 12
    for minutes in range(10, 12 * 60, 10):
        at(minutes=minutes)
        assert staff_browser.get("/admin/").status_code == 200, minutes

    at(hours=12, minutes=1)
    response = staff_browser.get("/admin/", follow=True)

    assert response.redirect_chain[0] == (ADMIN_LOGIN, 302)
    assert "ログインから一定時間が経過したため" in response.content.decode()


# --- The list of open sessions ---------------------------------------------------------------


def rows(response) -> list[str]:
    return re.findall(r"<tr data-session.*?</tr>", response.content.decode(), re.S)


def test_the_list_shows_each_open_session_and_marks_the_current_one(member, at):
    phone = browser(member, user_agent="PhoneBrowser/2.0", address="198.51.100.7")
    at(minutes=5)
    laptop = browser(member, user_agent="LaptopBrowser/3.0", address="203.0.113.9")
    browser(MemberFactory(), user_agent="NeighbourBrowser/1.0", address="192.0.2.1")

    response = laptop.get(SESSIONS_URL)

    assert response.status_code == 200
    laptop_row, phone_row = rows(response)  # newest first
    assert 'data-current="true"' in laptop_row
    assert "LaptopBrowser/3.0" in laptop_row
    assert "203.0.113.9" in laptop_row
    assert "2026/12/09 09:05" in laptop_row  # since when, in Tokyo time
    assert 'data-current="false"' in phone_row
    assert "PhoneBrowser/2.0" in phone_row
    assert "198.51.100.7" in phone_row
    assert "2026/12/09 09:00" in phone_row
    assert "NeighbourBrowser" not in response.content.decode()
    assert 'id="end-other-sessions"' in response.content.decode()
    assert phone.get(SESSIONS_URL).status_code == 200


def test_the_settings_page_links_to_the_list(member_client):
    assert SESSIONS_URL in member_client.get(reverse("members:settings")).content.decode()


def test_a_lone_session_has_no_others_to_end(member):
    response = browser(member).get(SESSIONS_URL)

    assert len(rows(response)) == 1
    assert 'id="end-other-sessions"' not in response.content.decode()
    assert 'id="no-other-sessions"' in response.content.decode()


def test_sessions_that_ended_are_not_listed_and_their_records_go(member, settings, at):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    left_alone = browser(member, user_agent="LeftAlone/1.0")
    logged_out = browser(member, user_agent="LoggedOut/1.0")
    at(minutes=10)
    current = browser(member, user_agent="Current/1.0")
    logged_out.post(reverse("members:logout"))
    assert MemberSession.objects.filter(member=member).count() == 2  # logout removed one

    at(minutes=20)  # `left_alone` has been idle for 20 minutes
    response = current.get(SESSIONS_URL)

    assert len(rows(response)) == 1
    assert "Current/1.0" in response.content.decode()
    assert MemberSession.objects.filter(member=member).count() == 1
    assert not is_logged_in(left_alone)


def test_a_timed_out_session_removes_its_record(member, at):
    client = browser(member)
    at(minutes=16)
    assert not is_logged_in(client)
    assert not MemberSession.objects.filter(member=member).exists()


def test_a_record_holds_how_the_member_logged_in(member):
    by_card = browser(member)
    by_web_id = Client()
    log_in_by_web_id(by_web_id, member.web_id, DEFAULT_PASSWORD)

    methods = dict(MemberSession.objects.values_list("session_key", "method"))

    assert methods == {by_card.session.session_key: "card", by_web_id.session.session_key: "web_id"}


# --- Ending the other sessions --------------------------------------------------------------


@pytest.mark.parametrize("engine", [DB, CACHE, CACHED_DB])
def test_ending_the_other_sessions_logs_them_out_and_keeps_this_one(member, settings, engine):
    settings.SESSION_ENGINE = engine
    current = browser(member, user_agent="Current/1.0")
    others = [browser(member, user_agent=f"Other/{n}") for n in range(2)]
    neighbour = browser(MemberFactory())

    response = current.post(SESSIONS_URL, follow=True)

    assert response.redirect_chain == [(SESSIONS_URL, 302)]
    assert 'data-notice="other_sessions_ended"' in response.content.decode()
    assert len(rows(response)) == 1
    for other in others:
        answer = other.get(MYPAGE)
        assert answer.status_code == 302
        assert answer.url.startswith(LOGIN)
    assert is_logged_in(current)
    assert is_logged_in(neighbour)
    assert MemberSession.objects.filter(member=member).count() == 1


def test_ending_the_other_sessions_is_a_post_with_a_csrf_token(member):
    current = Client(enforce_csrf_checks=True)
    current.force_login(member, backend="members.backends.CardPinBackend")
    other = browser(member)

    assert current.post(SESSIONS_URL).status_code == 403
    assert is_logged_in(other)


def test_a_web_id_or_password_change_keeps_this_session_and_ends_the_others(member):
    current = Client()
    log_in_by_web_id(current, member.web_id, DEFAULT_PASSWORD)
    other = browser(member)

    response = current.post(
        reverse("members:settings-web-id"),
        {
            "current_password": DEFAULT_PASSWORD,
            "web_id": member.web_id,
            "password": "Changed2026x",
            "password_confirm": "Changed2026x",
        },
    )

    assert response.status_code == 302
    assert is_logged_in(current)
    assert not is_logged_in(other)
    (record,) = MemberSession.objects.filter(member=member)
    assert record.session_key == current.session.session_key
    assert len(rows(current.get(SESSIONS_URL))) == 1


# --- Which secret a change asks for ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("members:settings-email"),
        reverse("members:settings-profile"),
        reverse("members:settings-transfer-account"),
    ],
)
def test_a_change_asks_for_the_secret_of_this_sessions_login(member, url):
    by_card = browser(member)
    by_web_id = Client()
    log_in_by_web_id(by_web_id, member.web_id, DEFAULT_PASSWORD)

    card_page = by_card.get(url).content.decode()
    web_id_page = by_web_id.get(url).content.decode()

    assert 'name="current_pin"' in card_page
    assert 'name="current_password"' not in card_page
    assert 'name="current_password"' in web_id_page
    assert 'name="current_pin"' not in web_id_page


def test_after_a_web_id_login_the_pin_does_not_do(member, mailbox):
    client = Client()
    log_in_by_web_id(client, member.web_id, DEFAULT_PASSWORD)

    response = client.post(
        reverse("members:settings-email"), {"email": "new@example.jp", "current_pin": DEFAULT_PIN}
    )

    assert response.status_code == 200
    assert "current_password" in response.context["form"].errors
