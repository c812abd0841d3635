"""Property-based fuzzing of every form and URL (SPEC §11, "Bad input never breaks it").

The forms are not listed by hand: every URL of the project's URLconf is visited logged
out and logged in, the forms on the pages are parsed, and each form is posted with
generated input. A POST endpoint that no page offers a form for makes a test fail, so a
new form cannot slip past without fuzz coverage.
"""

import hashlib
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.demo import reset_demo_personas
from members.models import AttemptCounter, LoginAttempt
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# Namespaces that are not this project's own forms (Django's admin has its own tests).
SKIPPED_NAMESPACES = {"admin"}


def _link_kwargs(generator_name):
    def kwargs():
        from members import services, tokens
        from members.models import Member

        member = Member.objects.get(member_number="100000001")
        uidb64, token = services.link_token(member, getattr(tokens, generator_name))
        return {"uidb64": uidb64, "token": token}

    return kwargs


# Example values for URL parameters; a new parametrised URL needs an entry here.
SAMPLE_KWARGS = {
    "demo:mailbox-detail": lambda: {"pk": 1},
    "history:borrow-done": lambda: {"pk": 1},
    "history:repay-done": lambda: {"pk": 1},
    "members:verify-email": _link_kwargs("email_verification_token"),
    "members:reset-password": _link_kwargs("password_recovery_token"),
}
# Records that a rejected login is supposed to leave behind (SPEC §4: attempts are counted).
ATTEMPT_RECORDS = {LoginAttempt, AttemptCounter}
ATTEMPT_CODES = {"invalid_credentials", "locked", "throttled", "contract_terminated"}

EDGE_STRINGS = [
    "",
    " ",
    "\x00",
    "\x00" * 5,
    "\u3000",
    "\r\n",
    "\t",
    "0",
    "-1",
    "9" * 40,
    "1" * 10_000,
    "Ａ" * 5_000,
    "１２３４",
    "1000-0000-01",
    "ｰｰｰｰ",
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "🙂" * 10,
    "\u202e\u200b",
    "%00",
]
FUZZ_TEXT = st.one_of(
    st.sampled_from(EDGE_STRINGS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=20),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@dataclass(frozen=True)
class Form:
    page: str
    action: str
    method: str
    fields: tuple[str, ...] = field(default=())


class _FormParser(HTMLParser):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(urljoin(self.page, attrs.get("action") or self.page)).path
            method = (attrs.get("method") or "get").lower()
            self._current = {"action": action, "method": method, "fields": []}
        elif tag in {"input", "select", "textarea"} and self._current is not None:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken" and attrs.get("type") != "submit":
                self._current["fields"].append(name)

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            current = self._current
            self.forms.append(
                Form(self.page, current["action"], current["method"], tuple(current["fields"]))
            )
            self._current = None


def project_urls() -> list[str]:
    """Return a concrete URL for every named pattern of the project's own URLconf."""
    urls = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, inner or None)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"every URL needs a name: {pattern.pattern}"
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                kwargs = SAMPLE_KWARGS[name]() if name in SAMPLE_KWARGS else None
                urls.append(reverse(name, kwargs=kwargs))

    walk(get_resolver().url_patterns, None)
    return sorted(set(urls))


# Who browses: nobody, the `standard` persona, and a member whose e-mail is unverified
# and who has no Web-ID yet (some forms only appear for them).
CLIENT_STATES = {"anonymous": None, "member": "100000001", "unverified": "299999999"}


def client_for(state: str) -> Client:
    from members.models import Member

    client = Client()
    if CLIENT_STATES[state] is not None:
        member = Member.objects.get(member_number=CLIENT_STATES[state])
        client.force_login(member, backend="members.backends.CardPinBackend")
    return client


# Forms that only appear after another form was posted (a confirmation step): who posts
# what where to reach them. A new multi-step form needs a line here or a test fails.
REACHED_BY_POSTING = [
    ("member", "history:borrow", {"amount": "10000"}),
    ("member", "history:repay", {"amount": "1000"}),
]


def discover_forms() -> list[tuple[str, Form]]:
    found = set()

    def collect(state, url, response):
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return
        parser = _FormParser(url)
        parser.feed(response.content.decode())
        found.update((state, form) for form in parser.forms)

    for state in CLIENT_STATES:
        client = client_for(state)
        for url in project_urls():
            collect(state, url, client.get(url))
    for state, name, data in REACHED_BY_POSTING:
        url = reverse(name)
        with transaction.atomic():
            collect(state, url, client_for(state).post(url, data))
            transaction.set_rollback(True)
    return sorted(found, key=lambda item: (item[0], item[1].action, item[1].fields))


@pytest.fixture
def personas(db):
    MemberFactory(
        member_number=CLIENT_STATES["unverified"],
        web_id=None,
        email_verified=False,
        pending_email="new-address@example.jp",
    )
    return reset_demo_personas()


def database_fingerprint() -> dict[type, str]:
    """Return a digest of every table's rows (sessions excluded: every request may touch them).

    Many-to-many tables count too, and rows are read past any default manager's filter.
    """
    digests = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label == "sessions.Session":
            continue
        rows = repr(list(model._base_manager.order_by("pk").values()))
        digests[model] = hashlib.sha256(rows.encode()).hexdigest()
    return digests


def test_database_fingerprint_sees_many_to_many_rows(personas):
    group = Group.objects.create(name="fuzz")
    before = database_fingerprint()
    personas[0].groups.add(group)
    after = database_fingerprint()
    assert {model for model in before if before[model] != after[model]} == {
        personas[0].groups.through
    }


def error_codes(html: str) -> set[str]:
    return {chunk.split('"', 1)[0] for chunk in html.split('data-error-code="')[1:]}


def test_every_post_endpoint_is_offered_by_a_discovered_form(personas):
    """A POST endpoint without a form on some page would escape the fuzzer: fail instead."""
    # Compared by route: a signed link's token carries a timestamp that moves between calls.
    routes = {_route(form.action) for _, form in discover_forms() if form.method == "post"}
    for url in project_urls():
        for state in CLIENT_STATES:
            client = client_for(state)
            with transaction.atomic():
                accepts_post = client.post(url, {}).status_code != 405
                transaction.set_rollback(True)
            if accepts_post:
                assert _route(url) in routes, f"{url} accepts POST but no page has a form for it"


def _route(url: str) -> str:
    return resolve(urlsplit(url).path).route


def test_forms_are_discovered(personas):
    forms = [form for _, form in discover_forms()]
    actions = {form.action for form in forms}
    assert reverse("members:login-card") in actions
    assert reverse("members:login-web-id") in actions
    assert reverse("members:logout") in actions


# Examples per form (and per query-string check); HYPOTHESIS_PROFILE=thorough for more.
settings.register_profile(
    "default",
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", settings.get_profile("default"), max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _shows_form_again(form: Form, response) -> bool:
    """Return whether the answer is the same form again (a rejection), not a next step."""
    if form.method != "post":
        return False
    parser = _FormParser(form.action)
    parser.feed(response.content.decode(errors="replace"))
    return any((shown.action, shown.fields) == (form.action, form.fields) for shown in parser.forms)


def _fuzz_form(state: str, form: Form, values: dict[str, str]) -> None:
    client = client_for(state)
    data = {name: values.get(name, "") for name in form.fields}
    with transaction.atomic():
        before = database_fingerprint()
        send = client.post if form.method == "post" else client.get
        response = send(form.action, data)
        assert response.status_code < 500, (form, data, response.status_code)
        rejected = response.status_code >= 400 or (
            response.status_code == 200 and _shows_form_again(form, response)
        )
        if rejected and form.fields:
            codes = error_codes(response.content.decode(errors="replace"))
            assert codes, (form, data, "rejected without a message carrying data-error-code")
            # A refused login is counted by design; anything else must leave no trace.
            allowed = ATTEMPT_RECORDS if codes & ATTEMPT_CODES else set()
            after = database_fingerprint()
            changed = {model for model in before if before[model] != after[model]}
            assert changed <= allowed, (form, data, changed)
        transaction.set_rollback(True)


def test_every_form_survives_generated_input(personas):
    """Every discovered form, in every client state that sees it, gets its own examples."""
    forms = discover_forms()
    assert forms
    for state, form in forms:
        _fuzzer(state, form)()


def _fuzzer(state: str, form: Form):
    @given(values=st.fixed_dictionaries({name: FUZZ_TEXT for name in form.fields}))
    def fuzz(values):
        _fuzz_form(state, form, values)

    return fuzz


@given(params=st.dictionaries(st.sampled_from(["page", "q", "kind", "date_from", "x"]), FUZZ_TEXT))
def test_every_page_survives_generated_query_strings(personas, params):
    for state in CLIENT_STATES:
        client = client_for(state)
        for url in project_urls():
            with transaction.atomic():
                response = client.get(url, params)
                assert response.status_code < 500, (url, params, response.status_code)
                transaction.set_rollback(True)
