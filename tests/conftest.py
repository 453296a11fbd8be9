"""Shared fixtures: every test that touches the database gets a fresh real libSQL file."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from db.core.engine import dispose_engines, get_engine
from db.core.ratelimit import limiter
from db.core.settings import reload_settings


def _then_reload_settings(change: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(change)
    def changed(self: pytest.MonkeyPatch, *args: Any, **kwargs: Any) -> Any:
        try:
            return change(self, *args, **kwargs)
        finally:
            reload_settings()

    return changed


@pytest.fixture(autouse=True, scope="session")
def settings_follow_monkeypatch() -> Iterator[None]:
    """Settings are read once per process (``db.core.settings``), but tests change the
    environment with ``monkeypatch`` in the middle of a test and expect the next call to
    see it. Every ``setenv``, ``delenv`` and undo of any ``MonkeyPatch`` (the fixture, or
    ``MonkeyPatch.context()`` in fixtures of any scope) therefore drops the cached settings,
    and the next ``settings()`` reads (and checks) the environment again."""
    originals = {name: getattr(pytest.MonkeyPatch, name) for name in ("setenv", "delenv", "undo")}
    for name, method in originals.items():
        setattr(pytest.MonkeyPatch, name, _then_reload_settings(method))
    reload_settings()
    yield
    for name, method in originals.items():
        setattr(pytest.MonkeyPatch, name, method)


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
