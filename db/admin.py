"""The admin dashboard's reads and writes, each guarded by the caller's role.

Every function here takes the caller's :class:`ActionContext` and checks it before it
touches anything: signed out is UNAUTHORIZED, a member is FORBIDDEN. Row actions load
the row first and answer NOT_FOUND before FORBIDDEN (a member learns only that an id
exists, as the public pages would tell them). The check lives here, not in the page, so
the websocket handlers, ``POST /api/actions/admin.*`` and the CSV endpoint all enforce it
by calling the same code.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import Field, Session, SQLModel, col, select

from db.accounts import require_user
from db.core.actions import ActionContext, action
from db.core.cache import COMMENTS_TAG, GUESTBOOK_TAG
from db.core.errors import ActionError, ErrorCode
from db.core.pagination import Page, paginate
from db.core.types import utcnow
from db.core.validation import INPUT_CONFIG
from db.models import (
    SQLITE_INT_MAX,
    Comment,
    ContactMessage,
    GuestbookEntry,
    Like,
    Outbox,
    Rating,
    Subscriber,
    SyncEvent,
    User,
)
from db.wordpress import client as wordpress
from db.wordpress import sync

PER_PAGE = 20
ACTIVITY_DAYS = 30

# Fixed messages; tests assert them.
ADMINS_ONLY = "Only administrators can do that."
COMMENT_NOT_FOUND = "Comment not found."
ENTRY_NOT_FOUND = "Guestbook entry not found."
MESSAGE_NOT_FOUND = "Message not found."
OUTBOX_NOT_FOUND = "Outbox message not found."
ALREADY_SENT = "This message was already sent."
BEING_SENT = "This message is being sent right now."
WORDPRESS_OFF = "WordPress is not configured: set WORDPRESS_URL first."

ModerationStatus = Literal["all", "visible", "hidden", "removed"]
MessageStatus = Literal["all", "unread", "read"]
SubscriberStatus = Literal["all", "pending", "active", "unsubscribed"]
OutboxStatus = Literal["all", "pending", "sending", "failed", "sent"]

T = TypeVar("T", bound=BaseModel)

# What an action on one row can answer: bad input, signed out, no such row, not an admin.
_ROW_ERRORS = (
    ErrorCode.BAD_REQUEST,
    ErrorCode.UNAUTHORIZED,
    ErrorCode.NOT_FOUND,
    ErrorCode.FORBIDDEN,
)


# --------------------------------------------------------------------------- guards


def require_admin(session: Session, ctx: ActionContext) -> User:
    """The signed-in admin behind ``ctx``: UNAUTHORIZED signed out, FORBIDDEN for members.

    The role is read from the database on every call, so a demotion takes effect at once.
    """
    user = require_user(session, ctx)
    if user.role != "admin":
        raise ActionError(ErrorCode.FORBIDDEN, ADMINS_ONLY)
    return user


def _row(session: Session, ctx: ActionContext, model: type[T], row_id: int, missing: str) -> T:
    """Signed in → the row exists (NOT_FOUND) → the caller is an admin (FORBIDDEN)."""
    require_user(session, ctx)
    row = session.get(model, row_id)
    if row is None:
        raise ActionError(ErrorCode.NOT_FOUND, missing)
    require_admin(session, ctx)
    return row


# --------------------------------------------------------------------------- views


class CommentAdmin(SQLModel):
    id: int
    post_slug: str
    author_name: str
    content: str
    created_at: datetime
    user_id: int | None
    is_public: bool
    is_removed: bool


class GuestbookEntryAdmin(SQLModel):
    id: int
    author: str
    content: str
    created_at: datetime
    is_public: bool
    is_removed: bool


class ContactMessageAdmin(SQLModel):
    id: int
    name: str
    email: str
    subject: str
    message: str
    created_at: datetime
    is_read: bool


class SubscriberAdmin(SQLModel):
    id: int
    email: str
    status: str
    created_at: datetime
    confirmed_at: datetime | None


class OutboxAdmin(SQLModel):
    """An outbox row without its payload (which may hold addresses and link tokens)."""

    id: int
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class SyncEventAdmin(SQLModel):
    id: int
    source: str
    wp_post_id: int | None
    action: str
    status: str
    attempts: int
    last_error: str | None
    received_at: datetime
    processed_at: datetime | None


class SyncRun(BaseModel):
    """A finished full sync or reconciliation: when, and the posts it changed."""

    finished_at: datetime | None
    created: int
    updated: int
    removed: int


class SyncStatus(BaseModel):
    """The WordPress sync at a glance: configured?, the queue, the last full run and the
    last reconciliation (what lost webhooks had left stale)."""

    configured: bool
    pending: int
    failed: int
    last_full_sync: datetime | None
    recent: list[SyncEventAdmin]
    last_reconcile: SyncRun | None = None


class SyncProgress(BaseModel):
    """How far the latest full sync run has got, read from its checkpoint.

    The run commits each page of ``/wp/v2/posts`` with ``next_page`` (see
    ``db/wordpress/sync.py``), so ``pages_done`` is exact while it runs; how many pages
    WordPress has is only known to the worker, so there is no total to show.
    """

    run_id: int
    status: str
    pages_done: int
    running: bool
    error: str | None


class ActivityDay(BaseModel):
    day: str
    likes: int
    ratings: int
    comments: int


# --------------------------------------------------------------------------- inputs


class ModerationUpdate(SQLModel):
    """Input of ``admin.moderate_comment`` and ``admin.moderate_entry``; omitted flags stay."""

    model_config = INPUT_CONFIG

    id: int = Field(ge=1, le=SQLITE_INT_MAX, title="Id")
    is_public: bool | None = Field(default=None, title="Public")
    is_removed: bool | None = Field(default=None, title="Removed")


class MessageUpdate(SQLModel):
    """Input of ``admin.mark_message``."""

    model_config = INPUT_CONFIG

    id: int = Field(ge=1, le=SQLITE_INT_MAX, title="Id")
    is_read: bool = Field(title="Read")


class SyncRequest(SQLModel):
    """Input of ``admin.sync_now``: nothing to choose; a full sync is queued."""

    model_config = INPUT_CONFIG


class OutboxRetry(SQLModel):
    """Input of ``admin.retry_outbox``."""

    model_config = INPUT_CONFIG

    id: int = Field(ge=1, le=SQLITE_INT_MAX, title="Id")


# --------------------------------------------------------------------------- helpers


def _page(session: Session, model: Any, query: Any, page: int, view: type[T]) -> Page[T]:
    """One page (``PER_PAGE`` rows) of ``query`` over ``model``, as ``view`` models.

    Every admin list is newest first; the id breaks ties between rows of the same instant.
    """
    query = query.order_by(col(model.created_at).desc(), col(model.id).desc())
    return paginate(session, query, page=page, per_page=PER_PAGE, view=view.model_validate)


def _moderation_filter(query: Any, model: Any, status: str) -> Any:
    if status == "visible":
        return query.where(col(model.is_public).is_(True), col(model.is_removed).is_(False))
    if status == "hidden":
        return query.where(col(model.is_public).is_(False), col(model.is_removed).is_(False))
    if status == "removed":
        return query.where(col(model.is_removed).is_(True))
    return query


def _moderate(
    session: Session,
    ctx: ActionContext,
    model: Any,
    data: ModerationUpdate,
    missing: str,
    view: type[T],
) -> T:
    """Set the flags ``data`` names on one row of ``model`` (NOT_FOUND with ``missing``)."""
    row = _row(session, ctx, model, data.id, missing)
    for name, value in data.model_dump(exclude={"id"}, exclude_none=True).items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return view.model_validate(row)


# --------------------------------------------------------------------------- comments


def list_comments(
    session: Session, ctx: ActionContext, *, status: ModerationStatus = "all", page: int = 1
) -> Page[CommentAdmin]:
    """Every comment (moderated ones too), newest first, filtered by moderation state."""
    require_admin(session, ctx)
    query = _moderation_filter(select(Comment), Comment, status)
    return _page(session, Comment, query, page, CommentAdmin)


@action(
    "admin.moderate_comment",
    input=ModerationUpdate,
    summary="Admins: hide or show a comment (is_public) and remove or restore it (is_removed).",
    invalidates=(COMMENTS_TAG,),
    errors=_ROW_ERRORS,
)
def moderate_comment(
    *, session: Session, data: ModerationUpdate, ctx: ActionContext
) -> CommentAdmin:
    return _moderate(session, ctx, Comment, data, COMMENT_NOT_FOUND, CommentAdmin)


# --------------------------------------------------------------------------- guestbook


def list_entries(
    session: Session, ctx: ActionContext, *, status: ModerationStatus = "all", page: int = 1
) -> Page[GuestbookEntryAdmin]:
    """Every guestbook entry, newest first, filtered by moderation state."""
    require_admin(session, ctx)
    query = _moderation_filter(select(GuestbookEntry), GuestbookEntry, status)
    return _page(session, GuestbookEntry, query, page, GuestbookEntryAdmin)


@action(
    "admin.moderate_entry",
    input=ModerationUpdate,
    summary=(
        "Admins: hide or show a guestbook entry (is_public) and remove or restore it (is_removed)."
    ),
    invalidates=(GUESTBOOK_TAG,),
    errors=_ROW_ERRORS,
)
def moderate_entry(
    *, session: Session, data: ModerationUpdate, ctx: ActionContext
) -> GuestbookEntryAdmin:
    return _moderate(session, ctx, GuestbookEntry, data, ENTRY_NOT_FOUND, GuestbookEntryAdmin)


# --------------------------------------------------------------------------- contact inbox


def list_messages(
    session: Session, ctx: ActionContext, *, status: MessageStatus = "all", page: int = 1
) -> Page[ContactMessageAdmin]:
    """Contact messages newest first, optionally only unread or read ones."""
    require_admin(session, ctx)
    query = select(ContactMessage)
    if status != "all":
        query = query.where(col(ContactMessage.is_read).is_(status == "read"))
    return _page(session, ContactMessage, query, page, ContactMessageAdmin)


def unread_messages(session: Session, ctx: ActionContext) -> int:
    require_admin(session, ctx)
    return session.exec(
        select(func.count())
        .select_from(ContactMessage)
        .where(col(ContactMessage.is_read).is_(False))
    ).one()


@action(
    "admin.mark_message",
    input=MessageUpdate,
    summary="Admins: mark a contact message read or unread.",
    errors=_ROW_ERRORS,
)
def mark_message(
    *, session: Session, data: MessageUpdate, ctx: ActionContext
) -> ContactMessageAdmin:
    message = _row(session, ctx, ContactMessage, data.id, MESSAGE_NOT_FOUND)
    message.is_read = data.is_read
    session.add(message)
    session.flush()
    return ContactMessageAdmin.model_validate(message)


# --------------------------------------------------------------------------- subscribers


def _subscribers(status: str) -> Any:
    query = select(Subscriber)
    return query if status == "all" else query.where(Subscriber.status == status)


def list_subscribers(
    session: Session, ctx: ActionContext, *, status: SubscriberStatus = "all", page: int = 1
) -> Page[SubscriberAdmin]:
    require_admin(session, ctx)
    return _page(session, Subscriber, _subscribers(status), page, SubscriberAdmin)


CSV_COLUMNS = ("email", "status", "created_at", "confirmed_at", "unsubscribed_at")


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    text = "" if value is None else str(value)
    # A spreadsheet runs cells starting with these as formulas; an address may begin so.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def subscribers_csv(
    session: Session, ctx: ActionContext, *, status: SubscriberStatus = "all"
) -> str:
    """Every subscriber (oldest first) as CSV, safe to open in a spreadsheet."""
    require_admin(session, ctx)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = session.exec(
        _subscribers(status).order_by(col(Subscriber.created_at), col(Subscriber.id))
    ).all()
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in CSV_COLUMNS])
    return out.getvalue()


# --------------------------------------------------------------------------- outbox


def list_outbox(
    session: Session, ctx: ActionContext, *, status: OutboxStatus = "all", page: int = 1
) -> Page[OutboxAdmin]:
    require_admin(session, ctx)
    query = select(Outbox)
    if status != "all":
        query = query.where(Outbox.status == status)
    return _page(session, Outbox, query, page, OutboxAdmin)


@action(
    "admin.retry_outbox",
    input=OutboxRetry,
    summary="Admins: send a failed or waiting outbox message at the next worker pass.",
    errors=(*_ROW_ERRORS, ErrorCode.CONFLICT),
)
def retry_outbox(*, session: Session, data: OutboxRetry, ctx: ActionContext) -> OutboxAdmin:
    """Make the row due now: ``failed`` goes back to ``pending``; ``pending`` skips its backoff.

    ``attempts`` is left alone because the worker uses it as a fencing token; a retried
    row that fails again is therefore given up again at once, which is what an operator
    pressing "retry" expects to see. A sending or sent row is a CONFLICT.
    """
    row = _row(session, ctx, Outbox, data.id, OUTBOX_NOT_FOUND)
    if row.status == "sent":
        raise ActionError(ErrorCode.CONFLICT, ALREADY_SENT)
    if row.status == "sending":
        raise ActionError(ErrorCode.CONFLICT, BEING_SENT)
    retried = session.execute(
        update(Outbox)
        .where(col(Outbox.id) == data.id, col(Outbox.status).in_(("pending", "failed")))
        .values(status="pending", next_attempt_at=utcnow())
        .returning(col(Outbox.id))
    ).first()
    if retried is None:  # the worker claimed it between the read and the update
        raise ActionError(ErrorCode.CONFLICT, BEING_SENT)
    session.refresh(row)
    return OutboxAdmin.model_validate(row)


# --------------------------------------------------------------------------- WordPress sync


def sync_status(session: Session, ctx: ActionContext, *, recent: int = 10) -> SyncStatus:
    require_admin(session, ctx)

    def count(status: str) -> int:
        return session.exec(
            select(func.count()).select_from(SyncEvent).where(SyncEvent.status == status)
        ).one()

    last = session.exec(
        select(SyncEvent.processed_at)
        .where(SyncEvent.source == "full", SyncEvent.status == "done")
        .order_by(col(SyncEvent.processed_at).desc())
    ).first()
    rows = session.exec(select(SyncEvent).order_by(col(SyncEvent.id).desc()).limit(recent)).all()
    reconciled = session.exec(
        select(SyncEvent)
        .where(SyncEvent.source == "reconcile", SyncEvent.status == "done")
        .order_by(col(SyncEvent.processed_at).desc(), col(SyncEvent.id).desc())
    ).first()
    return SyncStatus(
        configured=wordpress.is_configured(),
        pending=count("pending") + count("processing"),
        failed=count("failed"),
        last_full_sync=last,
        recent=[SyncEventAdmin.model_validate(r) for r in rows],
        last_reconcile=None
        if reconciled is None
        else SyncRun(
            finished_at=reconciled.processed_at,
            created=reconciled.posts_created or 0,
            updated=reconciled.posts_updated or 0,
            removed=reconciled.posts_removed or 0,
        ),
    )


def sync_progress(session: Session, ctx: ActionContext) -> SyncProgress | None:
    """The latest full sync run's progress (None before the first run), for "Sync now"."""
    require_admin(session, ctx)
    run = session.exec(
        select(SyncEvent).where(SyncEvent.source == "full").order_by(col(SyncEvent.id).desc())
    ).first()
    if run is None or run.id is None:
        return None
    return SyncProgress(
        run_id=run.id,
        status=run.status,
        pages_done=max((run.next_page or 1) - 1, 0),
        running=run.status in ("pending", "processing"),
        error=run.last_error,
    )


@action(
    "admin.sync_now",
    input=SyncRequest,
    summary="Admins: queue a full WordPress sync (an unfinished one is reused, not doubled).",
    errors=(ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.CONFLICT),
)
def sync_now(*, session: Session, data: SyncRequest, ctx: ActionContext) -> SyncEventAdmin:
    """The sync worker picks the run up on its next pass (``SYNC_POLL_SECONDS``)."""
    require_admin(session, ctx)
    if not wordpress.is_configured():
        raise ActionError(ErrorCode.CONFLICT, WORDPRESS_OFF)
    return SyncEventAdmin.model_validate(sync.enqueue_full_sync(session=session))


# --------------------------------------------------------------------------- activity


def _per_day(session: Session, created: Any, since: datetime) -> dict[str, int]:
    day = func.strftime("%Y-%m-%d", created)
    rows = session.exec(select(day, func.count()).where(created >= since).group_by(day)).all()
    return {str(d): int(n) for d, n in rows}


def activity(
    session: Session, ctx: ActionContext, *, days: int = ACTIVITY_DAYS, today: date | None = None
) -> list[ActivityDay]:
    """Likes, ratings and comments created per UTC day, oldest first, zeros included."""
    require_admin(session, ctx)
    last = today or utcnow().date()
    first = last - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=utcnow().tzinfo)
    likes = _per_day(session, col(Like.created_at), since)
    ratings = _per_day(session, col(Rating.created_at), since)
    comments = _per_day(session, col(Comment.created_at), since)
    out: list[ActivityDay] = []
    for n in range(days):
        key = (first + timedelta(days=n)).isoformat()
        out.append(
            ActivityDay(
                day=key,
                likes=likes.get(key, 0),
                ratings=ratings.get(key, 0),
                comments=comments.get(key, 0),
            )
        )
    return out
