"""Plain SQL on this process's engine: arrange a database by hand and read it back as tuples."""

from __future__ import annotations

from typing import Any

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
