"""``/preview/[wp_id]``: a draft as WordPress's "Preview" button shows it, for its editor.

The same pieces as a post page (header, image, terms, body) under a "Preview" banner, with
no like button, rating or comments; ``noindex`` here and in the response's headers. A
refused link is one notice saying what to do (press Preview in WordPress again).
"""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.layout import loading
from components.posts import post_header
from state.preview import PreviewState


def _preview() -> rx.Component:
    S = PreviewState
    return rx.el.article(
        rx.vstack(
            rx.callout(
                rx.text("Preview of a ", rx.el.strong(S.status), " post: only you can see it."),
                icon="eye",
                color_scheme="amber",
                id="preview-banner",
            ),
            post_header(S.post, S.terms),  # its author links nowhere: author_href is ""
            rx.html(S.content_html, class_name="post-content", id="preview-content"),
            spacing="4",
            width="100%",
        ),
        style={"width": "100%"},
        class_name="post-article",
    )


def _refused() -> rx.Component:
    return rx.vstack(
        rx.heading("Preview unavailable", size="8", id="preview-refused"),
        rx.text(PreviewState.error, id="preview-error"),
        spacing="3",
    )


def page() -> rx.Component:
    return page_layout(
        # React puts this in <head>: a preview is never indexed, whatever a crawler was sent.
        rx.el.meta(name="robots", content="noindex"),
        rx.cond(
            PreviewState.loaded,
            rx.cond(PreviewState.error != "", _refused(), _preview()),
            loading(),
        ),
    )
