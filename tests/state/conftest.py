"""Event handlers run without a browser: a :class:`Tab` is one browser tab's state tree.

Reflex keeps one root state per tab and runs a handler on the substate it belongs to; a
handler that needs another part of the tree (``SiteState`` from :func:`state.actions.perform`,
the comment list from the edit form) reaches it with ``get_state``. A tab builds that tree
as Reflex's in-memory state manager does (``rx.State(_reflex_internal_init=True)``), fills in
what the websocket handshake would (cookies, client address, URL), and :func:`drive` runs a
handler as Reflex's event processor does: a coroutine is awaited for the events it returns,
an async generator is drained, and what the browser is sent at each ``yield`` is recorded.
That is what these tests assert: vars the islands show and the toasts, focus and redirects
the browser is told to perform, never how a handler gets there.

Every test gets a fresh real libSQL file (``database`` in tests/conftest.py); ``outage``
takes that database away mid-test in the two ways a visitor can meet.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from reflex.route import get_route_args
from sqlalchemy.engine import make_url

from db.accounts import SESSION_COOKIE
from db.core import errors
from db.core.engine import dispose_engines
from state import live
from tests.factories import sign_in

S = TypeVar("S", bound=rx.State)

# What `app.add_page` does for a dynamic route: `/blog/[slug]` gives every state a `slug`
# var reading the route parameter (PostState, BlogState and NewsletterLinkState read these).
# The routes are named here rather than read from app/routes.py so that these tests load
# no page or component.
for _route in ("/blog/[slug]", "/newsletter/confirm/[token]"):
    rx.State.setup_dynamic_args(get_route_args(_route))

BUSY_TIMEOUT_MS = 200


@pytest.fixture
def anyio_backend() -> str:
    """Handlers run on asyncio, as under Reflex."""
    return "asyncio"


class Tab:
    """One browser tab: its own root state, Reflex token, cookies and current URL."""

    def __init__(self, *, user_id: int | None = None, ip: str = "127.0.0.1") -> None:
        # The keyword Reflex's state manager passes (it is missing from the stubs).
        self.root = rx.State(_reflex_internal_init=True)  # pyright: ignore[reportCallIssue]
        self.token = str(uuid.uuid4())
        self.ip = ip
        self.cookie = ""
        self.open("/")
        if user_id is not None:
            self.sign_in(user_id)

    def sign_in(self, user_id: int) -> str:
        """Start a session for ``user_id`` and send its cookie, as the socket opened after
        ``/api/auth/login`` does (the cookie reaches state only with a websocket handshake)."""
        token = sign_in(user_id)
        self.cookie = f"{SESSION_COOKIE}={token}"
        self.open(self._path, **self._params)
        return token

    def sign_out(self) -> None:
        self.cookie = ""
        self.open(self._path, **self._params)

    def open(self, route: str, **params: str) -> None:
        """Point the tab at ``route`` (a route of app/routes.py, query string allowed), as a
        page load does: ``open("/blog/[slug]", slug="hello-world")``, ``open("/guestbook?page=2")``.

        Reflex sends the dynamic segments and the query parameters together.
        """
        self._path, self._params = route, params
        url = urlsplit(route)
        path = url.path
        for name, value in params.items():
            path = path.replace(f"[{name}]", value)
        self.root.router = RouterData.from_router_data(
            {
                "token": self.token,
                "ip": self.ip,
                "sid": self.token,
                "headers": {"origin": "http://localhost:3000", "cookie": self.cookie},
                "pathname": url.path,
                "asPath": path + (f"?{url.query}" if url.query else ""),
                "query": dict(parse_qsl(url.query)) | params,
            }
        )

    async def state(self, cls: type[S]) -> S:
        """The tab's instance of ``cls`` (the same one on every call, as in the app)."""
        return await self.root.get_state(cls)


@pytest.fixture
def tab(database: str) -> Tab:
    """A fresh anonymous tab on a fresh database."""
    return Tab()


# --- what a handler tells the browser -----------------------------------------------------

_RESET = re.compile(r"document\.getElementById\('([\w-]+)'\)\?\.reset\(\)")
_TOAST = re.compile(r"""refs\['__toast'\]\?\.\["(\w+)"\]\((".*")\)\)\)$""", re.S)


def _literal(var: Any) -> Any:
    return getattr(var, "_var_value", str(var))


def decode(spec: Any) -> tuple[Any, ...]:
    """An event spec as a comparable tuple: ``("toast", "success", "Thanks!")``,
    ``("focus", ref)``, ``("redirect", path)``, ``("script", js)`` or, for a handler of
    the app's own, ``(name, *args)``."""
    args = {str(key): value for key, value in spec.args}
    if "function" in args and (toast := _TOAST.search(str(args["function"]))):
        return ("toast", toast.group(1), json.loads(toast.group(2)))
    if set(args) == {"ref"}:
        return ("focus", _literal(args["ref"]))
    if {"path", "external"} <= set(args):
        return ("redirect", _literal(args["path"]))
    if "javascript_code" in args:
        return ("script", _literal(args["javascript_code"]))
    return (spec.handler.fn.__name__, *(_literal(v) for v in args.values()))


def focus(element_id: str) -> tuple[str, str]:
    """What ``rx.set_focus(element_id)`` decodes to (Reflex turns the id into a ref name)."""
    kind, ref = decode(rx.set_focus(element_id))
    return kind, ref


@dataclass
class Outcome:
    """What the browser received while a handler ran."""

    seen: list[Any] = field(default_factory=list)
    """``watch()`` at each delta sent: each ``yield``, and the end if anything changed since."""
    events: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def toasts(self) -> list[tuple[str, str]]:
        return [(e[1], e[2]) for e in self.events if e[0] == "toast"]

    @property
    def focused(self) -> list[str]:
        return [e[1] for e in self.events if e[0] == "focus"]

    @property
    def redirects(self) -> list[str]:
        return [e[1] for e in self.events if e[0] == "redirect"]

    @property
    def resets(self) -> list[str]:
        """Ids of the forms the browser is told to clear."""
        return [m[1] for e in self.events if e[0] == "script" and (m := _RESET.fullmatch(e[1]))]

    def _record(self, item: Any, watch: Callable[[], Any] | None) -> None:
        specs: Iterable[Any] = item if isinstance(item, list | tuple) else [item]
        self.events.extend(decode(s) for s in specs if s is not None)
        if watch is not None:
            self.seen.append(copy.deepcopy(watch()))


async def drive(call: Any, watch: Callable[[], Any] | None = None) -> Outcome:
    """Run one handler call (``state.submit_x(...)``) to its end, as Reflex would."""
    outcome = Outcome()
    if inspect.isasyncgen(call):
        async for item in call:
            outcome._record(item, watch)
        if watch is not None and (not outcome.seen or outcome.seen[-1] != watch()):
            outcome.seen.append(copy.deepcopy(watch()))
    elif inspect.isawaitable(call):
        outcome._record(await call, watch)
    else:
        outcome._record(call, watch)
    return outcome


# --- live updates to other tabs -------------------------------------------------------------


@dataclass
class Published:
    topic: str
    cls: type[rx.State]
    load: Callable[[], Any]
    apply: Callable[[Any, Any], Any]


@dataclass
class Live:
    """Records what handlers hand to :mod:`state.live` instead of fanning it out.

    The real fan-out goes through the running app (importing it runs its start-up
    checks) and its state manager; here a test hands a recorded update to another
    :class:`Tab` itself, which runs the same load and apply.
    """

    subscriptions: list[tuple[str, str]] = field(default_factory=list)
    published: list[Published] = field(default_factory=list)

    @property
    def topics(self) -> list[str]:
        return [p.topic for p in self.published]

    def subscribe(self, topic: str, token: str) -> None:
        self.subscriptions.append((topic, token))

    def publish(self, topic: str, cls: type[rx.State], load: Any, apply: Any) -> None:
        self.published.append(Published(topic, cls, load, apply))

    async def deliver(self, tab: Tab) -> None:
        """Hand ``tab`` every update published so far, as each subscribed tab gets them."""
        for update in self.published:
            outcome = update.apply(await tab.state(update.cls), await update.load())
            if inspect.isawaitable(outcome):
                await outcome


@pytest.fixture(autouse=True)
def live_updates(monkeypatch: pytest.MonkeyPatch) -> Live:
    """What every handler in the test published and subscribed to."""
    recorder = Live()
    monkeypatch.setattr(live, "subscribe", recorder.subscribe)
    monkeypatch.setattr(live, "publish", recorder.publish)
    return recorder


# --- the database going away ------------------------------------------------------------------


@dataclass
class Outage:
    """A context manager during which the database cannot take writes; ``message`` is what
    a visitor is told then."""

    kind: str
    message: str
    database_url: str
    monkeypatch: pytest.MonkeyPatch
    _stack: ExitStack = field(default_factory=ExitStack)

    def __enter__(self) -> Outage:
        if self.kind == "unreachable":
            # A port bound but not listening refuses connections, and stays ours meanwhile.
            sock = self._stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            self.monkeypatch.setenv("DATABASE_URL", f"sqlite+libsql://127.0.0.1:{port}/atoll")
        else:
            # Another program holds the write lock past the busy timeout (reads go on: WAL).
            self.monkeypatch.setenv("DATABASE_BUSY_TIMEOUT_MS", str(BUSY_TIMEOUT_MS))
            conn = sqlite3.connect(
                make_url(self.database_url).database or "", isolation_level=None, timeout=5
            )
            self._stack.callback(conn.close)
            conn.execute("BEGIN IMMEDIATE")
            self._stack.callback(conn.execute, "ROLLBACK")
        dispose_engines()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self.monkeypatch.setenv("DATABASE_URL", self.database_url)
        self.monkeypatch.delenv("DATABASE_BUSY_TIMEOUT_MS", raising=False)
        dispose_engines()


OUTAGES = {"unreachable": errors.DATABASE_UNREACHABLE, "busy": errors.DATABASE_BUSY}


@pytest.fixture(params=list(OUTAGES))
def outage(
    request: pytest.FixtureRequest, database: str, monkeypatch: pytest.MonkeyPatch
) -> Outage:
    """The database unreachable (a libSQL server down) or busy (a writer holds the lock),
    for the ``with`` block of a test that asks for it."""
    return Outage(request.param, OUTAGES[request.param], database, monkeypatch)
