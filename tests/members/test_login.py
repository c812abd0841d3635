import datetime as dt
import re

import pytest
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse

from members import account, counters, limits, lockout, staff_actions
from members.forms import CardLoginForm
from members.models import (
    AttemptCounter,
    ContractStatus,
    LoginAttempt,
    LoginMethod,
    LoginResult,
)
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory, StaffFactory
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db

CARD_URL = reverse("members:login-card")
WEB_ID_URL = reverse("members:login-web-id")


def post_card(client, card_number, pin, **extra):
    return client.post(CARD_URL, {"card_number": card_number, "pin": pin}, **extra)


def post_web_id(client, web_id, password, **extra):
    return client.post(WEB_ID_URL, {"web_id": web_id, "password": password}, **extra)


# --- The login page -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/login/"])
def test_top_and_login_pages_show_both_methods_side_by_side(client, url):
    html = client.get(url).content.decode()
    for field_id in ("id_card_number", "id_pin", "id_web_id", "id_password"):
        assert f'id="{field_id}"' in html
    assert f'action="{CARD_URL}"' in html
    assert f'action="{WEB_ID_URL}"' in html
    assert 'href="/help/login/"' in html


def test_help_page_names_the_configured_lockout_and_throttle(client, settings):
    settings.PORTAL_LOCKOUT_THRESHOLD = 3
    settings.PORTAL_IP_THROTTLE = (20, 30 * 60)
    html = client.get("/help/login/").content.decode()
    assert "3回続けて" in html
    assert "30分ほど" in html


@pytest.mark.parametrize("url", ["/", "/login/", "/help/login/"])
def test_public_pages_answer_head_requests(client, url):
    assert client.head(url).status_code == 200


def test_help_page_lists_every_cause_with_its_remedy(client):
    html = client.get("/help/login/").content.decode()
    for code in (
        "format_fullwidth",
        "format_hyphen",
        "format_space",
        "format_length",
        "format_charset",
        "invalid_credentials",
        "locked",
        "contract_terminated",
        "throttled",
        "maintenance",
    ):
        assert f'data-error-code="{code}"' in html
    assert "窓口" in html  # a locked PIN is reset at a counter, not online
    assert "再設定" in html
    assert 'href="tel:0120000000"' in html


def test_login_page_links_to_help_for_a_forgotten_pin_and_for_members_without_web_id(client):
    page = client.get("/login/").content.decode()
    assert 'id="forgot-pin-link"' in page and "暗証番号をお忘れの方" in page
    assert 'id="no-web-id-link"' in page and "Web-IDをお持ちでない方" in page
    help_page = client.get("/help/login/").content.decode()
    assert 'id="help-forgot-pin"' in help_page and 'id="help-no-web-id"' in help_page


def _remedy(response) -> str:
    html = response.content.decode()
    start = html.index('<ul class="remedy"')
    return html[start : html.index("</ul>", start)]


@pytest.mark.parametrize("method", ["card", "web_id"])
def test_a_wrong_secret_suggests_half_width_input_and_the_other_login(client, method):
    member = MemberFactory()
    post, identifier, _right, wrong = _credential(member, method)

    response = post(client, identifier, wrong)

    assert "半角" in response.content.decode()
    other_field = "#id_web_id" if method == "card" else "#id_card_number"
    assert other_field in _remedy(response)


def test_a_locked_card_names_the_way_out_web_id_or_a_pin_reset_by_phone(client):
    member = MemberFactory()
    for _ in range(5):
        response = post_card(client, member.card_number, "9999")

    assert error_codes(response) == ["locked"]
    assert "カード番号でのログインはロックされています" in response.content.decode()
    remedy = _remedy(response)
    assert "#id_web_id" in remedy and 'href="tel:0120000000"' in remedy
    assert "forgot-password" not in remedy


def test_a_locked_web_id_links_to_the_password_reset_that_unlocks_it(client):
    member = MemberFactory()
    for _ in range(5):
        response = post_web_id(client, member.web_id, "Wrongpass1")

    assert error_codes(response) == ["locked"]
    assert "Web-IDでのログインはロックされています" in response.content.decode()
    remedy = _remedy(response)
    assert reverse("members:forgot-password") in remedy and "tel:" not in remedy


def test_a_terminated_contract_gets_the_support_number_as_a_tap_to_call_link(client):
    member = MemberFactory(contract__status=ContractStatus.TERMINATED)

    response = post_card(client, member.card_number, DEFAULT_PIN)

    assert error_codes(response) == ["contract_terminated"]
    assert 'href="tel:0120000000"' in _remedy(response)


def test_card_login_succeeds_and_goes_to_mypage(client, member):
    response = post_card(client, member.card_number, DEFAULT_PIN)
    assert response.status_code == 302
    assert response.url == reverse("members:mypage")
    assert client.get(response.url).context["member"] == member


def test_web_id_login_succeeds_and_goes_to_mypage(client, member):
    response = post_web_id(client, member.web_id, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("members:mypage")


def test_web_id_and_password_are_case_sensitive(client):
    member = MemberFactory(web_id="CaseSens1tive")
    assert error_codes(post_web_id(client, "casesens1tive", DEFAULT_PASSWORD)) == [
        "invalid_credentials"
    ]
    assert error_codes(post_web_id(client, member.web_id, DEFAULT_PASSWORD.upper())) == [
        "invalid_credentials"
    ]
    assert post_web_id(client, member.web_id, DEFAULT_PASSWORD).status_code == 302


def test_member_without_web_id_cannot_log_in_by_web_id(client):
    member = MemberFactory(web_id=None, password=None)
    assert not member.has_usable_password()
    assert error_codes(post_web_id(client, "nowebid123", "anything12")) == ["invalid_credentials"]


def test_pin_is_stored_hashed(member):
    assert DEFAULT_PIN not in member.pin
    assert member.check_pin(DEFAULT_PIN)


def test_login_without_csrf_token_is_refused(member):
    from django.test import Client

    response = post_card(Client(enforce_csrf_checks=True), member.card_number, DEFAULT_PIN)
    assert response.status_code == 403


def test_login_endpoints_refuse_get(client):
    assert client.get(CARD_URL).status_code == 405
    assert client.get(WEB_ID_URL).status_code == 405


# --- Format diagnostics ---------------------------------------------------------------

CARD_FORMAT_CASES = [
    # (card_number, pin, expected codes in field order)
    ("１０００００００１０", "1234", ["format_fullwidth"]),
    ("1000-0000-10", "1234", ["format_hyphen"]),
    ("1000－0000－10", "1234", ["format_hyphen"]),  # full-width hyphen: hyphen wins
    ("１０００ー００００", "1234", ["format_hyphen"]),  # prolonged sound mark typed for "-"
    ("1000‐000010", "1234", ["format_hyphen"]),
    ("123456789", "1234", ["format_length"]),
    ("12345678901", "1234", ["format_length"]),
    ("12345678901234567", "1234", ["format_length"]),
    ("", "1234", ["format_length"]),
    ("100000001a", "1234", ["format_charset"]),
    ("10000 0001", "1234", ["format_space"]),  # spaces between the groups of digits
    ("1000 000 001", "1234", ["format_space"]),
    ("1000000010", "12 4", ["format_space"]),
    ("1000\u30000000\u300010", "1234", ["format_space"]),  # an ideographic space too
    ("10000a00010", "1234", ["format_length"]),  # length is checked before characters
    ("10000\x010010", "1234", ["format_charset"]),  # a NUL is a 400 (tests/portal/test_nul.py)
    ("1000000010", "１２３４", ["format_fullwidth"]),
    ("1000000010", "12-4", ["format_hyphen"]),
    ("1000000010", "123", ["format_length"]),
    ("1000000010", "12a4", ["format_charset"]),
    ("１０００", "12-4", ["format_fullwidth", "format_hyphen"]),
    ("1000000010\u3000", "1234", ["format_space"]),  # only ASCII spaces at the ends are forgiven
    ("\u30001000000010", "1234", ["format_space"]),
    ("1000000010", "1234\u3000", ["format_space"]),
    ("1000000010", " 1234", ["format_space"]),  # a PIN keeps every character it was given
]


@pytest.mark.parametrize(("card_number", "pin", "expected"), CARD_FORMAT_CASES)
def test_card_format_errors_are_explained_and_not_counted(client, card_number, pin, expected):
    response = post_card(client, card_number, pin)
    assert response.status_code == 200
    assert error_codes(response) == expected
    assert not LoginAttempt.objects.exists()
    assert not AttemptCounter.objects.exists()


WEB_ID_FORMAT_CASES = [
    ("ＡＢＣＤ１２３４", "Passw0rd1", ["format_fullwidth"]),
    ("abcd1234", "Ｐａｓｓ１２３４", ["format_fullwidth"]),
    ("abc123", "Passw0rd1", ["format_length"]),
    ("a" * 33, "Passw0rd1", ["format_length"]),
    ("abcd1234", "Pass12", ["format_length"]),
    ("abcd1234", "P" * 21, ["format_length"]),
    ("abcd-1234", "Passw0rd1", ["format_charset"]),  # a hyphen is just a bad character here
    ("abcd_1234", "Passw0rd1", ["format_charset"]),
    ("abcd1234", "Passw0rd!", ["format_charset"]),
    ("abcd1234", " Passw0rd1", ["format_charset"]),
    ("abcd1234", "Passw0rd\n1", ["format_charset"]),
    ("ａｂｃ", "", ["format_fullwidth", "format_length"]),
    ("abcd1234\u3000", "Passw0rd1", ["format_fullwidth"]),
    ("abcd1234", "Passw0rd1\u3000", ["format_fullwidth"]),
]


@pytest.mark.parametrize(("web_id", "password", "expected"), WEB_ID_FORMAT_CASES)
def test_web_id_format_errors_are_explained_and_not_counted(client, web_id, password, expected):
    response = post_web_id(client, web_id, password)
    assert response.status_code == 200
    assert error_codes(response) == expected
    assert not LoginAttempt.objects.exists()
    assert not AttemptCounter.objects.exists()


def test_ascii_spaces_around_a_pasted_identifier_are_forgiven(client):
    MemberFactory(card_number="1000000001", web_id="abcd1234")
    assert post_card(client, " 1000000001\t", DEFAULT_PIN).status_code == 302
    client.post(reverse("members:logout"))
    assert post_web_id(client, "abcd1234 ", DEFAULT_PASSWORD).status_code == 302


def test_format_messages_speak_like_a_help_desk(client):
    html = post_card(client, "１０００００００１０", "1234").content.decode()
    assert "カード番号は半角数字で入力してください（全角文字が含まれています）" in html
    html = post_card(client, "1000-0000-10", "1234").content.decode()
    assert "ハイフン" in html
    html = post_card(client, "123", "1234").content.decode()
    assert "10桁または15〜16桁" in html
    assert "（入力は3桁です）" in html
    html = post_card(client, "1000 000 001", "1234").content.decode()
    assert "空白を入れずに" in html
    html = post_web_id(client, "abc", "Passw0rd1").content.decode()
    assert "（入力は3文字です）" in html


def test_a_card_number_typed_with_separators_is_not_cut_short_by_the_input(client):
    """A 16-digit number typed in groups (19 characters) reaches the server, which
    explains what to remove, instead of the browser silently dropping digits."""
    field = CardLoginForm().fields["card_number"].widget
    assert int(field.attrs["maxlength"]) >= len("1234 5678 9012 3456")


def test_missing_fields_are_format_errors_not_500(client):
    response = client.post(CARD_URL, {})
    assert response.status_code == 200
    assert error_codes(response) == ["format_length", "format_length"]


def test_entered_card_number_is_kept_but_pin_is_not_rendered(client, member):
    html = post_card(client, member.card_number, "9999").content.decode()
    assert f'value="{member.card_number}"' in html
    assert 'value="9999"' not in html


# --- Wrong credentials, enumeration ----------------------------------------------------


def test_wrong_pin_and_unknown_card_answer_the_same(client, member):
    known = post_card(client, member.card_number, "9999")
    unknown = post_card(client, "9" * 10, "9999")
    assert known.status_code == unknown.status_code == 200
    assert error_codes(known) == error_codes(unknown) == ["invalid_credentials"]
    assert _page_without_volatile_parts(known, member.card_number) == _page_without_volatile_parts(
        unknown, "9" * 10
    )


def test_wrong_password_and_unknown_web_id_answer_the_same(client, member):
    known = post_web_id(client, member.web_id, "Wrong0000")
    unknown = post_web_id(client, "nobody1234", "Wrong0000")
    assert known.status_code == unknown.status_code == 200
    assert _page_without_volatile_parts(known, member.web_id) == _page_without_volatile_parts(
        unknown, "nobody1234"
    )


def _page_without_volatile_parts(response, identifier):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return html.replace(f'value="{identifier}"', 'value="IDENTIFIER"')


@pytest.mark.parametrize("method", ["card", "web_id"])
def test_unknown_identifier_costs_one_hash_like_a_wrong_secret(client, hash_counter, method):
    member = MemberFactory()
    post = post_card if method == "card" else post_web_id
    identifier = member.card_number if method == "card" else member.web_id
    unknown = "9" * 10 if method == "card" else "nobody1234"
    secret = "9999" if method == "card" else "Wrong0000"

    before = hash_counter()
    post(client, identifier, secret)
    known_cost = hash_counter() - before
    before = hash_counter()
    post(client, unknown, secret)
    unknown_cost = hash_counter() - before
    assert known_cost == unknown_cost == 1


def test_failed_login_signal_never_carries_a_secret_in_clear(client, member):
    received = []

    def handler(sender, credentials, **kwargs):
        received.append(credentials)

    user_login_failed.connect(handler)
    try:
        post_card(client, member.card_number, "9876")
        post_web_id(client, member.web_id, "Secret9876")
    finally:
        user_login_failed.disconnect(handler)
    flat = repr(received)
    assert len(received) == 2
    assert "9876" not in flat.replace(member.card_number, "")
    assert "Secret9876" not in flat


def test_terminated_contract_is_told_only_after_correct_credentials(client):
    member = MemberFactory(contract__status=ContractStatus.TERMINATED)
    assert error_codes(post_card(client, member.card_number, "9999")) == ["invalid_credentials"]
    assert error_codes(post_card(client, member.card_number, DEFAULT_PIN)) == [
        "contract_terminated"
    ]
    assert error_codes(post_web_id(client, member.web_id, DEFAULT_PASSWORD)) == [
        "contract_terminated"
    ]
    assert "_auth_user_id" not in client.session


def test_suspended_contract_can_log_in(client):
    member = MemberFactory(contract__status=ContractStatus.SUSPENDED)
    assert post_card(client, member.card_number, DEFAULT_PIN).status_code == 302


def test_inactive_member_cannot_log_in(client):
    member = MemberFactory(is_active=False)
    assert error_codes(post_card(client, member.card_number, DEFAULT_PIN)) == [
        "invalid_credentials"
    ]


# --- Lockout --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["card", "web_id"])
def test_credential_locks_on_the_threshold_failure(client, method):
    member = MemberFactory()
    post, identifier, right, wrong = _credential(member, method)
    answers = [error_codes(post(client, identifier, wrong)) for _ in range(5)]
    assert answers == [["invalid_credentials"]] * 4 + [["locked"]]
    assert lockout.is_locked(method=method, identifier=identifier)
    # A locked credential refuses even the right secret.
    assert error_codes(post(client, identifier, right)) == ["locked"]


def _credential(member, method):
    if method == "card":
        return post_card, member.card_number, DEFAULT_PIN, "9999"
    return post_web_id, member.web_id, DEFAULT_PASSWORD, "Wrong0000"


def test_threshold_comes_from_the_setting(client, member, settings):
    settings.PORTAL_LOCKOUT_THRESHOLD = 3
    answers = [error_codes(post_card(client, member.card_number, "9999")) for _ in range(3)]
    assert answers == [["invalid_credentials"]] * 2 + [["locked"]]


def test_success_resets_the_counter(client, member):
    for _ in range(4):
        post_card(client, member.card_number, "9999")
    assert post_card(client, member.card_number, DEFAULT_PIN).status_code == 302
    client.post(reverse("members:logout"))
    answers = [error_codes(post_card(client, member.card_number, "9999")) for _ in range(4)]
    assert answers == [["invalid_credentials"]] * 4


def test_card_and_web_id_have_separate_counters(client, member):
    for _ in range(5):
        post_card(client, member.card_number, "9999")
    assert lockout.is_locked(method=LoginMethod.CARD, identifier=member.card_number)
    assert not lockout.is_locked(method=LoginMethod.WEB_ID, identifier=member.web_id)
    assert post_web_id(client, member.web_id, DEFAULT_PASSWORD).status_code == 302


def test_locked_attempts_verify_no_secret(client, hash_counter):
    member = MemberFactory()
    for _ in range(5):
        post_card(client, member.card_number, "9999")
    before = hash_counter()
    assert error_codes(post_card(client, member.card_number, DEFAULT_PIN)) == ["locked"]
    assert hash_counter() == before


def test_unknown_identifier_locks_exactly_like_a_known_one(client):
    answers = [error_codes(post_card(client, "8" * 16, "9999")) for _ in range(6)]
    assert answers == [["invalid_credentials"]] * 4 + [["locked"]] * 2
    answers = [error_codes(post_web_id(client, "ghost12345", "Wrong0000")) for _ in range(6)]
    assert answers == [["invalid_credentials"]] * 4 + [["locked"]] * 2


def test_counters_never_store_identifiers_in_clear(client, member):
    post_card(client, member.card_number, "9999")
    post_web_id(client, member.web_id, "Wrong0000")
    keys = list(AttemptCounter.objects.values_list("key", flat=True))
    assert keys
    assert all(member.card_number not in key and member.web_id not in key for key in keys)


def test_staff_pin_reset_unlocks_the_card(client, member):
    for _ in range(5):
        post_card(client, member.card_number, "9999")
    staff_actions.set_new_pin(member=member, new_pin_secret="4321")
    assert error_codes(post_card(client, member.card_number, DEFAULT_PIN)) == [
        "invalid_credentials"
    ]
    assert post_card(client, member.card_number, "4321").status_code == 302


def test_a_new_pin_ends_the_sessions_opened_with_the_old_one(client, member):
    assert post_card(client, member.card_number, DEFAULT_PIN).status_code == 302
    assert client.get(reverse("members:mypage")).status_code == 200

    staff_actions.set_new_pin(member=member, new_pin_secret="4321")

    response = client.get(reverse("members:mypage"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_staff_web_id_unlock_lets_the_right_password_in(client, member):
    for _ in range(5):
        post_web_id(client, member.web_id, "Wrong0000")
    account.unlock_web_id(member=member)
    assert post_web_id(client, member.web_id, DEFAULT_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("failures", "new_threshold"),
    [(5, 10), (3, 3)],
    ids=["raised threshold keeps the lock", "lowered threshold locks past it"],
)
def test_a_threshold_change_never_unlocks(client, member, settings, failures, new_threshold):
    for _ in range(failures):
        post_card(client, member.card_number, "9999")
    settings.PORTAL_LOCKOUT_THRESHOLD = new_threshold

    assert lockout.is_locked(method=LoginMethod.CARD, identifier=member.card_number)
    assert error_codes(post_card(client, member.card_number, DEFAULT_PIN)) == ["locked"]


def test_rotating_the_secret_key_keeps_every_lock(client, member, settings):
    """Counter keys use PORTAL_LOCKOUT_KEY: a SECRET_KEY rotation must not unlock cards."""
    lockout.lock_credential(method=LoginMethod.CARD, identifier=member.card_number)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []

    assert error_codes(post_card(client, member.card_number, DEFAULT_PIN)) == ["locked"]


def test_a_success_between_two_steps_of_another_reservation_does_not_lock(monkeypatch):
    """A success resets the counter while a parallel attempt is between creating the row
    and taking its place: that attempt must still get a place, not a false `locked`."""
    key = lockout.credential_key(method=LoginMethod.CARD, identifier="1000000001")
    counters.reserve(key=key, limit=5)
    real_bulk_create = AttemptCounter.objects.bulk_create

    def bulk_create_then_a_success_elsewhere(*args, **kwargs):
        created = real_bulk_create(*args, **kwargs)
        counters.reset(key=key)
        return created

    monkeypatch.setattr(AttemptCounter.objects, "bulk_create", bulk_create_then_a_success_elsewhere)

    assert counters.reserve(key=key, limit=5) == 1


def test_only_the_reservation_that_reaches_the_threshold_locks_on_failure(settings):
    settings.PORTAL_LOCKOUT_THRESHOLD = 3
    reservations = [
        lockout.reserve_credential(method=LoginMethod.CARD, identifier="1000000001")
        for _ in range(4)
    ]
    assert [r.locks_on_failure for r in reservations[:3]] == [False, False, True]
    assert reservations[3] is None  # locked: no place, no secret checked
    assert [r.failure_result for r in reservations[:3]] == [
        LoginResult.INVALID_CREDENTIALS,
        LoginResult.INVALID_CREDENTIALS,
        LoginResult.LOCKED,
    ]


# --- Per-address throttle -------------------------------------------------------------


def test_address_is_throttled_after_too_many_failures(client, settings, time_machine):
    settings.PORTAL_IP_THROTTLE = (3, 15 * 60)
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC), tick=False)
    members = MemberFactory.create_batch(4)
    for other in members[:3]:
        assert error_codes(post_card(client, other.card_number, "9999")) == ["invalid_credentials"]
    # Even the right PIN of another card is refused from this address now…
    response = post_card(client, members[3].card_number, DEFAULT_PIN)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert error_codes(response) == ["throttled"]
    # …without locking any account, and other addresses are not affected.
    assert not any(
        lockout.is_locked(method=LoginMethod.CARD, identifier=m.card_number) for m in members
    )
    other_address = post_card(client, members[3].card_number, DEFAULT_PIN, REMOTE_ADDR="192.0.2.77")
    assert other_address.status_code == 302
    # When the window has passed, the address may try again.
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 16, tzinfo=dt.UTC), tick=False)
    assert post_card(client, members[3].card_number, DEFAULT_PIN).status_code == 302


def test_ipv6_clients_are_throttled_by_their_64_network(client, settings):
    """One subscriber gets a whole /64: rotating through it buys no more attempts."""
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    member = MemberFactory()
    for address in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"):
        post_card(client, member.card_number, "9999", REMOTE_ADDR=address)

    same_network = post_card(client, member.card_number, DEFAULT_PIN, REMOTE_ADDR="2001:db8:1:2::7")
    next_network = post_card(client, member.card_number, DEFAULT_PIN, REMOTE_ADDR="2001:db8:1:3::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 302
    # The login history keeps the full address.
    assert "2001:db8:1:2:ffff::9" in LoginAttempt.objects.values_list("client_address", flat=True)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8::1", "2001:db8::/64"),
        ("2001:DB8:0:0:abcd::1", "2001:db8::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("not an address", "not an address"),
    ],
)
def test_client_network(address, network):
    assert limits.client_network(address) == network


def test_behind_a_trusted_proxy_the_throttle_counts_the_address_the_proxy_saw(client, settings):
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    settings.PORTAL_TRUSTED_PROXIES = 1
    member = MemberFactory()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(2):
        post_card(client, member.card_number, "9999", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)

    # The same client, claiming another address to the left of the proxy's entry:
    forged = "192.0.2.99, 198.51.100.1"
    assert (
        post_card(client, "1000000009", "9999", HTTP_X_FORWARDED_FOR=forged, **proxy).status_code
        == 429
    )
    # Another client behind the same proxy is not affected.
    other = post_card(
        client, member.card_number, DEFAULT_PIN, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy
    )
    assert other.status_code == 302
    addresses = set(LoginAttempt.objects.values_list("client_address", flat=True))
    assert addresses == {"198.51.100.1", "198.51.100.2"}


def test_without_trusted_proxies_a_forwarded_header_is_ignored(client, settings):
    settings.PORTAL_IP_THROTTLE = (1, 15 * 60)
    member = MemberFactory()
    post_card(client, member.card_number, "9999", HTTP_X_FORWARDED_FOR="198.51.100.1")

    response = post_card(client, member.card_number, "9999", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert response.status_code == 429


def test_successful_logins_do_not_count_toward_the_throttle(client, settings):
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    member = MemberFactory()
    for _ in range(4):
        assert post_card(client, member.card_number, DEFAULT_PIN).status_code == 302
        client.post(reverse("members:logout"))
    assert error_codes(post_card(client, member.card_number, "9999")) == ["invalid_credentials"]


def test_format_errors_do_not_count_toward_the_throttle(client, settings, member):
    settings.PORTAL_IP_THROTTLE = (1, 15 * 60)
    for _ in range(3):
        post_card(client, "１２３", "1234")
    assert post_card(client, member.card_number, DEFAULT_PIN).status_code == 302


# --- Attempts, session ----------------------------------------------------------------


def test_every_attempt_is_recorded_with_masked_identifier(client, member):
    post_card(client, member.card_number, "9999", HTTP_USER_AGENT="TestBrowser/1.0")
    post_card(client, member.card_number, DEFAULT_PIN, HTTP_USER_AGENT="TestBrowser/1.0")
    attempts = list(LoginAttempt.objects.order_by("id"))
    assert [a.result for a in attempts] == [LoginResult.INVALID_CREDENTIALS, LoginResult.SUCCESS]
    for attempt in attempts:
        assert attempt.member == member
        assert attempt.method == LoginMethod.CARD
        assert attempt.masked_identifier == "******" + member.card_number[-4:]
        assert attempt.client_address == "127.0.0.1"
        assert attempt.user_agent == "TestBrowser/1.0"


def test_login_cycles_session_key_and_csrf_token(client, member):
    client.get("/login/")
    session_before = client.session.session_key
    csrf_before = client.cookies.get("csrftoken")
    post_card(client, member.card_number, DEFAULT_PIN)
    assert client.session.session_key != session_before
    csrf_after = client.cookies.get("csrftoken")
    assert csrf_before is not None
    assert csrf_after is not None
    assert csrf_before.value != csrf_after.value


def test_logout_is_a_post(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    assert client.get(reverse("members:logout")).status_code == 405
    response = client.post(reverse("members:logout"))
    assert response.status_code == 302
    assert client.get(reverse("members:mypage")).status_code == 302


def test_idle_session_times_out_with_a_notice(client, member, settings, time_machine):
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC), tick=False)
    post_card(client, member.card_number, DEFAULT_PIN)
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 14, tzinfo=dt.UTC), tick=False)
    assert client.get(reverse("members:mypage")).status_code == 200
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 29, 30, tzinfo=dt.UTC), tick=False)
    response = client.get(reverse("members:mypage"), follow=True)
    assert response.redirect_chain[0] == (reverse("members:login"), 302)
    assert 'data-notice="session_timeout"' in response.content.decode()
    assert client.get(reverse("members:mypage")).status_code == 302


def test_the_idle_clock_starts_at_login(client, member, settings, time_machine):
    """A session left alone right after logging in times out too (scripted clients)."""
    settings.PORTAL_SESSION_IDLE_MINUTES = 15
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC), tick=False)
    assert post_card(client, member.card_number, DEFAULT_PIN).status_code == 302
    time_machine.move_to(dt.datetime(2026, 12, 8, 12, 16, tzinfo=dt.UTC), tick=False)

    response = client.get(reverse("members:mypage"))

    assert response.status_code == 302
    assert response.url == reverse("members:login")


def test_mypage_requires_login(client):
    response = client.get(reverse("members:mypage"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_staff_never_use_the_member_page(client, db):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("members:mypage")).status_code == 302


def test_staff_can_hold_no_web_id_so_never_use_the_member_login(db):
    from django.db import IntegrityError, transaction

    from tests.factories import StaffFactory

    staff = StaffFactory()
    staff.web_id = "staff2026x"
    with pytest.raises(IntegrityError), transaction.atomic():
        staff.save(update_fields=["web_id"])


def test_members_cannot_sign_in_to_the_admin(client, member):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": member.web_id, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200  # the form again, no redirect into the admin
    assert "_auth_user_id" not in client.session
    client.force_login(member, backend="members.backends.CardPinBackend")
    assert client.get("/admin/").status_code == 302


def test_mypage_shows_figures_and_previous_login(client, member, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC), tick=False)
    post_card(client, member.card_number, DEFAULT_PIN)
    html = client.get(reverse("members:mypage")).content.decode()
    assert "今回が初めてのログインです" in html
    client.post(reverse("members:logout"))
    time_machine.move_to(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC), tick=False)
    post_web_id(client, member.web_id, DEFAULT_PASSWORD)
    html = client.get(reverse("members:mypage")).content.decode()
    contract = member.contract
    assert f'data-member-number="{member.member_number}"' in html
    assert f'data-balance="{contract.principal_balance}"' in html
    assert f'data-available="{contract.available_credit}"' in html
    assert f'data-limit="{contract.credit_limit}"' in html
    assert f'data-rate="{contract.annual_rate}"' in html
    assert 'data-previous-login="2026-12-01T10:00:00+09:00"' in html


def test_login_history_shows_only_the_members_own_attempts(client):
    alice, bob = MemberFactory.create_batch(2)
    post_card(client, bob.card_number, "9999")
    post_card(client, alice.card_number, "9999")
    post_card(client, alice.card_number, DEFAULT_PIN)
    html = client.get(reverse("members:login-history")).content.decode()
    assert html.count("<tr data-result=") == 2
    assert alice.card_number[-4:] in html
    assert bob.card_number[-4:] not in html


def test_member_pages_stay_within_a_constant_number_of_queries(
    client, member, django_assert_max_num_queries
):
    post_card(client, member.card_number, DEFAULT_PIN)
    # Session, member+contract, maintenance, the loan position (ledger), the points panel
    # (one), the notices panel (two) and the session save.
    with django_assert_max_num_queries(15):
        client.get(reverse("members:mypage"))
    with django_assert_max_num_queries(8):
        client.get(reverse("members:login-history"))


@pytest.mark.parametrize(
    ("method", "data", "crashing"),
    [
        ("card", {"card_number": "1000000001", "pin": "4826"}, "check_pin"),
        ("web_id", {"web_id": "abcd1234", "password": "Zq4826Secret"}, "check_password"),
    ],
)
def test_error_reports_never_show_the_secret(rf, monkeypatch, method, data, crashing):
    """A crash while verifying must not put the PIN or password into the error report."""
    from django.views.debug import ExceptionReporter

    from members import views

    def crash(self, raw_secret):
        raise RuntimeError("hasher exploded")

    MemberFactory(card_number="1000000001", web_id="abcd1234")
    monkeypatch.setattr(f"members.models.Member.{crashing}", crash)
    request = rf.post("/login/", data, REMOTE_ADDR="127.0.0.1")
    request._dont_enforce_csrf_checks = True
    with pytest.raises(RuntimeError) as excinfo:
        views.login_submit(request, method=method)
    # The report as Django would mail it, from the view down (not this test's own frame).
    report = ExceptionReporter(
        request, excinfo.type, excinfo.value, excinfo.tb.tb_next
    ).get_traceback_html()
    secret = data.get("pin") or data["password"]
    assert "hasher exploded" in report
    assert "attempt_login" in report
    assert secret not in report, [line for line in report.splitlines() if secret in line]


# --- Query budgets (make bench measures the time) -----------------------------------------


def test_the_login_page_costs_one_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # the maintenance windows
        assert client.get("/login/").status_code == 200


@pytest.mark.parametrize(
    ("pin", "status", "budget"),
    [
        (
            DEFAULT_PIN,
            302,
            31,
        ),  # counters, member, contract, session and its record, device, attempt, and
        # whether the month's login points are due (points.handlers: one query when not)
        ("9999", 200, 15),
        ("99", 200, 1),  # a format error checks nothing
    ],
)
def test_a_card_login_stays_within_its_query_budget(
    client, member, django_assert_max_num_queries, pin, status, budget
):
    with django_assert_max_num_queries(budget):
        assert post_card(client, member.card_number, pin).status_code == status


@pytest.mark.parametrize(
    ("who", "shown"), [("member", True), ("staff", False), ("anonymous", False)]
)
def test_the_member_menu_is_shown_to_members_only(client, who, shown):
    if who == "member":
        client.force_login(MemberFactory(), backend="members.backends.CardPinBackend")
    elif who == "staff":
        client.force_login(StaffFactory(), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("portal:help-login")).content.decode()
    assert ('id="logout-button"' in html) is shown
