"""The one engine and the one session helper.

Local files go through the sqlalchemy-libsql dialect, which hands them to the standard
sqlite3 module; ``sqlite+libsql://host:port`` URLs speak Hrana over WebSocket to a libSQL
server or Turso. Local connections get WAL (readers never wait for the writer),
``busy_timeout`` (a writer waits instead of failing at once) and foreign keys.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from db.core import config, errors
from db.core.errors import ActionError, ErrorCode

_WRITE = "atoll_write"
_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_write_turns: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def is_remote(url: str) -> bool:
    """Whether ``url`` names a libSQL server rather than a local file."""
    return bool(make_url(url).host)


def local_path(url: str) -> Path | None:
    """The database file a local URL points to (``None`` for memory or remote)."""
    parsed = make_url(url)
    if parsed.host or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).resolve()


def make_engine(url: str, auth_token: str | None = None) -> Engine:
    """Build an engine for ``url``; callers normally want :func:`get_engine`."""
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if is_remote(url):
        # The dialect would keep one connection per thread (SingletonThreadPool) and close
        # surplus ones from whichever thread comes next, which its Hrana connections refuse.
        # A queue pool hands connections between threads; a connection the server dropped
        # (restart, network) is marked as such below, and pre-ping replaces it on checkout.
        if auth_token:
            connect_args["auth_token"] = auth_token
        engine = create_engine(
            url,
            connect_args=connect_args,
            poolclass=QueuePool,
            pool_size=10,
            max_overflow=20,
            pool_pre_ping=True,
        )

        @event.listens_for(engine, "handle_error")
        def _on_error(context: Any) -> None:
            # Tell the pool, so it drops this connection (and, on a pre-ping, reconnects).
            if lost_server(context.original_exception):
                context.is_disconnect = True

        return engine

    path = local_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args=connect_args, pool_size=10, max_overflow=20)
    _write_turns[engine] = threading.RLock()
    timeout = config.busy_timeout_ms()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(timeout)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and
        # then writes can fail at once with SQLITE_BUSY instead of waiting its turn.
        conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN"
        )

    return engine


def get_engine() -> Engine:
    """The process-wide engine for the current ``DATABASE_URL``."""
    url = config.database_url()
    engine = _engines.get(url)
    if engine is None:
        with _lock:
            engine = _engines.get(url)
            if engine is None:
                engine = make_engine(url, config.database_auth_token())
                _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests switch database files between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def _write_turn(engine: Engine) -> Iterator[None]:
    """Let this process's writers to a local file take turns before asking SQLite.

    SQLite lets one writer in at a time; the others retry on ``busy_timeout``, sleeping
    between tries for up to 100 ms, which under a burst of likes turns a 0.3 ms
    transaction into tens of milliseconds of waiting and a p99 of a third of a second.
    Queued on this lock, the next writer starts the moment the previous one commits.
    Other processes (the CLI, a second worker) still meet on ``busy_timeout``, and so
    does a writer that waits here longer than it: it gives up with the same "database is
    locked" error SQLite would raise, which actions answer with SERVICE_UNAVAILABLE.
    Reentrant, so a write nested in another on the same thread behaves as it always did.
    """
    turn = _write_turns.get(engine)
    if turn is None:  # a libSQL server orders its writers itself
        yield
        return
    if not turn.acquire(timeout=config.busy_timeout_ms() / 1000):
        raise OperationalError(
            "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
        )
    try:
        yield
    finally:
        turn.release()


@contextmanager
def session_scope(*, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception.

    ``write=True`` starts the transaction holding the write lock (``BEGIN IMMEDIATE``) on
    local files, so concurrent writers queue on ``busy_timeout`` instead of failing; within
    this process they queue on :func:`_write_turn` first.
    """
    engine = get_engine()
    with (
        _write_turn(engine) if write else nullcontext(),
        Session(engine, expire_on_commit=False) as session,
    ):
        if write:
            session.connection(execution_options={_WRITE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
_UNREACHABLE = ("SQLITE_CANTOPEN", "SQLITE_IOERR", "HRANA_WEBSOCKET_ERROR")


def _error_name(exc: BaseException) -> str:
    return getattr(getattr(exc, "orig", exc), "sqlite_errorname", None) or ""


def lost_server(exc: BaseException) -> bool:
    """Whether ``exc`` means a libSQL server could not be reached or dropped the connection.

    The libSQL driver reports a refused or failed connection as ``SQLITE_CANTOPEN`` or
    ``SQLITE_IOERR`` (the codes SQLite uses for a file it cannot open or read) and a
    socket the server closed as ``HRANA_WEBSOCKET_ERROR``.
    """
    return _error_name(exc).startswith(_UNREACHABLE)


def unavailable(exc: BaseException) -> ActionError | None:
    """The 503 to answer when ``exc`` means the database cannot serve right now, else ``None``.

    Two cases are worth a retry rather than an apology: another connection held the write
    lock past the busy timeout, or a libSQL server could not be reached (down, restarting,
    the network).
    """
    if not isinstance(exc, DBAPIError):
        return None
    text = str(getattr(exc, "orig", exc)).lower()
    if _error_name(exc).startswith(_BUSY) or "locked" in text or "busy" in text:
        return ActionError(ErrorCode.SERVICE_UNAVAILABLE, errors.DATABASE_BUSY)
    if lost_server(exc):
        return ActionError(ErrorCode.SERVICE_UNAVAILABLE, errors.DATABASE_UNREACHABLE)
    return None
