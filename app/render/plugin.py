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
- serves the render server (``app/render/web/server.mjs``), which also makes the islands
  lazy: a server-rendered page loads its scripts, and opens its websocket, only when a
  visitor reaches for an island.

The ``context.jsx`` edits are string replacements that raise if Reflex's template
changes, so an upgrade fails the build loudly instead of hydrating wrongly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx

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


def server_rendering(config_js: str) -> str:
    """``react-router.config.js`` with ``ssr`` on, in production builds only (they prerender)."""
    if '"prerender": true' not in config_js:
        return config_js
    return config_js.replace('"ssr": false', '"ssr": true, "routeDiscovery": {"mode": "initial"}')


def injected_state(context_jsx: str) -> str:
    """``utils/context.jsx`` whose state stores start from the injected page state."""
    for old, new in _CONTEXT_EDITS:
        if old not in context_jsx:
            raise RuntimeError(
                f"utils/context.jsx changed; the SSR patch no longer applies: {old[:60]}"
            )
        context_jsx = context_jsx.replace(old, new, 1)
    return context_jsx


class ServerRenderPlugin(rx.plugins.Plugin):
    """Registered in ``rxconfig.py``."""

    def get_static_assets(self, **context: Any) -> list[tuple[Path, str]]:
        return [
            (Path("app/entry.server.jsx"), (WEB / "entry.server.jsx").read_text()),
            (Path("utils/ssr-state.js"), (WEB / "ssr-state.js").read_text()),
            (Path(SERVER_SCRIPT), (WEB / "server.mjs").read_text()),
        ]

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("react-router.config.js", server_rendering)
        context["add_modify_task"]("utils/context.jsx", injected_state)
