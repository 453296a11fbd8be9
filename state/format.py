"""How dates read on the page (formatted server-side so the browser needs no date library)."""

from __future__ import annotations

from datetime import datetime


def when(moment: datetime | str) -> str:
    """An absolute, unambiguous date such as ``22 Nov 2026, 15:09 UTC``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.strftime("%-d %b %Y, %H:%M UTC")
