import threading

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingMD5PasswordHasher(MD5PasswordHasher):
    """MD5 hasher that counts hash computations (verifying a secret computes one)."""

    algorithm = "counting_md5"
    calls = 0
    _lock = threading.Lock()

    def encode(self, password, salt):
        with CountingMD5PasswordHasher._lock:
            CountingMD5PasswordHasher.calls += 1
        return super().encode(password, salt)
