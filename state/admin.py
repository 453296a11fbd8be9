"""``/admin``: moderation, inbox, subscribers, outbox, sync and activity, for admins only.

The page shows nothing and loads nothing until the domain layer has confirmed the role;
every read and every action below passes the caller's context to ``db/admin.py``, which
checks it again, so a demoted or signed-out admin is refused even on an open page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from db import admin
from db.core.errors import ActionError, ErrorCode
from db.core.pagination import Page
from state.accounts import login_url
from state.actions import perform, query
from state.checks import typed
from state.format import when
from state.site import SiteState


def _when(value: Any) -> str:
    return when(value) if value else "—"


def _comment(row: admin.CommentAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "who": row.author_name,
        "where": row.post_slug,
        "text": row.content,
        "created": when(row.created_at),
        "is_public": row.is_public,
        "is_removed": row.is_removed,
        "member": row.user_id is not None,
    }


def _entry(row: admin.GuestbookEntryAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "who": row.author,
        "where": "guestbook",
        "text": row.content,
        "created": when(row.created_at),
        "is_public": row.is_public,
        "is_removed": row.is_removed,
        "member": False,
    }


def _message(row: admin.ContactMessageAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "subject": row.subject or "(no subject)",
        "text": row.message,
        "created": when(row.created_at),
        "is_read": row.is_read,
    }


def _subscriber(row: admin.SubscriberAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "email": row.email,
        "status": row.status,
        "created": when(row.created_at),
        "confirmed": _when(row.confirmed_at),
    }


def _outbox(row: admin.OutboxAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "attempts": row.attempts,
        "due": when(row.next_attempt_at),
        "error": row.last_error or "",
        "created": when(row.created_at),
        "retryable": row.status in ("pending", "failed"),
    }


# section → (domain read, row view, default filter)
SECTIONS: dict[str, tuple[Callable[..., Page[Any]], Callable[[Any], dict[str, Any]], str]] = {
    "comments": (admin.list_comments, _comment, "all"),
    "entries": (admin.list_entries, _entry, "all"),
    "messages": (admin.list_messages, _message, "unread"),
    "subscribers": (admin.list_subscribers, _subscriber, "all"),
    "outbox": (admin.list_outbox, _outbox, "all"),
}
MODERATION_ACTIONS = {"comments": "admin.moderate_comment", "entries": "admin.moderate_entry"}


class AdminState(SiteState):
    allowed: rx.Field[bool] = rx.field(False)
    denied: rx.Field[str] = rx.field("")
    loaded: rx.Field[bool] = rx.field(False)
    rows: rx.Field[dict[str, list[dict[str, Any]]]] = rx.field(default_factory=dict)
    status: rx.Field[dict[str, str]] = rx.field(
        default_factory=lambda: {name: spec[2] for name, spec in SECTIONS.items()}
    )
    page: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    pages: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    total: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    unread: rx.Field[int] = rx.field(0)
    activity: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    sync: rx.Field[dict[str, Any]] = rx.field(default_factory=dict)
    sync_events: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)

    def _refuse(self, error: ActionError) -> None:
        """Forget everything an admin saw; show why (a role change lands mid-session too)."""
        self.allowed, self.denied, self.loaded = False, error.message, True
        self.rows, self.activity, self.sync, self.sync_events, self.unread = {}, [], {}, [], 0

    @rx.event
    async def load_admin(self) -> Any:
        """Signed out: to the sign-in page. A member: refused. An admin: everything."""
        if await self._current_user() is None:
            self._refuse(ActionError(ErrorCode.UNAUTHORIZED, ""))
            return rx.redirect(login_url("/admin"))
        try:
            for name in SECTIONS:
                await self._fetch(name, self.status.get(name, SECTIONS[name][2]), 1)
            await self._fetch_overview()
        except ActionError as error:
            self._refuse(error)
            return None
        self.allowed, self.denied, self.loaded = True, "", True
        return None

    async def _fetch(self, name: str, status: str, page: int) -> None:
        read, view, _default = SECTIONS[name]
        listing = await query(read, self._action_context(), status=status, page=page)
        self.rows[name] = [view(item) for item in listing.items]
        self.status[name], self.page[name] = status, listing.page
        self.pages[name], self.total[name] = listing.pages, listing.total

    async def _fetch_overview(self) -> None:
        ctx = self._action_context()
        self.unread = await query(admin.unread_messages, ctx)
        self.activity = [d.model_dump() for d in await query(admin.activity, ctx)]
        status = await query(admin.sync_status, ctx)
        self.sync = {
            "configured": status.configured,
            "pending": status.pending,
            "failed": status.failed,
            "last_full_sync": _when(status.last_full_sync),
        }
        self.sync_events = [
            {
                "id": e.id,
                "source": e.source,
                "post": str(e.wp_post_id or "—"),
                "action": e.action,
                "status": e.status,
                "attempts": e.attempts,
                "error": e.last_error or "",
                "received": when(e.received_at),
                "processed": _when(e.processed_at),
            }
            for e in status.recent
        ]

    async def _reload(self, name: str, status: str, page: int) -> Any:
        await self._current_user()
        try:
            await self._fetch(name, status, page)
            if name == "messages":
                self.unread = await query(admin.unread_messages, self._action_context())
        except ActionError as error:
            self._refuse(error)
        return None

    @rx.event
    @typed
    async def load_section(self, name: str, status: str) -> Any:
        """Change a list's filter (back to its first page)."""
        if name in SECTIONS:
            return await self._reload(name, status, 1)
        return None

    @rx.event
    @typed
    async def load_page(self, name: str, page: int) -> Any:
        """Move a list to another page (clamped to the pages there are)."""
        if name in SECTIONS and isinstance(page, int):
            return await self._reload(name, self.status.get(name, "all"), page)
        return None

    async def _act(
        self, name: str, payload: dict[str, Any], section: str | None, success: str
    ) -> Any:
        result = await perform(self, name, payload)
        if result.error is not None:
            if result.error.code in (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN):
                self._refuse(result.error)
            return rx.toast.error(result.error.message)
        if section is not None:
            await self._reload(section, self.status.get(section, "all"), self.page.get(section, 1))
        return rx.toast.success(success)

    @rx.event
    @typed
    async def submit_moderation(self, section: str, row_id: int, flag: str, value: bool) -> Any:
        """Hide/show (``is_public``) or remove/restore (``is_removed``) a comment or entry."""
        if section not in MODERATION_ACTIONS or flag not in ("is_public", "is_removed"):
            return None
        return await self._act(
            MODERATION_ACTIONS[section], {"id": row_id, flag: value}, section, "Saved."
        )

    @rx.event
    @typed
    async def toggle_message_read(self, row_id: int, is_read: bool) -> Any:
        return await self._act(
            "admin.mark_message",
            {"id": row_id, "is_read": is_read},
            "messages",
            "Marked read." if is_read else "Marked unread.",
        )

    @rx.event
    @typed
    async def submit_outbox_retry(self, row_id: int) -> Any:
        return await self._act(
            "admin.retry_outbox", {"id": row_id}, "outbox", "Queued for sending."
        )

    @rx.event
    async def submit_sync_now(self) -> Any:
        event = await self._act("admin.sync_now", {}, None, "Full sync queued.")
        if self.allowed:
            try:
                await self._fetch_overview()
            except ActionError as error:
                self._refuse(error)
        return event
