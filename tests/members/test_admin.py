import re
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.personas import PERSONAS_BY_KEY
from members import lockout
from members.models import ContractStatus, LoanContract, LoginAttempt, LoginMethod, Member
from portal.models import MailboxMessage, MaintenanceWindow
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import error_codes, logged_in_to_mypage, login_card

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")
RESET_DEMO = reverse("admin:members_member_reset_demo")
GENERATE = reverse("admin:members_member_generate")
ADMIN_LOGIN = reverse("admin:login")


def set_pin_url(member):
    return reverse("admin:members_member_set_pin", args=[member.pk])


def column(response, member, name) -> str:
    """Return the text of one changelist cell of `member`'s row."""
    html = response.content.decode()
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if member.member_number in r)
    return re.search(rf'class="field-{name}[^"]*">([^<]*)<', row).group(1).strip()


def run_action(client, action, members):
    return client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [member.pk for member in members]}
    )


def identity(member, **changes):
    """Return a valid set-new-PIN form for `member`, with `changes` applied."""
    return {
        "birth_date": member.birth_date.isoformat(),
        "phone": member.phone,
        "new_pin": "5678",
        "new_pin_confirm": "5678",
        **changes,
    }


# --- Staff only ---------------------------------------------------------------------


def _member_client(client):
    client.force_login(MemberFactory(), backend="members.backends.CardPinBackend")
    return client


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize(
    "url",
    [
        lambda p: CHANGELIST,
        lambda p: reverse("admin:members_member_change", args=[p["standard"].pk]),
        lambda p: set_pin_url(p["card_locked"]),
        lambda p: RESET_DEMO,
        lambda p: GENERATE,
        lambda p: reverse("admin:members_loginattempt_changelist"),
        lambda p: reverse("admin:portal_maintenancewindow_changelist"),
        lambda p: reverse("admin:portal_mailboxmessage_changelist"),
    ],
    ids=[
        "members",
        "change",
        "set-pin",
        "reset-demo",
        "generate",
        "attempts",
        "maintenance",
        "mailbox",
    ],
)
def test_admin_pages_send_non_staff_to_the_admin_login(client, persona_members, who, url):
    if who == "member":
        _member_client(client)
    response = client.get(url(persona_members))
    assert response.status_code == 302
    assert response.url.startswith(ADMIN_LOGIN)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_non_staff_posts_change_nothing(client, persona_members, who):
    if who == "member":
        _member_client(client)
    card_locked, webid_locked = persona_members["card_locked"], persona_members["webid_locked"]
    standard = persona_members["standard"]
    members_before = Member.objects.count()
    standard.contract.status = ContractStatus.TERMINATED  # reset-demo would restore it
    standard.contract.save()

    answers = [
        client.post(set_pin_url(card_locked), identity(card_locked)),
        client.post(RESET_DEMO),
        client.post(GENERATE, {"count": "3", "scenario": "standard", "transactions": "1"}),
        run_action(client, "unlock_web_id", [webid_locked]),
        run_action(client, "reinstate_contract", [standard]),
    ]

    for response in answers:
        assert response.status_code == 302
        assert response.url.startswith(ADMIN_LOGIN)
    assert Member.objects.count() == members_before
    assert lockout.is_locked(method=LoginMethod.CARD, identifier=card_locked.card_number)
    assert lockout.is_locked(method=LoginMethod.WEB_ID, identifier=webid_locked.web_id)
    standard.contract.refresh_from_db()
    assert standard.contract.status == ContractStatus.TERMINATED
    assert not LogEntry.objects.exists()


def test_staff_without_permissions_are_refused_the_member_tools(client, persona_members):
    client.force_login(StaffFactory(), backend="django.contrib.auth.backends.ModelBackend")
    card_locked = persona_members["card_locked"]
    assert client.post(set_pin_url(card_locked), identity(card_locked)).status_code == 403
    assert client.post(RESET_DEMO).status_code == 403
    assert client.post(GENERATE, {"count": "1", "scenario": "standard"}).status_code == 403
    assert lockout.is_locked(method=LoginMethod.CARD, identifier=card_locked.card_number)


# --- The list -----------------------------------------------------------------------


def test_the_list_shows_members_and_staff_separately(staff_client, persona_members):
    clerk = StaffFactory(username="clerk-tanaka")
    members = staff_client.get(CHANGELIST).context["cl"].result_list
    assert set(members) == set(persona_members.values())
    staff = staff_client.get(CHANGELIST, {"kind": "staff"}).context["cl"].result_list
    assert clerk in staff
    assert not any(user.member_number for user in staff)


@pytest.mark.parametrize(
    "term",
    [
        "255500777",  # member number
        "4980123412341234",  # card number
        "斎藤",  # kanji name
        "サイトウ",  # kana name
        "08012345678",  # phone
        "080-1234-5678",  # phone as people write it
        "ｻｲﾄｳ",  # kana typed in half width
        "２５５５００７７７",  # member number typed in full width
    ],
)
def test_search_finds_a_member_by_each_field(staff_client, term):
    target = MemberFactory(
        member_number="255500777",
        card_number="4980123412341234",
        name_kanji="斎藤 美穂",
        name_kana="サイトウ ミホ",
        phone="08012345678",
    )
    MemberFactory(name_kanji="山本 健", name_kana="ヤマモト ケン", phone="09099998888")
    found = staff_client.get(CHANGELIST, {"q": term}).context["cl"].result_list
    assert list(found) == [target]


def test_the_list_shows_card_web_id_and_contract_state(staff_client, persona_members):
    response = staff_client.get(CHANGELIST)
    assert column(response, persona_members["card_locked"], "card_state") == "ロック中"
    assert column(response, persona_members["card_locked"], "web_id_state") == "正常"
    assert column(response, persona_members["webid_locked"], "web_id_state") == "ロック中"
    assert column(response, persona_members["webid_locked"], "card_state") == "正常"
    assert column(response, persona_members["card_only"], "web_id_state") == "未登録"
    assert column(response, persona_members["card_only"], "web_id") == "-"
    standard = persona_members["standard"]
    assert column(response, standard, "card_number") == standard.card_number
    assert column(response, standard, "web_id") == standard.web_id
    assert column(response, persona_members["terminated"], "contract_status") == "解約"
    paid_off = persona_members["paid_off"]
    assert column(response, paid_off, "balance") == "0円"
    assert column(response, standard, "balance") == f"{standard.contract.principal_balance:,}円"


def test_lock_states_of_a_page_take_a_constant_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    MemberFactory.create_batch(2)
    staff_client.get(CHANGELIST)  # warms per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(CHANGELIST)

    many = MemberFactory.create_batch(40)
    for member in many[::3]:
        lockout.lock_credential(method=LoginMethod.CARD, identifier=member.card_number)
    for member in many[1::3]:
        lockout.lock_credential(method=LoginMethod.WEB_ID, identifier=member.web_id)
    with django_assert_max_num_queries(len(few)):
        response = staff_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 42
    assert column(response, many[0], "card_state") == "ロック中"
    assert column(response, many[1], "web_id_state") == "ロック中"
    assert column(response, many[2], "card_state") == "正常"


def test_the_pin_hash_cannot_be_probed_through_the_url(staff_client, member):
    response = staff_client.get(CHANGELIST, {"pin__startswith": "md5$"})
    assert response.status_code == 400


def test_the_member_form_shows_no_hash_and_saves_the_profile(staff_client, member):
    url = reverse("admin:members_member_change", args=[member.pk])
    page = staff_client.get(url).content.decode()
    assert member.pin not in page
    assert member.password not in page
    assert 'name="pin"' not in page
    assert 'name="password"' not in page

    form = page_form_data(staff_client.get(url))
    form.update(employer="株式会社テスト物産", pin="md5$x$y", password="md5$x$y")
    response = staff_client.post(url, form)
    assert response.status_code == 302, error_codes(response)
    before = member.pin, member.password
    member.refresh_from_db()
    assert member.employer == "株式会社テスト物産"
    assert (member.pin, member.password) == before


def test_a_running_contracts_terms_cannot_be_changed_in_the_admin(staff_client, member):
    url = reverse("admin:members_member_change", args=[member.pk])
    form = page_form_data(staff_client.get(url))
    assert "contract-0-credit_limit" in form
    for name in ("annual_rate", "due_day", "contracted_on", "late_damages_rate"):
        assert f"contract-0-{name}" not in form
    form.update({"contract-0-credit_limit": "300000", "contract-0-annual_rate": "4.50",
                 "contract-0-due_day": "5"})  # fmt: skip

    response = staff_client.post(url, form)

    assert response.status_code == 302, error_codes(response)
    contract = LoanContract.objects.get(member=member)
    assert contract.credit_limit == 300_000
    assert (contract.annual_rate, contract.due_day) == (Decimal("17.80"), 25)


def page_form_data(response) -> dict:
    """Return what the browser would post back from the admin's change form."""
    adminform = response.context["adminform"].form
    data = {}
    for name, field in adminform.fields.items():
        value = adminform.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for index, form in enumerate(formset.formset.forms):
            for name in form.fields:
                value = form.initial.get(name, form.fields[name].initial)
                key = f"{formset.formset.prefix}-{index}-{name}"
                data[key] = "" if value is None else value
    return {key: value for key, value in data.items() if value is not False}


def test_a_member_password_cannot_be_set_in_the_admin(staff_client, member):
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert staff_client.get(url).status_code == 403


# --- Staff users --------------------------------------------------------------------


def test_staff_add_a_staff_user_who_can_sign_in_to_the_admin(staff_client, client):
    response = staff_client.post(
        reverse("admin:members_member_add"),
        {
            "username": "clerk-sato",
            "usable_password": "true",
            "password1": "Kounter-Desk-2026",
            "password2": "Kounter-Desk-2026",
        },
    )
    assert response.status_code == 302
    clerk = Member.objects.get(username="clerk-sato")
    assert clerk.is_staff and not clerk.member_number
    assert client.login(username="clerk-sato", password="Kounter-Desk-2026")
    assert client.get(reverse("admin:index")).status_code == 200


# --- Actions ------------------------------------------------------------------------


def test_unlock_web_id_action_unlocks_and_logs(staff_client, client, persona_members):
    webid_locked = persona_members["webid_locked"]
    response = run_action(staff_client, "unlock_web_id", [webid_locked])
    assert response.status_code == 302
    assert not lockout.is_locked(method=LoginMethod.WEB_ID, identifier=webid_locked.web_id)
    entry = LogEntry.objects.get(object_id=str(webid_locked.pk))
    assert entry.action_flag == CHANGE
    assert "Web-ID" in entry.get_change_message()

    persona = PERSONAS_BY_KEY["webid_locked"]
    login = client.post(
        reverse("members:login-web-id"), {"web_id": persona.web_id, "password": persona.password}
    )
    assert logged_in_to_mypage(login)


def test_terminate_and_reinstate_actions_change_the_contract_and_log(staff_client, persona_members):
    standard = persona_members["standard"]
    run_action(staff_client, "terminate_contract", [standard])
    standard.contract.refresh_from_db()
    assert standard.contract.status == ContractStatus.TERMINATED

    run_action(staff_client, "reinstate_contract", [standard])
    standard.contract.refresh_from_db()
    assert standard.contract.status == ContractStatus.ACTIVE
    messages = [e.get_change_message() for e in LogEntry.objects.filter(object_id=standard.pk)]
    assert sorted(messages) == sorted(["契約を解約しました。", "契約を再開しました。"])


def test_a_terminated_member_is_refused_and_a_reinstated_one_gets_in(
    staff_client, client, persona_members
):
    persona = PERSONAS_BY_KEY["terminated"]
    run_action(staff_client, "reinstate_contract", [persona_members["terminated"]])
    assert logged_in_to_mypage(login_card(client, persona.card_number, persona.pin))


def test_the_set_new_pin_action_opens_the_page_for_exactly_one_member(
    staff_client, persona_members
):
    one = run_action(staff_client, "set_new_pin", [persona_members["card_locked"]])
    assert one.status_code == 302
    assert one.url == set_pin_url(persona_members["card_locked"])
    two = run_action(
        staff_client, "set_new_pin", [persona_members["standard"], persona_members["card_locked"]]
    )
    assert two.url == CHANGELIST  # back to the list with a warning


# --- Set new PIN ----------------------------------------------------------------------


def test_the_member_page_links_to_set_new_pin(staff_client, persona_members):
    member = persona_members["card_locked"]
    page = staff_client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert set_pin_url(member) in page.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_date": "1985-04-02"},
        {"phone": "09011112222"},
        {"birth_date": "1985-04-02", "phone": "09011112222"},
    ],
    ids=["birth-date", "phone", "both"],
)
def test_set_new_pin_refuses_an_identity_that_does_not_match(
    staff_client, persona_members, changes
):
    member = persona_members["card_locked"]
    pin_before = member.pin
    response = staff_client.post(set_pin_url(member), identity(member, **changes))
    assert response.status_code == 200
    assert "identity_mismatch" in error_codes(response)
    member.refresh_from_db()
    assert member.pin == pin_before
    assert lockout.is_locked(method=LoginMethod.CARD, identifier=member.card_number)
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("new_pin", "confirm", "code"),
    [
        ("5678", "5679", "pin_mismatch"),
        ("567", "567", "format_length"),
        ("５６７８", "５６７８", "format_fullwidth"),
        ("56a8", "56a8", "format_charset"),
    ],
)
def test_set_new_pin_refuses_a_bad_new_pin(staff_client, persona_members, new_pin, confirm, code):
    member = persona_members["card_locked"]
    pin_before = member.pin
    response = staff_client.post(
        set_pin_url(member), identity(member, new_pin=new_pin, new_pin_confirm=confirm)
    )
    assert response.status_code == 200
    assert code in error_codes(response)
    member.refresh_from_db()
    assert member.pin == pin_before


def test_set_new_pin_unlocks_the_card_and_the_member_logs_in_with_it(
    staff_client, client, persona_members
):
    member = persona_members["card_locked"]
    old_pin = PERSONAS_BY_KEY["card_locked"].pin
    # The phone as the member says it, with hyphens.
    phone = f"{member.phone[:3]}-{member.phone[3:7]}-{member.phone[7:]}"
    response = staff_client.post(set_pin_url(member), identity(member, phone=phone))

    assert response.status_code == 302
    assert response.url == reverse("admin:members_member_change", args=[member.pk])
    assert not lockout.is_locked(method=LoginMethod.CARD, identifier=member.card_number)
    entry = LogEntry.objects.get(object_id=str(member.pk))
    assert "暗証番号" in entry.get_change_message()
    assert "5678" not in entry.change_message
    assert not logged_in_to_mypage(login_card(client, member.card_number, old_pin))
    assert logged_in_to_mypage(login_card(client, member.card_number, "5678"))


def test_set_new_pin_is_not_offered_for_staff_rows(staff_client):
    clerk = StaffFactory()
    assert staff_client.get(set_pin_url(clerk)).status_code == 404


# --- Read-only and editable records ---------------------------------------------------


def test_login_attempts_can_only_be_viewed(staff_client, client, member):
    login_card(client, member.card_number, "0000")
    attempt = LoginAttempt.objects.get()
    assert staff_client.get(reverse("admin:members_loginattempt_add")).status_code == 403
    change_url = reverse("admin:members_loginattempt_change", args=[attempt.pk])
    page = staff_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    delete_url = reverse("admin:members_loginattempt_delete", args=[attempt.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert LoginAttempt.objects.filter(pk=attempt.pk).exists()


def test_login_attempts_filter_by_result_and_method(staff_client, client, member):
    login_card(client, member.card_number, "0000")
    url = reverse("admin:members_loginattempt_changelist")
    failed = staff_client.get(url, {"result": "invalid_credentials"}).context["cl"].result_list
    assert len(failed) == 1
    assert not staff_client.get(url, {"method": "web_id"}).context["cl"].result_list


def test_profile_changes_can_only_be_viewed_and_are_found_by_member_number(staff_client, member):
    from members.models import ChangeKind, ProfileChange

    change = ProfileChange.objects.create(member=member, kind=ChangeKind.PHONE)
    ProfileChange.objects.create(member=MemberFactory(), kind=ChangeKind.ADDRESS)
    url = reverse("admin:members_profilechange_changelist")
    found = staff_client.get(url, {"q": member.member_number}).context["cl"].result_list
    assert list(found) == [change]
    assert staff_client.get(reverse("admin:members_profilechange_add")).status_code == 403
    page = staff_client.get(reverse("admin:members_profilechange_change", args=[change.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_maintenance_windows_are_editable(staff_client):
    window = MaintenanceWindow.objects.first()
    url = reverse("admin:portal_maintenancewindow_change", args=[window.pk])
    data = {k: "" if v is None else v for k, v in model_to_dict(window).items()}
    data.update(duration_minutes=window.duration_minutes + 30, description="延長テスト")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    window.refresh_from_db()
    assert window.description == "延長テスト"


def test_sent_mail_copies_can_only_be_viewed(staff_client):
    message = MailboxMessage.objects.create(
        sent_at="2026-12-09T12:00:00+09:00",
        from_email="no-reply@portal.example",
        to="someone@example.jp",
        subject="件名",
        body="本文",
    )
    assert staff_client.get(reverse("admin:portal_mailboxmessage_add")).status_code == 403
    page = staff_client.get(reverse("admin:portal_mailboxmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
