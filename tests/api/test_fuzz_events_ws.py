"""hypothesis against every event handler a browser can call, over the real websocket.

The handlers are collected from the state tree (ours and Reflex's own: ``hydrate``,
``setvar``, ``update_vars_internal``...), so a new one is fuzzed without touching this
file. Each gets payloads of every shape a modified browser could send: arguments
missing, extra or of the wrong type, ``None``, huge strings, nested dicts and lists,
and mostly right values too, so some get through to the database. After each event a
known-good event (``CommentEditState.toggle_edit``) must still be answered on the same
socket; no table's row count may change unless the answer reported success; and the
server log gains no traceback through our code (``app/``, ``state/``, ``db/``). Reflex's
own tracebacks (an event whose arguments don't bind, a ``setvar`` of a var that has no
setter) are reported as a warning, with the handler and a payload that causes each.
Malformed event messages and hostile handshake headers are fuzzed the same way.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import itertools
import json
import pkgutil
import re
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import reflex as rx
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from reflex.state import BaseState

import state
from bench.harness import (
    COMMENT_EDIT,
    LIKE,
    NAMESPACE,
    RATING,
    SITE,
    STATE,
    Message,
    Socket,
    changes,
    var,
)
from tests.api.test_fuzz_endpoints_http import (
    JSON_VALUES,
    PLAUSIBLE,
    _header_text,
    _mostly,
    _origins,
)
from tests.api.test_fuzz_http import _row_counts
from tests.factories import make_user, sign_in
from tests.server import ROOT, AppServer, use_database

EXAMPLES = 150
"""Events per handler: the whole file (about 7,500 events) takes 75 to 115 s on two shared cores."""
SETVAR_EXAMPLES = 20
"""``setvar`` is one Reflex handler on every state: fewer events each."""
PROTOCOL_EXAMPLES = 500
HANDSHAKE_EXAMPLES = 150
REPLY_TIMEOUT = 10.0

PROBE = f"{COMMENT_EDIT}.toggle_edit"
OURS = ("app", "state", "db", "components")
"""Top-level folders of our code: a traceback through any of them is a bug of ours."""


# --------------------------------------------------------------------------- the handlers


def _state_classes() -> list[type[BaseState]]:
    for module in pkgutil.iter_modules(state.__path__):
        importlib.import_module(f"state.{module.name}")

    def walk(cls: type[BaseState]) -> Iterator[type[BaseState]]:
        yield cls
        for sub in sorted(cls.get_substates(), key=lambda s: s.get_full_name()):
            yield from walk(sub)

    return list(walk(rx.State))


@dataclass(frozen=True)
class Handler:
    state: type[BaseState]
    name: str
    params: tuple[str, ...]

    @property
    def event(self) -> str:
        return f"{self.state.get_full_name()}.{self.name}"

    @property
    def qualname(self) -> str:
        return f"{self.state.__name__}.{self.name}"


def _handlers() -> list[Handler]:
    found = []
    for cls in _state_classes():
        for name, handler in sorted(cls.event_handlers.items()):
            params = tuple(list(inspect.signature(handler.fn).parameters)[1:])
            found.append(Handler(cls, name, params))
    return found


HANDLERS = _handlers()
CLIENT_STORAGE = [
    f"{cls.get_full_name()}.{name}"
    for cls in _state_classes()
    for name in cls.base_vars
    if cls._is_client_storage(name)
]
SIGNED_IN_STATES = {"AdminState", "MembersState", "AccountState", "AccountFormState"}
"""Handlers whose work depends on who is signed in run as an admin; the rest anonymously."""

# --------------------------------------------------------------------------- payloads

VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(["x" * 100_000, "é" * 20_000, "<script>alert(1)</script>", "\x00"]),
    st.integers(1, 400).map(lambda n: json.loads("[" * n + "]" * n)),  # nested deeply
    st.dictionaries(
        st.text(max_size=8),
        st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3),
        max_size=3,
    ),
)
FORM_FIELDS = sorted(PLAUSIBLE)
FORMS = st.fixed_dictionaries(
    {},
    optional={f: _mostly(st.sampled_from(PLAUSIBLE[f]), VALUES, 7) for f in FORM_FIELDS},
)
SECTIONS = ["comments", "entries", "messages", "subscribers", "outbox"]
OUTCOMES = st.fixed_dictionaries(
    {},
    optional={
        "error": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "code": VALUES,
                    "message": VALUES,
                    "fields": st.dictionaries(VALUES.map(str), VALUES, max_size=3),
                },
            ),
            VALUES,
        ),
        "data": VALUES,
        "form": st.sampled_from(["login", "signup", "a b", "1x"]) | VALUES,
    },
)
ARGUMENTS: dict[str, st.SearchStrategy[Any]] = {
    "post_slug": st.sampled_from(["hello-atoll", "why-libsql", "no-such-post"]),
    "stars": st.sampled_from([1, 3, 5, 0, 6, "4", 4.5]),
    "page": st.sampled_from([1, 2, 0, -1, "2", 2**63, 2**70]),
    "comment_id": st.sampled_from(["1", "2", "", "-1", "999999"]),
    "form_data": FORMS,
    "outcome": OUTCOMES,
    "name": st.sampled_from(SECTIONS),
    "section": st.sampled_from(SECTIONS),
    "status": st.sampled_from(
        ["all", "pending", "public", "hidden", "removed", "unread", "read", "confirmed"]
    ),
    "row_id": st.sampled_from([1, 2, 3, 0, -1, 2**63]),
    "flag": st.sampled_from(["is_public", "is_removed", "is_read"]),
    "value": st.booleans(),
    "is_read": st.booleans(),
    "focused": st.sampled_from([1, 3, 5, 0, 6]),
    "key": st.sampled_from(
        ["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "Home", "End", "Enter"]
    ),
    "vars": st.dictionaries(
        st.sampled_from(CLIENT_STORAGE) | st.text(max_size=30), VALUES, max_size=3
    ),
    "hashes": st.lists(st.text(max_size=16), max_size=3),
    "info": st.text(max_size=200),
    "component_stack": st.text(max_size=200),
}
"""Right values for each argument name, so some events get past validation."""


def _payloads(handler: Handler) -> st.SearchStrategy[dict[str, Any]]:
    def argument(param: str) -> st.SearchStrategy[Any]:
        if param == "var_name":
            names = [*handler.state.base_vars, "is_hydrated", "router", "_user_id"]
            return _mostly(st.sampled_from(names), st.text(max_size=20), 5)
        return _mostly(ARGUMENTS.get(param, VALUES), VALUES, 5)

    arguments = {p: argument(p) for p in handler.params}
    return _mostly(
        st.one_of(st.fixed_dictionaries(arguments), st.fixed_dictionaries({}, optional=arguments)),
        st.one_of(
            st.fixed_dictionaries(arguments, optional={"unexpected": VALUES}),
            st.dictionaries(st.text(max_size=10), VALUES, max_size=3),
        ),
        8,
    )


# --------------------------------------------------------------------------- answers


def _toasts(messages: list[Message]) -> list[str]:
    """The levels of the toasts the answer shows (``success``, ``error``...)."""
    found = []
    for message in messages:
        for event in message.get("events") or []:
            function = str((event.get("payload") or {}).get("function", ""))
            found += re.findall(r"refs\['__toast'\]\?\.\[\"(\w+)\"\]", function)
    return found


SUCCESS: dict[str, Callable[[list[Message]], bool]] = {
    "LikeState.toggle_like": lambda ms: any(var("liked") in changes(m, LIKE) for m in ms),
    "RatingState.submit_rating": lambda ms: any(var("summaries") in changes(m, RATING) for m in ms),
    "RatingState.submit_rating_key": lambda ms: any(
        var("summaries") in changes(m, RATING) for m in ms
    ),
    "NewsletterLinkState.load_confirmation": lambda ms: any(
        changes(m, f"{SITE}.state___newsletter____newsletter_link_state").get(var("succeeded"))
        for m in ms
    ),
    "NewsletterLinkState.load_unsubscription": lambda ms: any(
        changes(m, f"{SITE}.state___newsletter____newsletter_link_state").get(var("succeeded"))
        for m in ms
    ),
}
"""How a handler that shows no success toast says it stored something."""


def _reported_success(handler: str, messages: list[Message]) -> bool:
    if handler in SUCCESS:
        return SUCCESS[handler](messages)
    return "success" in _toasts(messages)


# --------------------------------------------------------------------------- the server log

FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (.+)$')


@dataclass(frozen=True)
class Traceback:
    frames: tuple[str, ...]  # "path:line in function", outermost first
    error: str
    text: str

    @staticmethod
    def _in_ours(frame: str) -> bool:
        path = Path(frame.split(":", 1)[0])
        return (
            path.is_relative_to(ROOT)
            and ".venv" not in path.parts
            and path.relative_to(ROOT).parts[0] in OURS
        )

    @property
    def ours(self) -> bool:
        """Whether it passes through our code (not only Reflex's and its libraries'); one
        whose frames can't be read (a wrapped log) counts as ours rather than go unseen."""
        return not self.frames or any(self._in_ours(f) for f in self.frames)

    @property
    def where(self) -> str:
        """The innermost frame of ours, else the innermost frame."""
        return ([f for f in self.frames if self._in_ours(f)] or list(self.frames) or ["?"])[-1]


CHAINED = ("The above exception was the direct cause", "During handling of the above exception")


def tracebacks(text: str) -> list[Traceback]:
    """Every traceback in a stretch of the server's log, a chain of them (``raise ... from``)
    counting as one (Python's format, one frame per line: ``fuzz_server`` sets ``COLUMNS``
    wide enough for Rich not to wrap them)."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if "Traceback (most recent call last)" not in lines[i]:
            i += 1
            continue
        start, frames = i, []
        while True:
            i += 1
            while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
                if match := FRAME.match(lines[i]):
                    frames.append(f"{match[1]}:{match[2]} in {match[3]}")
                i += 1
            error = lines[i] if i < len(lines) else ""
            rest = [n for n in range(i + 1, min(i + 6, len(lines))) if lines[n].strip()]
            if not (
                rest
                and lines[rest[0]].startswith(CHAINED)
                and len(rest) > 1
                and "Traceback (most recent call last)" in lines[rest[1]]
            ):
                break
            i = rest[1]
        found.append(Traceback(tuple(frames), error, "\n".join(lines[start : i + 1])))
        i += 1
    return found


@dataclass
class LogWatch:
    """What a server logged since the last look."""

    path: Path
    offset: int = 0

    def __post_init__(self) -> None:
        self.offset = self.path.stat().st_size

    def new(self) -> list[Traceback]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            raw = log.read()
        self.offset += len(raw)
        return tracebacks(raw.decode("utf-8", "replace"))


@dataclass
class Findings:
    """Tracebacks seen during a run, one example payload per handler and error."""

    seen: dict[tuple[str, str, str], tuple[str, Traceback]] = field(default_factory=dict)

    def add(self, handler: str, sent: Any, found: list[Traceback]) -> None:
        for tb in found:
            key = (handler, tb.error.split(":", 1)[0], tb.where)
            self.seen.setdefault(key, (_short(sent), tb))

    def report(self, *, ours: bool) -> str:
        return "\n\n".join(
            f"{handler} <- {sent}\n{tb.error[:300]}\n  at {tb.where}"
            + (f"\n{tb.text[-1500:]}" if ours else "")
            for (handler, _, _), (sent, tb) in self.seen.items()
            if tb.ours == ours
        )

    def check(self) -> None:
        """Fail on our tracebacks; report Reflex's own as a warning, not hidden."""
        if theirs := self.report(ours=False):
            warnings.warn(f"Reflex logged tracebacks for these events:\n{theirs}", stacklevel=2)
        assert not (ours := self.report(ours=True)), f"tracebacks through our code:\n{ours}"


def _short(sent: Any) -> str:
    """A payload as JSON, long runs of one character and the whole cut short for reports."""
    text = sent if isinstance(sent, str) else json.dumps(sent, default=str)
    return re.sub(r"(.)\1{19,}", lambda m: f"{m[1]}*{len(m[0])}", text)[:300]


# --------------------------------------------------------------------------- a tab


class Tab:
    """One browser tab's websocket, driven from synchronous hypothesis tests."""

    def __init__(
        self, server: AppServer, *, cookie: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.server = server
        self.headers = {"Cookie": cookie} if cookie else {}
        self.headers |= headers or {}
        self.loop = asyncio.new_event_loop()
        self.session: aiohttp.ClientSession | None = None
        self.sock: Socket | None = None
        self.probes = itertools.count()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _open(self) -> None:
        if self.session is None:
            self.session = aiohttp.ClientSession(headers=self.headers)
        self.sock = await Socket.open(self.session, self.server.base_url)

    def ensure_open(self) -> None:
        """(Re)connect when there is no socket or an earlier example closed it."""
        if self.sock is None or self.sock.ws.closed:
            self.run(self._open())

    async def _exchange(self, send: Callable[[], Any]) -> list[Message]:
        """``send()``, then two probes in turn; every message until the second's answer.

        The first probe is answered after the event (one tab's events run in order); the
        second after anything the event chained, which is queued behind the first probe.
        """
        assert self.sock is not None
        seen: list[Message] = []
        for step in range(2):
            probe = f"probe-{next(self.probes)}"

            def accept(message: Message, probe: str = probe) -> bool:
                seen.append(message)
                return changes(message, COMMENT_EDIT).get(var("editing")) == probe

            answered = self.sock.expect(accept)
            if step == 0:
                await send()
            await self.sock.send(PROBE, {"comment_id": probe})
            await asyncio.wait_for(answered, REPLY_TIMEOUT)
        return seen

    def _answered(self, send: Callable[[], Any], sent: Any) -> list[Message]:
        try:
            return self.run(self._exchange(send))
        except (TimeoutError, ConnectionError, aiohttp.ClientError) as exc:
            raise AssertionError(
                f"the tab stopped answering ({type(exc).__name__}) after {_short(sent)}"
            ) from exc

    def event(self, name: str, payload: Any) -> list[Message]:
        assert self.sock is not None
        sock = self.sock
        return self._answered(lambda: sock.send(name, payload), payload)

    def raw(self, frame: str) -> list[Message]:
        """Send one Socket.IO text frame as is, then probe."""
        assert self.sock is not None
        sock = self.sock
        return self._answered(lambda: sock.ws.send_str(frame), frame)

    def close(self) -> None:
        if self.sock is not None:
            self.run(self.sock.close())
        if self.session is not None:
            self.run(self.session.close())
        self.loop.close()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def admin_cookie(fuzz_server: AppServer) -> str:
    with use_database(fuzz_server.database_url):
        token = sign_in(
            make_user(f"fuzz-ws-admin-{uuid.uuid4().hex[:8]}@example.com", role="admin")
        )
    return f"atoll_session={token}"


@pytest.fixture
def fuzz_db(fuzz_server: AppServer) -> Iterator[str]:
    with use_database(fuzz_server.database_url) as url:
        yield url


SETTINGS = settings(
    deadline=None,
    database=None,
    # No shrinking: a lost answer costs REPLY_TIMEOUT, and shrinking would spend minutes on it.
    # Tracebacks are collected rather than raised, and reported with the payload that caused them.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.qualname)
def test_random_payloads_leave_the_socket_usable_and_store_nothing_unless_accepted(
    handler,
    fuzz_server,
    admin_cookie,
    fuzz_db,
):
    tab = Tab(
        fuzz_server, cookie=admin_cookie if handler.state.__name__ in SIGNED_IN_STATES else None
    )
    log = LogWatch(fuzz_server.log_path)
    findings = Findings()

    @settings(SETTINGS, max_examples=SETVAR_EXAMPLES if handler.name == "setvar" else EXAMPLES)
    @given(_payloads(handler))
    def check(payload: dict[str, Any]) -> None:
        tab.ensure_open()
        before = _row_counts()
        try:
            messages = tab.event(handler.event, payload)
        finally:
            findings.add(handler.qualname, payload, log.new())
        if not _reported_success(handler.qualname, messages):
            assert _row_counts() == before, (
                f"rows changed, yet {handler.qualname} reported no success"
            )

    try:
        check()
    finally:
        tab.close()
    findings.check()


def test_every_handler_is_fuzzed():
    """HANDLERS comes from the state tree; this pins that it found ours and Reflex's."""
    names = {h.qualname for h in HANDLERS}
    assert {
        "LikeState.toggle_like",
        "CommentState.submit_comment",
        "AdminState.submit_moderation",
        "UpdateVarsInternalState.update_vars_internal",
        "State.setvar",
    } <= names
    assert len(names) == len(HANDLERS)


EVENT_NAMES = st.one_of(
    st.sampled_from([h.event for h in HANDLERS]),
    st.sampled_from(
        [
            f"{SITE}._action_context",
            f"{SITE}._current_user",
            f"{SITE}.get_state",
            f"{SITE}.__init__",
            f"{LIKE}.counts",
            f"{STATE}.nope",
            "nope",
            "",
            ".",
            "..",
            f"{SITE}.{'x' * 1000}",
            "state.site_state.ensure_visitor",
        ]
    ),
    st.text(max_size=40),
)
EVENTS = st.fixed_dictionaries(
    {},
    optional={
        "name": EVENT_NAMES,
        "payload": st.one_of(st.just({}), VALUES),
        "router_data": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "pathname": VALUES | st.just("/blog/[slug]"),
                    "asPath": VALUES | st.just("/blog/hello-atoll"),
                    "query": VALUES | st.just({"slug": "hello-atoll"}),
                },
            ),
            VALUES,
        ),
    },
)
FRAMES = st.one_of(
    st.tuples(
        st.sampled_from(["event"]) | st.text(max_size=10), st.one_of(EVENTS, EVENTS, VALUES)
    ).map(lambda item: f"42{NAMESPACE}," + json.dumps(list(item))),
    st.lists(VALUES, max_size=3).map(
        lambda items: f"42{NAMESPACE}," + json.dumps(["event", *items])
    ),
)


def test_malformed_event_messages_leave_the_socket_usable_and_store_nothing(fuzz_server, fuzz_db):
    """What a modified browser can put in one ``event`` message: any name (private methods,
    other states' vars, junk), a payload that is not an object, odd router data."""
    tab = Tab(fuzz_server)
    log = LogWatch(fuzz_server.log_path)
    findings = Findings()

    @settings(SETTINGS, max_examples=PROTOCOL_EXAMPLES)
    @given(FRAMES)
    def check(frame: str) -> None:
        tab.ensure_open()
        before = _row_counts()
        try:
            messages = tab.raw(frame)
        finally:
            findings.add("event message", frame, log.new())
        if "success" not in _toasts(messages) and not any(v(messages) for v in SUCCESS.values()):
            assert _row_counts() == before, f"rows changed after {frame[:400]}"

    try:
        check()
    finally:
        tab.close()
    findings.check()


def _handshakes(base_url: str) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "Origin": _origins(base_url),
            "Cookie": _header_text(200)
            | st.sampled_from(
                [
                    "atoll_session=x",
                    "atoll_visitor=" + "a" * 20,
                    "atoll_visitor={}",
                    "atoll_session=" + "A" * 43,
                ]
            ),
            "User-Agent": _header_text(300),
            "X-Forwarded-For": _header_text(60),
            "X-Forwarded-Proto": _header_text(20),
        },
    )


def test_hostile_handshake_headers_are_refused_or_served(fuzz_server, fuzz_db):
    """Any Origin, Cookie or forwarding header on the websocket handshake: the socket opens
    (and answers events that read the cookie) or is refused with 403, never a traceback."""
    log = LogWatch(fuzz_server.log_path)
    findings = Findings()
    opened: list[bool] = []

    @settings(SETTINGS, max_examples=HANDSHAKE_EXAMPLES)
    @given(_handshakes(fuzz_server.base_url))
    @example({"Origin": "http://["})  # urlsplit raises on an unclosed IPv6 bracket
    def check(headers: dict[str, str]) -> None:
        tab = Tab(fuzz_server, headers=headers)
        try:
            tab.ensure_open()
        except aiohttp.WSServerHandshakeError as refused:
            assert refused.status == 403, f"{refused.status} for {headers!r}"
            opened.append(False)
        else:
            tab.event(f"{SITE}.state___auth____account_state.load_user", {})
            tab.event(f"{LIKE}.toggle_like", {"post_slug": "no-such-post"})
            opened.append(True)
        finally:
            tab.close()
        findings.add("handshake", headers, log.new())

    check()
    findings.check()
    assert True in opened and False in opened
