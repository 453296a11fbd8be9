"""A page's state, computed without a websocket: what the server renders and the browser hydrates.

Reflex fills a page's state over the websocket: ``hydrate``, then the route's on_load
handlers and the islands' on_mount loaders. Here the same handlers run on a throwaway
state tree (no token, no state manager, no lock) fed the router data a socket event would
carry; the substates they touched, resolved as the client stores them, are the snapshot.
The handlers are the app's own, so the server HTML and the live page show the same data.

Only the touched substates are shipped, never :class:`state.site.SiteState` (the visitor
cookie). A public page is computed with no cookie at all, so nothing personal can reach a
shared cache; a private page (a signed-in visitor) passes the request's cookie along, and
its HTML is never stored.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from reflex.istate.delta import _resolve_delta
from reflex.state import State
from reflex_base.event import EventHandler, EventSpec

from state.site import SiteState

NOT_FOUND = "/404"
"""Reflex's not-found page, rendered for a path no route matches."""


@dataclass(frozen=True)
class Snapshot:
    route: str
    """The route pattern the path matched, e.g. ``/blog/[slug]`` (``/404`` for none)."""
    params: dict[str, str]
    state: dict[str, dict[str, Any]]
    redirect: str | None = None
    """Where a load handler sent the visitor (``rx.redirect``): answered as an HTTP 303."""


def reflex_app() -> Any:
    """The running Reflex app (its router and load events); imported late, as it imports us."""
    from app.app import app

    return app


def route_of(path: str) -> str | None:
    """The route pattern ``path`` matches (``/blog/[slug]``; ``/`` for the home page), if any."""
    pattern = reflex_app().router(path.rstrip("/") or "/")
    if pattern is None:
        return None
    return "/" if pattern == "index" else "/" + pattern.removeprefix("/")


def route_params(route: str, path: str) -> dict[str, str]:
    """The dynamic segments of ``path`` under ``route`` (``/blog/[slug]`` → ``{"slug": …}``)."""
    return {
        pattern[1:-1]: value
        for pattern, value in zip(
            route.strip("/").split("/"), path.strip("/").split("/"), strict=False
        )
        if pattern.startswith("[") and pattern.endswith("]")
    }


async def _run(result: Any) -> list[Any]:
    """Run a handler's result to the end; the events it returned or yielded."""
    events: list[Any] = []
    if inspect.isasyncgen(result):
        events = [event async for event in result]
    elif inspect.isawaitable(result):
        events = [await result]
    else:
        events = [result]
    flat: list[Any] = []
    for event in events:
        flat.extend(event if isinstance(event, list | tuple) else [event])
    return [event for event in flat if event is not None]


def _redirect_of(events: list[Any]) -> str | None:
    for event in events:
        if (
            isinstance(event, EventSpec)
            and getattr(event.handler.fn, "__qualname__", "") == "_redirect"
        ):
            args = {name._js_expr: value._decode() for name, value in event.args}
            if not args.get("external"):
                return str(args["path"])
    return None


def _handler_and_args(spec: EventHandler | EventSpec) -> tuple[EventHandler, dict[str, Any]]:
    if isinstance(spec, EventHandler):
        return spec, {}
    return spec.handler, {name._js_expr: value._decode() for name, value in spec.args}


async def snapshot(
    path: str,
    query: dict[str, str],
    *,
    cookie: str = "",
    client_ip: str = "",
    islands: Iterable[EventHandler | EventSpec] = (),
) -> Snapshot:
    """Run ``path``'s on_load handlers, then ``islands`` (their on_mount loaders), and return
    the state they produced. ``cookie`` and ``client_ip`` are the visitor's, for private
    pages only (an action a private page runs counts against that visitor's limits)."""
    app = reflex_app()
    route = route_of(path) or NOT_FOUND
    params = route_params(route, path)
    root = State(_reflex_internal_init=True)  # pyright: ignore[reportCallIssue]  # Reflex's own constructor flag
    root.router_data = root._update_router_vars(
        {
            "pathname": route,
            # The URL as the browser has it: handlers read ``?page=`` from router.url.
            "asPath": path + ("?" + urlencode(query) if query else ""),
            "query": {**query, **params},
            "headers": {"cookie": cookie, "origin": ""},
            "token": "",
            "ip": client_ip,
            "sid": "",
        },
        {},
    )
    touched: set[str] = set()
    for spec in [*app.get_load_events(route), *islands]:
        handler, args = _handler_and_args(spec)
        if handler.state is None or handler.state is SiteState:
            continue  # ensure_visitor: a cookie is issued by the live page, never in shared HTML
        substate = await root.get_state(handler.state)
        redirect = _redirect_of(await _run(handler.fn(substate, **args)))
        if redirect is not None:
            return Snapshot(route, params, {}, redirect)
        touched.add(handler.state.get_full_name())
    resolved = await _resolve_delta(root.dict())
    return Snapshot(route, params, {name: resolved[name] for name in touched if name in resolved})
