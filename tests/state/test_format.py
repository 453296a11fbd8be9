"""What state hands the page: a post excerpt's plain text (the meta description and link
previews) and dates as ISO instants (the page formats them for the visitor)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from state.format import iso, plain_text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>On <em>engines</em>.</p>", "On engines."),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("<ul><li>a</li><li>b</li></ul>", "a b"),
        ("line<br>break", "line break"),
        ("<p>Fish &amp; chips &#8220;quoted&#8221;</p>", "Fish & chips \u201cquoted\u201d"),
        ("<p><a href='/x'>link</a>ed</p>", "linked"),
        ("", ""),
    ],
)
def test_excerpt_as_plain_text(markup: str, text: str) -> None:
    assert plain_text(markup) == text


def test_a_long_excerpt_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert plain_text("<p>alpha beta, gamma delta</p>", limit=13) == "alpha beta…"


@pytest.mark.parametrize(
    ("moment", "value"),
    [
        (datetime(2025, 3, 13, 7, 58, 30, 123456, tzinfo=UTC), "2025-03-13T07:58:30Z"),
        (datetime(2025, 3, 13, 16, 58, tzinfo=ZoneInfo("Asia/Tokyo")), "2025-03-13T07:58:00Z"),
        ("2025-03-13T07:58:00.5+00:00", "2025-03-13T07:58:00Z"),
        ("2025-03-13T07:58:00Z", "2025-03-13T07:58:00Z"),
        ("2025-03-13T07:58:00", "2025-03-13T07:58:00Z"),  # the database's naive UTC
        (None, ""),
        ("", ""),
    ],
)
def test_a_date_reaches_the_page_as_whole_seconds_in_utc(
    moment: datetime | str | None, value: str
) -> None:
    """The one form the render server (bun) and every browser parse to the same instant."""
    assert iso(moment) == value
