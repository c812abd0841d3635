"""Forgot Web-ID and forgot password (SPEC §4 lockout, §5; issue #4 item 4)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import limits, lockout
from members.models import ChangeKind, LoginMethod, Member, ProfileChange
from tests.factories import DEFAULT_PASSWORD, MemberFactory
from tests.members.self_service import (
    assert_field_error,
    error_codes,
    link_path,
    log_in_by_web_id,
    page_without_csrf,
    the_mail_to,
)

pytestmark = pytest.mark.django_db

FORGOT_WEB_ID_URL = reverse("members:forgot-web-id")
FORGOT_PASSWORD_URL = reverse("members:forgot-password")


@pytest.fixture
def member(db):
    return MemberFactory(web_id="Yamada2026", email="yamada@example.jp")


def forgot_web_id(client, member_number, email, **extra):
    return client.post(FORGOT_WEB_ID_URL, {"member_number": member_number, "email": email}, **extra)


def forgot_password(client, web_id, email, **extra):
    return client.post(FORGOT_PASSWORD_URL, {"web_id": web_id, "email": email}, **extra)


def reset(client, path, password, confirm=None):
    return client.post(
        path, {"password": password, "password_confirm": password if confirm is None else confirm}
    )


def recovery_link(client, member) -> str:
    forgot_password(client, member.web_id, member.email)
    path = link_path(the_mail_to(member.email))
    mail.outbox.clear()
    return path


# --- Forgot Web-ID ----------------------------------------------------------------------


def test_forgot_web_id_mails_the_web_id_to_the_registered_address(client, member, mailbox):
    response = forgot_web_id(client, member.member_number, "yamada@example.jp")

    assert response.status_code == 200
    assert 'data-notice="recovery_sent"' in response.content.decode()
    message = the_mail_to("yamada@example.jp")
    assert "Yamada2026" in message.body
    assert "Yamada2026" not in response.content.decode()
    assert len(mail.outbox) == 1


def test_forgot_web_id_accepts_a_full_width_member_number(client, member, mailbox):
    full_width = member.member_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    forgot_web_id(client, full_width, "yamada@example.jp")

    assert "Yamada2026" in the_mail_to("yamada@example.jp").body


def _web_id_misses(member):
    other = MemberFactory(email="other@example.jp")
    no_web_id = MemberFactory(web_id=None, password=None, email="card@example.jp")
    return {
        "wrong address": (member.member_number, "someone@example.jp"),
        "unknown member number": ("999999999", "yamada@example.jp"),
        "another member's address": (member.member_number, "other@example.jp"),
        "another member's number": (other.member_number, "yamada@example.jp"),
        "member without a Web-ID": (no_web_id.member_number, "card@example.jp"),
    }


def test_forgot_web_id_answers_identically_whether_or_not_the_data_matched(member, mailbox):
    """Same status and page (apart from the CSRF token); only the match sends mail."""
    matched = forgot_web_id(Client(), member.member_number, "yamada@example.jp")
    assert len(mail.outbox) == 1

    for case, (number, address) in _web_id_misses(member).items():
        missed = forgot_web_id(Client(), number, address)
        assert missed.status_code == matched.status_code, case
        assert page_without_csrf(missed) == page_without_csrf(matched), case
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("number", "address", "field", "code"),
    [
        ("12345678", "yamada@example.jp", "member_number", "format_member_number"),
        ("1234567890", "yamada@example.jp", "member_number", "max_length"),
        ("abcdefghi", "yamada@example.jp", "member_number", "format_member_number"),
        ("", "yamada@example.jp", "member_number", "required"),
        ("100000001", "yamada", "email", "invalid"),
        ("100000001", "", "email", "required"),
    ],
)
def test_forgot_web_id_explains_malformed_input_and_sends_nothing(
    client, member, mailbox, number, address, field, code
):
    assert_field_error(forgot_web_id(client, number, address), field, code)
    assert not mail.outbox


# --- Forgot password ----------------------------------------------------------------------


def test_forgot_password_mails_a_link_that_sets_a_new_password(client, member, mailbox):
    response = forgot_password(client, "Yamada2026", "yamada@example.jp")
    assert response.status_code == 200
    assert 'data-notice="recovery_sent"' in response.content.decode()
    path = link_path(the_mail_to("yamada@example.jp"))
    assert path.startswith("/account/password/reset/")

    browser = Client()
    form = browser.get(path)
    assert form.status_code == 200
    assert 'id="id_password"' in form.content.decode()
    done = reset(browser, path, "Renewed2026")

    assert done.status_code == 200
    assert 'data-notice="password_reset"' in done.content.decode()
    assert ProfileChange.objects.filter(member=member, kind=ChangeKind.PASSWORD).count() == 1
    assert error_codes(log_in_by_web_id(Client(), "Yamada2026", DEFAULT_PASSWORD)) == [
        "invalid_credentials"
    ]
    assert log_in_by_web_id(Client(), "Yamada2026", "Renewed2026").status_code == 302


def test_completing_the_reset_sends_a_notice(
    client, member, mailbox, django_capture_on_commit_callbacks
):
    path = recovery_link(client, member)

    with django_capture_on_commit_callbacks(execute=True):
        reset(client, path, "Renewed2026")

    notice = the_mail_to("yamada@example.jp")
    assert "パスワード" in notice.subject
    assert "Renewed2026" not in notice.body


def test_the_reset_link_works_once(client, member, mailbox):
    path = recovery_link(client, member)
    assert reset(client, path, "Renewed2026").status_code == 200

    for again in (client.get(path), reset(client, path, "Hijacked2026")):
        assert again.status_code == 400
        assert error_codes(again) == ["link_invalid"]
    assert log_in_by_web_id(Client(), "Yamada2026", "Renewed2026").status_code == 302


def test_the_reset_link_expires_after_an_hour(client, member, mailbox, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC), tick=False)
    path = recovery_link(client, member)

    time_machine.move_to(dt.datetime(2026, 12, 9, 4, 0, 1, tzinfo=dt.UTC), tick=False)
    response = reset(client, path, "Renewed2026")

    assert response.status_code == 400
    assert error_codes(response) == ["link_invalid"]
    assert Member.objects.get(pk=member.pk).check_password(DEFAULT_PASSWORD)


def test_using_one_reset_link_makes_every_other_link_useless(client, member, mailbox):
    """Two links were mailed; using one makes the other useless too."""
    first = recovery_link(client, member)
    second = recovery_link(client, member)

    assert reset(client, second, "Renewed2026").status_code == 200
    assert reset(client, first, "Hijacked2026").status_code == 400


def test_completing_the_reset_unlocks_a_locked_web_id(client, member, mailbox):
    lockout.lock_credential(method=LoginMethod.WEB_ID, identifier="Yamada2026")
    assert error_codes(log_in_by_web_id(Client(), "Yamada2026", DEFAULT_PASSWORD)) == ["locked"]
    path = recovery_link(client, member)

    reset(client, path, "Renewed2026")

    assert not lockout.is_locked(method=LoginMethod.WEB_ID, identifier="Yamada2026")
    assert log_in_by_web_id(Client(), "Yamada2026", "Renewed2026").status_code == 302


def test_asking_for_a_link_does_not_unlock_or_change_anything(client, member, mailbox):
    lockout.lock_credential(method=LoginMethod.WEB_ID, identifier="Yamada2026")

    recovery_link(client, member)

    assert lockout.is_locked(method=LoginMethod.WEB_ID, identifier="Yamada2026")
    assert Member.objects.get(pk=member.pk).check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("password", "confirm", "field", "code"),
    [
        ("Short1", None, "password", "format_length"),
        ("Renewed2026!", None, "password", "format_charset"),
        ("Ｒｅｎｅｗｅｄ２０２６", None, "password", "format_fullwidth"),
        ("Renewed2026", "Renewed2027", "password_confirm", "password_mismatch"),
        ("Yamada2026", None, "password", "password_same_as_web_id"),
    ],
)
def test_a_rejected_new_password_changes_nothing_and_the_link_stays_usable(
    client, member, mailbox, password, confirm, field, code
):
    lockout.lock_credential(method=LoginMethod.WEB_ID, identifier="Yamada2026")
    path = recovery_link(client, member)

    assert_field_error(reset(client, path, password, confirm), field, code)

    assert Member.objects.get(pk=member.pk).check_password(DEFAULT_PASSWORD)
    assert lockout.is_locked(method=LoginMethod.WEB_ID, identifier="Yamada2026")
    assert reset(client, path, "Renewed2026").status_code == 200


def _password_misses(member):
    MemberFactory(web_id="Other2026", email="other@example.jp")
    return {
        "wrong address": ("Yamada2026", "someone@example.jp"),
        "unknown Web-ID": ("Nobody2026", "yamada@example.jp"),
        "Web-ID in another case": ("yamada2026", "yamada@example.jp"),
        "another member's address": ("Yamada2026", "other@example.jp"),
        "another member's Web-ID": ("Other2026", "yamada@example.jp"),
    }


def test_forgot_password_answers_identically_whether_or_not_the_data_matched(member, mailbox):
    """Same status and page (apart from the CSRF token); only the match sends mail."""
    matched = forgot_password(Client(), "Yamada2026", "yamada@example.jp")
    assert len(mail.outbox) == 1

    for case, (web_id, address) in _password_misses(member).items():
        missed = forgot_password(Client(), web_id, address)
        assert missed.status_code == matched.status_code, case
        assert page_without_csrf(missed) == page_without_csrf(matched), case
    assert len(mail.outbox) == 1


def test_forgot_password_on_a_locked_web_id_answers_like_any_other(member, mailbox):
    """A lock is not revealed by the recovery page either."""
    MemberFactory(web_id="Other2026", email="other@example.jp")
    lockout.lock_credential(method=LoginMethod.WEB_ID, identifier="Yamada2026")

    locked = forgot_password(Client(), "Yamada2026", "yamada@example.jp")
    unlocked = forgot_password(Client(), "Other2026", "other@example.jp")

    assert page_without_csrf(locked) == page_without_csrf(unlocked)
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("web_id", "address", "field", "code"),
    [
        ("short1", "yamada@example.jp", "web_id", "format_length"),
        ("Ｙａｍａｄａ２０２６", "yamada@example.jp", "web_id", "format_fullwidth"),
        ("Yamada-2026", "yamada@example.jp", "web_id", "format_charset"),
        ("Yamada2026", "yamada", "email", "invalid"),
    ],
)
def test_forgot_password_explains_malformed_input_and_sends_nothing(
    client, member, mailbox, web_id, address, field, code
):
    assert_field_error(forgot_password(client, web_id, address), field, code)
    assert not mail.outbox


# --- Throttled per client address ----------------------------------------------------------

PAGES = {
    "web_id": lambda client, member, **extra: forgot_web_id(
        client, member.member_number, member.email, **extra
    ),
    "password": lambda client, member, **extra: forgot_password(
        client, member.web_id, member.email, **extra
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_recovery_is_throttled_per_address_and_then_sends_nothing(
    client, member, mailbox, settings, time_machine, page
):
    settings.PORTAL_IP_THROTTLE = (3, 15 * 60)
    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC), tick=False)
    ask = PAGES[page]
    stranger = MemberFactory(web_id="Stranger2026", email="stranger@example.jp")
    for _ in range(3):
        assert ask(client, stranger).status_code == 200
    mail.outbox.clear()

    throttled = ask(client, member)

    assert throttled.status_code == 429
    assert throttled["Retry-After"] == str(15 * 60)
    assert error_codes(throttled) == ["throttled"]
    assert "お問い合わせが多すぎる" in throttled.content.decode()
    assert 'data-notice="recovery_sent"' not in throttled.content.decode()
    assert not mail.outbox

    # Another address is not affected, and the window passes.
    assert ask(Client(), member, REMOTE_ADDR="192.0.2.7").status_code == 200
    assert len(mail.outbox) == 1
    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 15, 1, tzinfo=dt.UTC), tick=False)
    assert ask(client, member).status_code == 200
    assert len(mail.outbox) == 2


def test_the_throttle_counts_requests_that_matched_nothing(client, member, mailbox, settings):
    """Misses count too, or an address could probe for matches without limit."""
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    forgot_password(client, "Nobody2026", "nobody@example.jp")
    forgot_password(client, "Nobody2027", "nobody@example.jp")

    response = forgot_password(client, "Yamada2026", "yamada@example.jp")

    assert response.status_code == 429
    assert not mail.outbox


def test_the_recovery_throttle_does_not_lock_the_web_id(client, member, mailbox, settings):
    settings.PORTAL_IP_THROTTLE = (1, 15 * 60)
    forgot_password(client, "Yamada2026", "yamada@example.jp")
    forgot_password(client, "Yamada2026", "yamada@example.jp")

    assert log_in_by_web_id(Client(), "Yamada2026", DEFAULT_PASSWORD).status_code == 302


# --- Capped per member ----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_one_member_gets_a_few_recovery_mails_an_hour_from_any_addresses(
    member, mailbox, time_machine, page
):
    """Rotating addresses pass the per-address throttle; the member's inbox is still safe,
    and the page answers exactly as before, so the cap tells nothing either."""
    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC), tick=False)
    ask = PAGES[page]
    limit, window = limits.MEMBER_MAILS_PER_HOUR[page], limits.MEMBER_MAIL_WINDOW
    answers = [
        ask(Client(), member, REMOTE_ADDR=f"192.0.2.{number}") for number in range(limit + 2)
    ]

    assert len(mail.outbox) == limit
    assert {answer.status_code for answer in answers} == {200}
    assert len({page_without_csrf(answer) for answer in answers}) == 1

    time_machine.move_to(dt.datetime(2026, 12, 9, 3, 0, tzinfo=dt.UTC) + window, tick=False)
    ask(Client(), member, REMOTE_ADDR="192.0.2.200")
    assert len(mail.outbox) == limit + 1


def test_the_per_member_cap_counts_each_recovery_on_its_own(member, mailbox):
    limit = limits.MEMBER_MAILS_PER_HOUR["password"]
    for number in range(limit):
        PAGES["password"](Client(), member, REMOTE_ADDR=f"192.0.2.{number}")

    PAGES["web_id"](Client(), member, REMOTE_ADDR="192.0.2.100")

    assert len(mail.outbox) == limit + 1
    assert "Yamada2026" in mail.outbox[-1].body


# --- The same work in the request (SPEC §12 "No enumeration") -----------------------------


@pytest.fixture
def held_back(monkeypatch):
    """Keep the work the recovery pages leave for after the response, instead of running it."""
    tasks = []
    monkeypatch.setattr("members.views.after_response", lambda _request, task: tasks.append(task))
    return tasks


def _work_of(post, *args) -> list[str]:
    """Return the SQL a recovery request runs before its answer, values left out."""
    with CaptureQueriesContext(connection) as queries:
        post(Client(), *args)
    # Literal values and savepoint names differ from request to request; statements not.
    return [re.sub(r"'[^']*'|\"s\w+\"|\b\d+\b", "?", query["sql"]) for query in queries]


@pytest.mark.parametrize(
    ("post", "matches", "misses"),
    [
        (forgot_web_id, lambda m: (m.member_number, m.email), _web_id_misses),
        (forgot_password, lambda m: (m.web_id, m.email), _password_misses),
    ],
    ids=["web-id", "password"],
)
def test_recovery_does_the_same_work_in_the_request_whether_or_not_the_data_matched(
    member, mailbox, held_back, post, matches, misses, settings
):
    # Every request reads the maintenance windows, rather than the first one only (each
    # process keeps them a few seconds, whatever the data asked for).
    settings.PORTAL_MAINTENANCE_CACHE_SECONDS = 0
    matched = _work_of(post, *matches(member))

    for case, args in misses(member).items():
        assert _work_of(post, *args) == matched, case
    assert not mail.outbox  # nothing was looked up or sent before the answer
    for task in held_back[:1]:  # the match's task, run as the server would after the answer
        task()
    assert len(mail.outbox) == 1
