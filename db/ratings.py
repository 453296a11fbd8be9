"""Star ratings: one 1–5 rating per visitor per post, the summary moved in the same transaction."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from db.core.actions import ActionContext, action
from db.core.errors import ErrorCode
from db.core.types import utcnow
from db.models import Rating, RatingCreate, RatingPublic, RatingSummary
from db.posts import require_published
from db.visitors import require_visitor


def average(count: int, total: int) -> float:
    """The mean rounded half-up to one decimal (4.25 → 4.3), 0.0 when nobody rated.

    Decimal, not ``round()``: the float 4.25 rounds half-to-even to 4.2, which would show a
    lower average than the arithmetic one.
    """
    if count <= 0:
        return 0.0
    mean = Decimal(total) / Decimal(count)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@action(
    "ratings.rate",
    input=RatingCreate,
    summary="Rate a post 1–5 stars; rating again replaces this visitor's earlier rating.",
    errors=(ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND),
)
def rate_post(*, session: Session, data: RatingCreate, ctx: ActionContext) -> RatingPublic:
    """Insert or update this visitor's row and move the summary by exactly that change.

    The runner opened the transaction with BEGIN IMMEDIATE, so the previous stars read here
    cannot change before the write: the summary moves by (+1, stars) for a new rating or
    (0, new − old) for a changed one, in SQL, and always equals COUNT/SUM over the rows.
    """
    visitor = require_visitor(ctx.visitor_id)
    slug = data.post_slug
    require_published(session, slug)
    now = utcnow()
    existing = session.exec(
        select(Rating).where(Rating.post_slug == slug, Rating.visitor_id == visitor)
    ).first()
    if existing is None:
        session.add(
            Rating(
                post_slug=slug, visitor_id=visitor, stars=data.stars, created_at=now, updated_at=now
            )
        )
        added, delta = 1, data.stars
    else:
        added, delta = 0, data.stars - existing.stars
        existing.stars, existing.updated_at = data.stars, now
    session.flush()
    # SQLite checks CHECK constraints on the VALUES before it notices the conflict, so they
    # must be valid on their own: they are the summary a post's first rating creates. A
    # changed rating always finds the summary its first rating created and takes the update.
    stmt = insert(RatingSummary).values(post_slug=slug, ratings=1, total=data.stars)
    count, total = session.execute(
        stmt.on_conflict_do_update(
            index_elements=["post_slug"],
            set_={"ratings": RatingSummary.ratings + added, "total": RatingSummary.total + delta},
        ).returning(col(RatingSummary.ratings), col(RatingSummary.total))
    ).one()
    return RatingPublic(
        post_slug=slug, average=average(count, total), count=count, stars=data.stars
    )


def rating_summary(session: Session, slug: str) -> RatingPublic:
    """The post's average and count for everyone (``stars`` is left empty)."""
    row = session.exec(
        select(RatingSummary.ratings, RatingSummary.total).where(RatingSummary.post_slug == slug)
    ).first()
    count, total = row if row is not None else (0, 0)
    return RatingPublic(post_slug=slug, average=average(count, total), count=count, stars=None)


def rating_status(session: Session, slug: str, visitor_id: str | None) -> RatingPublic:
    """What a star rating shows one visitor: the summary and the stars they gave, if any."""
    summary = rating_summary(session, slug)
    if visitor_id:
        summary.stars = session.exec(
            select(Rating.stars).where(Rating.post_slug == slug, Rating.visitor_id == visitor_id)
        ).first()
    return summary
