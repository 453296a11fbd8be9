"""The guestbook: visitors sign, everyone reads, moderators hide."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.core.actions import ActionContext, action
from db.core.cache import GUESTBOOK_TAG
from db.core.pagination import Page, paginate
from db.models import GuestbookEntry, GuestbookEntryCreate, GuestbookEntryPublic

PER_PAGE = 10


@action(
    "guestbook.add",
    input=GuestbookEntryCreate,
    summary="Sign the guestbook.",
    invalidates=(GUESTBOOK_TAG,),
)
def add_entry(
    *, session: Session, data: GuestbookEntryCreate, ctx: ActionContext
) -> GuestbookEntryPublic:
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
) -> Page[GuestbookEntryPublic]:
    """One page of visible entries, newest first."""
    query = _visible().order_by(
        col(GuestbookEntry.created_at).desc(), col(GuestbookEntry.id).desc()
    )
    return paginate(
        session, query, page=page, per_page=per_page, view=GuestbookEntryPublic.model_validate
    )
