"""``python -m db``: push, verify, seed, execute and shell against ``DATABASE_URL``.

The Astro DB command set, in Python. Exit codes are part of the interface so Make and CI
can rely on them: 0 done, 1 refused or drifted or failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import runpy
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from db import accounts
from db.core import config
from db.core.engine import get_engine, is_remote, lost_server, session_scope
from db.core.errors import ActionError
from db.core.settings import settings, settings_or_exit
from db.ops import schema
from db.ops.seed import has_content, seed
from db.wordpress.client import WordPressClient, WordPressError
from db.wordpress.sync import full_sync, reconcile

OK, FAILED, USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``__main__`` turns it into the status)."""
    args = _parser().parse_args(argv)
    settings_or_exit()  # a bad setting is bad usage: one line naming it, status 2
    engine = get_engine()
    try:
        return int(args.run(engine, args))
    except SQLAlchemyError as exc:
        # An operator's tool: the database's own message is what they need to fix it.
        print(f"error: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        if is_remote(config.database_url()) and lost_server(exc):
            # sqld and Turso refuse a write by a read-only token by closing the socket.
            print(
                "hint: the libSQL server closed the connection or could not be reached. If it "
                "is up, check DATABASE_AUTH_TOKEN: push, seed and execute need a token with "
                "write access.",
                file=sys.stderr,
            )
        return FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m db", description="Manage Atoll's database (DATABASE_URL)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    push = commands.add_parser("push", help="create missing tables, columns and indexes")
    push.add_argument(
        "--force-reset",
        action="store_true",
        help="DROP EVERY TABLE and recreate the schema; all data is lost",
    )
    push.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="TABLE",
        help="first drop TABLE, a leftover no model declares (after its row count is "
        "confirmed), touching no other table; repeatable",
    )
    push.add_argument("--yes", "-y", action="store_true", help="drop without asking")
    push.add_argument(
        "--seed",
        action="store_true",
        help="then seed as `seed` does (only an empty database, never with WORDPRESS_URL): "
        "`make run` starts with one process instead of two",
    )
    push.set_defaults(run=cmd_push, force=False, drop=[], yes=False)

    commands.add_parser(
        "verify", help="exit 1 and list differences if the schema drifted"
    ).set_defaults(run=cmd_verify)
    seed_parser = commands.add_parser(
        "seed", help="insert development data into an empty database (safe to repeat)"
    )
    seed_parser.add_argument(
        "--force",
        action="store_true",
        help="add whatever development data is missing even to a database with content, "
        "or with WORDPRESS_URL set",
    )
    seed_parser.set_defaults(run=cmd_seed)

    execute = commands.add_parser("execute", help="run a .sql or .py file against the database")
    execute.add_argument("file", type=Path)
    execute.set_defaults(run=cmd_execute)

    shell = commands.add_parser("shell", help="run one SQL statement and print the result")
    shell.add_argument("--query", "-q", required=True, metavar="SQL")
    shell.set_defaults(run=cmd_shell)

    wp = commands.add_parser(
        "sync-wordpress",
        help="copy every published WordPress post "
        "(resumes an interrupted run; removes posts WordPress no longer has)",
    )
    wp.add_argument("--restart", action="store_true", help="ignore the checkpoint, start at page 1")
    wp.set_defaults(run=cmd_sync_wordpress)

    rec = commands.add_parser(
        "reconcile-wordpress",
        help="fix posts lost webhooks left stale: those changed since the last run, "
        "plus the published id list (removes deleted posts)",
    )
    rec.set_defaults(run=cmd_reconcile_wordpress)

    admin = commands.add_parser(
        "create-admin",
        help="create an admin account, or promote an "
        "existing one (password: ATOLL_ADMIN_PASSWORD or a prompt)",
    )
    admin.add_argument("email")
    admin.add_argument(
        "--name", default="Admin", help="display name of a new account (default Admin)"
    )
    admin.set_defaults(run=cmd_create_admin)
    return parser


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# --------------------------------------------------------------------------- commands


def cmd_drop(engine: Engine, table: str, *, yes: bool) -> bool:
    """Drop one leftover table after showing what goes with it; ``False`` when refused or
    declined (nothing dropped)."""
    try:
        rows = schema.leftover_rows(engine, table)
    except schema.DropRefusedError as exc:
        print(f"drop refused: {exc}. Nothing was changed.", file=sys.stderr)
        return False
    question = f"Drop table {table} and its {rows} row(s) from {_where(engine)}? [y/N] "
    if not yes and not _confirm(question):
        print(f"table {table} was not dropped. Nothing was changed.", file=sys.stderr)
        return False
    schema.drop_table(engine, table)
    print(f"dropped table {table} ({rows} row(s))")
    return True


def _confirm(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:  # no terminal to ask: the answer is no
        print()
        return False


def cmd_push(engine: Engine, args: argparse.Namespace) -> int:
    for table in args.drop:
        if not cmd_drop(engine, table, yes=args.yes):
            return FAILED
    if args.force_reset:
        print(
            f"!!! --force-reset: DROPPING EVERY TABLE in {_where(engine)} and recreating "
            "the schema. ALL DATA IS LOST. !!!"
        )
    try:
        done = schema.push(engine, force_reset=args.force_reset)
    except schema.DestructiveChangeError as exc:
        print(
            f"push refused: {len(exc.changes)} change(s) would lose data or need a table rebuild:",
            file=sys.stderr,
        )
        _print_list(exc.changes, file=sys.stderr)
        print(
            "Nothing was changed. Apply these by hand (python -m db execute FILE), drop a "
            "table no model declares any more with --drop TABLE, or rerun with "
            "--force-reset to drop and recreate EVERY table.",
            file=sys.stderr,
        )
        return FAILED
    if not done:
        print(f"schema is up to date ({_where(engine)})")
    else:
        print(f"pushed {len(done)} change(s) to {_where(engine)}:")
        _print_list(done)
    return cmd_seed(engine, args) if args.seed else OK


def cmd_verify(engine: Engine, _args: argparse.Namespace) -> int:
    differences = schema.verify(engine)
    if not differences:
        print(f"schema is up to date ({_where(engine)})")
        return OK
    print(
        f"schema drift: {len(differences)} difference(s) between the models and {_where(engine)}:",
        file=sys.stderr,
    )
    _print_list(differences, file=sys.stderr)
    return FAILED


def cmd_seed(_engine: Engine, args: argparse.Namespace) -> int:
    if settings().wordpress_url and not args.force:
        print("not seeding: WORDPRESS_URL is set, so posts come from WordPress (--force to seed)")
        return OK
    try:
        with session_scope(write=True) as session:
            if has_content(session) and not args.force:
                print("nothing to seed: the database has content (--force adds what's missing)")
                return OK
            added = seed(session=session)
    except schema.SchemaMissingError as exc:
        print(f"seed needs the schema; {exc}. Run `python -m db push` first.", file=sys.stderr)
        return FAILED
    if not added:
        print("nothing to seed: development data is already present")
        return OK
    print(f"seeded {len(added)} row(s):")
    _print_list(added)
    return OK


def cmd_execute(engine: Engine, args: argparse.Namespace) -> int:
    path: Path = args.file
    suffix = path.suffix.lower()
    if suffix not in (".sql", ".py"):
        print(f"error: cannot execute {path}: expected a .sql or .py file", file=sys.stderr)
        return USAGE
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return USAGE
    if suffix == ".sql":
        count = run_sql_file(engine, path)
        print(f"executed {count} statement(s) from {path}")
    else:
        run_python_file(engine, path)
        print(f"ran {path}")
    return OK


def cmd_shell(engine: Engine, args: argparse.Namespace) -> int:
    with engine.begin() as conn:
        result = conn.exec_driver_sql(args.query)
        if not result.returns_rows:
            # DDL reports -1: there is no row count to show.
            print("ok" if result.rowcount < 0 else f"{result.rowcount} row(s) affected")
            return OK
        headers = list(result.keys())
        rows = [tuple(row) for row in result.fetchall()]
    print(format_table(headers, rows))
    print(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return OK


def cmd_sync_wordpress(_engine: Engine, args: argparse.Namespace) -> int:
    try:
        with WordPressClient() as client:
            report = full_sync(client=client, restart=args.restart, progress=ProgressBar())
    except WordPressError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return FAILED
    resumed = f" (resumed at page {report.resumed_from})" if report.resumed_from > 1 else ""
    print(
        f"synced {report.seen} post(s) in {report.seconds:.1f}s{resumed}: {report.created} "
        f"created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed"
    )
    return OK


def cmd_reconcile_wordpress(_engine: Engine, _args: argparse.Namespace) -> int:
    try:
        with WordPressClient() as client:
            report = reconcile(client=client)
    except WordPressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    since = report.since.isoformat() if report.since else "the start (no finished run yet)"
    print(
        f"reconciled {report.seen} published post(s) (changes since {since}) in "
        f"{report.seconds:.1f}s: {report.created} created, {report.updated} updated, "
        f"{report.removed} removed"
    )
    return OK


def cmd_create_admin(_engine: Engine, args: argparse.Namespace) -> int:
    with session_scope() as session:
        new = accounts.needs_password(session, args.email)
    password = None
    if new:
        password = settings().admin_password or _prompt_password()
        if not password:
            print(
                "error: no password: set ATOLL_ADMIN_PASSWORD or run in a terminal", file=sys.stderr
            )
            return USAGE
    try:
        with session_scope(write=True) as session:
            user, created = accounts.create_admin(
                session, email=args.email, password=password, display_name=args.name
            )
    except ActionError as exc:
        for field, messages in exc.fields.items():
            for message in messages:
                print(f"error: {field}: {message}", file=sys.stderr)
        return FAILED
    done = "created admin account" if created else "promoted existing account to admin:"
    print(f"{done} {user.display_name} (id {user.id})")
    return OK


def _prompt_password() -> str | None:
    """Ask twice on the terminal; ``None`` without one or when the two differ."""
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password (at least 10 characters): ")
    if first != getpass.getpass("Repeat the password: "):
        print("error: the passwords differ", file=sys.stderr)
        return None
    return first


# --------------------------------------------------------------------------- helpers


def run_sql_file(engine: Engine, path: Path) -> int:
    """Run every statement in ``path`` in one transaction; a failure rolls all of them back."""
    statements = split_sql(path.read_text(encoding="utf-8"))
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    return len(statements)


def run_python_file(engine: Engine, path: Path) -> None:
    """Run ``path`` with ``session`` and ``engine`` in its globals; commit if it returns."""
    with session_scope(write=True) as session:
        runpy.run_path(
            str(path), init_globals={"session": session, "engine": engine}, run_name="__main__"
        )


def split_sql(script: str) -> list[str]:
    """Split a script into statements, keeping semicolons inside strings, comments and triggers.

    ``sqlite3.complete_statement`` is SQLite's own tokenizer, so a ``;`` inside a quoted
    value or a ``CREATE TRIGGER … BEGIN … END`` body does not end a statement early.
    """
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    tail = buffer[:-1].strip()  # unfinished (say, an open quote): let SQLite report it
    if tail:
        statements.append(tail)
    return [s for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    lines = (line.split("--", 1)[0] for line in statement.splitlines())
    return any(line.strip(" \t;") for line in lines)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as left-aligned columns under a header, the way ``sqlite3 -column`` prints them."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [_line(headers, widths), "-+-".join("-" * w for w in widths)]
    lines += [_line(row, widths) for row in cells]
    return "\n".join(lines)


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()


def _cell(value: Any) -> str:
    return "NULL" if value is None else str(value).replace("\n", "\\n")


def _print_list(items: Sequence[str], file: Any = None) -> None:
    for item in items:
        print(f"  - {item}", file=file or sys.stdout)


class ProgressBar:
    """``[#####-----] 120/200 posts`` on stderr: redrawn in place on a terminal, else one
    line a page."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        bar = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{total} posts"
        print(
            f"\r{bar}" if self.tty else bar,
            end="" if self.tty else "\n",
            file=sys.stderr,
            flush=True,
        )
        if self.tty and done >= total:
            print(file=sys.stderr)
