"""`send_outbox` from cron on several hosts at once (portal.outbox): three processes over
500 waiting mails deliver each exactly once, and share the work (SKIP LOCKED) instead of
queueing behind each other's locks."""

import datetime as dt
import os
import re
from collections import Counter

from django.conf import settings
from django.db import connection
from django.utils import timezone

from devserver import database_url
from portal.models import OutgoingMail
from tests.multiprocess.commands import run_at_once

MAILS = 500
PROCESSES = 3


def test_three_processes_at_once_send_each_waiting_mail_once(transactional_db, tmp_path):
    # Due whatever the real clock says (the suite's clock is moved to a quiet moment).
    now = timezone.now() - dt.timedelta(days=10)
    OutgoingMail.objects.bulk_create(
        OutgoingMail(
            template="emails/password_changed",
            to=f"waiting{index}@example.jp",
            from_email="no-reply@portal.example",
            subject="件名",
            body="本文",
            created_at=now,
            next_attempt_at=now,
        )
        for index in range(MAILS)
    )
    mail_log = tmp_path / "delivered.txt"
    mail_log.touch()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.multiprocess.command_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "PORTAL_TEST_DELIVERY_BACKEND": "tests.mail_backends.AppendingEmailBackend",
        "PORTAL_TEST_MAIL_LOG": str(mail_log),
    }
    outputs = run_at_once(["send_outbox"] * PROCESSES, env)
    sent = [int(re.match(r"Sent (\d+) ", out)[1]) for out in outputs]

    delivered = Counter(mail_log.read_text().splitlines())
    assert len(delivered) == MAILS and set(delivered.values()) == {1}
    assert sum(sent) == MAILS
    assert sum(1 for count in sent if count) >= 2, f"the processes did not share: {sent}"
    assert not OutgoingMail.objects.filter(sent_at__isnull=True).exists()
    assert not OutgoingMail.objects.exclude(body="").exists()
