"""Likes: one per visitor per post, the total changed atomically in SQL."""

from __future__ import annotations

from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from db.core.actions import ActionContext, action
from db.core.errors import ErrorCode
from db.core.types import utcnow
from db.models import Like, LikeCount, LikePublic, LikeToggle
from db.posts import IS_PUBLISHED, require_published
from db.visitors import require_visitor

# A toggle is the hottest write in the app. Its statements are built once, on the tables
# rather than the ORM classes: building a statement and running it through the ORM cost
# several times more CPU than SQLite spends executing it (see bench/RESULTS.md).
# (Looked up in the metadata: SQLModel does not declare ``__table__`` to type checkers.)
_likes = Like.metadata.tables[Like.__tablename__]
_counts = LikeCount.metadata.tables[LikeCount.__tablename__]
# The post check rides inside the write: one round trip instead of two, which matters most
# on a libSQL server, where every statement crosses the network. No row back means "already
# liked" (or "not liked") or "no such post"; only then is the post looked up to tell which.
_ADD = (
    insert(_likes)
    .from_select(
        ["post_slug", "visitor_id", "created_at"],
        select(
            bindparam("slug"),
            bindparam("visitor"),
            bindparam("now", type_=_likes.c.created_at.type),
        ).where(IS_PUBLISHED),
    )
    .on_conflict_do_nothing(index_elements=["post_slug", "visitor_id"])
    .returning(_likes.c.id)
)
_REMOVE = (
    _likes.delete()
    .where(
        _likes.c.post_slug == bindparam("slug"),
        _likes.c.visitor_id == bindparam("visitor"),
        IS_PUBLISHED,
    )
    .returning(_likes.c.id)
)
_INCREMENT = (
    insert(_counts)
    .values(post_slug=bindparam("slug"), likes=1)
    .on_conflict_do_update(index_elements=["post_slug"], set_={"likes": _counts.c.likes + 1})
    .returning(_counts.c.likes)
)
_DECREMENT = (
    update(_counts)
    .where(_counts.c.post_slug == bindparam("slug"))
    .values(likes=func.max(_counts.c.likes - 1, 0))
    .returning(_counts.c.likes)
)
_COUNT = select(_counts.c.likes).where(_counts.c.post_slug == bindparam("slug"))


@action(
    "likes.toggle",
    input=LikeToggle,
    summary="Set whether this visitor likes a post; repeating the same value changes nothing.",
    errors=(ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND),
)
def toggle_like(*, session: Session, data: LikeToggle, ctx: ActionContext) -> LikePublic:
    """Add or remove this visitor's Like row and move the total by the rows really changed.

    The count only moves when the INSERT or DELETE touched a row, in the same transaction,
    so concurrent or repeated toggles can neither double-count nor go below zero.
    """
    visitor = require_visitor(ctx.visitor_id)
    slug = data.post_slug
    key = {"slug": slug, "visitor": visitor}
    sql = session.connection()  # Core statements: the ORM's execute path adds nothing here
    if data.liked:
        if sql.execute(_ADD, key | {"now": utcnow()}).first() is not None:
            likes = sql.execute(_INCREMENT, key).scalar_one()
            return LikePublic(post_slug=slug, likes=likes, liked=True)
    elif sql.execute(_REMOVE, key).first() is not None:
        likes = sql.execute(_DECREMENT, key).scalar_one_or_none()
        return LikePublic(post_slug=slug, likes=likes or 0, liked=False)
    require_published(session, slug)  # nothing changed: a repeat, or no such post?
    return LikePublic(post_slug=slug, likes=count_likes(session, slug), liked=data.liked)


def count_likes(session: Session, slug: str) -> int:
    """The stored total for one post (0 when nobody has liked it yet)."""
    return session.connection().execute(_COUNT, {"slug": slug}).scalar() or 0


def like_status(session: Session, slug: str, visitor_id: str | None) -> LikePublic:
    """What a like button shows: the total and whether this visitor is among it."""
    liked = bool(
        visitor_id
        and session.exec(
            select(Like.id).where(Like.post_slug == slug, Like.visitor_id == visitor_id)
        ).first()
    )
    return LikePublic(post_slug=slug, likes=count_likes(session, slug), liked=liked)
