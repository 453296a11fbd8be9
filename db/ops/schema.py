"""Keep the live database in step with ``db/models.py`` without migration files.

The models are the single source of truth. Alembic's autogenerate comparison (the
machinery behind ``alembic.autogenerate.compare_metadata``) tells us how the live schema
differs; we apply only changes that cannot lose data — new tables, new nullable or
server-defaulted columns, new indexes — and refuse everything else, because SQLite can
only drop, retype or constrain a column by rebuilding its table. A refused change is
either done by hand (``python -m db execute``) or by ``--force-reset`` on a disposable
database.

Alembic does not compare CHECK constraints, so adding or changing one is invisible here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from alembic.autogenerate import produce_migrations
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, inspect
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.sql.elements import TextClause
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table on SQLModel.metadata)

# Server defaults are compared too: a model that gains one must not look "up to date"
# while the database would still insert NULL.
_COMPARE_OPTS: dict[str, Any] = {"compare_type": True, "compare_server_default": True}


class DestructiveChangeError(Exception):
    """Push stopped because applying the models would lose data or needs a table rebuild."""

    def __init__(self, changes: list[str]) -> None:
        super().__init__("refused changes: " + "; ".join(changes))
        self.changes = changes


class SchemaMissingError(Exception):
    """Tables a command relies on do not exist yet (``python -m db push`` creates them)."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__("missing tables: " + ", ".join(tables))
        self.tables = tables


@dataclass(frozen=True)
class SchemaDiff:
    """How the live database differs from the models, split by whether push may apply it."""

    safe_ops: list[ops.MigrateOperation]
    safe: list[str]
    destructive: list[str]

    @property
    def is_clean(self) -> bool:
        return not self.safe_ops and not self.destructive

    @property
    def changes(self) -> list[str]:
        """Every difference, safe ones first: what ``verify`` reports."""
        return self.safe + self.destructive


def diff_schema(engine: Engine, metadata: MetaData | None = None) -> SchemaDiff:
    """Compare ``metadata`` (default: every Atoll table) with the live database."""
    with engine.connect() as conn:
        return _plan(_context(conn), _models(metadata))


def verify(engine: Engine, metadata: MetaData | None = None) -> list[str]:
    """The differences between models and database; empty means the schema is current."""
    return diff_schema(engine, metadata).changes


def push(
    engine: Engine, *, force_reset: bool = False, metadata: MetaData | None = None
) -> list[str]:
    """Apply the safe changes in one transaction and say what was done.

    Nothing is applied when any change is refused, so the database is never left half
    way between two schemas.

    Raises:
        DestructiveChangeError: some difference would drop data or needs a table rebuild;
            ``force_reset=True`` drops every table and recreates the schema instead.
    """
    metadata = _models(metadata)
    if force_reset:
        return reset(engine, metadata)
    with engine.begin() as conn:
        context = _context(conn)
        diff = _plan(context, metadata)
        if diff.destructive:
            raise DestructiveChangeError(diff.destructive)
        operations = Operations(context)
        for op in diff.safe_ops:
            operations.invoke(op)
        return diff.safe


def reset(engine: Engine, metadata: MetaData | None = None) -> list[str]:
    """Drop every live table (models' or not) and create the schema afresh: all data is lost."""
    metadata = _models(metadata)
    with engine.begin() as conn:
        live = MetaData()
        live.reflect(conn)
        dropped = [f"dropped table {t.name}" for t in reversed(live.sorted_tables)]
        live.drop_all(conn)
        metadata.create_all(conn)
    return dropped + [f"created table {t.name}" for t in metadata.sorted_tables]


class DropRefusedError(Exception):
    """``push --drop`` was asked to drop a table it must not: unknown, or still a model's."""


def leftover_rows(engine: Engine, table: str, metadata: MetaData | None = None) -> int:
    """How many rows table ``table`` holds, once it is known to be droppable: a live table
    that no model declares (what is left after an island is removed).

    Raises:
        DropRefusedError: no such table, or a model still declares it (dropping it would
            only make the next push create it again, empty).
    """
    metadata = _models(metadata)
    with engine.connect() as conn:
        if table not in inspect(conn).get_table_names():
            raise DropRefusedError(f"no table {table!r} in the database")
        if table in metadata.tables:
            raise DropRefusedError(
                f"table {table!r} is still defined in the models; remove its model first"
            )
        quoted = conn.dialect.identifier_preparer.quote(table)
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar_one())


def drop_table(engine: Engine, table: str, metadata: MetaData | None = None) -> int:
    """Drop one leftover table (see :func:`leftover_rows`), touching no other; returns how
    many rows it held."""
    rows = leftover_rows(engine, table, metadata)
    with engine.begin() as conn:
        live = Table(table, MetaData(), autoload_with=conn)
        live.drop(conn)
    return rows


def missing_tables(conn: Connection | Engine, names: Iterable[str]) -> list[str]:
    """Which of ``names`` the database lacks, in the order given."""
    live = set(inspect(conn).get_table_names())
    return [name for name in names if name not in live]


def require_tables(conn: Connection | Engine, names: Iterable[str]) -> None:
    """Fail with every missing table named, rather than on the first INSERT that hits one.

    Raises:
        SchemaMissingError: at least one table does not exist.
    """
    missing = missing_tables(conn, names)
    if missing:
        raise SchemaMissingError(missing)


# --------------------------------------------------------------------------- planning


def _models(metadata: MetaData | None) -> MetaData:
    """``metadata``, or every Atoll table: ``db/models.py``'s and those a feature module
    declares itself (a new island's ``db/notes.py``), found the way actions are."""
    if metadata is not None:
        return metadata
    from db.core.actions import load_actions  # imports every feature module

    load_actions()
    return SQLModel.metadata


def _context(conn: Connection) -> MigrationContext:
    return MigrationContext.configure(conn, opts=_COMPARE_OPTS)


def _plan(context: MigrationContext, metadata: MetaData) -> SchemaDiff:
    script = produce_migrations(context, metadata)
    assert script.upgrade_ops is not None
    dialect = context.dialect
    safe_ops: list[ops.MigrateOperation] = []
    destructive: list[str] = []
    for op in _flatten(script.upgrade_ops.ops):
        reason = _refusal(op)
        if reason is None:
            safe_ops.append(op)
        else:
            destructive.append(f"{describe(op, dialect)} — refused: {reason}")
    return SchemaDiff(safe_ops, [describe(op, dialect) for op in safe_ops], destructive)


def _flatten(items: Iterable[ops.MigrateOperation]) -> Iterator[ops.MigrateOperation]:
    # Autogenerate groups per-table changes (and alter-column details) in containers.
    for op in items:
        if isinstance(op, ops.OpContainer):
            yield from _flatten(op.ops)
        else:
            yield op


def _refusal(op: ops.MigrateOperation) -> str | None:
    """Why push must not apply ``op``, or ``None`` when it is safe."""
    if isinstance(op, ops.CreateTableOp | ops.CreateIndexOp):
        return None
    if isinstance(op, ops.AddColumnOp):
        return _column_refusal(op.column)
    if isinstance(op, ops.DropTableOp):
        return "the table is not in the models and its rows would be lost"
    if isinstance(op, ops.DropColumnOp):
        return "the column is not in the models and its values would be lost"
    if isinstance(op, ops.DropIndexOp):
        return "the index is not in the models; dropping it is left to a person"
    if isinstance(op, ops.AlterColumnOp):
        return "SQLite can only change a column by rebuilding its table"
    if isinstance(op, ops.AddConstraintOp):
        return "SQLite cannot add a constraint to an existing table"
    return "not an additive change"


def _column_refusal(column: Column[Any]) -> str | None:
    if column.primary_key:
        return "SQLite cannot add a primary-key column"
    if not column.nullable and column.server_default is None:
        return "NOT NULL without a server default: existing rows would have no value"
    return None


# --------------------------------------------------------------------------- describing


def describe(op: ops.MigrateOperation, dialect: Dialect) -> str:
    """One line a person can act on, e.g. ``add column posts.subtitle VARCHAR(200) NULL``."""
    if isinstance(op, ops.CreateTableOp):
        return f"create table {op.table_name}"
    if isinstance(op, ops.DropTableOp):
        return f"drop table {op.table_name}"
    if isinstance(op, ops.AddColumnOp):
        return f"add column {op.table_name}.{_column_spec(op.column, dialect)}"
    if isinstance(op, ops.DropColumnOp):
        return f"drop column {op.table_name}.{op.column_name}"
    if isinstance(op, ops.CreateIndexOp):
        unique = "unique " if op.unique else ""
        return f"create {unique}index {op.index_name} on {op.table_name} ({_names(op.columns)})"
    if isinstance(op, ops.DropIndexOp):
        return f"drop index {op.index_name} on {op.table_name}"
    if isinstance(op, ops.AlterColumnOp):
        return _describe_alter(op, dialect)
    if isinstance(op, ops.CreateUniqueConstraintOp):
        return f"add unique constraint on {op.table_name} ({_names(op.columns)})"
    if isinstance(op, ops.CreateForeignKeyOp):
        return (
            f"add foreign key {op.source_table} ({_names(op.local_cols)})"
            f" → {op.referent_table} ({_names(op.remote_cols)})"
        )
    if isinstance(op, ops.DropConstraintOp):
        kind = op.constraint_type or "constraint"
        return f"drop {kind} {op.constraint_name or '(unnamed)'} on {op.table_name}"
    return f"{type(op).__name__} {op.to_diff_tuple()!r}"


def _describe_alter(op: ops.AlterColumnOp, dialect: Dialect) -> str:
    parts: list[str] = []
    if op.modify_type is not None:
        parts.append(f"type {_type(op.existing_type, dialect)} → {_type(op.modify_type, dialect)}")
    if op.modify_nullable is not None:
        parts.append("allow NULL" if op.modify_nullable else "make NOT NULL")
    if op.modify_server_default is not False:
        before = _default(op.existing_server_default) or "none"
        after = _default(op.modify_server_default) or "none"
        parts.append(f"server default {before} → {after}")
    detail = ", ".join(parts) or "alter"
    return f"change column {op.table_name}.{op.column_name}: {detail}"


def _column_spec(column: Column[Any], dialect: Dialect) -> str:
    null = "NULL" if column.nullable else "NOT NULL"
    spec = f"{column.name} {_type(column.type, dialect)} {null}"
    default = _default(column.server_default)
    return f"{spec} DEFAULT {default}" if default else spec


def _type(type_: Any, dialect: Dialect) -> str:
    # Compiled, so a TypeDecorator such as UTCDateTime reads as the DATETIME it stores.
    return str(type_.compile(dialect=dialect)) if type_ is not None else "?"


def _default(server_default: Any) -> str | None:
    if server_default is None or server_default is False:
        return None
    arg = getattr(server_default, "arg", server_default)
    return arg.text if isinstance(arg, TextClause) else str(arg)


def _names(columns: Iterable[Any]) -> str:
    return ", ".join(str(getattr(c, "name", c)) for c in columns)
