"""Every setting Atoll reads from the environment, read and checked once, in one model.

:class:`Settings` has one typed field per variable (its alias is the variable's name), so a
setting is parsed once, the same way everywhere, and a bad value is found when the process
starts instead of at the first request, email or webhook that needs it. ``reflex run``
(through ``rxconfig.py``) and ``python -m db`` call :func:`settings_or_exit` before
anything else: a bad value stops them with one line per variable, for example
``ATOLL_RATE_LIMIT: expected N/S (e.g. 20/10) or off, got 'abc'``, and status 2.

A variable that is unset or blank means its default. Code reads ``settings().field``; the
model is built on first use and cached, and :func:`reload_settings` forgets it (tests that
change the environment; ``tests/conftest.py`` does it whenever ``monkeypatch`` does).

Reflex's and the Makefile's own variables that Atoll only passes through are not fields:
they are listed in :data:`PASS_THROUGH`, so the README's configuration table can be
checked against this module (``tests/db/test_settings.py``).
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+libsql:///data/atoll.db"

PASS_THROUGH: dict[str, str] = {
    "REFLEX_CORS_ALLOWED_ORIGINS": "Reflex's; rxconfig.py sets it from configured_origins()",
    "REFLEX_API_URL": "Reflex's; read through rx.config (its default depends on the port)",
    "REFLEX_USE_SYSTEM_BUN": "Reflex's; exported by the Makefile",
    "REFLEX_TELEMETRY_ENABLED": "Reflex's; exported by the Makefile",
    "REFLEX_CHECK_LATEST_VERSION": "Reflex's; exported by the Makefile",
    "REFLEX_HOT_RELOAD_EXCLUDE_PATHS": "Reflex's; exported by the Makefile",
    "REDIS_URL": "the Makefile's name for REFLEX_REDIS_URL (make run REDIS_URL=…)",
    "WORDPRESS_DEV_PORT": "read by scripts/wordpress-dev only",
    "WORDPRESS_DEV_DB_PORT": "read by scripts/wordpress-dev only",
}
"""Documented variables that are not settings of ours, and why."""


class SettingsError(ValueError):
    """One or more variables hold values Atoll cannot use; the message names each of them."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` per client and action within ``seconds``."""

    requests: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds:g}"


# --------------------------------------------------------------------------- parsers


def _parser(expected: str, convert: Callable[[str], Any]) -> BeforeValidator:
    """A validator turning a variable's raw text into a value, or failing with ``expected``.

    ``convert`` raises :class:`ValueError` for text it refuses; values that are not text
    (a default, a value a test passes directly) are left to the field's type.
    """

    def parse(raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        try:
            return convert(raw.strip())
        except ValueError:
            raise PydanticCustomError(
                "setting",
                "expected {expected}, got {got}",
                {"expected": expected, "got": repr(raw)},
            ) from None

    return BeforeValidator(parse)


def _number(minimum: float, *, inclusive: bool = True) -> Callable[[str], float]:
    def convert(text: str) -> float:
        value = float(text)
        if not math.isfinite(value) or value < minimum or (not inclusive and value == minimum):
            raise ValueError(text)
        return value

    return convert


def _whole(minimum: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise ValueError(text)
        return value

    return convert


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise ValueError(text)
    return value


_FLAGS = {"1": True, "true": True, "yes": True, "on": True}
_FLAGS |= {"0": False, "false": False, "no": False, "off": False}


def _flag(text: str) -> bool:
    try:
        return _FLAGS[text.lower()]
    except KeyError:
        raise ValueError(text) from None


def _rate_limit(text: str) -> RateLimit | None:
    if text.lower() in ("off", "0", "none"):
        return None
    requests, seconds = text.split("/", 1)
    return RateLimit(_whole(1)(requests.strip()), _number(0, inclusive=False)(seconds.strip()))


def _http_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(text)
    return text.rstrip("/")


def _origins(text: str) -> tuple[str, ...]:
    return tuple(
        f"{(p := urlsplit(_http_url(u.strip()))).scheme}://{p.netloc}".lower()
        for u in text.split(",")
        if u.strip()
    )


def _redis_url(text: str) -> str:
    if urlsplit(text).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(text)
    return text


def _database_url(text: str) -> str:
    try:
        make_url(text)
    except ArgumentError:
        raise ValueError(text) from None
    return text


_POST_TYPE = re.compile(r"[a-z0-9_-]{1,20}")
"""A WordPress post type name (``register_post_type`` allows 20 characters: lower-case
letters, digits, ``_`` and ``-``)."""


def _post_types(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if "post" not in names or not all(_POST_TYPE.fullmatch(name) for name in names):
        raise ValueError(text)
    return names


def _stripped(raw: Any) -> Any:
    return raw.strip() if isinstance(raw, str) else raw


def _without_spaces(raw: Any) -> Any:
    return raw.replace(" ", "") if isinstance(raw, str) else raw


# The field types: each says how its variable is written and what the message asks for.
# (A validator wraps the whole ``X | None``: inside a union its message would be merged
# with the other member's.)
_URL = _parser("an http:// or https:// URL", _http_url)
Url = Annotated[str, _URL]
OptionalUrl = Annotated[str | None, _URL]
Seconds = Annotated[float, _parser("a number of seconds ≥ 0", _number(0))]
Interval = Annotated[float, _parser("a number of seconds > 0", _number(0, inclusive=False))]
Attempts = Annotated[int, _parser("a whole number ≥ 1", _whole(1))]
Workers = Annotated[int | None, _parser("a whole number of workers ≥ 1", _whole(1))]
Text = Annotated[str | None, BeforeValidator(_stripped)]
ActionLimit = Annotated[RateLimit | None, _parser("N/S (e.g. 20/10) or off", _rate_limit)]
WebhookLimit = Annotated[RateLimit | None, _parser("N/S (e.g. 60/60) or off", _rate_limit)]


def _env(name: str, default: Any = None, *, secret: bool = False) -> Any:
    """A field read from the variable ``name``; a secret is kept out of ``repr`` and logs."""
    return Field(default, alias=name, repr=not secret)


# --------------------------------------------------------------------------- the model


class Settings(BaseModel):
    """Atoll's configuration, as the README's configuration table documents it."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_attribute_docstrings=True)

    # database
    database_url: Annotated[
        str, _parser("a database URL such as sqlite+libsql:///data/atoll.db", _database_url)
    ] = _env("DATABASE_URL", DEFAULT_DATABASE_URL)
    """A local libSQL file, or ``sqlite+libsql://host:port`` for a libSQL server or Turso."""
    database_auth_token: str | None = _env("DATABASE_AUTH_TOKEN", secret=True)
    """The JWT a remote libSQL server or Turso expects."""
    busy_timeout_ms: Annotated[int, _parser("a whole number of milliseconds ≥ 0", _whole(0))] = (
        _env("DATABASE_BUSY_TIMEOUT_MS", 5000)
    )
    """How long a writer waits for the lock before the action answers 503."""

    # requests
    rate_limit: ActionLimit = _env("ATOLL_RATE_LIMIT", RateLimit(20, 10.0))
    """Requests per client and action (``None``: not limited)."""
    allowed_origins: Annotated[
        tuple[str, ...], _parser("comma-separated http:// or https:// origins", _origins)
    ] = _env("ATOLL_ALLOWED_ORIGINS", ())
    """Origins trusted like the site's own, besides ``SITE_URL`` and ``REFLEX_DEPLOY_URL``."""
    page_max_age: Seconds = _env("ATOLL_PAGE_MAX_AGE", 10.0)
    """Seconds a rendered public page is served as is (its ``s-maxage``)."""
    page_stale_seconds: Seconds = _env("ATOLL_PAGE_STALE_SECONDS", 60.0)
    """Seconds after that it is served while it is rendered again (``stale-while-revalidate``)."""
    health_token: Text = _env("ATOLL_HEALTH_TOKEN", secret=True)
    """The bearer token that shows ``/health``'s detail to a monitor."""
    admin_password: str | None = _env("ATOLL_ADMIN_PASSWORD", secret=True)
    """The new admin's password for ``python -m db create-admin`` (otherwise it prompts)."""
    site_url: Url = _env("SITE_URL", "http://localhost:3000")
    """The public base URL (no trailing slash): links in emails, feeds, canonical URLs."""
    sitemap_limit: Annotated[int, _parser("a whole number ≥ 1", _whole(1))] = _env(
        "ATOLL_SITEMAP_LIMIT", 50_000
    )
    """URLs per sitemap (the protocol's maximum); past it ``/sitemap.xml`` is an index."""

    host: str = _env("HOST", "127.0.0.1")
    """The address `make run` / ``python -m app.serve`` bind (``0.0.0.0``: every interface)."""

    # Reflex's variables that Atoll's own code reads too
    trusted_proxy_hops: Annotated[int, _parser("a whole number ≥ 0", _whole(0))] = _env(
        "REFLEX_TRUSTED_PROXY_HOPS", 0
    )
    """Reverse proxies in front of the app that append to ``X-Forwarded-For``."""
    deploy_url: OptionalUrl = _env("REFLEX_DEPLOY_URL")
    """The public origin behind a reverse proxy (trusted for form posts)."""
    redis_url: Annotated[
        str | None, _parser("a redis://, rediss:// or unix:// URL", _redis_url)
    ] = _env("REFLEX_REDIS_URL")
    """The Redis holding every tab's state and every rate-limit count."""
    granian_workers: Workers = _env("GRANIAN_WORKERS")
    """Backend workers in prod mode (Reflex hands it to granian)."""
    workers: Workers = _env("WORKERS")
    """The Makefile's name for ``GRANIAN_WORKERS``."""

    # mail
    smtp_host: Text = _env("SMTP_HOST")
    """The SMTP server; without it (or ``MAIL_FROM``) mail stays pending in the outbox."""
    smtp_port: Annotated[int, _parser("a port number (1-65535)", _port)] = _env("SMTP_PORT", 587)
    smtp_user: str | None = _env("SMTP_USER")
    smtp_password: str | None = _env("SMTP_PASSWORD", secret=True)
    smtp_starttls: Annotated[bool, _parser("true or false", _flag)] = _env("SMTP_STARTTLS", True)
    """Upgrade the connection with STARTTLS (``false`` for a local relay)."""
    mail_from: Text = _env("MAIL_FROM")
    contact_to: Text = _env("CONTACT_TO")
    """Where contact messages go; ``MAIL_FROM`` when unset."""

    # outbox
    outbox_poll_seconds: Interval = _env("OUTBOX_POLL_SECONDS", 5.0)
    outbox_lease_seconds: Interval = _env("OUTBOX_LEASE_SECONDS", 300.0)
    """How long a claim lasts; it must exceed the longest send (the SMTP timeout is 30 s)."""
    outbox_backoff_seconds: Seconds = _env("OUTBOX_BACKOFF_SECONDS", 30.0)
    outbox_max_attempts: Attempts = _env("OUTBOX_MAX_ATTEMPTS", 10)

    # WordPress
    wordpress_url: OptionalUrl = _env("WORDPRESS_URL")
    """WordPress's base URL (no trailing slash); without it sync events wait."""
    wordpress_user: Text = _env("WORDPRESS_USER")
    wordpress_app_password: Annotated[str | None, BeforeValidator(_without_spaces)] = _env(
        "WORDPRESS_APP_PASSWORD", secret=True
    )
    """The application password, spaces removed (WordPress shows it in groups of four)."""
    post_types: Annotated[
        tuple[str, ...],
        _parser(
            "comma-separated post type names including post (e.g. post,page,book)", _post_types
        ),
    ] = _env("WORDPRESS_POST_TYPES", ("post",))
    """The WordPress post types the sync copies: ``post`` (the blog) and any of ``page`` and
    the site's own types, each found under its ``rest_base`` (``/wp/v2/types``)."""
    webhook_secret: str | None = _env("WORDPRESS_WEBHOOK_SECRET", secret=True)
    """The HMAC key the plugin signs with; without it the webhook answers 503."""
    webhook_rate_limit: WebhookLimit = _env("WORDPRESS_WEBHOOK_RATE_LIMIT", RateLimit(60, 60.0))
    """Unsigned or wrongly signed webhook requests per source IP (``None``: not limited)."""
    sync_poll_seconds: Interval = _env("SYNC_POLL_SECONDS", 5.0)
    sync_lease_seconds: Interval = _env("SYNC_LEASE_SECONDS", 300.0)
    sync_backoff_seconds: Seconds = _env("SYNC_BACKOFF_SECONDS", 10.0)
    sync_max_attempts: Attempts = _env("SYNC_MAX_ATTEMPTS", 8)
    reconcile_seconds: Seconds = _env("ATOLL_RECONCILE_SECONDS", 900.0)
    """How often a reconciliation looks for posts a lost webhook left stale (``0``: never)."""
    preview_seconds: Interval = _env("ATOLL_PREVIEW_SECONDS", 3600.0)
    """How long a preview link the plugin signs opens its draft (then: 410, press Preview again)."""

    @model_validator(mode="before")
    @classmethod
    def _contact_to_defaults_to_mail_from(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "CONTACT_TO" not in data and "MAIL_FROM" in data:
            return {**data, "CONTACT_TO": data["MAIL_FROM"]}
        return data

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Each variable's name → its field's name."""
        return {str(field.alias): name for name, field in cls.model_fields.items()}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings ``environ`` (``os.environ`` by default) holds; blank means unset.

        Raises:
            SettingsError: naming every variable whose value is unusable, one per line.
        """
        environ = os.environ if environ is None else environ
        raw = {name: environ[name] for name in cls.env_names() if environ.get(name, "").strip()}
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise SettingsError(
                "\n".join(f"{error['loc'][0]}: {error['msg']}" for error in exc.errors())
            ) from None

    def by_env_name(self, name: str) -> Any:
        """The value read from the variable ``name``."""
        return getattr(self, self.env_names()[name])


@functools.cache
def settings() -> Settings:
    """The settings, read from the environment on first use and kept for the process.

    Raises:
        SettingsError: a variable holds an unusable value (it is not cached: every call
            raises until the environment is fixed and :func:`reload_settings` is called).
    """
    return Settings.from_environ()


def reload_settings() -> None:
    """Forget the cached settings: the next :func:`settings` reads the environment again."""
    settings.cache_clear()


def settings_or_exit() -> Settings:
    """:func:`settings` for an entry point: a bad value prints ``error: VARIABLE: …`` and
    exits with status 2 (bad usage) before anything starts, instead of a traceback."""
    try:
        return settings()
    except SettingsError as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        raise SystemExit(2) from None
