"""How dates read on the page (formatted server-side so the browser needs no date library)."""

from __future__ import annotations

import re
from datetime import datetime

from db.wordpress.transform import plain_text as html_to_text


def when(moment: datetime | str) -> str:
    """An absolute, unambiguous date such as ``22 Nov 2026, 15:09 UTC``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.strftime("%-d %b %Y, %H:%M UTC")


def ago(moment: datetime | str, now: datetime) -> str:
    """A relative time such as ``3 minutes ago``, computed against the server's clock.

    ``now`` is passed in so one render uses one instant and tests need no clock tricks;
    moments slightly in the future (clock skew between writers) read as ``just now``.
    """
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    seconds = int((now - moment).total_seconds())
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 30 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|blockquote|pre|figure|figcaption|table|tr|td|th)\b[^>]*>",
    re.IGNORECASE,
)
"""Tags that end a line when read: they become a space, inline ones (``<em>``) nothing."""


def plain_text(markup: str, limit: int = 200) -> str:
    """Sanitized HTML (an excerpt) as one line of plain text, cut at a word near ``limit``.

    ``<p>On <em>engines</em>.</p><p>Next</p>`` reads "On engines. Next": block tags part
    words, inline tags don't (the tag stripping itself is the sync's, one allow-list).
    """
    text = html_to_text(BLOCK_TAG.sub(" ", markup))
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
