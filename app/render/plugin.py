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
  visitor reaches for an island;
- imports Radix Themes' colour tokens for the colours the site uses only.

The ``context.jsx`` and stylesheet edits are string replacements that raise if Reflex's
files change, so an upgrade fails the build loudly instead of hydrating wrongly.
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


RADIX_COLORS = ("teal", "sage", "gray", "red", "green", "amber", "blue", "tomato")
"""The Radix colours the site uses: the accent (teal) and the gray Radix pairs with it
(sage), and the ``color_scheme`` of components (gray text and badges, red errors, green
notices, amber and blue badges and stars, the tomato heart). A test checks that every
``color_scheme`` in ``components/`` and ``app/`` is here."""

_RADIX_ALL = "@import url('@radix-ui/themes/styles.css');"
_RADIX_USED = "\n".join(
    (
        "@import url('@radix-ui/themes/tokens/base.css');",
        *(f"@import url('@radix-ui/themes/tokens/colors/{color}.css');" for color in RADIX_COLORS),
        "@import url('@radix-ui/themes/components.css');",
        "@import url('@radix-ui/themes/utilities.css');",
    )
)


def used_colors_only(global_css: str) -> str:
    """Reflex's global stylesheet importing Radix Themes' tokens for :data:`RADIX_COLORS`
    only (Radix's documented selective imports), not all 30 colours: the stylesheet is most
    of a reader's bytes now that a read page loads no script."""
    return _edit("styles/__reflex_global_styles.css", global_css, ((_RADIX_ALL, _RADIX_USED),))


def server_rendering(config_js: str) -> str:
    """``react-router.config.js`` with ``ssr`` on, in production builds only (they prerender)."""
    if '"prerender": true' not in config_js:
        return config_js
    return config_js.replace('"ssr": false', '"ssr": true, "routeDiscovery": {"mode": "initial"}')


def _edit(name: str, source: str, edits: tuple[tuple[str, str], ...]) -> str:
    """``source`` with each ``(old, new)`` replaced once; raises if Reflex's file changed."""
    for old, new in edits:
        if old not in source:
            raise RuntimeError(f"{name} changed; the patch no longer applies: {old[:60]}")
        source = source.replace(old, new, 1)
    return source


def injected_state(context_jsx: str) -> str:
    """``utils/context.jsx`` whose state stores start from the injected page state."""
    return _edit("utils/context.jsx", context_jsx, _CONTEXT_EDITS)


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
        context["add_modify_task"]("styles/__reflex_global_styles.css", used_colors_only)
