"""Testers' sandboxes (SPEC §11): a private copy of the ten personas per test run.

Numbers. Slot `s` (0 ≤ s < 9,000,000) owns member numbers 110,000,000 + 10·s + i and
10-digit card numbers 1,100,000,000 + 10·s + i (i = the persona's place in PERSONAS); a
15/16-digit card becomes "4981" + s (7 digits) + zeros + i. The shared personas are
100,000,001–100,000,010 (cards 1,000,000,001–010 and "4980…"), generated members draw
200,000,000 and up (cards from 2,000,000,000, or 15/16 digits starting with 9), so no
copy collides with them; a slot any of whose numbers a member already holds (one staff
created by hand) is not used. Web-IDs are the persona's with "s<slot>" appended.

Each sandbox has fresh PINs and passwords, its own mailbox (portal.mail), its own clock
(an offset on the portal's, portal.clock) and its glitch switches; the middleware
(demo.middleware) applies them to its members' requests. Mail sent for its members
outside their requests (the login alert, a reminder from `send_reminders`) finds its
mailbox by the recipient (`route_mail`).
"""

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import string

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from demo.models import GlitchKind, Sandbox, SandboxGlitch, mailbox_of_slot
from demo.notices import create_persona_notices
from demo.personas import PERSONAS, Persona, restore_personas
from history.reminders import Outcome, send_due_notices
from members import lockout, sessions
from members.models import AttemptCounter, LoginMethod, Member
from points import rules
from points import services as points_services
from portal import clock
from portal.mail import delivering_to
from portal.models import MailboxMessage

SLOTS = 9_000_000
FIRST_MEMBER_NUMBER = 110_000_000
FIRST_CARD_NUMBER = 1_100_000_000
LONG_CARD_PREFIX = "4981"
EMAIL_DOMAIN = "sandbox.demo.portal.example"
SANDBOX_ADDRESS = re.compile(rf"[^@\s]+@s(\d{{1,7}})\.{re.escape(EMAIL_DOMAIN)}")
_ALNUM = string.ascii_letters + string.digits


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def find(token: str) -> Sandbox | None:
    """Return the live sandbox of `token`, or None (unknown, or past its expiry)."""
    return Sandbox.objects.filter(
        token_hash=token_hash(token), expires_at__gt=clock.shared_now()
    ).first()


def slot_of(member_number: str | None) -> int | None:
    """Return the slot whose range holds `member_number`, or None outside every slot."""
    if not member_number or not member_number.isdigit():
        return None
    offset = int(member_number) - FIRST_MEMBER_NUMBER
    return offset // 10 if 0 <= offset < SLOTS * 10 else None


def sandbox_of(member: Member) -> Sandbox | None:
    """Return the sandbox `member` belongs to, or None for every other member."""
    slot = slot_of(member.member_number)
    if slot is None:
        return None
    return Sandbox.objects.filter(slot=slot).prefetch_related("glitches").first()


def personas_of(sandbox: Sandbox) -> tuple[Persona, ...]:
    """Return the sandbox's copies of the personas, with its numbers and credentials."""
    return tuple(_copy(persona, index, sandbox) for index, persona in enumerate(PERSONAS))


def _copy(persona: Persona, index: int, sandbox: Sandbox) -> Persona:
    slot = sandbox.slot
    if len(persona.card_number) == 10:
        card_number = str(FIRST_CARD_NUMBER + 10 * slot + index)
    else:
        zeros = "0" * (len(persona.card_number) - len(LONG_CARD_PREFIX) - 7 - 1)
        card_number = f"{LONG_CARD_PREFIX}{slot:07d}{zeros}{index}"
    secret = sandbox.credentials[persona.key]
    return dataclasses.replace(
        persona,
        member_number=str(FIRST_MEMBER_NUMBER + 10 * slot + index),
        card_number=card_number,
        web_id=f"{persona.web_id}s{slot}" if persona.web_id else "",
        pin=secret["pin"],
        password=secret["password"],
        email_domain=f"s{slot}.{EMAIL_DOMAIN}",
    )


def _fresh_credentials() -> dict[str, dict[str, str]]:
    def password() -> str:
        # 12 half-width letters and digits, with both (the Web-ID password rule).
        body = "".join(secrets.choice(_ALNUM) for _ in range(10))
        return body + secrets.choice(string.ascii_letters) + secrets.choice(string.digits)

    return {
        persona.key: {
            "pin": f"{secrets.randbelow(10_000):04d}",
            "password": password() if persona.web_id else "",
        }
        for persona in PERSONAS
    }


# --- Creating, resetting, deleting ---------------------------------------------------


def create_sandbox() -> tuple[Sandbox, str]:
    """Make a sandbox with its ten members; return it and its token (shown only now)."""
    token = secrets.token_urlsafe(32)
    for _attempt in range(20):
        try:
            with transaction.atomic():
                sandbox = Sandbox.objects.create(
                    slot=_free_slot(),
                    token_hash=token_hash(token),
                    credentials=_fresh_credentials(),
                    expires_at=clock.shared_now()
                    + dt.timedelta(hours=settings.PORTAL_SANDBOX_HOURS),
                )
                _populate(sandbox)
                return sandbox, token
        except IntegrityError:
            continue  # a parallel creation took the slot, or a member one of its numbers
    raise RuntimeError("no free sandbox slot found")


def _free_slot() -> int:
    while True:
        slot = secrets.randbelow(SLOTS)
        numbers = [str(FIRST_MEMBER_NUMBER + 10 * slot + index) for index in range(10)]
        taken = Sandbox.objects.filter(slot=slot).exists() or (
            Member.objects.filter(member_number__in=numbers).exists()
        )
        if not taken:
            return slot


def _populate(sandbox: Sandbox) -> None:
    """Create its members in their documented state (on the portal's clock, like a reset
    of the shared personas) and its copies of the notices for chosen personas."""
    with clock.shifted(dt.timedelta(0)):
        personas = personas_of(sandbox)
        members = restore_personas(personas)
        by_key = {persona.key: member for persona, member in zip(personas, members, strict=True)}
        sandbox.notices.set(create_persona_notices(by_key))


@transaction.atomic
def reset_sandbox(sandbox: Sandbox) -> None:
    """Restore the sandbox to the state it was made in: its members (same credentials),
    an empty mailbox, the portal's clock, no glitches."""
    _clear(sandbox)
    Sandbox.objects.filter(pk=sandbox.pk).update(clock_offset=dt.timedelta(0))
    sandbox.clock_offset = dt.timedelta(0)
    _populate(sandbox)


@transaction.atomic
def delete_sandbox(sandbox: Sandbox) -> None:
    """Remove the sandbox and everything it made."""
    _clear(sandbox)
    sandbox.delete()


def _clear(sandbox: Sandbox) -> None:
    personas = personas_of(sandbox)
    members = Member.objects.filter(
        member_number__in=[persona.member_number for persona in personas], is_staff=False
    )
    # Its members may have registered or changed a Web-ID: the counters of their current
    # ones go too, with those of the documented credentials.
    web_ids = {persona.web_id for persona in personas if persona.web_id}
    web_ids.update(members.exclude(web_id=None).values_list("web_id", flat=True))
    keys = [
        lockout.credential_key(method=LoginMethod.CARD, identifier=persona.card_number)
        for persona in personas
    ] + [lockout.credential_key(method=LoginMethod.WEB_ID, identifier=web_id) for web_id in web_ids]
    AttemptCounter.objects.filter(key__in=keys).delete()
    sandbox.notices.all().delete()
    # Their sessions live in the session store, which no foreign key reaches.
    for member in members:
        sessions.end_other_sessions(member=member, current_session_key=None)
    members.delete()
    MailboxMessage.objects.filter(mailbox=sandbox.mailbox).delete()
    sandbox.glitches.all().delete()


def expire_sandboxes() -> int:
    """Delete every sandbox past its expiry; return how many this run deleted.

    Safe to run from cron on several hosts at once: each sandbox is claimed under a row
    lock (`SKIP LOCKED` on PostgreSQL, so parallel runs share the work) and deleted in
    its own transaction.
    """
    deleted = 0
    while True:
        with transaction.atomic():
            expired = Sandbox.objects.filter(expires_at__lte=clock.shared_now()).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                expired = expired.select_for_update(skip_locked=True)
            sandbox = expired.first()
            if sandbox is None:
                return deleted
            delete_sandbox(sandbox)
            deleted += 1


# --- Clock and glitches ---------------------------------------------------------------


def set_clock(
    sandbox: Sandbox, *, now: dt.datetime | None = None, offset: dt.timedelta | None = None
) -> None:
    """Move the sandbox's clock to the instant `now` (then it runs on), or by `offset`
    from the portal's clock."""
    if now is not None:
        offset = now - clock.shared_now()
    sandbox.clock_offset = offset or dt.timedelta(0)
    sandbox.save(update_fields=["clock_offset"])


def sandbox_now(sandbox: Sandbox) -> dt.datetime:
    return clock.shared_now() + sandbox.clock_offset


def set_latency(sandbox: Sandbox, *, path: str, latency_ms: int) -> None:
    """Make every answer to the sandbox's members under `path` `latency_ms` late (0: off)."""
    glitches = SandboxGlitch.objects.filter(sandbox=sandbox, kind=GlitchKind.LATENCY, path=path)
    if latency_ms <= 0:
        glitches.delete()
        return
    SandboxGlitch.objects.update_or_create(
        sandbox=sandbox, kind=GlitchKind.LATENCY, path=path, defaults={"latency_ms": latency_ms}
    )


def set_unavailable(sandbox: Sandbox, *, path: str, count: int) -> None:
    """Make the next `count` requests of the sandbox's members under `path` answer 503."""
    glitches = SandboxGlitch.objects.filter(sandbox=sandbox, kind=GlitchKind.UNAVAILABLE, path=path)
    if count <= 0:
        glitches.delete()
        return
    SandboxGlitch.objects.update_or_create(
        sandbox=sandbox, kind=GlitchKind.UNAVAILABLE, path=path, defaults={"remaining": count}
    )


def clear_glitches(sandbox: Sandbox) -> None:
    sandbox.glitches.all().delete()


@dataclasses.dataclass(frozen=True)
class Glitches:
    latency_ms: int = 0
    unavailable: bool = False


def glitches_for(sandbox: Sandbox, path: str) -> Glitches:
    """Return the glitches a request to `path` meets, using up one of a 503 count.

    Counting down is one UPDATE per switch, so parallel requests never use a place twice.
    """
    matching = [glitch for glitch in sandbox.glitches.all() if path.startswith(glitch.path)]
    latency = max(
        (glitch.latency_ms for glitch in matching if glitch.kind == GlitchKind.LATENCY), default=0
    )
    unavailable = any(
        SandboxGlitch.objects.filter(pk=glitch.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        for glitch in matching
        if glitch.kind == GlitchKind.UNAVAILABLE
    )
    return Glitches(latency_ms=latency, unavailable=unavailable)


def send_reminders(sandbox: Sandbox) -> Outcome:
    """Run the reminder job (`send_reminders`) for the sandbox's members on its clock.

    The cron job runs on the portal's clock for every member; a sandbox whose clock was
    moved (after a due date, say) runs it here to send what is due at its own now.
    """
    numbers = [persona.member_number for persona in personas_of(sandbox)]
    member_ids = list(Member.objects.filter(member_number__in=numbers).values_list("pk", flat=True))
    with clock.shifted(sandbox.clock_offset), delivering_to(sandbox.mailbox):
        return send_due_notices(member_ids=member_ids)


def credit_registration_points(sandbox: Sandbox) -> tuple[str, int]:
    """Run the month-end point job (`credit_registration_points`) for the sandbox's
    members on its clock: credit the month before its today; return that month and the
    number of entries written (0 when run again: the job is idempotent)."""
    numbers = [persona.member_number for persona in personas_of(sandbox)]
    member_ids = list(Member.objects.filter(member_number__in=numbers).values_list("pk", flat=True))
    with clock.shifted(sandbox.clock_offset), delivering_to(sandbox.mailbox):
        month = rules.previous_month_reference(clock.today())
        return month, points_services.credit_registration_points(month=month, member_ids=member_ids)


# --- Mail -----------------------------------------------------------------------------


def route_mail(recipients) -> str | None:
    """Return the mailbox of the sandbox whose address `recipients` names (the portal.mail
    router for mail sent outside a sandbox member's request), without a query.

    An address a sandbox member changed to is known only in their own requests (and in
    the sandbox's jobs endpoint), which name the mailbox themselves.
    """
    for recipient in recipients:
        if match := SANDBOX_ADDRESS.fullmatch(recipient.strip().lower()):
            return mailbox_of_slot(int(match[1]))
    return None
