import os
from pathlib import Path

from django.contrib.auth.hashers import Argon2PasswordHasher

# Set by the tests that start the servers: a directory where each process counts its hashes.
HASH_COUNT_DIR = "PORTAL_TEST_HASH_COUNT_DIR"


class CountingArgon2PasswordHasher(Argon2PasswordHasher):
    """The real Argon2 hasher, counting its hash computations across processes.

    Verifying a secret computes one hash (`verify`), and so does the dummy hash run for
    an unknown identifier (`encode`). Each process appends one byte per hash to a file
    named by its PID; appends are atomic, so the file sizes count the hashes of every
    thread, and the names tell which processes computed them.
    """

    def encode(self, password, salt):
        _count_one()
        return super().encode(password, salt)

    def verify(self, password, encoded):
        _count_one()
        return super().verify(password, encoded)


def _count_one() -> None:
    directory = os.environ.get(HASH_COUNT_DIR)
    if directory:
        with open(Path(directory, str(os.getpid())), "ab") as counter:
            counter.write(b".")


def hashes_by_process(directory) -> dict[int, int]:
    """Return how many hashes each server process writing to `directory` has computed."""
    return {int(path.name): path.stat().st_size for path in Path(directory).iterdir()}
