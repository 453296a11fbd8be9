"""What state hands the page to show: dates as ISO instants, excerpts as plain text.

A date is not formatted here: the page shows it in the visitor's own time zone and language
(:func:`components.dates.moment`), which only the browser knows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from db.wordpress.transform import plain_text as html_to_text


def iso(moment: datetime | str | None) -> str:
    """``2025-03-13T07:58:00Z``: the instant for ``<time datetime>``, "" for none.

    Whole seconds in UTC with a ``Z``, the one form every JavaScript engine parses alike (the
    render server's and each browser's), so the server's HTML and the hydration agree.
    """
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # the database's clock is UTC (db.core.types.utcnow)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary(excerpt_html: str, content_html: str) -> str:
    """What a page's head says a post, page or item is about: its excerpt as plain text,
    else the start of its content."""
    return plain_text(excerpt_html) or plain_text(content_html)


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
