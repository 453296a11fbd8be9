"""The Reflex plugin that makes the production build server-renderable.

Reflex 0.10 writes ``react-router.config.js`` with ``"ssr": false`` and has no setting for
it; a plugin's modify tasks run after that file is written, so this plugin:

- turns ``ssr`` on in production builds (where Reflex prerenders): static routes are still
  prerendered, and the server build renders any route on request; the whole route
  manifest goes into the page (``routeDiscovery: initial``), so no ``/__manifest`` calls;
- adds ``app/entry.server.jsx`` (React Router's default entry, plus the page's state) and
  ``utils/ssr-state.js``;
- lets Reflex's state store start from that state: on the server from the render request,
  in the browser from the copy the server wrote into the page, so hydration renders
  exactly what the server did;
- makes the islands lazy (``utils/lazy-islands.js``): a page that came with its state opens
  its websocket only when a visitor reaches for an island, so a reader costs one cached
  HTML response and no websocket, no state load and no per-tab memory on the server.

The ``context.jsx`` and ``state.js`` edits are string replacements that raise if Reflex's template
changes, so an upgrade fails the build loudly instead of hydrating wrongly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx
from reflex_base import constants

from app.render.server import SERVER_SCRIPT

WEB = Path(__file__).parent / "web"

_CONTEXT_EDITS = (
    (
        'import { jsx } from "@emotion/react";',
        'import { jsx } from "@emotion/react";\n'
        'import { SSRStateContext, injectedState, withInjected } from "$/utils/ssr-state";',
    ),
    (
        "const [store] = useState(() => createStateStore(initialState));",
        "const [store] = useState(() => "
        "createStateStore(withInjected(initialState, injectedState())));",
    ),
    (
        "  return createElement(StateStoreProviders, { children, store: serverStateStore });",
        "  const injected = useContext(SSRStateContext);\n"
        "  const store = useMemo(() => {\n"
        "    if (!injected) return serverStateStore;\n"
        "    const merged = withInjected(initialState, injected);\n"
        "    return { ...serverStateStore, getSnapshot: (name) => merged[name] };\n"
        "  }, [injected]);\n"
        "  return createElement(StateStoreProviders, { children, store });",
    ),
)


_STATE_EDITS = (
    (
        'import { app, eventLoop } from "$/utils/context-registry";',
        'import { app, eventLoop } from "$/utils/context-registry";\n'
        'import { islandsAwake, onWake } from "$/utils/lazy-islands";',
    ),
    (  # the speculative transport it starts before the app mounts
        "      socketStarted ||\n      Object.keys(app.initialState ?? {}).length <= 1 ||",
        "      socketStarted ||\n      !islandsAwake() ||\n"
        "      Object.keys(app.initialState ?? {}).length <= 1 ||",
    ),
    (
        "  const ensureSocketConnected = useCallback(async () => {\n    if (!mounted.current) {",
        "  const ensureSocketConnected = useCallback(async () => {\n"
        "    // A lazy page queues its events until an island wakes it (utils/lazy-islands.js).\n"
        "    if (!islandsAwake()) {\n"
        "      return;\n"
        "    }\n"
        "    if (!mounted.current) {",
    ),
    (
        "    mounted.current = true;\n"
        "    ensureSocketConnected();\n"
        "\n"
        "    // Cleanup function.\n"
        "    return () => {\n",
        "    mounted.current = true;\n"
        "    const forget = onWake(ensureSocketConnected);\n"
        "\n"
        "    // Cleanup function.\n"
        "    return () => {\n"
        "      forget();\n",
    ),
)


def _edit(name: str, source: str, edits: tuple[tuple[str, str], ...]) -> str:
    for old, new in edits:
        if old not in source:
            raise RuntimeError(f"{name} changed; the patch no longer applies: {old[:60]}")
        source = source.replace(old, new, 1)
    return source


def server_rendering(config_js: str) -> str:
    """``react-router.config.js`` with ``ssr`` on, in production builds only (they prerender)."""
    if '"prerender": true' not in config_js:
        return config_js
    return config_js.replace('"ssr": false', '"ssr": true, "routeDiscovery": {"mode": "initial"}')


def injected_state(context_jsx: str) -> str:
    """``utils/context.jsx`` whose state stores start from the injected page state."""
    return _edit("utils/context.jsx", context_jsx, _CONTEXT_EDITS)


def lazy_islands(_built: str) -> str:
    """``utils/state.js`` whose event loop connects when the islands wake.

    Reflex copies ``state.js`` into ``.web`` once and then compiles over that copy, so the
    file on disk is last build's output: the edit starts from Reflex's own template instead.
    """
    template = Path(constants.Templates.Dirs.WEB_TEMPLATE) / "utils" / "state.js"
    return _edit("utils/state.js", template.read_text(), _STATE_EDITS)


class ServerRenderPlugin(rx.plugins.Plugin):
    """Registered in ``rxconfig.py``."""

    def get_static_assets(self, **context: Any) -> list[tuple[Path, str]]:
        return [
            (Path("app/entry.server.jsx"), (WEB / "entry.server.jsx").read_text()),
            (Path("utils/ssr-state.js"), (WEB / "ssr-state.js").read_text()),
            (Path("utils/lazy-islands.js"), (WEB / "lazy-islands.js").read_text()),
            (Path(SERVER_SCRIPT), (WEB / "server.mjs").read_text()),
        ]

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("react-router.config.js", server_rendering)
        context["add_modify_task"]("utils/context.jsx", injected_state)
        context["add_modify_task"]("utils/state.js", lazy_islands)
