"""The one error vocabulary shared by the websocket path, the HTTP endpoint and the CLI.

Every failure a visitor can see is an :class:`ActionError` with a code from a fixed set,
so clients can branch on the code and tests can assert exact bodies.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """The fixed set of error codes, each tied to one HTTP status."""

    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    GONE = "GONE"  # a capability that was valid has expired (an old edit link): drop it
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

    @property
    def status(self) -> int:
        """The HTTP status this code is answered with."""
        return HTTP_STATUS[self]


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.GONE: 410,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.TOO_MANY_REQUESTS: 429,
    ErrorCode.INTERNAL_SERVER_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}

# Fixed user-facing messages; tests assert them, so change them deliberately.
INVALID_INPUT = "Please correct the highlighted fields."
UNEXPECTED = "Something went wrong on our side. Please try again."
DATABASE_BUSY = "The database is busy right now. Please try again in a moment."
DATABASE_UNREACHABLE = "The database can't be reached right now. Please try again in a moment."
CROSS_ORIGIN = "Cross-origin requests are not allowed."
TOO_LARGE = "The request body is too large."
RATE_LIMITED = "Too many requests. Please wait a moment and try again."
UNKNOWN_ACTION = "No such action."


class ActionError(Exception):
    """A failure that is safe to show: a code, a message and per-field messages."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        fields: dict[str, list[str]] | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.retry_after = retry_after

    @classmethod
    def invalid(cls, fields: dict[str, list[str]]) -> ActionError:
        """Bad input: every bad field at once, under one fixed form-level message."""
        return cls(ErrorCode.BAD_REQUEST, INVALID_INPUT, fields)

    def to_dict(self) -> dict[str, Any]:
        """The ``{"error": …}`` envelope, identical on every path."""
        return {"error": {"code": self.code.value, "message": self.message, "fields": self.fields}}
