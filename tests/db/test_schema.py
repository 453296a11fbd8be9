"""db/ops/schema.py: push applies only additive changes, verify sees every drift."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, inspect, text
from sqlmodel import SQLModel

from db.core.engine import get_engine
from db.core.types import UTCDateTime
from db.ops import schema
from tests.factories import make_post
from tests.sql import run_sql, sql_rows


def _columns(table: str) -> list[str]:
    return [c["name"] for c in inspect(get_engine()).get_columns(table)]


def _indexes(table: str) -> list[str]:
    return [i["name"] or "" for i in inspect(get_engine()).get_indexes(table)]


# --------------------------------------------------------------------------- push


def test_push_on_an_empty_database_creates_every_table(db_url: str) -> None:
    done = schema.push(get_engine())

    assert set(inspect(get_engine()).get_table_names()) == set(SQLModel.metadata.tables)
    assert "create table posts" in done
    assert "create index ix_posts_status on posts (status)" in done
    assert schema.verify(get_engine()) == []


def test_push_twice_changes_nothing_the_second_time(db_url: str) -> None:
    assert schema.push(get_engine()) != []

    assert schema.push(get_engine()) == []
    assert schema.diff_schema(get_engine()).is_clean


def test_a_fresh_create_all_database_verifies_clean(database: str) -> None:
    # Every timestamp is a UTCDateTime TypeDecorator: it must read as the DATETIME it stores.
    diff = schema.diff_schema(get_engine())

    assert diff.changes == []
    assert diff.is_clean


@pytest.mark.parametrize(
    ("live_type", "expected"),
    [
        (DateTime(), []),
        (UTCDateTime(), []),
        (
            Integer(),
            [
                (
                    "change column events.at: type INTEGER → DATETIME — refused: "
                    "SQLite can only change a column by rebuilding its table"
                )
            ],
        ),
    ],
)
def test_type_comparison_sees_through_utc_datetime(
    db_url: str, live_type: Any, expected: list[str]
) -> None:
    live, models = MetaData(), MetaData()
    Table("events", live, Column("id", Integer, primary_key=True), Column("at", live_type))
    Table("events", models, Column("id", Integer, primary_key=True), Column("at", UTCDateTime))
    live.create_all(get_engine())

    assert schema.verify(get_engine(), models) == expected


def test_verify_notices_a_server_default_the_database_lacks(db_url: str) -> None:
    # Otherwise inserts that omit the column would still fail with NOT NULL after a "clean" push.
    live, models = MetaData(), MetaData()
    Table(
        "counters",
        live,
        Column("id", Integer, primary_key=True),
        Column("hits", Integer, nullable=False),
    )
    Table(
        "counters",
        models,
        Column("id", Integer, primary_key=True),
        Column("hits", Integer, nullable=False, server_default=text("0")),
    )
    live.create_all(get_engine())

    assert schema.verify(get_engine(), models) == [
        (
            "change column counters.hits: server default none → 0 — refused: "
            "SQLite can only change a column by rebuilding its table"
        )
    ]


@pytest.mark.parametrize(
    ("column", "added", "existing_value"),
    [
        ("synced_at", "add column posts.synced_at DATETIME NULL", None),
        ("members_only", "add column posts.members_only BOOLEAN NOT NULL DEFAULT 0", 0),
    ],
)
def test_push_adds_a_new_column_and_keeps_existing_rows(
    database: str, column: str, added: str, existing_value: Any
) -> None:
    make_post("first-post", title="First")
    make_post("second-post", title="Second")
    run_sql(f"ALTER TABLE posts DROP COLUMN {column}")  # the database as an older release left it
    assert column not in _columns("posts")

    assert schema.push(get_engine()) == [added]

    assert column in _columns("posts")
    assert sql_rows(f"SELECT slug, title, {column} FROM posts ORDER BY id") == [
        ("first-post", "First", existing_value),
        ("second-post", "Second", existing_value),
    ]
    assert schema.verify(get_engine()) == []


def test_push_recreates_a_missing_table_and_index_beside_existing_data(database: str) -> None:
    make_post("kept")
    run_sql("DROP TABLE ratings", "DROP INDEX ix_posts_status")

    done = schema.push(get_engine())

    assert "create table ratings" in done
    assert "create index ix_posts_status on posts (status)" in done
    assert "ix_posts_status" in _indexes("posts")
    assert sql_rows("SELECT slug FROM posts") == [("kept",)]
    assert schema.verify(get_engine()) == []


def test_push_refuses_to_drop_a_column_and_applies_nothing(database: str) -> None:
    run_sql(
        "ALTER TABLE guestbook_entries ADD COLUMN legacy TEXT",
        "INSERT INTO guestbook_entries (author, content, created_at, legacy)"
        " VALUES ('Ada', 'Hi', '2025-01-01 00:00:00', 'keep me')",
        "DROP INDEX ix_posts_status",  # a safe change that must wait for the refused one
    )

    with pytest.raises(schema.DestructiveChangeError) as refused:
        schema.push(get_engine())

    assert refused.value.changes == [
        (
            "drop column guestbook_entries.legacy — refused: "
            "the column is not in the models and its values would be lost"
        )
    ]
    assert sql_rows("SELECT author, legacy FROM guestbook_entries") == [("Ada", "keep me")]
    assert "ix_posts_status" not in _indexes("posts")


@pytest.mark.parametrize(
    ("live_sql", "refusal"),
    [
        (
            "CREATE TABLE scratch (id INTEGER PRIMARY KEY)",
            "drop table scratch — refused: the table is not in the models",
        ),
        (
            "CREATE INDEX ix_extra ON posts (title)",
            "drop index ix_extra on posts — refused: the index is not in the models",
        ),
        (
            "DROP INDEX ix_posts_status; CREATE UNIQUE INDEX ix_posts_status ON posts (status)",
            "drop index ix_posts_status on posts — refused",
        ),
    ],
)
def test_push_refuses_changes_that_remove_things(
    database: str, live_sql: str, refusal: str
) -> None:
    run_sql(*live_sql.split("; "))

    with pytest.raises(schema.DestructiveChangeError) as refused:
        schema.push(get_engine())

    changes = refused.value.changes
    assert any(change.startswith(refusal) for change in changes), changes


@pytest.mark.parametrize(
    ("new_column", "refusal"),
    [
        (Column("body", String(50)), None),
        (Column("body", String(50), nullable=False, server_default="draft"), None),
        (
            Column("body", String(50), nullable=False),
            (
                "add column notes.body VARCHAR(50) NOT NULL — refused: "
                "NOT NULL without a server default: existing rows would have no value"
            ),
        ),
        (
            Column("body", String(50), unique=True),
            (
                "add unique constraint on notes (body) — refused: "
                "SQLite cannot add a constraint to an existing table"
            ),
        ),
    ],
    ids=["nullable", "server-default", "not-null-without-default", "unique"],
)
def test_push_adds_a_column_only_when_existing_rows_stay_valid(
    db_url: str, new_column: Column[Any], refusal: str | None
) -> None:
    live, models = MetaData(), MetaData()
    Table("notes", live, Column("id", Integer, primary_key=True))
    Table("notes", models, Column("id", Integer, primary_key=True), new_column)
    live.create_all(get_engine())
    run_sql("INSERT INTO notes (id) VALUES (1)")

    if refusal is None:
        assert len(schema.push(get_engine(), metadata=models)) == 1
        assert "body" in _columns("notes")
    else:
        with pytest.raises(schema.DestructiveChangeError) as refused:
            schema.push(get_engine(), metadata=models)
        assert refusal in refused.value.changes
        assert "body" not in _columns("notes")
    assert sql_rows("SELECT id FROM notes") == [(1,)]


def test_force_reset_drops_everything_and_recreates_the_schema(database: str) -> None:
    make_post("doomed")
    run_sql(
        "ALTER TABLE guestbook_entries ADD COLUMN legacy TEXT",
        "CREATE TABLE scratch (id INTEGER PRIMARY KEY)",
    )

    done = schema.push(get_engine(), force_reset=True)

    assert "dropped table scratch" in done
    assert "created table posts" in done
    assert "scratch" not in inspect(get_engine()).get_table_names()
    assert "legacy" not in _columns("guestbook_entries")
    assert sql_rows("SELECT count(*) FROM posts") == [(0,)]
    assert schema.verify(get_engine()) == []


# --------------------------------------------------------------------------- verify


def test_verify_lists_every_difference_safe_and_refused(database: str) -> None:
    run_sql("DROP INDEX ix_posts_status", "ALTER TABLE guestbook_entries ADD COLUMN legacy TEXT")

    assert schema.verify(get_engine()) == [
        "create index ix_posts_status on posts (status)",
        (
            "drop column guestbook_entries.legacy — refused: "
            "the column is not in the models and its values would be lost"
        ),
    ]


def test_require_tables_names_every_missing_table(db_url: str) -> None:
    run_sql("CREATE TABLE posts (id INTEGER PRIMARY KEY)")

    with pytest.raises(schema.SchemaMissingError) as missing:
        schema.require_tables(get_engine(), ["authors", "posts", "comments"])

    assert missing.value.tables == ["authors", "comments"]
    assert schema.missing_tables(get_engine(), ["posts"]) == []
