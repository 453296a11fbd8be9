"""Likes: one per visitor per post, the total changed atomically in SQL."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from db.actions import ActionContext, action
from db.errors import ErrorCode
from db.models import Like, LikeCount, LikePublic, LikeToggle
from db.posts import require_published
from db.types import utcnow
from db.visitors import require_visitor


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
    if data.liked:
        added = session.execute(
            insert(Like)
            .values(post_slug=slug, visitor_id=visitor, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["post_slug", "visitor_id"])
            .returning(Like.id)
        ).first()
        require_published(session, slug)  # after the write: the lock is already ours
        if added is not None:
            stmt = insert(LikeCount).values(post_slug=slug, likes=1)
            likes = session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["post_slug"], set_={"likes": LikeCount.likes + 1}
                ).returning(LikeCount.likes)
            ).scalar_one()
            return LikePublic(post_slug=slug, likes=likes, liked=True)
    else:
        removed = session.execute(
            Like.__table__.delete()  # type: ignore[attr-defined]
            .where(Like.post_slug == slug, Like.visitor_id == visitor)
            .returning(Like.id)
        ).first()
        require_published(session, slug)
        if removed is not None:
            likes = session.execute(
                update(LikeCount)
                .where(LikeCount.post_slug == slug)  # type: ignore[arg-type]
                .values(likes=func.max(LikeCount.likes - 1, 0))
                .returning(LikeCount.likes)
            ).scalar_one_or_none()
            return LikePublic(post_slug=slug, likes=likes or 0, liked=False)
    return LikePublic(post_slug=slug, likes=count_likes(session, slug), liked=data.liked)


def count_likes(session: Session, slug: str) -> int:
    """The stored total for one post (0 when nobody has liked it yet)."""
    return session.exec(select(LikeCount.likes).where(LikeCount.post_slug == slug)).first() or 0


def like_status(session: Session, slug: str, visitor_id: str | None) -> LikePublic:
    """What a like button shows: the total and whether this visitor is among it."""
    liked = bool(
        visitor_id
        and session.exec(
            select(Like.id).where(Like.post_slug == slug, Like.visitor_id == visitor_id)
        ).first()
    )
    return LikePublic(post_slug=slug, likes=count_likes(session, slug), liked=liked)
