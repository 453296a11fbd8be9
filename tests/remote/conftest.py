"""A real libSQL server (``sqld``) for the remote-database tests: the CLI, actions, the app.

One server per package, schema pushed and seeded through the real CLI, like a Turso
database set up by an operator. Tests that need an empty or a stopped server start their
own: ``sqld`` starts in well under a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.core.engine import dispose_engines
from db.core.ratelimit import limiter
from tests.libsql_server import LibsqlServer
from tests.server import ROOT


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m db …`` with ``env`` on top of ours (DATABASE_URL, DATABASE_AUTH_TOKEN)."""
    return subprocess.run(
        [sys.executable, "-m", "db", *args],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def fresh_sqld(tmp_path: Path) -> Iterator[LibsqlServer]:
    """A server of its own with an empty database."""
    server = LibsqlServer.start(tmp_path / "sqld")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def sqld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibsqlServer]:
    """The package's server: schema pushed and seeded through the CLI."""
    server = LibsqlServer.start(tmp_path_factory.mktemp("sqld"))
    for command in ("push", "seed"):
        done = run_cli(command, env=server.env())
        assert done.returncode == 0, done.stderr
    yield server
    server.stop()


@pytest.fixture
def remote_db(sqld: LibsqlServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's engine pointed at the package's server, with its token."""
    for name, value in sqld.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ATOLL_RATE_LIMIT", "off")
    limiter.reset()
    dispose_engines()
    yield sqld.url
    dispose_engines()
