"""``GET /health``: can this backend serve? For load balancers, monitors and operators.

``status`` is ``ok``; ``degraded`` when the schema differs from the models (the app runs,
but writes to changed tables may fail until ``python -m db push``); ``down`` when the
database or, with several workers, Redis cannot be reached. Only ``down`` answers 503, so
a load balancer takes a backend out of rotation exactly when it cannot handle requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.runtime import redis_status
from db.health import database_report


def overall_status(report: dict[str, Any]) -> str:
    """``down``, ``degraded`` or ``ok`` for a report built by :func:`health`."""
    if not report["database"]["reachable"] or report["redis"].get("reachable") is False:
        return "down"
    if report["schema"] is None or report["schema"]["up_to_date"] is not True:
        return "degraded"
    return "ok"


async def health(_request: Request) -> JSONResponse:
    """200 while the database (and Redis, when configured) answer, 503 otherwise; never a traceback."""
    report = await asyncio.to_thread(database_report)
    report["redis"] = await redis_status()
    status = overall_status(report)
    return JSONResponse(
        {"status": status, **report},
        status_code=503 if status == "down" else 200,
        headers={"Cache-Control": "no-store"},
    )
