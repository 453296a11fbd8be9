"""The one HTTP error response: an :class:`ActionError` as ``{"error": …}`` with its status."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from db.core.errors import ActionError


def with_retry_after(response: Response, exc: ActionError | None) -> Response:
    """``response`` with ``Retry-After`` added when ``exc`` says how long to wait."""
    if exc is not None and exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def error_response(exc: ActionError) -> Response:
    """The error envelope with the code's status (and ``Retry-After`` where it applies)."""
    return with_retry_after(JSONResponse(exc.to_dict(), status_code=exc.code.status), exc)
