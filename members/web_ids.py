"""Web-IDs kept for a member who may not exist yet (SPEC §9: the demo personas').

A higher app reserves them when it is ready (demo.apps); the Web-ID form refuses a
reserved Web-ID to everybody but the member number it is kept for, so a persona can
always be restored with its documented Web-ID.
"""

_reserved: dict[str, str] = {}


def reserve(web_id: str, *, member_number: str) -> None:
    """Keep `web_id` for the member with `member_number`."""
    _reserved[web_id] = member_number


def reserved_for(web_id: str) -> str | None:
    """Return the member number `web_id` is kept for, or None when it is free."""
    return _reserved.get(web_id)
