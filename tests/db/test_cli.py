"""``python -m db``: exit codes and output, run as a real subprocess where it matters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import func, select

from db.core.engine import dispose_engines, get_engine, session_scope
from db.models import Author, Comment, GuestbookEntry, Post, PostTerm, Term
from db.ops.cli import format_table, main, split_sql
from tests.factories import make_post
from tests.sql import run_sql, sql_rows

REPO = Path(__file__).resolve().parents[2]


def run_db(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m db ARGS`` in a fresh interpreter against ``db_url``."""
    dispose_engines()  # release this process's connections so the child sees a quiet file
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "db", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _counts() -> dict[str, int]:
    with session_scope() as session:
        return {
            model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Author, Post, GuestbookEntry, Comment, Term, PostTerm)
        }


# --------------------------------------------------------------------------- push


def test_push_creates_the_schema_then_reports_it_up_to_date(db_url: str) -> None:
    first = run_db(db_url, "push")
    assert first.returncode == 0, first.stderr
    assert "  - create table posts" in first.stdout
    assert "posts" in inspect(get_engine()).get_table_names()

    second = run_db(db_url, "push")
    assert second.returncode == 0, second.stderr
    assert "schema is up to date" in second.stdout
    assert "create table" not in second.stdout


def test_push_adds_a_nullable_column_and_keeps_rows(database: str) -> None:
    make_post("old-post", title="Old")
    run_sql("ALTER TABLE posts DROP COLUMN synced_at")

    result = run_db(database, "push")

    assert result.returncode == 0, result.stderr
    assert "  - add column posts.synced_at DATETIME NULL" in result.stdout
    assert sql_rows("SELECT slug, title, synced_at FROM posts") == [("old-post", "Old", None)]


def test_push_refuses_to_drop_a_column_unless_force_reset(database: str) -> None:
    run_sql(
        "ALTER TABLE guestbook_entries ADD COLUMN legacy TEXT",
        "INSERT INTO guestbook_entries (author, content, created_at, legacy)"
        " VALUES ('Ada', 'Hi', '2025-01-01 00:00:00', 'keep me')",
    )

    refused = run_db(database, "push")

    assert refused.returncode == 1
    assert "push refused" in refused.stderr
    assert "  - drop column guestbook_entries.legacy — refused:" in refused.stderr
    assert "--force-reset" in refused.stderr
    assert sql_rows("SELECT author, legacy FROM guestbook_entries") == [("Ada", "keep me")]

    forced = run_db(database, "push", "--force-reset")

    assert forced.returncode == 0, forced.stderr
    assert "DROPPING EVERY TABLE" in forced.stdout
    assert "ALL DATA IS LOST" in forced.stdout
    columns = inspect(get_engine()).get_columns("guestbook_entries")
    assert "legacy" not in [c["name"] for c in columns]
    assert sql_rows("SELECT count(*) FROM guestbook_entries") == [(0,)]
    assert run_db(database, "verify").returncode == 0


# --------------------------------------------------------------------------- verify


def test_verify_passes_on_a_clean_database(database: str) -> None:
    result = run_db(database, "verify")

    assert result.returncode == 0, result.stderr
    assert "schema is up to date" in result.stdout


def test_verify_fails_and_lists_the_drift(database: str) -> None:
    run_sql("DROP INDEX ix_posts_status", "CREATE TABLE scratch (id INTEGER PRIMARY KEY)")

    result = run_db(database, "verify")

    assert result.returncode == 1
    assert "schema drift: 2 difference(s)" in result.stderr
    assert "  - create index ix_posts_status on posts (status)" in result.stderr
    assert "  - drop table scratch — refused:" in result.stderr
    assert "up to date" not in result.stdout


# --------------------------------------------------------------------------- seed


def test_seed_is_idempotent(database: str) -> None:
    first = run_db(database, "seed")
    assert first.returncode == 0, first.stderr
    after_first = _counts()

    second = run_db(database, "seed")
    assert second.returncode == 0, second.stderr

    assert _counts() == after_first
    assert after_first["posts"] == 4
    assert after_first["terms"] == 6
    assert after_first["post_terms"] == 10
    assert after_first["guestbook_entries"] >= 2
    assert after_first["comments"] >= 2
    assert "nothing to seed" in second.stdout


def test_seed_writes_published_posts_with_authors(database: str) -> None:
    assert main(["seed"]) == 0

    rows = sql_rows(
        "SELECT p.slug, p.status, a.name, p.excerpt_html, p.published_at"
        " FROM posts p JOIN authors a ON a.id = p.author_id ORDER BY p.published_at"
    )
    assert rows[0][0] == "hello-atoll"
    assert {r[1] for r in rows} == {"publish"}
    assert all(r[2] and r[3].startswith("<p>") for r in rows)
    assert len({r[4][:10] for r in rows}) == 4  # published on four different days
    orphans = sql_rows(
        "SELECT count(*) FROM comments WHERE post_slug NOT IN (SELECT slug FROM posts)"
    )
    assert orphans == [(0,)]


def test_seed_leaves_a_database_with_content_alone(database: str, capsys) -> None:
    make_post("my-own-post", title="My own post")

    assert main(["seed"]) == 0

    assert "nothing to seed: the database has content" in capsys.readouterr().out
    assert sql_rows("SELECT slug FROM posts") == [("my-own-post",)]
    assert _counts()["guestbook_entries"] == 0


def test_seed_never_runs_when_wordpress_feeds_the_blog(database: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.example")

    assert main(["seed"]) == 0

    assert "not seeding: WORDPRESS_URL is set" in capsys.readouterr().out
    assert _counts()["posts"] == 0
    assert main(["seed", "--force"]) == 0
    assert _counts()["posts"] == 4


def test_seed_force_fills_in_only_what_is_missing(database: str) -> None:
    make_post("hello-atoll", title="My own hello")

    assert main(["seed", "--force"]) == 0

    assert sql_rows("SELECT title FROM posts WHERE slug = 'hello-atoll'") == [("My own hello",)]
    assert _counts()["posts"] == 4
    # The post that was already there keeps its own (no) terms; seeded posts get theirs.
    assert sql_rows(
        "SELECT count(*) FROM post_terms pt JOIN posts p ON p.id = pt.post_id"
        " WHERE p.slug = 'hello-atoll'"
    ) == [(0,)]


def test_seed_shows_every_feature(database: str) -> None:
    """A members-only post, categories and tags, and a featured image served from assets/."""
    assert main(["seed"]) == 0

    assert sql_rows("SELECT slug FROM posts WHERE members_only") == [("behind-the-scenes",)]
    assert sql_rows(
        "SELECT p.slug, t.taxonomy, t.slug FROM post_terms pt"
        " JOIN posts p ON p.id = pt.post_id JOIN terms t ON t.id = pt.term_id"
        " WHERE p.slug IN ('hello-atoll', 'behind-the-scenes') ORDER BY p.slug, t.taxonomy, t.slug"
    ) == [
        ("behind-the-scenes", "category", "news"),
        ("behind-the-scenes", "tag", "reflex"),
        ("hello-atoll", "category", "news"),
        ("hello-atoll", "tag", "islands"),
        ("hello-atoll", "tag", "no-js"),
    ]
    images = sql_rows(
        "SELECT slug, featured_image_url, featured_image_width, featured_image_height,"
        " featured_image_alt FROM posts WHERE featured_image_url IS NOT NULL"
    )
    assert [row[:4] for row in images] == [("hello-atoll", "/og-image.png", 1200, 630)]
    assert images[0][4]  # described for screen readers
    assert (REPO / "assets" / "og-image.png").is_file()


def test_seed_without_the_schema_says_to_push_first(db_url: str) -> None:
    result = run_db(db_url, "seed")

    assert result.returncode == 1
    assert "missing tables: authors, posts" in result.stderr
    assert "python -m db push" in result.stderr


# --------------------------------------------------------------------------- execute


def test_execute_sql_runs_every_statement(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "data.sql"
    script.write_text(
        "-- two authors; the second name holds a semicolon\n"
        "INSERT INTO authors (slug, name) VALUES ('a', 'Ann');\n"
        "INSERT INTO authors (slug, name) VALUES ('b', 'Bo; Jr.');\n"
        "UPDATE authors SET name = upper(name) WHERE slug = 'a'\n",
        encoding="utf-8",
    )

    assert main(["execute", str(script)]) == 0

    assert sql_rows("SELECT slug, name FROM authors ORDER BY slug") == [
        ("a", "ANN"),
        ("b", "Bo; Jr."),
    ]
    assert f"executed 3 statement(s) from {script}" in capsys.readouterr().out


def test_execute_sql_rolls_back_every_statement_when_one_fails(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "broken.sql"
    script.write_text(
        "INSERT INTO authors (slug, name) VALUES ('a', 'Ann');\n"
        "INSERT INTO no_such_table VALUES (1);\n",
        encoding="utf-8",
    )

    assert main(["execute", str(script)]) == 1

    assert sql_rows("SELECT count(*) FROM authors") == [(0,)]
    assert "no such table: no_such_table" in capsys.readouterr().err


def test_execute_py_gets_a_session_and_the_engine(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "fix.py"
    script.write_text(
        "from db.models import Author\n"
        "session.add(Author(slug='from-script', name='Script'))\n"
        "print('dialect', engine.dialect.name)\n",
        encoding="utf-8",
    )

    assert main(["execute", str(script)]) == 0

    assert sql_rows("SELECT name FROM authors WHERE slug = 'from-script'") == [("Script",)]
    out = capsys.readouterr().out
    assert "dialect sqlite" in out
    assert f"ran {script}" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", "expected a .sql or .py file"),
        ("missing.sql", "no such file"),
    ],
)
def test_execute_rejects_what_it_cannot_run(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("SELECT 1;", encoding="utf-8")

    assert main(["execute", str(path)]) == 2

    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("script", "statements"),
    [
        ("SELECT 1", ["SELECT 1;"]),  # a missing final semicolon is not an error
        ("SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"]),
        ("SELECT 'a;b';\n-- done; really\n", ["SELECT 'a;b';"]),
        (
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y; DELETE FROM z; END;",
            ["CREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y; DELETE FROM z; END;"],
        ),
        ("  \n-- only a comment\n", []),
    ],
)
def test_split_sql_ends_statements_only_where_sqlite_would(
    script: str, statements: list[str]
) -> None:
    assert split_sql(script) == statements


# --------------------------------------------------------------------------- shell


def test_shell_query_prints_an_aligned_table(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_post("hello-atoll", title="Hello, Atoll")
    make_post("why", title="Why", featured_image_url=None)

    assert (
        main(
            [
                "shell",
                "--query",
                "SELECT slug, title, featured_image_url AS image FROM posts ORDER BY id",
            ]
        )
        == 0
    )

    assert capsys.readouterr().out == (
        "slug        | title        | image\n"
        "------------+--------------+------\n"
        "hello-atoll | Hello, Atoll | NULL\n"
        "why         | Why          | NULL\n"
        "(2 rows)\n"
    )


def test_shell_statement_prints_the_row_count_and_commits(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_post("one")
    make_post("two")

    assert main(["shell", "--query", "UPDATE posts SET title = 'Renamed'"]) == 0

    assert capsys.readouterr().out == "2 row(s) affected\n"
    assert sql_rows("SELECT DISTINCT title FROM posts") == [("Renamed",)]


def test_shell_reports_a_bad_query_with_exit_1(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["shell", "--query", "SELECT nope FROM posts"]) == 1

    assert "error: no such column: nope" in capsys.readouterr().err


def test_format_table_pads_every_column_to_its_widest_cell() -> None:
    assert format_table(["id", "name"], [(1, "Ann"), (22, None)]) == (
        "id | name\n---+-----\n1  | Ann\n22 | NULL"
    )


def test_push_seed_pushes_then_seeds_an_empty_database(db_url: str, capsys) -> None:
    assert main(["push", "--seed"]) == 0
    out = capsys.readouterr().out
    assert "pushed" in out and "seeded" in out
    assert _counts()["posts"] == 4

    assert main(["push", "--seed"]) == 0
    out = capsys.readouterr().out
    assert "schema is up to date" in out
    assert "nothing to seed: the database has content" in out


# --------------------------------------------------------------------------- push --drop


def _leftover(rows: int) -> None:
    """A table no model declares (what removing an island leaves), holding ``rows`` rows,
    beside a guestbook entry that must survive every drop."""
    run_sql(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
        *(f"INSERT INTO notes (text) VALUES ('note {n}')" for n in range(rows)),
        "INSERT INTO guestbook_entries (author, content, created_at)"
        " VALUES ('Ada', 'Hi', '2025-01-01 00:00:00')",
    )


def _tables() -> set[str]:
    dispose_engines()
    return set(inspect(get_engine()).get_table_names())


def test_push_drop_yes_drops_one_leftover_table_and_keeps_every_other(database: str) -> None:
    _leftover(3)
    refused = run_db(database, "push")
    assert refused.returncode == 1
    assert "  - drop table notes — refused: the table is not in the models" in refused.stderr
    assert "drop a table no model declares any more with --drop TABLE" in refused.stderr

    result = run_db(database, "push", "--drop", "notes", "--yes")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "dropped table notes (3 row(s))",
        f"schema is up to date ({database})",
    ]
    assert "notes" not in _tables()
    assert sql_rows("SELECT author, content FROM guestbook_entries") == [("Ada", "Hi")]


def test_push_drop_asks_with_the_row_count_and_drops_on_yes(database: str) -> None:
    _leftover(2)

    result = subprocess.run(
        [sys.executable, "-m", "db", "push", "--drop", "notes"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database},
        input="y\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"Drop table notes and its 2 row(s) from {database}? [y/N] dropped table notes (2 row(s))\n"
    )
    assert "notes" not in _tables()


@pytest.mark.parametrize("answer", ["n\n", "\n", ""])
def test_push_drop_declined_or_unanswered_changes_nothing(database: str, answer: str) -> None:
    _leftover(2)
    dispose_engines()

    result = subprocess.run(
        [sys.executable, "-m", "db", "push", "--drop", "notes"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database},
        input=answer,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout.startswith(f"Drop table notes and its 2 row(s) from {database}? [y/N] ")
    assert result.stderr == "table notes was not dropped. Nothing was changed.\n"
    assert sql_rows("SELECT count(*) FROM notes") == [(2,)]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("nope", "drop refused: no table 'nope' in the database. Nothing was changed.\n"),
        (
            "guestbook_entries",
            "drop refused: table 'guestbook_entries' is still defined in the models; remove "
            "its model first. Nothing was changed.\n",
        ),
    ],
)
def test_push_drop_refuses_unknown_tables_and_tables_of_the_models(
    database: str, table: str, message: str
) -> None:
    _leftover(1)

    result = run_db(database, "push", "--drop", table, "--yes")

    assert result.returncode == 1
    assert result.stderr == message
    assert result.stdout == ""
    assert sql_rows("SELECT count(*) FROM guestbook_entries") == [(1,)]
    assert sql_rows("SELECT count(*) FROM notes") == [(1,)]
