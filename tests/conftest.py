"""Shared fixtures: every test that touches the database gets a fresh real libSQL file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from db.core.engine import dispose_engines, get_engine
from db.core.ratelimit import limiter


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty libSQL database file (no tables) selected through DATABASE_URL."""
    url = f"sqlite+libsql:///{tmp_path / 'atoll.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ATOLL_RATE_LIMIT", "off")
    dispose_engines()
    limiter.reset()
    yield url
    dispose_engines()


@pytest.fixture
def database(db_url: str) -> str:
    """A fresh libSQL file with the full schema created."""
    SQLModel.metadata.create_all(get_engine())
    return db_url
