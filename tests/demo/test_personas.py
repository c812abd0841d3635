from html.parser import HTMLParser

import pytest
from django.core import mail as django_mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.personas import PERSONAS, PERSONAS_BY_KEY, Persona
from members import lockout
from members.models import ContractStatus, LoanContract, LoginMethod, Member
from tests.factories import MemberFactory
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db

PERSONA_KEYS = [
    "standard",
    "card_only",
    "webid_locked",
    "card_locked",
    "terminated",
    "delinquent",
    "interest_free",
    "points_rich",
    "paid_off",
    "new_device",
]
CARD_ATTRIBUTES = (
    "data-member-number",
    "data-card-number",
    "data-pin",
    "data-web-id",
    "data-password",
    "data-email",
)


class _ElementsWith(HTMLParser):
    def __init__(self, attribute: str):
        super().__init__()
        self.attribute = attribute
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if self.attribute in attributes:
            self.found.append(attributes)


def elements_with(response, attribute: str) -> list[dict[str, str]]:
    """Return the attributes of every element of the page that carries `attribute`."""
    parser = _ElementsWith(attribute)
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def personas(db):
    call_command("reset_demo")
    return {
        persona.key: Member.objects.get(member_number=persona.member_number) for persona in PERSONAS
    }


def login_card(client, key):
    persona = PERSONAS_BY_KEY[key]
    return client.post(
        reverse("members:login-card"),
        {"card_number": persona.card_number, "pin": persona.pin},
    )


def login_web_id(client, key):
    persona = PERSONAS_BY_KEY[key]
    return client.post(
        reverse("members:login-web-id"),
        {"web_id": persona.web_id, "password": persona.password},
    )


def assert_logged_in(client, response, key):
    assert response.status_code == 302
    assert response.url == reverse("members:mypage")
    mypage = client.get(response.url)
    assert mypage.status_code == 200
    assert mypage.context["member"].member_number == PERSONAS_BY_KEY[key].member_number
    return mypage


def assert_refused(client, response, code):
    assert response.status_code == 200
    assert error_codes(response) == [code]
    assert "_auth_user_id" not in client.session


# --- /demo/ ----------------------------------------------------------------------------


def test_the_personas_are_the_documented_ten():
    assert [persona.key for persona in PERSONAS] == PERSONA_KEYS


def test_demo_page_shows_one_card_per_persona_with_its_credentials(client):
    response = client.get(reverse("demo:personas"))

    assert response.status_code == 200
    cards = elements_with(response, "data-persona")
    assert [card["data-persona"] for card in cards] == PERSONA_KEYS
    for card in cards:
        persona = PERSONAS_BY_KEY[card["data-persona"]]
        assert {name: card.get(name) for name in CARD_ATTRIBUTES} == {
            "data-member-number": persona.member_number,
            "data-card-number": persona.card_number,
            "data-pin": persona.pin,
            "data-web-id": persona.web_id,
            "data-password": persona.password,
            "data-email": persona.email,
        }


def test_demo_page_leaves_web_id_and_password_empty_for_card_only(client):
    cards = {
        card["data-persona"]: card
        for card in elements_with(client.get(reverse("demo:personas")), "data-persona")
    }

    assert cards["card_only"]["data-web-id"] == ""
    assert cards["card_only"]["data-password"] == ""
    assert cards["card_only"]["data-email"] != ""
    assert all(cards[key]["data-web-id"] for key in PERSONA_KEYS if key != "card_only")


def test_demo_page_offers_a_web_id_fill_button_only_where_there_is_a_web_id(client):
    buttons = elements_with(client.get(reverse("demo:personas")), "data-fill-method")

    card_buttons = [button["id"] for button in buttons if button["data-fill-method"] == "card"]
    web_id_buttons = [button["id"] for button in buttons if button["data-fill-method"] == "web_id"]
    assert card_buttons == [f"fill-card-{key}" for key in PERSONA_KEYS]
    assert web_id_buttons == [f"fill-web-id-{key}" for key in PERSONA_KEYS if key != "card_only"]


def test_demo_page_links_to_the_mailbox(client):
    links = elements_with(client.get(reverse("demo:personas")), "href")

    assert reverse("demo:mailbox") in [link["href"] for link in links]


def test_demo_page_is_404_without_portal_demo(client, settings):
    settings.PORTAL_DEMO = False

    assert client.get(reverse("demo:personas")).status_code == 404


def test_demo_page_answers_only_get(client):
    assert client.post(reverse("demo:personas")).status_code == 405


# --- reset_demo --------------------------------------------------------------------------


def persona_state(persona: Persona) -> dict:
    """Return what a persona's documented state consists of, comparable across resets."""
    member = Member.objects.get(member_number=persona.member_number)
    contract = member.contract
    return {
        "member_number": member.member_number,
        "card_number": member.card_number,
        "web_id": member.web_id,
        "email": member.email,
        "email_verified": member.email_verified,
        "statement_delivery": member.statement_delivery,
        "pin_ok": member.check_pin(persona.pin),
        "password_ok": bool(persona.password) and member.check_password(persona.password),
        "has_usable_password": member.has_usable_password(),
        "credit_limit": contract.credit_limit,
        "annual_rate": contract.annual_rate,
        "due_day": contract.due_day,
        "status": contract.status,
        "principal_balance": contract.principal_balance,
        "has_transfer_account": hasattr(member, "transfer_account"),
        "card_locked": lockout.is_locked(method=LoginMethod.CARD, identifier=member.card_number),
        "web_id_locked": bool(member.web_id)
        and lockout.is_locked(method=LoginMethod.WEB_ID, identifier=member.web_id),
    }


def all_persona_states() -> dict[str, dict]:
    return {persona.key: persona_state(persona) for persona in PERSONAS}


def test_reset_demo_creates_every_persona_in_its_documented_state():
    call_command("reset_demo")

    states = all_persona_states()
    assert list(states) == PERSONA_KEYS
    for key, state in states.items():
        persona = PERSONAS_BY_KEY[key]
        assert state["card_number"] == persona.card_number
        assert state["web_id"] == (persona.web_id or None)
        assert state["email"] == persona.email
        assert state["email_verified"] is True
        assert state["statement_delivery"] == "web"
        assert state["pin_ok"] is True
        assert state["password_ok"] is bool(persona.password)
        assert state["has_transfer_account"] is True
        assert state["status"] == persona.status
        assert state["card_locked"] is persona.card_locked
        assert state["web_id_locked"] is persona.web_id_locked


def test_reset_demo_sets_the_scenario_of_each_persona():
    call_command("reset_demo")

    states = all_persona_states()
    assert states["card_only"]["web_id"] is None
    assert states["card_only"]["has_usable_password"] is False
    assert states["webid_locked"]["web_id_locked"] is True
    assert states["webid_locked"]["card_locked"] is False
    assert states["card_locked"]["card_locked"] is True
    assert states["card_locked"]["web_id_locked"] is False
    assert states["terminated"]["status"] == ContractStatus.TERMINATED
    assert states["delinquent"]["status"] == ContractStatus.SUSPENDED
    assert states["paid_off"]["principal_balance"] == 0
    for key in ("standard", "delinquent", "interest_free", "points_rich"):
        assert states[key]["principal_balance"] > 0


def test_reset_demo_reports_what_it_did(capsys):
    call_command("reset_demo")

    assert "10" in capsys.readouterr().out


def test_reset_demo_is_idempotent():
    call_command("reset_demo")
    first = all_persona_states()
    members = Member.objects.count()

    call_command("reset_demo")

    assert all_persona_states() == first
    assert Member.objects.count() == members == len(PERSONAS)
    assert LoanContract.objects.count() == len(PERSONAS)


def test_reset_demo_restores_changed_personas(personas):
    documented = all_persona_states()
    standard = personas["standard"]
    standard.contract.principal_balance = 0
    standard.contract.status = ContractStatus.TERMINATED
    standard.contract.credit_limit = 100_000
    standard.contract.save()
    standard.set_pin("0000")
    standard.set_password("Changed999")
    standard.web_id = "changedweb01"
    standard.email = "someone@example.jp"
    standard.email_verified = False
    standard.save()
    lockout.lock_credential(method=LoginMethod.CARD, identifier=standard.card_number)
    lockout.lock_credential(method=LoginMethod.WEB_ID, identifier="changedweb01")
    lockout.unlock_web_id(personas["webid_locked"].web_id)
    lockout.unlock_card(personas["card_locked"].card_number)
    paid_off = personas["paid_off"].contract
    paid_off.principal_balance = 300_000
    paid_off.save()
    assert all_persona_states() != documented

    call_command("reset_demo")

    assert all_persona_states() == documented
    standard = Member.objects.get(member_number=standard.member_number)
    assert standard.web_id == "standard01"
    assert not Member.objects.filter(web_id="changedweb01").exists()


def test_reset_demo_leaves_other_members_alone():
    other = MemberFactory(contract__principal_balance=77_000)
    lockout.lock_credential(method=LoginMethod.CARD, identifier=other.card_number)
    other_pin_hash = Member.objects.get(pk=other.pk).pin

    call_command("reset_demo")
    call_command("reset_demo")

    other.refresh_from_db()
    assert other.pin == other_pin_hash
    assert LoanContract.objects.get(member=other).principal_balance == 77_000
    assert lockout.is_locked(method=LoginMethod.CARD, identifier=other.card_number)
    assert Member.objects.count() == len(PERSONAS) + 1


def test_reset_demo_leaves_staff_alone(staff_client):
    call_command("reset_demo")

    assert Member.objects.filter(is_staff=True).count() == 1


def test_reset_demo_refuses_outside_demo_mode_and_changes_nothing(personas, settings):
    settings.PORTAL_DEMO = False
    standard = personas["standard"]
    standard.contract.status = ContractStatus.TERMINATED
    standard.contract.save()
    members = Member.objects.count()

    with pytest.raises(CommandError, match="PORTAL_DEMO"):
        call_command("reset_demo")

    standard.contract.refresh_from_db()
    assert standard.contract.status == ContractStatus.TERMINATED
    assert Member.objects.count() == members


# --- Each persona's login outcome through the real views -----------------------------------

SUCCEEDS_WITH_BOTH = [
    "standard",
    "delinquent",
    "interest_free",
    "points_rich",
    "paid_off",
    "new_device",
]


@pytest.mark.parametrize("key", SUCCEEDS_WITH_BOTH)
def test_persona_logs_in_with_the_card(client, personas, key):
    assert_logged_in(client, login_card(client, key), key)


@pytest.mark.parametrize("key", SUCCEEDS_WITH_BOTH)
def test_persona_logs_in_with_the_web_id(client, personas, key):
    assert_logged_in(client, login_web_id(client, key), key)


def test_card_only_logs_in_with_the_card_and_is_offered_a_web_id(client, personas):
    mypage = assert_logged_in(client, login_card(client, "card_only"), "card_only")

    assert "menu-register-web-id" in [element["id"] for element in elements_with(mypage, "id")]


def test_webid_locked_is_refused_by_web_id_but_logs_in_with_the_card(client, personas):
    assert_refused(client, login_web_id(client, "webid_locked"), "locked")

    assert_logged_in(client, login_card(client, "webid_locked"), "webid_locked")


def test_card_locked_is_refused_by_card_but_logs_in_with_the_web_id(client, personas):
    assert_refused(client, login_card(client, "card_locked"), "locked")

    assert_logged_in(client, login_web_id(client, "card_locked"), "card_locked")


@pytest.mark.parametrize("login", [login_card, login_web_id])
def test_terminated_is_refused_with_both_methods(client, personas, login):
    assert_refused(client, login(client, "terminated"), "contract_terminated")


def test_delinquent_sees_the_overdue_banner(client, personas):
    mypage = assert_logged_in(client, login_card(client, "delinquent"), "delinquent")

    (banner,) = elements_with(mypage, "data-contract-status")
    assert banner["data-contract-status"] == ContractStatus.SUSPENDED
    assert banner["role"] == "alert"
    assert "overdue-banner" in banner["class"].split()


@pytest.mark.parametrize("key", ["standard", "interest_free", "points_rich", "new_device"])
def test_active_personas_see_no_warning(client, personas, key):
    mypage = assert_logged_in(client, login_card(client, key), key)

    assert elements_with(mypage, "data-contract-status") == []


@pytest.mark.parametrize("key", ["standard", "paid_off", "delinquent", "points_rich"])
def test_mypage_shows_the_persona_balance(client, personas, key):
    mypage = assert_logged_in(client, login_card(client, key), key)

    (balance,) = elements_with(mypage, "data-balance")
    assert balance["data-balance"] == str(personas[key].contract.principal_balance)


def test_delinquent_has_an_overdue_amount(client, personas):
    mypage = assert_logged_in(client, login_card(client, "delinquent"), "delinquent")

    (overdue,) = elements_with(mypage, "data-overdue")
    assert int(overdue["data-overdue"]) > 0


def test_interest_free_is_inside_its_interest_free_days(client, personas):
    mypage = assert_logged_in(client, login_web_id(client, "interest_free"), "interest_free")

    (days_left,) = elements_with(mypage, "data-interest-free-days")
    assert 1 <= int(days_left["data-interest-free-days"]) <= 30


def test_paid_off_has_a_zero_balance_and_the_whole_limit_available(client, personas):
    mypage = assert_logged_in(client, login_web_id(client, "paid_off"), "paid_off")

    (balance,) = elements_with(mypage, "data-balance")
    (available,) = elements_with(mypage, "data-available")
    assert balance["data-balance"] == "0"
    assert available["data-available"] == str(PERSONAS_BY_KEY["paid_off"].credit_limit)


def test_logins_after_reset_succeed_again(client, personas):
    """A persona a demo locked is usable again after reset_demo."""
    for _ in range(5):
        client.post(
            reverse("members:login-card"),
            {"card_number": PERSONAS_BY_KEY["standard"].card_number, "pin": "0000"},
        )
    assert_refused(client, login_card(client, "standard"), "locked")

    call_command("reset_demo")

    assert_logged_in(client, login_card(client, "standard"), "standard")


def test_new_device_gets_the_new_browser_alert(client, personas, mailbox):
    assert_logged_in(client, login_card(client, "new_device"), "new_device")

    alerts = [
        mail for mail in django_mail.outbox if mail.to == [PERSONAS_BY_KEY["new_device"].email]
    ]
    assert len(alerts) == 1
