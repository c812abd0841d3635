"""Property-based fuzzing of every form and URL (SPEC §11, "Bad input never breaks it").

The forms are not listed by hand: every URL of the project's URLconf is visited logged
out and in several member states, the forms on the pages are parsed, and each form is
posted with generated input. A form or form variant (route, method, field names) that
some answer shows but the fuzzer does not post, a POST endpoint without a fuzzed form,
or a form class no visited page renders makes a test fail, so a new form cannot slip
past without fuzz coverage.
"""

import hashlib
import importlib.util
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import Client, modify_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.personas import reset_demo_personas
from members.models import AttemptCounter, LoginAttempt, Member
from points.rules import CERTIFICATE_MAX_BYTES
from tests.factories import MemberFactory
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[1]
# Namespaces that are not this project's own forms (Django's admin has its own tests; the
# app API takes JSON, and schemathesis fuzzes it from its schema: tests/api/test_schema.py).
SKIPPED_NAMESPACES = {"admin", "api"}
# JSON endpoints for test code (a sandbox's controls, SPEC §11): no form of a page they
# answer posts to them; tests/demo/test_sandboxes.py sends each of them bad input.
JSON_ROUTES = ("demo/sandboxes/<str:token>/",)


def _link_kwargs(generator_name):
    def kwargs():
        from members import account, tokens
        from members.models import Member

        member = Member.objects.get(member_number="100000001")
        uidb64, token = account.link_token(member, getattr(tokens, generator_name))
        return {"uidb64": uidb64, "token": token}

    return kwargs


def _atm_session_kwargs():
    """A fresh smartphone-ATM session's address: its screen shows the cancel form, for 3
    minutes (each call starts another, so the fuzzer never meets a stale one)."""
    from history import atm

    _session, token = atm.start_session()
    return {"token": token}


def _atm_claim_data():
    """The member's ATM form filled in with a live code (its confirmation step)."""
    from history import atm

    session, _token = atm.start_session()
    return {"code": session.code, "operation": "withdraw", "amount": "10000"}


def _first_pk(model_label):
    """The first row of a model the demo reset seeds (a notice, a coupon), or 1."""

    def kwargs():
        model = apps.get_model(model_label)
        return {"pk": model.objects.order_by("pk").values_list("pk", flat=True).first() or 1}

    return kwargs


def _sandbox_kwargs(token={}):  # noqa: B006 (a cache of one token per test database)
    """The token of a live sandbox (made once per test: its rows go with the test's)."""
    from demo import sandboxes

    if "token" not in token or sandboxes.find(token["token"]) is None:
        token["token"] = sandboxes.create_sandbox()[1]
    return {"token": token["token"]}


# Example values for URL parameters; a new parametrised URL needs an entry here.
SAMPLE_KWARGS = {
    "atm:session": _atm_session_kwargs,
    "atm:session-state": _atm_session_kwargs,
    "atm:session-cancel": _atm_session_kwargs,
    "history:atm-done": lambda: {"pk": 1},
    "demo:mailbox-detail": lambda: {"pk": 1},
    "history:borrow-done": lambda: {"pk": 1},
    "history:repay-done": lambda: {"pk": 1},
    "points:income-certificate-file": lambda: {"pk": 1},
    "points:redeem-done": lambda: {"pk": 1},
    "members:verify-email": _link_kwargs("email_verification_token"),
    "members:reset-password": _link_kwargs("password_recovery_token"),
    "points:notice-detail": _first_pk("points.Notice"),
    "points:coupon-detail": _first_pk("points.Coupon"),
    "points:coupon-image": _first_pk("points.Coupon"),
    **{
        f"demo:{name}": _sandbox_kwargs
        for name in (
            "sandbox",
            "sandbox-delete",
            "sandbox-reset",
            "sandbox-clock",
            "sandbox-glitches",
            "sandbox-reminders",
            "sandbox-points",
            "sandbox-mailbox",
            "sandbox-mailbox-json",
            "sandbox-latest-mail",
        )
    },
}
# Records that a rejected login is supposed to leave behind (SPEC §4: attempts are counted).
ATTEMPT_RECORDS = {LoginAttempt, AttemptCounter}
ATTEMPT_CODES = {"invalid_credentials", "locked", "throttled", "contract_terminated"}
# A wrong smartphone-ATM code is counted under the address throttle too (history.atm.claim).
ATTEMPT_CODES |= {"atm_code_unknown", "atm_code_expired", "atm_code_used", "atm_code_cancelled"}

NUL = "\x00"
NUL_MIDDLEWARE = "portal.middleware.RejectNulMiddleware"
# Every one of these reaches every field of every form on every run (before the random
# examples, which draw from them too).
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
    "\x7f\x1b[0m",
    "\ufeff1000",
    "\u00a0",
    str(2**64),
    "-" + "9" * 30,
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
]
# What file fields get besides the text values (sent as the file's content): files that are
# empty, at the size limit and just over it, with a signature and no more, or with a real
# signature under a misleading name.
EDGE_FILES = [
    b"",
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n",
    b"\x00" * 16,
    b"%PDF-" + b"\x00" * (CERTIFICATE_MAX_BYTES - 5),
    b"%PDF-" + b"\x00" * (CERTIFICATE_MAX_BYTES - 4),
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
    """A form as a page shows it; two pages showing the same form give equal ones."""

    page: str = field(compare=False)
    action: str
    method: str
    fields: tuple[str, ...] = field(default=())
    # What a person submits without typing: the values the page filled in.
    defaults: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # The fields that take a file (<input type="file">): their values are sent as files.
    files: tuple[str, ...] = field(default=(), compare=False)


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
CONTROLS = {"input", "select", "textarea"}


@dataclass(eq=False)
class Element:
    """One element of a parsed page, enough of a DOM to look at forms and their messages."""

    tag: str
    attrs: dict[str, str]
    parent: "Element | None" = None
    children: list["Element"] = field(default_factory=list)
    text: str = ""

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = Element("#document", {})
        self._open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, self._open[-1])
        self._open[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self._open.pop()

    def handle_data(self, data):
        self._open[-1].text += data

    def handle_endtag(self, tag):
        # Close up to the matching open element; a stray end tag closes nothing.
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return


def parse_page(response) -> Element | None:
    """Return the element tree of an HTML answer, None for anything else."""
    if "html" not in response.get("Content-Type", ""):
        return None
    builder = _TreeBuilder()
    builder.feed(response.content.decode(errors="replace"))
    builder.close()
    return builder.root


def forms_in(page: str, root: Element | None) -> list[tuple[Form, Element]]:
    """Return the forms of a parsed page, each with its element."""
    found = []
    for element in root.walk() if root is not None else ():
        if element.tag != "form":
            continue
        action = urlsplit(urljoin(page, element.attrs.get("action") or page)).path
        method = (element.attrs.get("method") or "get").lower()
        fields, defaults, first_choices, files = [], {}, {}, []
        for control in element.walk():
            name = control.attrs.get("name")
            posted = control.tag in CONTROLS and control.attrs.get("type") != "submit"
            if not posted or not name or name == "csrfmiddlewaretoken":
                continue
            # A group of radio buttons or checkboxes is one field, posted once.
            if name not in fields:
                fields.append(name)
            if control.attrs.get("type", "").lower() == "file":
                files.append(name)
            value = _filled_in(control)
            if value is not None:
                defaults.setdefault(name, value)
            elif control.attrs.get("type") == "radio":
                first_choices.setdefault(name, control.attrs.get("value", "on"))
        # Where the page checks no radio button, the person picks the first one.
        defaults = {**first_choices, **defaults}
        form = Form(page, action, method, tuple(fields), tuple(defaults.items()), tuple(files))
        found.append((form, element))
    return found


def _filled_in(control: Element) -> str | None:
    """Return what a browser submits for an untouched control, None for nothing."""
    if control.tag == "textarea":
        return control.text.removeprefix("\n")
    if control.tag == "select":
        options = [option for option in control.walk() if option.tag == "option"]
        chosen = next((option for option in options if "selected" in option.attrs), None)
        chosen = chosen or (options[0] if options else None)
        return None if chosen is None else chosen.attrs.get("value", chosen.text.strip())
    kind = control.attrs.get("type", "text").lower()
    if kind in {"checkbox", "radio"}:
        return control.attrs.get("value", "on") if "checked" in control.attrs else None
    if kind in {"button", "file", "image", "reset"}:
        return None
    return control.attrs.get("value", "")


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


# Who browses: nobody, the `standard` persona, the `card_only` persona (e-mail verified, no
# Web-ID: the Web-ID form registers one, asking for the PIN), and a member whose e-mail is
# unverified and who has no Web-ID yet. Some forms, or variants of a form, only appear for
# one of them.
CLIENT_STATES = {
    "anonymous": None,
    "member": "100000001",
    "card_only": "100000002",
    "unverified": "299999999",
}


class Visitors:
    """Test clients in each client state.

    A member state logs in once and its clients share that session: every login moves
    the member's `last_login`, and with it invalidates the password recovery link that
    the fuzzer posts to.
    """

    def __init__(self):
        self._cookies = {}
        for state, member_number in CLIENT_STATES.items():
            if member_number is None:
                continue
            client = Client()
            member = Member.objects.get(member_number=member_number)
            client.force_login(member, backend="members.backends.CardPinBackend")
            self._cookies[state] = {name: morsel.value for name, morsel in client.cookies.items()}
        # The standard persona is logged in on a second device too, so that the list of open
        # sessions offers to end the others.
        Client().force_login(
            Member.objects.get(member_number=CLIENT_STATES["member"]),
            backend="members.backends.WebIdBackend",
        )

    def client(self, state: str) -> Client:
        client = Client()
        client.cookies.load(self._cookies.get(state, {}))
        return client


# Forms that only appear after another form was posted (a confirmation step): who posts
# what where to reach them. A new multi-step form needs a line here or a test fails.
REACHED_BY_POSTING = [
    ("member", "history:borrow", {"amount": "10000"}),
    ("member", "history:repay", {"amount": "1000"}),
    ("member", "history:atm", _atm_claim_data),  # data from a callable: a live code
    ("member", "points:redeem", {"benefit": "atm_fee_free"}),
]


def forms_on(url: str, response) -> list[Form]:
    """Return the forms of an HTML answer (none for anything else)."""
    return [form for form, _ in forms_in(url, parse_page(response))]


def visited_pages(visitors: Visitors):
    """Yield (state, url, response) for every page the fuzzer looks for forms on."""
    for state in CLIENT_STATES:
        client = visitors.client(state)
        for url in project_urls():
            yield state, url, client.get(url)
    for state, name, data in REACHED_BY_POSTING:
        url = reverse(name)
        with transaction.atomic():
            posted = data() if callable(data) else data
            yield state, url, visitors.client(state).post(url, posted)
            transaction.set_rollback(True)


def discover_forms(visitors: Visitors) -> list[tuple[str, Form]]:
    found = {
        (state, form)
        for state, url, response in visited_pages(visitors)
        if response.status_code == 200
        for form in forms_on(url, response)
    }
    return sorted(found, key=lambda item: (item[0], item[1].action, item[1].fields))


def variant(form: Form) -> tuple[str, str, frozenset[str]]:
    """Return what tells forms apart: route, method and field names.

    By route: a signed link's token carries a timestamp that moves between calls.
    """
    return _route(form.action), form.method, frozenset(form.fields)


@pytest.fixture
def personas(db):
    MemberFactory(
        member_number=CLIENT_STATES["unverified"],
        web_id=None,
        email_verified=False,
        pending_email="new-address@example.jp",
    )
    return reset_demo_personas()


@pytest.fixture
def visitors(personas) -> Visitors:
    return Visitors()


def database_fingerprint() -> dict[type, str]:
    """Return a digest of every table's rows (sessions excluded: every request may touch them).

    Many-to-many tables count too. Rows are read with plain SQL: all of them, whatever a
    manager would filter, and quickly enough to take before and after every example.
    """
    quote = connection.ops.quote_name
    digests = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or model._meta.label == "sessions.Session":
                continue
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            digests[model] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digests


def test_database_fingerprint_sees_many_to_many_rows(personas):
    group = Group.objects.create(name="fuzz")
    before = database_fingerprint()
    personas[0].groups.add(group)
    after = database_fingerprint()
    assert {model for model in before if before[model] != after[model]} == {
        personas[0].groups.through
    }


def test_every_form_variant_and_post_endpoint_is_fuzzed(visitors):
    """A form, or a variant of one, that the fuzzer does not post would escape it: fail.

    Every URL is asked in every client state with a GET and with an empty POST; every form
    any answer shows (route, method and field names) must be among the fuzzed ones, and
    every URL that accepts a POST must have a fuzzed form posting to it.
    """
    fuzzed = {variant(form) for _, form in discover_forms(visitors)}
    fuzzed_post_routes = {route for route, method, _ in fuzzed if method == "post"}
    for state in CLIENT_STATES:
        for url in project_urls():
            client = visitors.client(state)
            with transaction.atomic():
                answers = [client.get(url), client.post(url, {})]
                transaction.set_rollback(True)
            for answer in answers:
                for form in forms_on(url, answer):
                    assert variant(form) in fuzzed, (state, url, form, "form not fuzzed")
            if answers[1].status_code != 405 and not _route(url).startswith(JSON_ROUTES):
                assert _route(url) in fuzzed_post_routes, (
                    f"{url} accepts POST ({state}) but no fuzzed form posts to it"
                )


def project_form_classes() -> set[type]:
    """Return the form classes of the project's own apps' `forms` modules."""
    classes = set()
    own_apps = [app for app in apps.get_app_configs() if Path(app.path).parent == BASE_DIR]
    for app in own_apps:
        if importlib.util.find_spec(f"{app.name}.forms") is None:
            continue
        module = importlib.import_module(f"{app.name}.forms")
        classes.update(
            value
            for name, value in vars(module).items()
            if isinstance(value, type)
            and issubclass(value, BaseForm)
            and value.__module__ == module.__name__
            and not name.startswith("_")
        )
    return classes


def _context_forms(response) -> set[type]:
    contexts = response.context if isinstance(response.context, list) else [response.context]
    return {
        type(value)
        for context in contexts
        if context is not None
        for layer in context.dicts
        for value in layer.values()
        if isinstance(value, BaseForm)
    }


def test_every_form_class_is_shown_to_the_fuzzer(visitors):
    """A form class that no visited page renders (a client state missing here, say) fails."""
    shown = set()
    for _, _, response in visited_pages(visitors):
        shown |= _context_forms(response)
    # The bodies of the sandboxes' JSON endpoints (JSON_ROUTES), fuzzed there.
    from demo.forms import SandboxClockForm, SandboxGlitchForm

    assert project_form_classes() - shown - {SandboxClockForm, SandboxGlitchForm} == set()


def _route(url: str) -> str:
    return resolve(urlsplit(url).path).route


def test_forms_are_discovered(visitors):
    discovered = discover_forms(visitors)
    forms = [form for _, form in discovered]
    actions = {form.action for form in forms}
    assert reverse("members:login-card") in actions
    assert reverse("members:login-web-id") in actions
    assert reverse("members:logout") in actions
    (upload,) = {form for form in forms if form.action == reverse("points:income-certificate")}
    assert (upload.fields, upload.files) == (("file",), ("file",))
    web_id_settings = reverse("members:settings-web-id")
    assert {variant(form) for form in forms} >= {
        (_route(web_id_settings), "post", frozenset(fields))
        for fields in [
            {"current_password", "web_id", "password", "password_confirm"},  # a change
            {"current_pin", "web_id", "password", "password_confirm"},  # a first Web-ID
        ]
    }
    # Still offered where found: a signed link gone stale (a login moves `last_login`, which
    # the recovery token hashes) would turn every example into a 400.
    for state, form in discovered:
        if form.action == form.page:
            client = visitors.client(state)
            assert form in forms_on(form.page, client.get(form.page)), (state, form)


# Examples per form (and per query-string check); HYPOTHESIS_PROFILE=thorough for more.
settings.register_profile(
    "default",
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", settings.get_profile("default"), max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _form_shown_again(form: Form, root: Element | None) -> Element | None:
    """Return the element of the same form on the answer, None when it shows another page."""
    return next(
        (
            element
            for shown, element in forms_in(form.action, root)
            if (shown.action, shown.method, set(shown.fields))
            == (form.action, form.method, set(form.fields))
        ),
        None,
    )


def _shows_errors(form_element: Element) -> bool:
    return any(
        "data-error-code" in element.attrs or element.attrs.get("aria-invalid") == "true"
        for element in form_element.walk()
    )


def _is_rejection(form: Form, response, shown: Element | None) -> bool:
    """Return whether the answer refuses the input: an error status, or the same form again
    (after a POST: a next step would show another page) showing errors (a GET form
    answers 200 with its messages)."""
    if response.status_code >= 400:
        return True
    if response.status_code != 200 or shown is None:
        return False
    return form.method == "post" or _shows_errors(shown)


def _is_login_form(form: Form) -> bool:
    return form.action in {reverse("members:login-card"), reverse("members:login-web-id")}


def _field_container(control: Element) -> Element | None:
    """Return the block of one field: its label, input and messages (includes/field.html)."""
    element = control.parent
    while element is not None and "field" not in _classes(element):
        element = element.parent
    return element


def _classes(element: Element) -> list[str]:
    return element.attrs.get("class", "").split()


def _assert_field_level_messages(form: Form, data: dict, shown: Element | None) -> None:
    """A rejected form marks the posted fields at fault, each with its coded message.

    A refusal by a rule that is no single field's fault (a ledger refusal: no transfer
    account, a payout pending) is a form-level message instead (includes/form_errors.html).
    """
    assert shown is not None, (form, data, "rejected without showing the form again")
    invalid = [
        control
        for control in shown.walk()
        if control.tag in CONTROLS and control.attrs.get("aria-invalid") == "true"
    ]
    refusals = [
        element
        for element in shown.walk()
        if "form-error" in _classes(element) and "data-error-code" in element.attrs
    ]
    assert {control.attrs.get("name") for control in invalid} & set(data) or (
        refusals and not invalid
    ), (form, data, "rejected without a field marked aria-invalid or a form-level refusal")
    for control in invalid:
        container = _field_container(control)
        messages = [] if container is None else container.walk()
        assert any("data-error-code" in element.attrs for element in messages), (
            form,
            data,
            control.attrs.get("name"),
            "field marked invalid without a message carrying data-error-code",
        )


def test_fields_are_described_by_their_messages(visitors):
    """A field's `aria-describedby` (Django renders `id_<field>_helptext` and, when invalid,
    `id_<field>_error`) names elements of the page, the error one holding the coded
    messages, so assistive technology reads them out with the field."""
    dangling = set()
    for state, form in discover_forms(visitors):
        if not form.fields:
            continue
        client = visitors.client(state)
        send = client.post if form.method == "post" else client.get
        # A NUL is refused by every text, date and choice field; the forms see it here
        # because the middleware that answers 400 to any NUL before them is left out.
        with transaction.atomic(), modify_settings(MIDDLEWARE={"remove": [NUL_MIDDLEWARE]}):
            response = send(form.action, dict.fromkeys(form.fields, NUL))
            transaction.set_rollback(True)
        root = parse_page(response)
        shown = _form_shown_again(form, root)
        if shown is None:
            continue
        by_id = {element.attrs["id"]: element for element in root.walk() if "id" in element.attrs}
        for control in shown.walk():
            for target in control.attrs.get("aria-describedby", "").split():
                message = by_id.get(target)
                if message is None or (
                    target.endswith("_error")
                    and not any("data-error-code" in inner.attrs for inner in message.walk())
                ):
                    dangling.add((variant(form)[0], control.attrs.get("name"), target))
    assert not dangling, (
        "aria-describedby names no such element, or an error one without a data-error-code:\n"
        + "\n".join(f"{route} {name}: #{target}" for route, name, target in sorted(dangling))
    )


def _as_upload(value: str | bytes) -> SimpleUploadedFile:
    """Return a value of a file field as the file a browser sends (text: its UTF-8 bytes)."""
    content = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return SimpleUploadedFile("fuzz.pdf", content, content_type="application/pdf")


def _fuzz_form(client: Client, form: Form, data: dict[str, str | bytes]) -> None:
    with transaction.atomic():
        before = database_fingerprint()
        send = client.post if form.method == "post" else client.get
        files = {name: _as_upload(data[name]) for name in form.files if name in data}
        response = send(form.action, {**data, **files})
        assert response.status_code < 500, (form, data, response.status_code)
        # A NUL inside a file's content is content (binary files have them), not a field's.
        texts = [value for name, value in data.items() if name not in files]
        if any(NUL in value for value in texts):
            # Refused before any view reads it (portal.middleware.RejectNulMiddleware).
            assert response.status_code == 400, (form, data, response.status_code)
            assert database_fingerprint() == before, (form, data)
            transaction.set_rollback(True)
            return
        shown = _form_shown_again(form, parse_page(response))
        rejected = _is_rejection(form, response, shown)
        codes = set(error_codes(response.content.decode(errors="replace")))
        if rejected and form.fields:
            # The login page answers with the form-level codes of SPEC §4.
            assert codes, (form, data, "rejected without a message carrying data-error-code")
            if not _is_login_form(form):
                _assert_field_level_messages(form, data, shown)
        if rejected or form.method == "get":
            # A refused login is counted by design; anything else must leave no trace, and
            # a GET form changes nothing whatever it answers.
            allowed = ATTEMPT_RECORDS if rejected and codes & ATTEMPT_CODES else set()
            after = database_fingerprint()
            changed = {model for model in before if before[model] != after[model]}
            assert changed <= allowed, (form, data, changed)
        transaction.set_rollback(True)


# The edge values go out in this many tests of their own (every EDGE_SHARDS-th value each),
# so that the parallel workers of `make test` share the suite's longest test.
EDGE_SHARDS = 4


@pytest.mark.parametrize("shard", range(EDGE_SHARDS))
def test_every_edge_value_reaches_every_field(visitors, shard):
    """Each edge value in each field of each form, the other fields as the page fills them
    in, so every class of input reaches every field on every run (and, where the rest is
    valid, the code behind the form). Every failing combination is listed."""
    failures, first = [], None
    for state, form in discover_forms(visitors):
        for name in form.fields:
            edges = EDGE_STRINGS + (EDGE_FILES if name in form.files else [])
            for value in edges[shard::EDGE_SHARDS]:
                data = {**dict(form.defaults), name: value}
                try:
                    _fuzz_form(visitors.client(state), form, data)
                except Exception as error:  # a 5xx raises the view's own exception
                    first = first or error
                    failures.append(
                        f"{state} {form.method.upper()} {form.action} {name}={value[:24]!r}"
                        f"{'…' if len(value) > 24 else ''}: {type(error).__name__}: "
                        f"{str(error)[:300]}"
                    )
    if failures:
        raise AssertionError("\n".join(failures)) from first


def test_every_form_survives_generated_input(visitors):
    """Every discovered form, in every client state that sees it, gets its own examples."""
    forms = discover_forms(visitors)
    assert forms
    for state, form in forms:
        _fuzzer(visitors, state, form)()


def _fuzzer(visitors: Visitors, state: str, form: Form):
    file_values = st.one_of(FUZZ_TEXT, st.binary(max_size=64), st.sampled_from(EDGE_FILES))
    values = {name: file_values if name in form.files else FUZZ_TEXT for name in form.fields}

    @given(values=st.fixed_dictionaries(values))
    def fuzz(values):
        _fuzz_form(visitors.client(state), form, values)

    return fuzz


# Parameters the pages read (the GET forms' fields and pagination; the CSV link carries the
# history filters), and one they do not.
QUERY_PARAMETERS = ["page", "date_from", "date_to", "kind", "repayment_date", "to", "mode"]
QUERY_PARAMETERS += ["code", "x"]


@given(params=st.dictionaries(st.sampled_from(QUERY_PARAMETERS), FUZZ_TEXT))
def test_every_page_survives_generated_query_strings(visitors, params):
    for state in CLIENT_STATES:
        client = visitors.client(state)
        for url in project_urls():
            with transaction.atomic():
                response = client.get(url, params)
                assert response.status_code < 500, (url, params, response.status_code)
                if any(NUL in value for value in params.values()):
                    assert response.status_code == 400, (url, params, response.status_code)
                if response.streaming:  # the CSV: its rows are computed while it is sent
                    b"".join(response.streaming_content)
                transaction.set_rollback(True)
