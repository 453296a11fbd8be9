"""The plain text of a post's excerpt: what the meta description and link previews show."""

from __future__ import annotations

import pytest

from state.format import plain_text


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
