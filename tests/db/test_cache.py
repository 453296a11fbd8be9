"""The stale-while-revalidate cache: fresh hits, stale answers refreshed behind, invalidation."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from db.core.cache import SWRCache
from db.core.engine import session_scope
from tests.waiting import eventually


class Clock:
    """A clock the test moves by hand, so freshness and staleness need no real waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Loads:
    """A loader that counts its calls and returns the next value it is given."""

    def __init__(self, *values: object) -> None:
        self.values = list(values)
        self.calls = 0
        self.gate: threading.Event | None = None

    def __call__(self, _session: object) -> object:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        return self.values[min(self.calls, len(self.values)) - 1]


def get(
    cache: SWRCache,
    loads: Loads,
    key: str = "k",
    keep: Callable[[object], bool] = lambda _value: True,
) -> object:
    with session_scope() as session:
        return cache.get(session, key, loads, tags=("t",), keep=keep)


def finish_reloads() -> None:
    """Wait until every background reload thread has stored (or dropped) its result."""
    for thread in threading.enumerate():
        if thread.name == "cache-reload":
            thread.join(5)
            assert not thread.is_alive(), "a background reload did not finish"


def test_a_fresh_value_is_served_without_loading_again(database):
    cache, loads = SWRCache(fresh=60), Loads("a", "b")
    assert [get(cache, loads), get(cache, loads)] == ["a", "a"]
    assert loads.calls == 1


def test_a_stale_value_is_served_at_once_while_one_reload_runs_behind(database):
    clock = Clock()
    cache, loads = SWRCache(fresh=10, stale=60, clock=clock), Loads("old", "new")
    get(cache, loads)
    clock.advance(9.9)
    assert get(cache, loads) == "old"  # still fresh: no reload
    assert loads.calls == 1
    clock.advance(0.2)
    loads.gate = threading.Event()

    assert get(cache, loads) == "old"  # answered without waiting for the reload
    assert get(cache, loads) == "old"  # a second stale read starts no second reload
    loads.gate.set()
    finish_reloads()
    assert get(cache, loads) == "new"
    assert loads.calls == 2


def test_a_value_past_its_stale_window_is_reloaded_before_answering(database):
    clock = Clock()
    cache, loads = SWRCache(fresh=10, stale=10, clock=clock), Loads("old", "new")
    get(cache, loads)
    clock.advance(20)
    assert get(cache, loads) == "new"
    assert loads.calls == 2


def test_invalidation_drops_tagged_entries_only(database):
    cache, loads = SWRCache(fresh=60), Loads("a", "b", "c")
    with session_scope() as session:
        cache.get(session, "one", loads, tags=("post:x",))
        cache.get(session, "two", loads, tags=("posts",))
    cache.invalidate("post:x")
    with session_scope() as session:
        assert cache.get(session, "one", loads, tags=("post:x",)) == "c"
        assert cache.get(session, "two", loads, tags=("posts",)) == "b"


def test_a_reload_that_started_before_an_invalidation_does_not_store_its_result(database):
    clock = Clock()
    cache, loads = SWRCache(fresh=10, stale=60, clock=clock), Loads("v1", "v2-stale", "v3")
    get(cache, loads)
    clock.advance(11)
    loads.gate = threading.Event()
    assert get(cache, loads) == "v1"  # starts a reload that will return v2-stale
    eventually(lambda: loads.calls == 2)
    cache.invalidate("t")  # the change the reload may have missed
    loads.gate.set()
    finish_reloads()
    assert get(cache, loads) == "v3"
    assert loads.calls == 3


def test_values_the_keep_test_rejects_are_not_cached(database):
    cache, loads = SWRCache(fresh=60), Loads(None, "found")
    assert get(cache, loads, keep=lambda v: v is not None) is None
    assert get(cache, loads, keep=lambda v: v is not None) == "found"


def test_each_database_has_its_own_entries(tmp_path, monkeypatch, database):
    cache, loads = SWRCache(fresh=60), Loads("first db", "second db")
    assert get(cache, loads) == "first db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+libsql:///{tmp_path / 'other.db'}")
    assert get(cache, loads) == "second db"


@pytest.mark.parametrize("size", [1, 3])
def test_the_cache_is_bounded(database, size):
    cache = SWRCache(fresh=60, max_entries=size)
    for key in range(size + 2):
        get(cache, Loads(key), key=str(key))
    assert len(cache._entries) == size
