"""The settings most modules ask for, by name, plus the origin rules built on them.

Every value comes from :func:`db.core.settings.settings` (read and checked once, cached):
these functions are the short names callers already use, not a second reading of the
environment.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from db.core.settings import RateLimit, settings


def env_rate_limit(name: str, default: str) -> RateLimit | None:
    """The rate-limit setting read from the variable ``name`` (``None``: ``off``).

    Kept for modules not yet moved to ``settings().<field>``; the model owns the default.
    """
    del default
    return settings().by_env_name(name)


def database_url() -> str:
    """``DATABASE_URL``: a libSQL file by default, or ``sqlite+libsql://host:port`` remote."""
    return settings().database_url


def database_auth_token() -> str | None:
    """``DATABASE_AUTH_TOKEN``: the JWT a remote libSQL server or Turso expects."""
    return settings().database_auth_token


def busy_timeout_ms() -> int:
    """``DATABASE_BUSY_TIMEOUT_MS``: how long a writer waits for the lock before answering 503."""
    return settings().busy_timeout_ms


def rate_limit() -> RateLimit | None:
    """``ATOLL_RATE_LIMIT`` as ``N/S`` (default 20/10); ``None`` when it is ``off``."""
    return settings().rate_limit


def site_url() -> str:
    """``SITE_URL``: the public base URL links in emails point to (no trailing slash)."""
    return settings().site_url


def page_cache_seconds() -> tuple[float, float]:
    """``ATOLL_PAGE_MAX_AGE`` (10) and ``ATOLL_PAGE_STALE_SECONDS`` (60): how long a rendered
    public page is served as is, then served stale while it is rendered again; also the
    ``s-maxage`` and ``stale-while-revalidate`` a CDN or nginx is told."""
    current = settings()
    return current.page_max_age, current.page_stale_seconds


def health_token() -> str | None:
    """``ATOLL_HEALTH_TOKEN``: the bearer token that shows ``/health``'s detail to monitors."""
    return settings().health_token


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
    current = settings()
    urls = [current.site_url, current.deploy_url or "", *current.allowed_origins]
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
