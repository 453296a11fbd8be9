"""The guestbook: visitors sign, everyone reads, moderators hide."""

from __future__ import annotations

import math

from sqlmodel import Session, col, func, select

from db.actions import ActionContext, action
from db.models import GuestbookEntry, GuestbookEntryCreate, GuestbookEntryPublic

PER_PAGE = 10


@action(
    "guestbook.add",
    input=GuestbookEntryCreate,
    summary="Sign the guestbook.",
)
def add_entry(*, session: Session, data: GuestbookEntryCreate, ctx: ActionContext) -> GuestbookEntryPublic:
    entry = GuestbookEntry.model_validate(
        data.model_dump(exclude={"website"}), update={"visitor_id": ctx.visitor_id}
    )
    session.add(entry)
    session.flush()
    return GuestbookEntryPublic.model_validate(entry)


def _visible():
    return select(GuestbookEntry).where(
        col(GuestbookEntry.is_public).is_(True), col(GuestbookEntry.is_removed).is_(False)
    )


def list_entries(
    session: Session, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[GuestbookEntryPublic], int, int]:
    """One page of visible entries newest first, the page count and the total."""
    total = session.exec(select(func.count()).select_from(_visible().subquery())).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = session.exec(
        _visible()
        .order_by(col(GuestbookEntry.created_at).desc(), col(GuestbookEntry.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [GuestbookEntryPublic.model_validate(r) for r in rows], pages, total
