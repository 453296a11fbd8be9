"""``GET /health``: can this backend serve? For load balancers, monitors and operators.

``status`` is ``ok``; ``degraded`` when the schema differs from the models (the app runs,
but writes to changed tables may fail until ``python -m db push``); ``down`` when the
database or, with several workers, Redis cannot be reached. Only ``down`` answers 503, so
a load balancer takes a backend out of rotation exactly when it cannot handle requests.

Anyone may ask whether the site is up (``{"status": …}``, the liveness a load balancer
needs); the detail — latencies, schema drift, outbox and sync backlogs, Redis — is for
operators: a request with ``Authorization: Bearer $ATOLL_HEALTH_TOKEN`` or a signed-in admin.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.session import request_user
from app.runtime import redis_status
from db.core import config
from db.ops.health import database_report


def overall_status(report: dict[str, Any]) -> str:
    """``down``, ``degraded`` or ``ok`` for a report built by :func:`health`."""
    if not report["database"]["reachable"] or report["redis"].get("reachable") is False:
        return "down"
    if report["schema"] is None or report["schema"]["up_to_date"] is not True:
        return "degraded"
    return "ok"


async def may_see_detail(request: Request) -> bool:
    """The operator's token, or an admin's session (checked only when no token was sent)."""
    token = config.health_token()
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if sent:
        return token is not None and hmac.compare_digest(sent.encode(), token.encode())
    try:
        user = await request_user(request)
    except Exception:  # noqa: BLE001 - a database that can't say who asks shows no detail
        return False
    return user is not None and user.is_admin


async def health(request: Request) -> JSONResponse:
    """200 while the database (and Redis, when configured) answer, 503 otherwise.

    Never a traceback.
    """
    report = await asyncio.to_thread(database_report)
    report["redis"] = await redis_status()
    status = overall_status(report)
    detail = report if await may_see_detail(request) else {}
    return JSONResponse(
        {"status": status, **detail},
        status_code=503 if status == "down" else 200,
        headers={"Cache-Control": "no-store"},
    )
