"""Reflex configuration: one app, named ``app``; the database is Atoll's own (db/core/engine.py).

``cors_allowed_origins`` is the site's own origins only (Reflex's default is ``*``, which
with credentials lets any page read a signed-in visitor's responses): see
:func:`db.core.config.configured_origins` and :mod:`app.security`. Atoll's own settings are
checked first (:func:`db.core.settings.settings_or_exit`).
"""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from app.render.plugin import ServerRenderPlugin
from db.core.config import configured_origins
from db.core.settings import settings_or_exit

# The first of Atoll's code that `reflex run` (and each worker) imports: a bad setting
# stops it here, with one line naming the variable, before anything is built or served.
settings_or_exit()

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=list(configured_origins()),
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium")),
        ServerRenderPlugin(),
    ],
    disable_plugins=[SitemapPlugin],
)
