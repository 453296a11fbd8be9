"""Plain SQL on this process's engine: arrange a database by hand and read it back as tuples."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import make_url

from db.core.engine import get_engine


def run_sql(*statements: str) -> None:
    """Run ``statements`` in one transaction, as a person at the ``sqlite3`` prompt would."""
    with get_engine().begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def sql_rows(query: str) -> list[tuple[Any, ...]]:
    """The rows ``query`` returns, as plain tuples."""
    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(query)]


@contextmanager
def write_lock(database_url: str) -> Iterator[None]:
    """Hold a local file's write lock from a plain sqlite3 connection, as another program
    would: the app's writers wait their busy timeout and give up; readers go on (WAL)."""
    conn = sqlite3.connect(make_url(database_url).database or "", isolation_level=None, timeout=5)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()
