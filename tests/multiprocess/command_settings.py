"""Settings of the management commands that the multi-process tests run: the servers'
settings, with the mail delivery backend chosen by the test (PORTAL_TEST_DELIVERY_BACKEND)."""

import os

from tests.multiprocess.server_settings import *  # noqa: F403
from tests.multiprocess.server_settings import PORTAL_MAIL_DELIVERY_BACKEND

PORTAL_MAIL_DELIVERY_BACKEND = os.environ.get(
    "PORTAL_TEST_DELIVERY_BACKEND", PORTAL_MAIL_DELIVERY_BACKEND
)
