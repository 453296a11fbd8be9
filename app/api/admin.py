"""``GET /api/admin/subscribers.csv``: the newsletter list as a download, for admins only.

A plain link can't carry a websocket, so this endpoint identifies the admin by the same
session cookie and leaves the role check to :func:`db.admin.subscribers_csv`.
"""

from __future__ import annotations

import asyncio
from typing import cast, get_args

from starlette.requests import Request
from starlette.responses import Response

from app.api.errors import error_response
from app.api.session import request_context
from db import admin
from db.core.actions import ActionContext, shown_error
from db.core.engine import session_scope
from db.core.errors import ActionError

STATUSES = get_args(admin.SubscriberStatus)
BAD_STATUS = f"Status must be one of: {', '.join(STATUSES)}."


def _csv(ctx: ActionContext, status: str) -> str:
    with session_scope() as session:
        admin.require_admin(session, ctx)  # who asks comes before what they asked for
        if status not in STATUSES:
            raise ActionError.invalid({"status": [BAD_STATUS]})
        # One of STATUSES, checked just above (an `in` test does not narrow a str).
        return admin.subscribers_csv(session, ctx, status=cast(admin.SubscriberStatus, status))


async def subscribers_csv(request: Request) -> Response:
    """The CSV (``?status=`` filters), or 401/403 (503 when the database can't say who is
    asking, or can't answer) in the usual error shape."""
    status = request.query_params.get("status", "all")
    try:
        ctx = await request_context(request)
        text = await asyncio.to_thread(_csv, ctx, status)
    except Exception as exc:  # noqa: BLE001 - shown_error logs it and shows it safely
        return error_response(shown_error(exc, "exporting subscribers"))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="subscribers.csv"',
            "Cache-Control": "no-store",
        },
    )
