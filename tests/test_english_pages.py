"""Every page a persona can reach, in both languages (issue 13, "English"; the proof).

The demo personas are reset and each one that can log in walks through every member page
(forms, a confirmation and the page after it, filters, the ATM, points, notices,
coupons, settings); a visitor walks through the public pages (login with its errors,
help, demo, mailbox, simulator, the partner ATM's screen, recovery links, maintenance and
the error pages). In English no page may show Japanese outside data (tests/english.py);
in Japanese every page says `<html lang="ja">`. All failures are reported together, the
untranslated pieces each listed once under the first page showing them.

The pages come from the URLconf: every named URL pattern is either visited or excluded
below with its reason, so a new page cannot be forgotten. The admin has its own check
(tests/members/test_admin_english.py).
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from demo.personas import PERSONAS
from history import atm
from portal.models import MailboxMessage
from tests.english_crawl import Crawl, japanese_in, japanese_report, named_url_patterns
from tests.helpers import nonce_of, tokyo

pytestmark = pytest.mark.django_db

# Named URL patterns the crawl does not fetch as a page, and why.
EXCLUDED = {
    "members:login-card": "a form's POST target: answers the login page or redirects",
    "members:login-web-id": "a form's POST target, like login-card",
    "members:logout": "POST only; redirects to the login page",
    "members:set-language": "POST only; redirects back to the page",
    "members:settings-email-resend": "POST only; redirects to the e-mail settings page",
    "history:history-csv": "CSV, not HTML",
    "points:coupon-image": "an image, not HTML",
    "points:income-certificate-file": "the member's own uploaded file, not HTML",
    "points:join": "POST only; redirects to the points page",
    "atm:session-state": "JSON polled by the ATM screen's script",
    "atm:session-cancel": "POST only; redirects to the ATM screen",
    "api-openapi": "the app API's OpenAPI schema, JSON",
    "api-docs": "the app API's Swagger UI, for developers: English whatever the language",
    "demo:sandbox-create": "the button's POST target; redirects to the new sandbox's page",
    **{
        f"demo:sandbox-{name}": "a sandbox's POST target; a form's answers its page"
        for name in ["clock", "glitches", "reset", "delete", "reminders", "points"]
    },
    **{f"demo:sandbox-{name}": "JSON for test code" for name in ["mailbox-json", "latest-mail"]},
    # The confirmation page is the answer to the form's POST (under the form's URL, visited);
    # its button posts here, which redirects to the done page (visited).
    **{
        f"{name}-confirm": "the confirmation's POST target; redirects to the done page"
        for name in ["history:borrow", "history:repay", "history:atm", "points:redeem"]
    },
}

MEMBER_PAGES = [
    "members:mypage",
    "members:login-history",
    "members:settings",
    "members:settings-web-id",
    "members:settings-email",
    "members:settings-profile",
    "members:settings-transfer-account",
    "members:settings-statement",
    "members:settings-pin",
    "members:settings-sessions",
    "history:history",
    "history:interest",
    "history:borrow",
    "history:repay",
    "history:atm",
    "history:settings-transaction-mail",
    "history:settings-reminder",
    "points:points",
    "points:redeem",
    "points:notices",
    "points:coupons",
    "points:income-certificate",
]
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def in_language(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def log_in(client, persona):
    """Log in as a presenter would: by card, or by Web-ID when the card is locked."""
    if persona.key == "card_locked":
        form = {"web_id": persona.web_id, "password": persona.password}
        return client.post(reverse("members:login-web-id"), form, follow=True)
    form = {"card_number": persona.card_number, "pin": persona.pin}
    return client.post(reverse("members:login-card"), form, follow=True)


def fetch(crawl, who, client, url, data=None, **kwargs):
    """GET (or POST `data`), follow redirects and record the page reached."""
    if data is None:
        response = client.get(url, follow=True, **kwargs)
    else:
        response = client.post(url, data, follow=True, **kwargs)
    crawl.record(who, response)
    return response


def confirm_and_finish(crawl, who, client, form_name, data):
    """Post an operation's form, record its confirmation page and the page after it."""
    confirmation = fetch(crawl, who, client, reverse(form_name), data)
    if 'name="nonce"' in confirmation.content.decode():
        nonce = nonce_of(confirmation)
        fetch(crawl, who, client, reverse(f"{form_name}-confirm"), {"nonce": nonce})


def first_link(response, pattern: str) -> str | None:
    found = re.search(pattern, response.content.decode())
    return found.group(0) if found else None


def crawl_member(crawl, persona, language):
    client = in_language(language)
    who = persona.key
    crawl.record(who, log_in(client, persona))
    if persona.key == "terminated":
        return  # refused at login: the login page with its error is what it reaches
    for name in MEMBER_PAGES:
        fetch(crawl, who, client, reverse(name))
    history = reverse("history:history")
    fetch(crawl, who, client, f"{history}?kind=repayment&date_from=2026-01-01&date_to=2026-12-09")
    fetch(crawl, who, client, f"{history}?date_from=2030-01-01")  # an error in the filter
    fetch(crawl, who, client, f"{reverse('history:interest')}?repayment_date=2026-12-20")
    notices = client.get(reverse("points:notices"))
    if link := first_link(notices, r"/mypage/notices/\d+/"):
        fetch(crawl, who, client, link)
    coupons = client.get(reverse("points:coupons"))
    if link := first_link(coupons, r"/mypage/coupons/\d+/(?!image)"):
        fetch(crawl, who, client, link)
    if persona.key == "standard":
        confirm_and_finish(crawl, who, client, "history:borrow", {"amount": "10000"})
        confirm_and_finish(crawl, who, client, "history:repay", {"amount": "5000"})
        fetch(crawl, who, client, reverse("history:borrow"), {"amount": "abc"})  # errors
        session, token = atm.start_session()
        atm_form = {"code": session.code, "operation": "withdraw", "amount": "10000"}
        confirm_and_finish(crawl, who, client, "history:atm", atm_form)
        fetch(crawl, "visitor", in_language(language), reverse("atm:session", args=[token]))
        upload = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
        fetch(crawl, who, client, reverse("points:income-certificate"), {"file": upload})
        new_email = {"email": "standard-new@demo.portal.example", "current_pin": persona.pin}
        fetch(crawl, who, client, reverse("members:settings-email"), new_email)
    if persona.key == "points_rich":
        confirm_and_finish(crawl, who, client, "points:redeem", {"benefit": "atm_fee_free"})
    if persona.key == "delinquent":
        confirm_and_finish(crawl, who, client, "history:repay", {"amount": "1000"})
    if persona.key == "paid_off":
        fetch(crawl, who, client, reverse("history:repay"), {"amount": "1000"})  # refused


def crawl_visitor(crawl, language, time_machine):
    client = in_language(language)
    who = "visitor"
    for name in ["members:top", "members:login", "portal:help-login", "demo:personas",
                 "demo:mailbox", "simulator:simulator", "atm:start", "members:forgot-web-id",
                 "members:forgot-password"]:  # fmt: skip
        fetch(crawl, who, client, reverse(name))
    simulator = reverse("simulator:simulator")
    fetch(crawl, who, client, f"{simulator}?mode=payment&amount=100000&months=12&rate=17.8")
    fetch(crawl, who, client, f"{simulator}?mode=count&amount=100000&rate=17.8")  # errors
    login_card = reverse("members:login-card")
    fetch(crawl, who, client, login_card, {"card_number": "1000 000 001", "pin": "１１１"})
    fetch(crawl, who, client, login_card, {"card_number": "1000000004", "pin": "4444"})  # locked
    fetch(crawl, who, client, reverse("members:login-web-id"), {"web_id": "x", "password": "y"})
    fetch(crawl, who, client, reverse("atm:start"), {})  # a new ATM session, its screen
    fetch(crawl, who, client, reverse("members:forgot-web-id"),
          {"member_number": "100000001", "email": "standard@demo.portal.example"})  # fmt: skip
    fetch(crawl, who, client, reverse("members:forgot-password"),
          {"web_id": "standard01", "email": "standard@demo.portal.example"})  # fmt: skip
    for message in mail.outbox:  # the recovery and e-mail verification links
        for path in re.findall(r"https?://testserver(/account/\S+)", message.body):
            fetch(crawl, who, in_language(language), path)
    mailbox = client.get(reverse("demo:mailbox"))
    if link := first_link(mailbox, r"/demo/mailbox/\d+/"):
        fetch(crawl, who, client, link)
    assert MailboxMessage.objects.exists()
    # A tester's sandbox: its page (after the button on /demo/), a clock set through its
    # form (an error, then a valid instant), its mailbox.
    sandbox = fetch(crawl, who, client, reverse("demo:sandbox-create"), {})
    token = sandbox.resolver_match.kwargs["token"]
    fetch(crawl, who, client, reverse("demo:sandbox-clock", args=[token]), {"now": "x"})
    fetch(crawl, who, client, reverse("demo:sandbox-clock", args=[token]),
          {"now": "2026-12-20T10:00:00"})  # fmt: skip
    fetch(crawl, who, client, reverse("demo:sandbox-mailbox", args=[token]))
    # The error pages.
    fetch(crawl, who, client, "/no-such-page/")
    fetch(crawl, who, client, "/login/?q=%00")
    response = client.post(reverse("members:login-card"), b"x", content_type="text/plain",
                           CONTENT_LENGTH=str(settings.PORTAL_MAX_REQUEST_BYTES + 1))  # fmt: skip
    crawl.record(who, response)
    # Maintenance: the member pages closed (Monday early morning), then only repayment
    # closed (Sunday night) for a logged-in member.
    time_machine.move_to(tokyo(2026, 12, 7, 3, 0), tick=False)
    fetch(crawl, who, client, reverse("members:login"))
    time_machine.move_to(tokyo(2026, 12, 6, 23, 30), tick=False)
    member_client = in_language(language)
    standard = next(persona for persona in PERSONAS if persona.key == "standard")
    log_in(member_client, standard)
    for name in ["members:mypage", "history:repay"]:
        fetch(crawl, "standard", member_client, reverse(name))


def crawl_everything(language, time_machine) -> Crawl:
    from demo.personas import reset_demo_personas

    reset_demo_personas()
    crawl = Crawl()
    for persona in PERSONAS:
        crawl_member(crawl, persona, language)
    crawl_visitor(crawl, language, time_machine)
    return crawl


@pytest.fixture
def _mail_to_the_mailbox(mailbox, settings):
    """Mails go to the demo mailbox (its pages have messages) and to Django's outbox,
    their links to this test client's host."""
    settings.PORTAL_BASE_URL = "http://testserver"


@pytest.mark.usefixtures("_mail_to_the_mailbox")
def test_every_page_in_english_has_no_japanese_outside_data(time_machine):
    crawl = crawl_everything("en", time_machine)

    found = [
        (f"[{visit.who}] {visit.url} ({visit.view_name}, {visit.status})", pieces)
        for visit in crawl.html_visits
        if (pieces := japanese_in(visit.html))
    ]
    not_english = [
        f"[{visit.who}] {visit.url}"
        for visit in crawl.html_visits
        if '<html lang="en">' not in visit.html
    ]
    assert not_english == []
    if found:
        pytest.fail(japanese_report(found), pytrace=False)


@pytest.mark.usefixtures("_mail_to_the_mailbox")
def test_every_page_in_japanese_says_so_and_every_named_page_is_visited(time_machine):
    crawl = crawl_everything("ja", time_machine)

    assert [
        f"[{visit.who}] {visit.url}"
        for visit in crawl.html_visits
        if '<html lang="ja">' not in visit.html
    ] == []
    # The app API answers JSON (its problem details follow Accept-Language: tests/api).
    patterns = named_url_patterns(skip_namespaces=("admin", "api"))
    assert set(EXCLUDED) <= patterns, "an exclusion names no URL pattern"
    missing = sorted(patterns - crawl.names() - set(EXCLUDED))
    assert missing == [], f"neither visited nor excluded: {', '.join(missing)}"
