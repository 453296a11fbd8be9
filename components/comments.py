"""The comment section island: a post's comments oldest first, paging, the form, edit/delete.

Visitor text is only ever passed to ``rx.text`` (a React text node), never to ``rx.html``,
so markup in a comment shows literally and cannot run.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.dates import moment
from components.forms import (
    action_form,
    action_url,
    form_error,
    honeypot,
    model_field,
    submit_button,
)
from components.layout import loading
from db.models import CommentCreate, CommentUpdate
from state.comments import EDIT_FORM_ID, FORM_ID
from state.comments import CommentEditState as E
from state.comments import CommentState as S


def _form(post_slug: str | rx.Var[str]) -> rx.Component:
    return action_form(
        FORM_ID,
        action_url("comments.create"),
        S.submit_comment,
        rx.vstack(
            rx.heading("Leave a comment", size="4", as_="h3"),
            form_error(S.form_error),
            model_field(
                FORM_ID, CommentCreate, "author", S.field_errors, default_value=S.author_name
            ),
            model_field(FORM_ID, CommentCreate, "content", S.field_errors),
            rx.el.input(
                type="hidden", name="post_slug", value=post_slug, id=f"{FORM_ID}-post_slug"
            ),
            honeypot(FORM_ID),
            submit_button("Post comment", S.pending),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _edit_form(comment: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.form(
        rx.vstack(
            form_error(E.form_error),
            model_field(
                EDIT_FORM_ID,
                CommentUpdate,
                "content",
                E.field_errors,
                default_value=comment["content"],
            ),
            rx.hstack(
                submit_button("Save", E.pending),
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=E.toggle_edit(comment["id"]),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        id=EDIT_FORM_ID,
        on_submit=E.submit_edit,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )


def _owner_actions(comment: ObjectVar[dict[str, str]]) -> rx.Component:
    confirming = E.confirming == comment["id"]
    return rx.hstack(
        rx.button(
            "Edit",
            size="1",
            variant="soft",
            class_name="comment-edit",
            on_click=E.toggle_edit(comment["id"]),
            aria_label="Edit your comment",
        ),
        rx.button(
            rx.cond(confirming, "Confirm delete", "Delete"),
            size="1",
            variant=rx.cond(confirming, "solid", "soft"),
            color_scheme="red",
            class_name="comment-delete",
            disabled=E.pending,
            on_click=E.delete_comment(comment["id"]),
            aria_label=rx.cond(confirming, "Confirm delete", "Delete your comment"),
        ),
        spacing="2",
    )


def _comment(comment: ObjectVar[dict[str, str]]) -> rx.Component:
    editing = E.editing == comment["id"]
    return rx.el.article(
        rx.vstack(
            rx.hstack(
                rx.text(comment["author"], weight="bold", class_name="comment-author"),
                moment(
                    comment["created"],
                    class_name="comment-time",
                    style={"font_size": "var(--font-size-1)", "color": "var(--gray-11)"},
                ),
                rx.cond(
                    comment["edited"] != "",
                    rx.badge(
                        comment["edited"],
                        variant="soft",
                        color_scheme="gray",
                        class_name="comment-edited",
                    ),
                ),
                spacing="2",
                align="center",
            ),
            rx.cond(
                editing,
                _edit_form(comment),
                rx.text(comment["content"], white_space="pre-wrap", class_name="comment-content"),
            ),
            rx.cond(S.own.contains(comment["id"]) & ~editing, _owner_actions(comment)),
            spacing="2",
            width="100%",
        ),
        id="comment-" + comment["id"].to(str),
        class_name="comment",
        style={
            "padding": "0.75rem 0",
            "border_bottom": "1px solid var(--gray-a4)",
            "width": "100%",
        },
    )


def _pager() -> rx.Component:
    return rx.cond(
        S.pages > 1,
        rx.el.nav(
            rx.hstack(
                rx.button(
                    "← Previous",
                    variant="soft",
                    size="1",
                    disabled=S.page <= 1,
                    on_click=S.load_page((S.page - 1).to(int)),
                    class_name="comments-prev",
                ),
                rx.text("Page ", S.page, " of ", S.pages, size="2", class_name="comments-page"),
                rx.button(
                    "Next →",
                    variant="soft",
                    size="1",
                    disabled=S.page >= S.pages,
                    on_click=S.load_page((S.page + 1).to(int)),
                    class_name="comments-next",
                ),
                spacing="4",
                align="center",
            ),
            aria_label="Comment pages",
        ),
    )


def _locked_notice(post_slug: str | rx.Var[str]) -> rx.Component:
    """In place of a members-only post's comments and form, for a visitor not signed in."""
    return rx.callout(
        rx.text(
            rx.link(
                "Sign in",
                href="/login?next=/blog/" + rx.Var.create(post_slug).to(str),
                id="comments-sign-in",
            ),
            " to read and join the discussion.",
        ),
        icon="lock",
        id="comments-locked",
    )


def comment_section(post_slug: str | rx.Var[str]) -> rx.Component:
    """A post's comments and the form to add one; loads itself, so it works on any page.

    On a members-only post a visitor who is not signed in gets a sign-in notice instead.
    """
    return rx.el.section(
        rx.vstack(
            rx.heading("Comments", size="5", as_="h2", id="comments-heading"),
            rx.cond(
                S.locked,
                _locked_notice(post_slug),
                rx.cond(
                    S.loaded,
                    rx.cond(
                        S.total > 0,
                        rx.vstack(
                            rx.text(
                                rx.cond(
                                    S.total == 1, "1 comment", S.total.to_string() + " comments"
                                ),
                                size="2",
                                color_scheme="gray",
                                class_name="comments-total",
                            ),
                            rx.foreach(S.comments, _comment),
                            _pager(),
                            spacing="1",
                            width="100%",
                            id="comment-list",
                        ),
                        rx.text("No comments yet. Be the first!", id="comments-empty"),
                    ),
                    loading("Loading comments…"),
                ),
            ),
            rx.cond(~S.locked, _form(post_slug)),
            spacing="4",
            width="100%",
        ),
        id="comments",
        key=post_slug,
        aria_labelledby="comments-heading",
        on_mount=S.load_comments(post_slug),
        style={"width": "100%"},
    )
