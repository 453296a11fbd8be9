"""``/admin``: moderation, inbox, subscribers, outbox, sync and activity, for admins only.

The page shows nothing and loads nothing until the domain layer has confirmed the role;
every read and every action below passes the caller's context to ``db/admin.py``, which
checks it again, so a demoted or signed-out admin is refused even on an open page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from db import admin
from db.core.errors import ActionError, ErrorCode
from db.core.pagination import Page
from state.accounts import login_url
from state.actions import perform, query
from state.checks import typed
from state.format import iso
from state.site import SiteState


def _comment(row: admin.CommentAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "who": row.author_name,
        "where": row.post_slug,
        "text": row.content,
        "created": iso(row.created_at),
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
        "created": iso(row.created_at),
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
        "created": iso(row.created_at),
        "is_read": row.is_read,
    }


def _subscriber(row: admin.SubscriberAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "email": row.email,
        "status": row.status,
        "created": iso(row.created_at),
        "confirmed": iso(row.confirmed_at),
    }


def _outbox(row: admin.OutboxAdmin) -> dict[str, Any]:
    """An outbox row; only mail still waiting to go (pending, failed) has a next attempt."""
    waiting = row.status in ("pending", "failed")
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "attempts": row.attempts,
        "due": iso(row.next_attempt_at) if waiting else "",
        "sent": iso(row.sent_at),
        "error": row.last_error or "",
        "created": iso(row.created_at),
        "retryable": waiting,
    }


ACTIVITY_SERIES = ("likes", "ratings", "comments")
"""The activity chart's series (``db.admin.ActivityDay`` fields) the legend can hide."""

SYNC_PROGRESS_SECONDS = 0.5
"""How often an open dashboard re-reads a running full sync's checkpoint."""


def _sync_run(progress: admin.SyncProgress | None) -> dict[str, Any]:
    """The latest full sync run as the WordPress tab shows it (empty: there has been none)."""
    if progress is None:
        return {}
    return {
        "running": progress.running,
        "pages": progress.pages_done,
        "status": progress.status,
        "error": progress.error or "",
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
    # The latest full sync run: {running, pages, status, error}, kept live by watch_sync.
    sync_run: rx.Field[dict[str, Any]] = rx.field(default_factory=dict)
    _watching: bool = False  # backend-only: a watch_sync loop runs for this tab
    # Chart series the admin switched off with the legend (data keys).
    hidden_series: rx.Field[list[str]] = rx.field(default_factory=list)

    def _refuse(self, error: ActionError) -> None:
        """Forget everything an admin saw; show why (a role change lands mid-session too)."""
        self.allowed, self.denied, self.loaded = False, error.message, True
        self.rows, self.activity, self.sync, self.sync_events, self.unread = {}, [], {}, [], 0
        self.sync_run = {}

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
        # A run already under way (started from another tab, or the CLI) is followed too.
        return AdminState.watch_sync() if self.sync_run.get("running") else None

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
        last = status.last_reconcile
        self.sync = {
            "configured": status.configured,
            "pending": status.pending,
            "failed": status.failed,
            "last_full_sync": iso(status.last_full_sync),
            "last_reconcile": iso(last.finished_at) if last else "",
            "reconciled": (
                f"{last.created} created, {last.updated} updated, {last.removed} removed"
                if last
                else "not run yet"
            ),
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
                "received": iso(e.received_at),
                "processed": iso(e.processed_at),
            }
            for e in status.recent
        ]
        self.sync_run = _sync_run(await query(admin.sync_progress, ctx))

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
    @typed
    def toggle_series(self, key: str) -> None:
        """Show or hide one of the activity chart's series (its legend button)."""
        if key not in ACTIVITY_SERIES:
            return
        if key in self.hidden_series:
            self.hidden_series = [k for k in self.hidden_series if k != key]
        else:
            self.hidden_series = [*self.hidden_series, key]

    @rx.event
    async def submit_sync_now(self) -> Any:
        """Queue a full sync, then follow its progress until the run ends."""
        event = await self._act("admin.sync_now", {}, None, "Full sync queued.")
        if self.allowed:
            try:
                await self._fetch_overview()
            except ActionError as error:
                self._refuse(error)
        if self.allowed and self.sync_run.get("running"):
            return [event, AdminState.watch_sync()]
        return event

    @rx.event(background=True)
    async def watch_sync(self) -> None:
        """Re-read the latest full sync run's checkpoint until it ends, updating ``sync_run``.

        A background event, so the tab stays usable while a long run is followed; one loop
        per tab (``_watching``). When the run ends the tab's sync overview (last full sync,
        recent events) is read again, so it shows the outcome.
        """
        async with self:
            if self._watching or not self.allowed:
                return
            self._watching = True
        try:
            while True:
                async with self:
                    if not self.allowed:
                        return
                    ctx = self._action_context()
                try:
                    progress = await query(admin.sync_progress, ctx)
                except ActionError as error:
                    async with self:
                        self._refuse(error)
                    return
                async with self:
                    self.sync_run = _sync_run(progress)
                    if progress is None or not progress.running:
                        try:
                            await self._fetch_overview()
                        except ActionError as error:
                            self._refuse(error)
                        return
                await asyncio.sleep(SYNC_PROGRESS_SECONDS)
        finally:
            async with self:
                self._watching = False
