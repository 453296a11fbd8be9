"""The ASGI callable types our middleware and transformers are written against (once).

Their own module, so ``app/security.py`` and ``app/api/pages.py`` share them without
importing each other (``app.api`` imports the page cache, which the security layer wraps).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
