"""What a counter holds, for tests (the portal itself only reserves, gives back and resets)."""

from members.models import AttemptCounter


def counter_failures(key: str) -> int:
    """Return the places taken in the counter `key` (0 if it was never touched)."""
    return AttemptCounter.objects.filter(key=key).values_list("failures", flat=True).first() or 0
