"""The star rating's state: each post's summary line and this visitor's stars, per post slug.

The keyboard follows the WAI-ARIA radio group pattern: arrow keys, Home and End only move
the checked star (``mine``), nothing is stored; Enter or Space on a star, or focus leaving
the group, commits the checked star as one rating (:meth:`RatingState.commit_rating`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from db.core.errors import ActionError
from db.models import RatingPublic
from db.ratings import rating_status, rating_summary
from state import live
from state.actions import perform, query
from state.checks import typed
from state.site import SiteState

MAX_STARS = 5

# Keys that move the selection, and where each one moves it from the focused star.
_MOVES: dict[str, Callable[[int], int]] = {
    "ArrowRight": lambda n: n + 1,
    "ArrowUp": lambda n: n + 1,
    "ArrowLeft": lambda n: n - 1,
    "ArrowDown": lambda n: n - 1,
    "Home": lambda n: 1,
    "End": lambda n: MAX_STARS,
}


def _topic(slug: str) -> str:
    return f"ratings:{slug}"


def summary_text(view: RatingPublic) -> str:
    """``4.3 · 12 ratings``, formatted here so the browser shows one decimal without a library."""
    if view.count == 0:
        return "No ratings yet"
    return f"{view.average:.1f} · {view.count} rating{'' if view.count == 1 else 's'}"


def _problem(error: ActionError) -> str:
    """A toast shows one sentence: the first field message says more than the form-level one."""
    return next((msgs[0] for msgs in error.fields.values() if msgs), error.message)


class RatingState(SiteState):
    """Keyed by slug so one page can show several ratings."""

    summaries: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    mine: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    saving: rx.Field[dict[str, bool]] = rx.field(default_factory=dict)
    # backend-only: the stars stored for this visitor, which ``mine`` may be ahead of while
    # the keyboard moves the selection (and goes back to when a rating is refused)
    _saved: dict[str, int] = {}

    def _show(self, view: RatingPublic) -> None:
        self.summaries[view.post_slug] = summary_text(view)
        if view.stars is not None:
            self.mine[view.post_slug] = view.stars
            self._saved[view.post_slug] = view.stars

    @rx.event
    @typed
    async def load_rating(self, post_slug: str) -> None:
        """Fetch the summary and this visitor's stars, and follow the post's live summary."""
        self._show(await query(rating_status, post_slug, self._ensure_visitor()))
        live.subscribe(_topic(post_slug), self._client_token())

    @rx.event
    @typed
    async def submit_rating(self, post_slug: str, stars: int) -> Any:
        """Rate (click, Enter, Space); the checked star moves at once and reverts on failure."""
        previous = self._saved.get(post_slug)
        self.mine[post_slug] = stars
        self.saving[post_slug] = True
        yield
        result = await perform(self, "ratings.rate", {"post_slug": post_slug, "stars": stars})
        self.saving[post_slug] = False
        if result.error is not None:
            if previous is None:
                self.mine.pop(post_slug, None)
            else:
                self.mine[post_slug] = previous
            yield rx.toast.error(_problem(result.error))
            return
        self._show(RatingPublic.model_validate(result.data))
        live.subscribe(_topic(post_slug), self._client_token())
        live.publish(
            _topic(post_slug),
            RatingState,
            lambda: query(rating_summary, post_slug),
            lambda st, view: st.summaries.__setitem__(post_slug, summary_text(view)),
        )

    @rx.event
    @typed
    def submit_rating_key(self, post_slug: str, focused: int, key: str) -> None:
        """Arrow keys, Home and End on the star ``focused``: check the star they name,
        without storing anything (a radio group's arrows only move the selection). The
        browser has already moved the focus there (components/ratings.py), so a second key
        pressed before this answer starts from the right star.

        Enter and Space need nothing here: on a button they fire a click, which rates.
        """
        move = _MOVES.get(key)
        if move is not None:
            self.mine[post_slug] = min(max(move(focused), 1), MAX_STARS)

    @rx.event
    @typed
    def commit_rating(self, post_slug: str, left: bool) -> Any:
        """Focus left the star group (``left``; a move between its stars is not leaving it):
        store the star the keyboard checked, if it is not the stored one already."""
        stars = self.mine.get(post_slug)
        if not left or stars is None or stars == self._saved.get(post_slug):
            return None
        return RatingState.submit_rating(post_slug, stars)
