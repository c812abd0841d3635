"""No member sees or changes another member's data through any page (SPEC §12 "Isolation").

Every self-service page: login, maintenance, CSRF and isolation between members (SPEC §3,
§5); then the pages that show the account (the member top, login history and the ledger
pages), asked with every query parameter a curious member might try.
"""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from history import services as ledger
from members import account, tokens
from members.models import (
    LoginAttempt,
    LoginMethod,
    LoginResult,
    Member,
    ProfileChange,
    TransferAccount,
)
from points import services as points
from tests.factories import (
    DEFAULT_PASSWORD,
    DEFAULT_PIN,
    LoanContractFactory,
    MemberFactory,
    StaffFactory,
    TransferAccountFactory,
)
from tests.helpers import tokyo
from tests.members.self_service import logged_in_member_pk

pytestmark = pytest.mark.django_db

# Monday 06:30 in Tokyo: inside the seeded member-page window (Monday 00:00–07:00).
IN_MAINTENANCE = tokyo(2026, 12, 7, 6, 30)

# Pages behind the login, with a valid submission for those that take one.
MEMBER_PAGES = {
    "members:settings": None,
    "members:settings-web-id": {
        "web_id": "Changed2026",
        "password": "Changed2026x",
        "password_confirm": "Changed2026x",
    },
    "members:settings-email": {"email": "changed@example.jp", "current_pin": DEFAULT_PIN},
    "members:settings-email-resend": {},
    "members:settings-profile": {
        "postal_code": "5300001",
        "prefecture": "大阪府",
        "city": "大阪市北区",
        "street": "梅田1-1",
        "building": "",
        "phone": "0611112222",
        "employer": "株式会社ほげ",
        "current_pin": DEFAULT_PIN,
    },
    "members:settings-transfer-account": {
        "bank_code": "0005",
        "branch_code": "123",
        "account_type": "ordinary",
        "account_number": "1234567",
        "holder_kana": "ヤマダ タロウ",
        "current_pin": DEFAULT_PIN,
    },
    "members:settings-statement": {"statement_delivery": "post"},
    "members:settings-pin": None,
    "members:settings-sessions": {},
}
GET_PAGES = [name for name in MEMBER_PAGES if name != "members:settings-email-resend"]
FORMS = [name for name, data in MEMBER_PAGES.items() if data is not None]


@pytest.fixture
def member(db):
    """A member with an unverified pending address, so that a resend has work to do."""
    return MemberFactory(
        name_kanji="山田 太郎",
        name_kana="ヤマダ タロウ",
        email="taro@example.jp",
        pending_email="pending@example.jp",
    )


def state(member) -> dict:
    """Return everything a self-service form can change for `member`."""
    fresh = Member.objects.get(pk=member.pk)
    fields = ("web_id", "password", "email", "email_verified", "pending_email", "postal_code")
    return {
        **{name: getattr(fresh, name) for name in fields},
        "statement_delivery": fresh.statement_delivery,
        "phone": fresh.phone,
        "account": list(TransferAccount.objects.filter(member=fresh).values()),
        "changes": ProfileChange.objects.filter(member=fresh).count(),
    }


def logged_in(member, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


# --- Login required -------------------------------------------------------------------------


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page_and_change_nothing(
    client, member, mailbox, name
):
    url = reverse(name)
    before = state(member)
    answers = []
    if name in FORMS:
        answers.append(client.post(url, MEMBER_PAGES[name]))
    if name in GET_PAGES:
        answers.append(client.get(url))

    for response in answers:
        assert response.status_code == 302
        assert response.url == f"{reverse('members:login')}?next={url}"
    assert state(member) == before
    assert not mail.outbox


@pytest.mark.parametrize("name", GET_PAGES)
def test_staff_are_not_members_and_are_sent_to_the_login_page(name):
    staff = StaffFactory()
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


@pytest.mark.parametrize("name", GET_PAGES)
def test_a_logged_in_member_sees_each_page(member, name):
    assert logged_in(member).get(reverse(name)).status_code == 200


# --- Maintenance (SPEC §3) ------------------------------------------------------------------


def assert_maintenance(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(30 * 60)
    assert 'data-maintenance-until="2026-12-07T07:00:00+09:00"' in response.content.decode()


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_pages_answer_503_in_maintenance_and_change_nothing(
    member, mailbox, time_machine, name
):
    client = logged_in(member)
    before = state(member)
    time_machine.move_to(IN_MAINTENANCE, tick=False)

    answers = [client.post(reverse(name), MEMBER_PAGES[name] or {})]
    if name in GET_PAGES:
        answers.append(client.get(reverse(name)))

    for response in answers:
        assert_maintenance(response)
    assert state(member) == before
    assert not mail.outbox


def _account_links(member) -> dict[str, tuple[str, dict]]:
    email_uid, email_token = account.link_token(member, tokens.email_verification_token)
    reset_uid, reset_token = account.link_token(member, tokens.password_recovery_token)
    return {
        "forgot-web-id": (
            reverse("members:forgot-web-id"),
            {"member_number": member.member_number, "email": member.email},
        ),
        "forgot-password": (
            reverse("members:forgot-password"),
            {"web_id": member.web_id, "email": member.email},
        ),
        "verify-email": (reverse("members:verify-email", args=[email_uid, email_token]), {}),
        "reset-password": (
            reverse("members:reset-password", args=[reset_uid, reset_token]),
            {"password": "Changed2026x", "password_confirm": "Changed2026x"},
        ),
    }


ACCOUNT_PAGES = ["forgot-web-id", "forgot-password", "verify-email", "reset-password"]


@pytest.mark.parametrize("page", ACCOUNT_PAGES)
def test_account_pages_and_links_answer_503_in_maintenance_and_change_nothing(
    client, member, mailbox, time_machine, page
):
    url, data = _account_links(member)[page]
    before = state(member)
    time_machine.move_to(IN_MAINTENANCE, tick=False)

    assert_maintenance(client.get(url))
    assert_maintenance(client.post(url, data))
    assert state(member) == before
    assert not mail.outbox


@pytest.mark.parametrize("page", ACCOUNT_PAGES)
def test_account_pages_and_links_work_outside_maintenance(client, member, page):
    """The counterpart of the test above: the same requests succeed on a quiet Wednesday."""
    url, data = _account_links(member)[page]
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 200


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMS)
def test_member_forms_refuse_a_post_without_csrf_token(member, mailbox, name):
    client = logged_in(member, enforce_csrf_checks=True)
    before = state(member)

    response = client.post(reverse(name), MEMBER_PAGES[name])

    assert response.status_code == 403
    assert state(member) == before
    assert not mail.outbox


@pytest.mark.parametrize("page", ACCOUNT_PAGES)
def test_account_forms_refuse_a_post_without_csrf_token(member, mailbox, page):
    url, data = _account_links(member)[page]
    before = state(member)

    response = Client(enforce_csrf_checks=True).post(url, data)

    assert response.status_code == 403
    assert state(member) == before
    assert not mail.outbox


def test_a_form_posted_with_its_csrf_token_is_accepted(member):
    """The counterpart of the CSRF tests: the page's own token lets the post through."""
    client = logged_in(member, enforce_csrf_checks=True)
    client.get(reverse("members:settings-statement"))

    response = client.post(
        reverse("members:settings-statement"),
        {"statement_delivery": "post", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )

    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).statement_delivery == "post"


# --- One member cannot reach another's data --------------------------------------------------


@pytest.fixture
def other(db):
    other = MemberFactory(
        web_id="Neighbour2026",
        name_kanji="鈴木 花子",
        name_kana="スズキ ハナコ",
        email="neighbour@example.jp",
        phone="0399998888",
        postal_code="9800001",
        pending_email="neighbour-new@example.jp",
    )
    TransferAccount.objects.create(
        member=other,
        bank_code="0009",
        branch_code="987",
        account_number="7777777",
        holder_kana="スズキ ハナコ",
    )
    return other


@pytest.mark.parametrize("name", GET_PAGES)
def test_pages_show_nothing_of_another_member_whatever_the_query(member, other, name):
    client = logged_in(member)
    query = {"member": other.pk, "pk": other.pk, "member_number": other.member_number}

    html = client.get(reverse(name), query).content.decode()

    for secret in (
        other.web_id,
        other.email,
        other.pending_email,
        other.phone,
        other.postal_code,
        other.member_number,
        "7777777",
        other.name_kanji,
    ):
        assert secret not in html


@pytest.mark.parametrize("name", FORMS)
def test_a_post_naming_another_member_changes_only_the_poster(member, other, mailbox, name):
    client = logged_in(member)
    before = state(other)
    targeting = {
        "member": other.pk,
        "member_id": other.pk,
        "pk": other.pk,
        "id": other.pk,
        "user": other.pk,
        "member_number": other.member_number,
    }

    client.post(reverse(name), {**MEMBER_PAGES[name], **targeting})

    assert state(other) == before
    assert not [
        message
        for message in mail.outbox
        if set(message.to)
        & {
            other.email,
            other.pending_email,
        }
    ]


def test_a_link_mixing_two_members_is_refused_even_when_logged_in(member, other):
    client = logged_in(member)
    mine, theirs = state(member), state(other)
    my_uid, my_token = account.link_token(member, tokens.email_verification_token)
    other_uid, other_token = account.link_token(other, tokens.email_verification_token)
    my_reset_uid, _ = account.link_token(member, tokens.password_recovery_token)
    _, other_reset_token = account.link_token(other, tokens.password_recovery_token)

    for url in (
        reverse("members:verify-email", args=[other_uid, my_token]),
        reverse("members:verify-email", args=[my_uid, other_token]),
        reverse("members:reset-password", args=[my_reset_uid, other_reset_token]),
    ):
        assert client.get(url).status_code == 400
        response = client.post(
            url, {"password": "Changed2026x", "password_confirm": "Changed2026x"}
        )
        assert response.status_code == 400

    assert state(member) == mine
    assert state(other) == theirs


def test_following_another_members_link_never_touches_the_logged_in_member(member, other):
    """A link acts on the member it was mailed to, never on whoever happens to be logged in."""
    client = logged_in(member)
    mine = state(member)
    uid, token = account.link_token(other, tokens.email_verification_token)

    client.post(reverse("members:verify-email", args=[uid, token]))

    assert state(member) == mine
    assert logged_in_member_pk(client) == str(member.pk)
    assert Member.objects.get(pk=other.pk).email == "neighbour-new@example.jp"


def test_a_resend_mails_only_the_posters_own_pending_address(member, other, mailbox):
    logged_in(member).post(reverse("members:settings-email-resend"))

    (message,) = mail.outbox
    assert message.to == ["pending@example.jp"]


def test_each_member_logs_in_to_their_own_data(member, other):
    """The real login views put each credential's own member in the session."""
    by_card, by_web_id = Client(), Client()
    by_card.post(
        reverse("members:login-card"), {"card_number": other.card_number, "pin": DEFAULT_PIN}
    )
    by_web_id.post(
        reverse("members:login-web-id"), {"web_id": member.web_id, "password": DEFAULT_PASSWORD}
    )

    assert logged_in_member_pk(by_card) == str(other.pk)
    assert logged_in_member_pk(by_web_id) == str(member.pk)
    assert "7777777" in by_card.get(reverse("members:settings")).content.decode()
    assert "7777777" not in by_web_id.get(reverse("members:settings")).content.decode()


# --- Pages that show the account ------------------------------------------------------

ACCOUNT_FIGURE_PAGES = [
    "members:mypage",
    "members:login-history",
    "history:history",
    "history:history-csv",
    "history:interest",
    "history:borrow",
    "history:repay",
    "points:points",
    "points:redeem",
]


@pytest.fixture
def holder(db):
    holder = MemberFactory(name_kanji="山田 太郎")
    TransferAccountFactory(member=holder)
    ledger.borrow(member=holder, amount=10_000)
    return holder


@pytest.fixture
def neighbour(db, time_machine):
    """A neighbour whose figures are all distinctive: 4,321,000 yen limit, 1,234,000 owed."""
    neighbour = MemberFactory(name_kanji="鈴木 花子", contract=None)
    LoanContractFactory(member=neighbour, credit_limit=4_321_000, annual_rate="14.90")
    TransferAccountFactory(member=neighbour)
    time_machine.move_to(tokyo(2026, 11, 2), tick=False)
    ledger.borrow(member=neighbour, amount=1_234_000)
    time_machine.move_to(tokyo(2026, 12, 9), tick=True)
    points.join(member=neighbour)
    points.adjust(member=neighbour, points=98_665, note="お隣さんへの付与")  # 98,765 points
    LoginAttempt.objects.create(
        attempted_at=tokyo(2026, 12, 8, 9),
        method=LoginMethod.CARD,
        masked_identifier="******9876",
        member=neighbour,
        client_address="203.0.113.77",
        user_agent="NeighbourBrowser/1.0",
        result=LoginResult.SUCCESS,
    )
    return neighbour


def secrets_of(other) -> list[str]:
    return [
        other.member_number,
        other.name_kanji,
        "1234000",
        "1,234,000",
        "4321000",
        "4,321,000",
        "14.90",
        "203.0.113.77",
        "NeighbourBrowser",
        "98765",
        "98,765",
        "お隣さんへの付与",
    ]


@pytest.mark.parametrize("name", ACCOUNT_FIGURE_PAGES)
def test_a_page_shows_only_the_logged_in_members_account(holder, neighbour, name):
    client = Client()
    client.force_login(holder, backend="members.backends.CardPinBackend")
    query = {
        "member": neighbour.pk,
        "member_id": neighbour.pk,
        "pk": neighbour.pk,
        "member_number": neighbour.member_number,
    }

    response = client.get(reverse(name), query)

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    page = body.decode("utf-8-sig")
    own = {
        "members:mypage": f'data-member-number="{holder.member_number}"',
        "history:history": 'data-amount="10000"',
        "history:history-csv": "10000",
    }
    assert own.get(name, "") in page
    for secret in secrets_of(neighbour):
        assert secret not in page, (name, secret)
