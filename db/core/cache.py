"""A small in-process cache for hot page reads, with stale-while-revalidate.

A value is *fresh* for ``fresh`` seconds and served without touching the database. After
that, for up to ``stale`` more seconds, it is still served at once while one background
thread reloads it (stale-while-revalidate), so a busy page never waits on a query. Older
entries are reloaded before answering.

The sync invalidates by tag (``post:<slug>`` for one post, ``posts`` for every list) in the
same process as soon as it commits a change; another process (``python -m db
sync-wordpress``) is noticed once the entry turns stale. Keys include the database URL,
so two databases in one process (the tests) never see each other's rows. An invalidation
bumps a generation counter: a reload that started before it never stores its older result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from db.core import config
from db.core.engine import session_scope

log = logging.getLogger("atoll.cache")

T = TypeVar("T")

FRESH_SECONDS = 60.0
STALE_SECONDS = 60.0
MAX_ENTRIES = 1024


@dataclass
class _Entry:
    value: Any
    loaded_at: float
    tags: frozenset[str]
    refreshing: bool = False


class SWRCache:
    """Values keyed by ``(database URL, key)``, tagged for invalidation, bounded in size (LRU)."""

    def __init__(
        self,
        *,
        fresh: float = FRESH_SECONDS,
        stale: float = STALE_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` tells the age of an entry in seconds; tests pass a fake one so freshness
        and staleness are checked without waiting."""
        self.fresh = fresh
        self.stale = stale
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, Hashable], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0

    def get(
        self,
        session: Session,
        key: Hashable,
        load: Callable[[Session], T],
        *,
        tags: Iterable[str] = (),
        keep: Callable[[T], bool] = lambda _value: True,
    ) -> T:
        """The cached value for ``key``, loading it with ``load(session)`` when needed.

        ``keep`` decides whether a freshly loaded value is cached at all (a page that was
        not found is not, so it shows up the moment it exists).
        """
        full_key = (config.database_url(), key)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(full_key)
            if entry is not None:
                age = now - entry.loaded_at
                if age < self.fresh:
                    self._entries.move_to_end(full_key)
                    return entry.value
                if age < self.fresh + self.stale:
                    if not entry.refreshing:
                        entry.refreshing = True
                        self._refresh_later(full_key, load, entry.tags, keep)
                    return entry.value
            generation = self._generation
        value = load(session)
        if keep(value):
            self._store(full_key, value, frozenset(tags), generation)
        return value

    def invalidate(self, *tags: str) -> None:
        """Drop every entry carrying any of ``tags`` (in every database), and tell
        :func:`on_change` listeners."""
        wanted = set(tags)
        with self._lock:
            self._generation += 1
            for key in [k for k, e in self._entries.items() if e.tags & wanted]:
                del self._entries[key]
        changed(*tags)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def _store(
        self, key: tuple[str, Hashable], value: Any, tags: frozenset[str], generation: int
    ) -> None:
        with self._lock:
            if generation != self._generation:
                return  # invalidated while loading: the value may predate the change
            self._entries[key] = _Entry(value, self._clock(), tags)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def _refresh_later(
        self,
        key: tuple[str, Hashable],
        load: Callable[[Session], Any],
        tags: frozenset[str],
        keep: Callable[[Any], bool],
    ) -> None:
        generation = self._generation

        def reload() -> None:
            try:
                with session_scope() as session:
                    value = load(session)
            except Exception:
                log.exception("background reload of %r failed; serving the stale value", key[1])
                with self._lock:
                    entry = self._entries.get(key)
                    if entry is not None:
                        entry.refreshing = False
                return
            if keep(value):
                self._store(key, value, tags, generation)
            else:
                with self._lock:
                    self._entries.pop(key, None)

        threading.Thread(target=reload, name="cache-reload", daemon=True).start()


_listeners: list[Callable[[frozenset[str]], None]] = []


def on_change(listener: Callable[[frozenset[str]], None]) -> None:
    """Call ``listener(tags)`` whenever data under ``tags`` changes in this process: how
    caches outside ``db/`` (the rendered pages) are invalidated by the same events."""
    _listeners.append(listener)


def changed(*tags: str) -> None:
    """Tell every listener that data under ``tags`` changed (a sync, an action)."""
    for listener in list(_listeners):
        try:
            listener(frozenset(tags))
        except Exception:
            log.exception("a cache listener failed on %s", tags)


posts_cache = SWRCache()
"""Post pages and lists; :mod:`db.wordpress.sync` invalidates it when a post changes."""

GUESTBOOK_TAG = "guestbook"
COMMENTS_TAG = "comments"
"""Tags of what visitors write, announced by the actions that change it (``invalidates=``)."""


def post_tag(slug: str) -> str:
    return f"post:{slug}"


LISTS_TAG = "posts"
