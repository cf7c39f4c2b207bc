"""One device vocabulary for answers (#27): "mobile", "tablet" or "desktop".

The widget on the link page says "phone" for a narrow window, other clients (the demo data,
analytics tools, server-side imports) say "mobile"; a report split by device would show
one kind of person as two groups. Answers are normalised as they arrive; migration 0022
rewrote the stored ones with the same aliases.
"""

from __future__ import annotations

DEVICES = ("mobile", "tablet", "desktop")

ALIASES = {"phone": "mobile", "smartphone": "mobile", "handset": "mobile", "mobile phone": "mobile",
           "ipad": "tablet", "pc": "desktop", "laptop": "desktop", "computer": "desktop"}


def normalise(device: str) -> str:
    """The vocabulary's word for ``device`` (case and spaces ignored); anything else is kept
    as sent, trimmed and lower-cased, so a new kind ("tv") is not lost."""
    key = " ".join(device.split()).lower()
    return ALIASES.get(key, key)
