import os

from django.contrib.auth.hashers import Argon2PasswordHasher

# Set by the tests that start the servers; each hash appends one byte to this file.
HASH_COUNT_FILE = "PORTAL_TEST_HASH_COUNT_FILE"


class CountingArgon2PasswordHasher(Argon2PasswordHasher):
    """The real Argon2 hasher, counting its hash computations across processes.

    Verifying a secret computes one hash (`verify`), and so does the dummy hash run for
    an unknown identifier (`encode`). Appends of one byte are atomic, so the size of the
    file counts the hashes of every server process and thread.
    """

    def encode(self, password, salt):
        _count_one()
        return super().encode(password, salt)

    def verify(self, password, encoded):
        _count_one()
        return super().verify(password, encoded)


def _count_one() -> None:
    path = os.environ.get(HASH_COUNT_FILE)
    if path:
        with open(path, "ab") as counter:
            counter.write(b".")


def hashes_counted(path) -> int:
    """Return how many hashes the servers writing to `path` have computed."""
    return os.path.getsize(path) if os.path.exists(path) else 0
