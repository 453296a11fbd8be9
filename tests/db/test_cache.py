"""The stale-while-revalidate cache: fresh hits, stale answers refreshed behind, invalidation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from db.core.cache import SWRCache
from db.core.engine import session_scope


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


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_fresh_value_is_served_without_loading_again(database):
    cache, loads = SWRCache(fresh=60), Loads("a", "b")
    assert [get(cache, loads), get(cache, loads)] == ["a", "a"]
    assert loads.calls == 1


def test_a_stale_value_is_served_at_once_while_one_reload_runs_behind(database):
    cache, loads = SWRCache(fresh=0.05, stale=60), Loads("old", "new")
    get(cache, loads)
    time.sleep(0.06)
    loads.gate = threading.Event()

    assert get(cache, loads) == "old"  # answered without waiting for the reload
    assert get(cache, loads) == "old"  # a second stale read starts no second reload
    loads.gate.set()
    wait_for(lambda: get(cache, loads) == "new")
    assert loads.calls == 2


def test_a_value_past_its_stale_window_is_reloaded_before_answering(database):
    cache, loads = SWRCache(fresh=0.01, stale=0.01), Loads("old", "new")
    get(cache, loads)
    time.sleep(0.05)
    assert get(cache, loads) == "new"


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
    cache, loads = SWRCache(fresh=0.01, stale=60), Loads("v1", "v2-stale", "v3")
    get(cache, loads)
    time.sleep(0.02)
    loads.gate = threading.Event()
    assert get(cache, loads) == "v1"  # starts a reload that will return v2-stale
    wait_for(lambda: loads.calls == 2)
    cache.invalidate("t")  # the change the reload may have missed
    loads.gate.set()
    time.sleep(0.05)
    assert get(cache, loads) == "v3"


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
