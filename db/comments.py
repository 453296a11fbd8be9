"""Comments on posts: visitors write, edit and delete their own; everyone reads.

A members-only post's comments are for members alone: signed out, every ``comments.*``
action on one answers UNAUTHORIZED, over the websocket and over HTTP alike.

Anonymous authors prove ownership with an edit token that only their browser keeps;
the database holds its SHA-256 and an expiry. Signed-in authors own their comments by
user id. Removal is a soft delete (``is_removed``) so moderators never lose evidence.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from db.core.actions import ActionContext, action
from db.core.cache import COMMENTS_TAG
from db.core.errors import ActionError, ErrorCode
from db.core.pagination import paginate, split
from db.core.tokens import new_token, token_hash
from db.core.types import utcnow
from db.models import (
    Comment,
    CommentCreate,
    CommentCreated,
    CommentDelete,
    CommentListQuery,
    CommentPage,
    CommentPublic,
    CommentRemoved,
    CommentUpdate,
    User,
)
from db.posts import is_members_only, require_published

PER_PAGE = 20
DUPLICATE_WINDOW = timedelta(seconds=60)
EDIT_TOKEN_TTL = timedelta(hours=24)

# Fixed messages; tests assert them.
COMMENT_NOT_FOUND = "Comment not found."
NOT_YOURS = "You can only change your own comments."
TOKEN_EXPIRED = "This edit link has expired."
MEMBERS_ONLY = "Sign in to read or comment on members-only posts."

_ERRORS = (ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND)
_OWNER_ERRORS = (
    ErrorCode.BAD_REQUEST,
    ErrorCode.UNAUTHORIZED,
    ErrorCode.NOT_FOUND,
    ErrorCode.FORBIDDEN,
    ErrorCode.GONE,
)


def _public(comment: Comment) -> CommentPublic:
    return CommentPublic.model_validate(comment, update={"edited": comment.updated_at is not None})


def _account(session: Session, ctx: ActionContext) -> User | None:
    """The signed-in account behind ``ctx``, if it still exists."""
    return session.get(User, ctx.user_id) if ctx.user_id is not None else None


def _require_member(session: Session, members_only: bool, ctx: ActionContext) -> User | None:
    """UNAUTHORIZED for a members-only post unless ``ctx`` is signed in; the account, if any.

    Any account will do (members and admins alike), as for reading the post itself.
    """
    user = _account(session, ctx)
    if members_only and user is None:
        raise ActionError(ErrorCode.UNAUTHORIZED, MEMBERS_ONLY)
    return user


def _same_author(ctx: ActionContext) -> ColumnElement[bool]:
    """Who counts as "the same author" for duplicate detection: the account, else the browser."""
    if ctx.user_id is not None:
        return col(Comment.user_id) == ctx.user_id
    if ctx.visitor_id:
        return and_(col(Comment.user_id).is_(None), col(Comment.visitor_id) == ctx.visitor_id)
    return and_(col(Comment.user_id).is_(None), col(Comment.visitor_id).is_(None))


@action(
    "comments.create",
    input=CommentCreate,
    summary="Comment on a post; the same comment again within 60 seconds returns the first one.",
    invalidates=(COMMENTS_TAG,),
    errors=_ERRORS,
)
def create_comment(*, session: Session, data: CommentCreate, ctx: ActionContext) -> CommentCreated:
    """Insert the comment unless this author posted the same text here in the last minute.

    The duplicate check and the insert are one ``INSERT … SELECT … WHERE NOT EXISTS``
    statement, so two identical submits racing each other still store one row. Only the
    submit that stored the row gets the edit token; a duplicate gets the comment alone.
    """
    user = _require_member(session, require_published(session, data.post_slug), ctx)
    author = user.display_name if user else data.author  # an account's comments carry its name
    now = utcnow()
    token = None if ctx.user_id is not None else new_token()
    expires = now + EDIT_TOKEN_TTL if token else None
    values: dict[str, Any] = {
        "post_slug": data.post_slug,
        "author_name": author,
        "content": data.content,
        "created_at": now,
        "user_id": ctx.user_id,
        "visitor_id": ctx.visitor_id,
        "edit_token_hash": token_hash(token) if token else None,
        "edit_token_expires_at": expires,
    }
    duplicate = select(Comment.id).where(
        Comment.post_slug == data.post_slug,
        Comment.author_name == author,
        Comment.content == data.content,
        col(Comment.created_at) > now - DUPLICATE_WINDOW,
        col(Comment.is_removed).is_(False),
        _same_author(ctx),
    )
    table = Comment.metadata.tables[Comment.__tablename__]  # __table__, typed
    row = session.execute(
        insert(Comment)
        .from_select(
            list(values),
            select(*(literal(v, table.c[k].type) for k, v in values.items())).where(
                ~exists(duplicate)
            ),
        )
        .returning(col(Comment.id))
    ).first()
    if row is None:
        existing_id = session.exec(duplicate.order_by(col(Comment.id))).first()
        return CommentCreated(comment=_public(_get(session, existing_id)))
    return CommentCreated(
        comment=_public(_get(session, row[0])), edit_token=token, edit_token_expires_at=expires
    )


def owned_by_user(session: Session, comment_ids: list[int], user_id: int | None) -> set[int]:
    """Which of ``comment_ids`` the signed-in ``user_id`` wrote (they may edit them anywhere)."""
    if user_id is None or not comment_ids:
        return set()
    ids = session.exec(
        select(Comment.id).where(col(Comment.id).in_(comment_ids), Comment.user_id == user_id)
    ).all()
    return {comment_id for comment_id in ids if comment_id is not None}  # keys: never NULL


def _get(session: Session, comment_id: int | None) -> Comment:
    comment = session.get(Comment, comment_id) if comment_id is not None else None
    if comment is None:
        raise ActionError(ErrorCode.NOT_FOUND, COMMENT_NOT_FOUND)
    return comment


def _owned(session: Session, comment_id: int, token: str | None, ctx: ActionContext) -> Comment:
    """The live comment ``comment_id`` if the caller owns it: NOT_FOUND first, then
    UNAUTHORIZED (signed out, on a members-only post), then FORBIDDEN, or GONE for a right
    edit token past its 24 hours.

    Checking existence first means a stranger learns nothing more than a reader could,
    and an owner with a stale link is told the link expired rather than that it is wrong.
    """
    comment = session.get(Comment, comment_id)
    if comment is None or comment.is_removed or not comment.is_public:
        raise ActionError(ErrorCode.NOT_FOUND, COMMENT_NOT_FOUND)
    if _account(session, ctx) is None and is_members_only(session, comment.post_slug):
        raise ActionError(ErrorCode.UNAUTHORIZED, MEMBERS_ONLY)
    if comment.user_id is not None:
        if ctx.user_id != comment.user_id:
            raise ActionError(ErrorCode.FORBIDDEN, NOT_YOURS)
        return comment
    stored = comment.edit_token_hash
    if not token or not stored or not hmac.compare_digest(token_hash(token), stored):
        raise ActionError(ErrorCode.FORBIDDEN, NOT_YOURS)
    expires: datetime | None = comment.edit_token_expires_at
    if expires is None or expires <= utcnow():
        raise ActionError(ErrorCode.GONE, TOKEN_EXPIRED)  # its own code: the tab drops the token
    return comment


@action(
    "comments.update",
    input=CommentUpdate,
    summary="Change the text of your own comment (anonymous authors send their edit token).",
    invalidates=(COMMENTS_TAG,),
    errors=_OWNER_ERRORS,
)
def update_comment(*, session: Session, data: CommentUpdate, ctx: ActionContext) -> CommentPublic:
    """Replace the text and stamp ``updated_at`` (the "edited" mark); same text changes nothing."""
    comment = _owned(session, data.id, data.edit_token, ctx)
    if comment.content != data.content:
        comment.content = data.content
        comment.updated_at = utcnow()
        session.add(comment)
        session.flush()
    return _public(comment)


@action(
    "comments.delete",
    input=CommentDelete,
    summary="Remove your own comment (a soft delete; anonymous authors send their edit token).",
    invalidates=(COMMENTS_TAG,),
    errors=_OWNER_ERRORS,
)
def delete_comment(*, session: Session, data: CommentDelete, ctx: ActionContext) -> CommentRemoved:
    """Hide the comment for good by setting ``is_removed``; the row stays for moderation."""
    comment = _owned(session, data.id, data.edit_token, ctx)
    comment.is_removed = True
    session.add(comment)
    session.flush()
    return CommentRemoved(id=data.id, post_slug=comment.post_slug)


@action(
    "comments.list",
    input=CommentListQuery,
    summary="One page (20, oldest first) of a published post's comments (members-only: members).",
    errors=_ERRORS,
    writes=False,
)
def list_post_comments(
    *, session: Session, data: CommentListQuery, ctx: ActionContext
) -> CommentPage:
    """The read behind ``GET /api/comments``: unknown or missing posts are NOT_FOUND, and a
    members-only post's comments are UNAUTHORIZED to a caller who is not signed in."""
    _require_member(session, require_published(session, data.post_slug), ctx)
    return list_comments(session, data.post_slug, page=data.page)


def readable_comments(
    session: Session, post_slug: str, ctx: ActionContext, *, page: int | None = 1
) -> CommentPage | None:
    """:func:`list_comments` as ``ctx`` may read it: ``None`` when ``comments.list`` would
    answer UNAUTHORIZED (a members-only post, a caller not signed in).

    The comment island and the no-JavaScript page read through this, so a page the websocket
    or the HTML carries holds no more than ``GET /api/comments`` would give the same caller.
    Locked out is a value here, not an error, because those pages show a sign-in notice in
    place of the comments; an unknown post still reads as an empty page.
    """
    try:
        _require_member(session, is_members_only(session, post_slug), ctx)
    except ActionError:
        return None
    return list_comments(session, post_slug, page=page)


def _visible(post_slug: str) -> Any:
    return select(Comment).where(
        Comment.post_slug == post_slug,
        col(Comment.is_public).is_(True),
        col(Comment.is_removed).is_(False),
    )


def _oldest_first(query: Any) -> Any:
    return query.order_by(col(Comment.created_at), col(Comment.id))


def list_comments(
    session: Session, post_slug: str, *, page: int | None = 1, per_page: int = PER_PAGE
) -> CommentPage:
    """One page of a post's visible comments oldest first; ``page=None`` is the last page.

    Pages past the end are clamped to the last one, like every other list in Atoll, and
    ``None`` asks for the page a new comment lands on.
    """
    query = _oldest_first(_visible(post_slug))
    return paginate(session, query, page=page, per_page=per_page, view=_public)


def comment_pages(
    session: Session, post_slug: str, *, per_page: int = PER_PAGE
) -> list[CommentPage]:
    """Every page of a post's visible comments from one snapshot (at least one, maybe empty).

    Live updates read this once per change and hand each open tab the page it shows, so
    tabs on different pages all converge on the same committed state.
    """
    rows = session.exec(_oldest_first(_visible(post_slug))).all()
    return split([_public(r) for r in rows], per_page=per_page)
