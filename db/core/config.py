"""Settings read from the environment at call time, so tests and CLIs can point elsewhere."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite+libsql:///data/atoll.db"


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` per client and action within ``seconds``."""

    requests: int
    seconds: float


def env_number(name: str, default: float) -> float:
    """The environment variable ``name`` as a number, ``default`` when unset or blank.

    Raises:
        ValueError: naming the variable, so a typo stops the worker instead of being ignored.
    """
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


def database_url() -> str:
    """``DATABASE_URL``: a libSQL file by default, or ``sqlite+libsql://host:port`` remote."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def database_auth_token() -> str | None:
    """``DATABASE_AUTH_TOKEN``: the JWT a remote libSQL server or Turso expects."""
    return os.environ.get("DATABASE_AUTH_TOKEN") or None


def busy_timeout_ms() -> int:
    """``DATABASE_BUSY_TIMEOUT_MS``: how long a writer waits for the lock before answering 503."""
    return int(os.environ.get("DATABASE_BUSY_TIMEOUT_MS", "5000"))


def env_rate_limit(name: str, default: str) -> RateLimit | None:
    """The environment variable ``name`` as ``N/S`` (``default`` when unset); ``off`` disables.

    Every rate limit setting is written the same way, so one parser reads them all and a
    typo fails loudly at the first request instead of silently meaning "no limit".
    """
    raw = os.environ.get(name, default).strip().lower()
    if raw in ("off", "0", "none", ""):
        return None
    try:
        requests, seconds = raw.split("/", 1)
        return RateLimit(int(requests), float(seconds))
    except ValueError:
        raise ValueError(f"{name} must look like {default} or 'off', not {raw!r}") from None


def rate_limit() -> RateLimit | None:
    """``ATOLL_RATE_LIMIT`` as ``N/S`` (default 20/10); ``off`` disables limiting."""
    return env_rate_limit("ATOLL_RATE_LIMIT", "20/10")


def site_url() -> str:
    """``SITE_URL``: the public base URL links in emails point to (no trailing slash)."""
    return (os.environ.get("SITE_URL") or "http://localhost:3000").rstrip("/")


def page_cache_seconds() -> tuple[float, float]:
    """``ATOLL_PAGE_MAX_AGE`` (10) and ``ATOLL_PAGE_STALE_SECONDS`` (60): how long a rendered
    public page is served as is, then served stale while it is rendered again; also the
    ``s-maxage`` and ``stale-while-revalidate`` a CDN or nginx is told."""
    fresh = env_number("ATOLL_PAGE_MAX_AGE", 10.0)
    stale = env_number("ATOLL_PAGE_STALE_SECONDS", 60.0)
    if fresh < 0 or stale < 0:
        raise ValueError("ATOLL_PAGE_MAX_AGE and ATOLL_PAGE_STALE_SECONDS must not be negative")
    return fresh, stale


def health_token() -> str | None:
    """``ATOLL_HEALTH_TOKEN``: the bearer token that shows ``/health``'s detail to monitors."""
    return os.environ.get("ATOLL_HEALTH_TOKEN", "").strip() or None


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased; ``""`` when it has none or is
    malformed (``http://[`` in a client's header must not raise)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


_LOOPBACK_TWINS = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}


def configured_origins() -> tuple[str, ...]:
    """The origins this site is served from, besides the one a request names in ``Host``:
    ``SITE_URL``, ``REFLEX_DEPLOY_URL`` and the comma-separated ``ATOLL_ALLOWED_ORIGINS``.

    Only these may read credentialed responses cross-origin (CORS), post forms and open
    the websocket. A loopback origin also admits its twin (``localhost`` ↔ ``127.0.0.1``),
    so a development site works whichever name the browser used.
    """
    urls = [site_url(), os.environ.get("REFLEX_DEPLOY_URL", "")]
    urls += os.environ.get("ATOLL_ALLOWED_ORIGINS", "").split(",")
    origins: list[str] = []
    for url in urls:
        origin = origin_of(url)
        if not origin:
            continue
        origins.append(origin)
        parts = urlsplit(origin)
        if (twin := _LOOPBACK_TWINS.get(parts.hostname or "")) is not None:
            port = f":{parts.port}" if parts.port else ""
            origins.append(f"{parts.scheme}://{twin}{port}")
    return tuple(dict.fromkeys(origins))
