"""``GET /health``: is the app up, and can it reach its database?"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from db.health import check_database


async def health(_request: Request) -> JSONResponse:
    """200 when the database answers, 503 when it does not; never a traceback."""
    report = await asyncio.to_thread(check_database)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
