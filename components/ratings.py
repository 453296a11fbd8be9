"""The star rating island: a radio group of five star buttons inside a plain HTML form.

Without JavaScript each star is a submit button (``name="stars" value="N"``) posting the
form to the ``ratings.rate`` HTTP action. With JavaScript, clicks are intercepted and run
the Reflex handler instead; keyboard use follows the ARIA radio group pattern: the group is
one Tab stop (the checked star, or the first), arrow keys move the checked star without
storing it, and Enter, Space or leaving the group stores it as one rating. Hovering
previews the stars a click would give (CSS only: ``.rating-stars`` in assets/styles.css).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import key_event
from reflex.vars import NumberVar, ObjectVar

from components.forms import action_url
from state.ratings import MAX_STARS, RatingState

# Arrow keys, Home and End move the focus to the star they name here, in the browser, at
# once: keys pressed faster than a server round trip must each start from the star the
# previous one reached. The star's own handler tells the server which star is now checked.
# Only these keys are held back from the page (they would scroll it); Tab still leaves the
# group and Enter/Space still click. This listener runs as the key bubbles up from the star.
_MOVE_FOCUS = rx.Var(
    "((e) => { const step = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1}[e.key];"
    " if (step === undefined && e.key !== 'Home' && e.key !== 'End') return;"
    " e.preventDefault(); const from = Number(e.target.dataset.stars || 1);"
    f" const to = e.key === 'Home' ? 1 : e.key === 'End' ? {MAX_STARS}"
    f" : Math.min({MAX_STARS}, Math.max(1, from + step));"
    ' e.currentTarget.querySelector(`[data-stars="${to}"]`)?.focus(); })'
)


class StarButton(rx.el.Button):
    """An HTML button that also reports key presses (Reflex's ``button`` element has no
    ``on_key_down``), so each star knows which star the key was pressed on."""

    on_key_down: rx.EventHandler[key_event]


def _focus_left(e: ObjectVar[Any]) -> tuple[rx.Var[bool]]:
    """Whether focus went outside the element the blur handler is on (``relatedTarget`` is
    where it went: a star of the same group is not leaving it; ``null``, the page, is)."""
    return (rx.Var(f"!{e}.currentTarget.contains({e}.relatedTarget)").to(bool),)


class StarGroup(rx.el.Div):
    """The radio group, told when focus leaves it (React's ``onBlur`` bubbles from the stars),
    so the star the arrow keys checked is stored then."""

    on_blur: rx.EventHandler[_focus_left]


def _star(post_slug: str | rx.Var[str], stars: int, mine: NumberVar[int]) -> rx.Component:
    """One star: checked when it is the visitor's rating; the roving tab stop when checked
    (or, with nothing rated yet, the first star)."""
    checked = mine == stars
    return StarButton.create(
        rx.icon(
            tag="star", fill=rx.cond(mine >= stars, "currentColor", "none"), aria_hidden="true"
        ),
        type="submit",
        name="stars",
        value=str(stars),
        role="radio",
        aria_checked=rx.cond(checked, "true", "false"),
        aria_label=f"{stars} star" if stars == 1 else f"{stars} stars",
        tab_index=rx.cond(checked | ((mine == 0) & (stars == 1)), 0, -1),
        on_click=RatingState.submit_rating(post_slug, stars),
        on_key_down=RatingState.submit_rating_key(post_slug, stars),
        class_name="rating-star",
        data_stars=str(stars),
        style={
            "background": "none",
            "border": "none",
            "padding": "0.15rem",
            "cursor": "pointer",
            "color": "var(--amber-9)",
            "line_height": "0",
        },
    )


def star_rating(post_slug: str | rx.Var[str]) -> rx.Component:
    """Five stars, the average and the count; loads itself, so it works on any page."""
    mine = RatingState.mine.get(post_slug, 0).to(int)
    saving = RatingState.saving.get(post_slug, False).to(bool)
    return rx.el.form(
        rx.el.input(type="hidden", name="post_slug", value=post_slug),
        rx.hstack(
            StarGroup.create(
                *(_star(post_slug, n, mine) for n in range(1, MAX_STARS + 1)),
                role="radiogroup",
                aria_label="Rate this post",
                aria_busy=rx.cond(saving, "true", "false"),
                class_name="rating-stars",
                custom_attrs={"onKeyDown": _MOVE_FOCUS},
                # The stubs give a div's on_blur no arguments; StarGroup's passes one (left).
                on_blur=RatingState.commit_rating(post_slug),  # pyright: ignore[reportArgumentType]
                style={"display": "inline-flex", "gap": "0.1rem"},
            ),
            rx.text(
                RatingState.summaries.get(post_slug, ""),
                as_="span",
                size="2",
                color_scheme="gray",
                class_name="rating-summary",
                aria_live="polite",
            ),
            rx.cond(saving, rx.spinner(size="1", class_name="rating-saving")),
            align="center",
            spacing="2",
        ),
        method="post",
        action=action_url("ratings.rate"),
        on_submit=rx.prevent_default,  # with JavaScript the star's click handler rates instead
        on_mount=RatingState.load_rating(post_slug),
        class_name="star-rating",
        data_slug=post_slug,
    )
